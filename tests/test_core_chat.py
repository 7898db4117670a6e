"""Start, language, menu, help, cancel, subscription: what a resident sees."""

from __future__ import annotations

from tests.conftest import choose_language


async def test_first_start_offers_both_languages(client):
    siti = client(1001, language_code="id")
    replies = await siti.send("/start")
    assert len(replies) == 1
    assert replies[0].labels() == ["Bahasa Indonesia", "Basa Jawa"]
    assert "Selamat datang" in replies[0].text  # Telegram says id: the welcome is Indonesian


async def test_javanese_telegram_user_is_welcomed_in_krama(client):
    budi = client(1002, language_code="jv")
    replies = await budi.send("/start")
    assert "Sugeng rawuh" in replies[0].text
    assert replies[0].labels() == ["Bahasa Indonesia", "Basa Jawa"]


async def test_unknown_telegram_language_falls_back_to_default(client):
    tom = client(1003, language_code="en")
    replies = await tom.send("/start")
    assert "Selamat datang" in replies[0].text


async def test_choosing_javanese_switches_everything(client, app):
    budi = client(1002, language_code="id")
    await budi.send("/start")
    replies = await budi.click("Basa Jawa")
    texts = [m.text for m in replies]
    assert "Basa: Basa Jawa" in texts  # the picker is edited to confirm
    menu = replies[-1]
    assert "Menapa ingkang badhe panjenengan" in menu.text
    assert "Pitulungan lan kontak" in menu.labels()
    sub = await app.services.store.subscribers.get(1002)
    assert sub.language == "jv"
    help_reply = (await budi.send("/bantuan"))[0].text
    assert "Kula punika bot layanan" in help_reply


async def test_second_start_shows_the_menu_not_the_picker(resident):
    replies = await resident.send("/start")
    assert len(replies) == 1
    assert "Selamat datang kembali" in replies[0].text
    assert "Bahasa Indonesia" not in replies[0].labels()
    assert "Petunjuk dan kontak" in replies[0].labels()


async def test_bahasa_changes_language_at_any_time(resident):
    replies = await resident.send("/bahasa")
    assert replies[0].labels() == ["Bahasa Indonesia", "Basa Jawa"]
    await resident.click("Basa Jawa")
    assert "Kula boten mangertos" in (await resident.send("/xyz"))[0].text


async def test_menu_buttons_help_and_language(resident):
    await resident.send("/menu")
    replies = await resident.click("Petunjuk dan kontak")
    assert "(031) 8290794" in replies[0].text
    assert "/berhenti" in replies[0].text
    await resident.send("/menu")
    replies = await resident.click("Ganti bahasa")
    assert replies[0].labels() == ["Bahasa Indonesia", "Basa Jawa"]


async def test_help_lists_commands_and_contacts(resident_jv):
    text = (await resident_jv.send("/bantuan"))[0].text
    for needle in ("/menu", "/bahasa", "/batal", "dinsos56b@jatimprov.go.id", "171"):
        assert needle in text


async def test_cancel_with_nothing_to_cancel(resident):
    replies = await resident.send("/batal")
    assert "Tidak ada yang perlu dibatalkan" in replies[0].text


async def test_unsubscribe_and_subscribe_again(resident, app):
    subs = app.services.store.subscribers
    assert (1001, "id") in await subs.audience()
    replies = await resident.send("/berhenti")
    assert "tidak akan menerima pengumuman" in replies[0].text
    assert (1001, "id") not in await subs.audience()
    await resident.send("/langganan")
    assert (1001, "id") in await subs.audience()


async def test_stop_words_unsubscribe(client, app):
    for n, word in enumerate(["stop", "Berhenti", "mandheg!", "Kendel"]):
        person = await choose_language(client(2000 + n), "id")
        await person.send(word)
        sub = await app.services.store.subscribers.get(2000 + n)
        assert not sub.subscribed, word


async def test_command_menu_is_set_per_language(app, fake):
    calls = fake.calls_to("setMyCommands")
    by_lang = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_lang) == {None, "id", "jv"}
    jv = {c["command"]: c["description"] for c in by_lang["jv"]}
    assert jv["bahasa"] == "gantos basa"
    id_ = {c["command"]: c["description"] for c in by_lang["id"]}
    assert id_["bahasa"] == "ganti bahasa"
