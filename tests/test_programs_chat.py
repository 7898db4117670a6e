"""Programs through the real bot: questions in free text, /program cards, what a resident sees."""

from __future__ import annotations


async def test_indonesian_question_answered_from_content_with_caveat(resident):
    replies = await resident.send("Apa syarat PKH Plus?")
    assert len(replies) == 1
    text = replies[0].text
    assert text.startswith("PKH Plus")
    assert "Siapa yang berhak" in text and "70 tahun" in text
    assert "Sumber:" in text
    assert "Cara mendaftar" in replies[0].labels()


async def test_unverified_amount_is_never_stated_as_certain(resident, resident_jv):
    text = (await resident.send("aspd brp sebulan"))[0].text
    assert text.startswith("ASPD")
    assert "Rp300 ribu" in text and "(perlu dikonfirmasi ke petugas)" in text
    text = (await resident_jv.send("ASPD saben wulan pinten?"))[0].text
    assert "Rp300 ewu" in text and "(perlu dipunkonfirmasi dhateng petugas)" in text


async def test_javanese_krama_and_ngoko_answered_in_krama(resident_jv):
    for question in ("Menapa syaratipun PKH Plus?", "syarate PKH Plus apa wae?"):
        text = (await resident_jv.send(question))[0].text
        assert text.startswith("PKH Plus")
        assert "Syarat nampi" in text
        assert "tiyang sepuh yuswa 70 taun" in text


async def test_language_of_the_answer_follows_the_user_not_the_question(resident, resident_jv):
    text = (await resident.send("Menapa syaratipun PKH Plus?"))[0].text
    assert "lansia berusia 70 tahun" in text           # an Indonesian user, asking in Javanese
    text = (await resident_jv.send("syarat pkh plus apa aja"))[0].text
    assert "tiyang sepuh yuswa 70 taun" in text         # a Javanese user, asking in Indonesian


async def test_typo_and_schedule_question(resident):
    text = (await resident.send("pkh plsu kapan cair"))[0].text
    assert text.startswith("PKH Plus") and "Jadwal pencairan" in text


async def test_missing_schedule_says_so_and_gives_contact(resident):
    text = (await resident.send("kube kapan cair"))[0].text
    assert text.startswith("KUBE")
    assert "Belum ada jadwal pencairan tetap" in text and "TKSK" in text


async def test_unrelated_question_is_not_answered_with_a_program(resident):
    for question in ("jadwal kereta api surabaya malang", "resep rawon", "skor persebaya"):
        replies = await resident.send(question)
        text = replies[0].text
        assert "tidak menemukan program" in text, question
        assert "/program" in text and "(031) 8290794" in text
        assert replies[0].labels() == ["Menu utama", "Semua program", "Cek program yang cocok",
                                       "Tanya petugas"]


async def test_two_programs_fit_asks_with_buttons(resident):
    replies = await resident.send("berapa bantuan modal untuk janda di kelompok usaha bersama")
    assert "Maksud Anda" in replies[0].text
    assert set(replies[0].labels()) >= {"KUBE", "WRSE"}
    replies = await resident.click("WRSE")
    assert replies[-1].text.startswith("WRSE")
    assert "Bentuk bantuan" in replies[-1].text      # the aspect asked is kept


async def test_program_list_grouped_and_card_buttons(resident):
    replies = await resident.send("/program")
    assert len(replies) == 2
    assert "Provinsi Jawa Timur" in replies[0].text and "PKH Plus" in replies[0].labels()
    assert "nasional" in replies[1].text and "BPNT/Sembako" in replies[1].labels()
    assert "PKH Plus" not in replies[1].labels()
    card = (await resident.click("ATM Pasung"))[-1]
    assert card.text.startswith("ATM Pasung")
    assert {"Siapa yang berhak", "Cara mendaftar", "Dokumen", "Kontak"} <= set(card.labels())
    docs = (await resident.click("Dokumen"))[-1]
    assert docs.text.startswith("ATM Pasung") and "Dokumen:" in docs.text
    contact = (await resident.click("Kontak"))[-1]
    assert "Kontak:" in contact.text and "(031) 8290794" in contact.text


async def test_menu_has_programs_and_check(resident):
    replies = await resident.send("/menu")
    labels = replies[0].labels()
    assert labels[:2] == ["Program bantuan", "Cek program yang cocok"]
    replies = await resident.click("Program bantuan")
    assert "PKH Plus" in replies[0].labels()


async def test_forged_and_stale_buttons_get_a_polite_answer(resident, fake):
    msg = (await resident.send("/program"))[0]
    before = len(resident.replies)
    for data in ("prog:card:nothere", "prog:asp:pkh_plus:secrets", "prog:card:../x",
                 "cek:whynot"):
        await resident.press(msg, data)
        answer = fake.calls_to("answerCallbackQuery")[-1]
        assert "tidak berlaku" in (answer.params.get("text") or ""), data
    assert len(resident.replies) == before  # nothing was sent, nothing changed


async def test_help_lists_the_new_commands(resident):
    text = (await resident.send("/bantuan"))[0].text
    assert "/program" in text and "/cek" in text


async def test_index_is_built_once_at_start(app):
    index = app.services.programs
    assert len(index.programs) == 21
    assert index.aliases and index.vocab


async def test_answer_offers_next_question_and_the_whole_card(resident_jv):
    replies = await resident_jv.send("pkh plus oleh piro?")
    assert replies[0].labels() == ["Syarat nampi", "Katrangan jangkep"]
    card = (await resident_jv.click("Katrangan jangkep"))[-1]
    assert card.text.startswith("PKH Plus")
    assert {"Caranipun ndaftar", "Dokumen", "Kontak", "Sedaya program"} <= set(card.labels())


async def test_every_button_fits_telegram_and_our_patterns(app):
    import re

    from bot.features.programs.callbacks import (
        ASPECT_PATTERN,
        CARD_PATTERN,
        CEK_ANSWER_PATTERN,
        CEK_SKIP_PATTERN,
    )

    content = app.services.content
    for p in content.programs:
        card = f"prog:card:{p.key}"
        assert re.match(CARD_PATTERN, card) and len(card.encode()) <= 64
        for aspect in ("eligibility", "benefit", "schedule", "apply", "documents", "contact"):
            data = f"prog:asp:{p.key}:{aspect}"
            assert re.match(ASPECT_PATTERN, data) and len(data.encode()) <= 64
    for q in content.screener.questions:
        assert re.match(CEK_SKIP_PATTERN, f"cek:skip:{q.key}")
        for o in q.options:
            data = f"cek:ans:{q.key}:{o.value}"
            assert re.match(CEK_ANSWER_PATTERN, data) and len(data.encode()) <= 64
