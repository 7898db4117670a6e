"""A volunteer's own entry in the menu, and leaving on their own from /relawan."""

from __future__ import annotations

from tests.conftest import choose_language
from tests.test_volunteer_management import registered

SBY, MLG = "3578", "3507"
REGISTER, MINE, WAITING = "Daftar sebagai relawan", "Data relawan saya", "Pendaftaran relawan saya"


async def menu_labels(person) -> list[str]:
    return (await person.send("/menu"))[-1].labels()


async def test_the_menu_entry_fits_what_relawan_does_for_each_person(app, client, resident):
    assert REGISTER in await menu_labels(resident)
    ani = await choose_language(client(2001, first_name="Ani"), "id")
    await registered(app, 2001, name="Ani", status="pending")
    labels = await menu_labels(ani)
    assert WAITING in labels and REGISTER not in labels and MINE not in labels
    await app.services.volunteers.decide(None, 2001, True, trusted=True)
    labels = await menu_labels(ani)
    assert MINE in labels and REGISTER not in labels and WAITING not in labels
    card = (await ani.click(MINE))[-1]
    assert "Anda terdaftar sebagai relawan" in card.text and "Nama: Ani" in card.text
    # a volunteer the office deactivated still sees their own entry, not "register"
    await registered(app, 2002, status="inactive")
    dedi = await choose_language(client(2002, first_name="Dedi"), "id")
    assert MINE in await menu_labels(dedi)


async def test_the_javanese_labels_are_krama_and_fit_a_button(app, client):
    budi = await choose_language(client(1002, first_name="Budi", language_code="jv"), "jv")
    await registered(app, 1002, name="Budi", status="pending")
    assert "Pandaftaran relawan kula" in await menu_labels(budi)
    await app.services.volunteers.decide(None, 1002, True, trusted=True)
    labels = await menu_labels(budi)
    assert "Data relawan kula" in labels
    assert all(len(label) <= 24 for label in labels)


async def test_a_volunteer_leaves_on_their_own_and_may_register_again(app, client, fake, clock):
    from tests.test_volunteer_management import operator

    await operator(app, client, 7001, SBY)
    await operator(app, client, 7002, MLG)
    ani = await choose_language(client(2001, first_name="Ani"), "id")
    await registered(app, 2001, name="Ani Lestari", region=SBY, status="approved")
    vols = app.services.volunteers
    assert await vols.reminder_audience() == [2001]
    card = (await ani.send("/relawan"))[-1]
    assert "Berhenti jadi relawan" in card.labels()
    # "No" changes nothing and shows the details again
    ask = (await ani.click("Berhenti jadi relawan"))[-1]
    assert ask.text.startswith("Berhenti menjadi relawan?")
    assert ask.labels() == ["Ya, berhenti", "Tidak, tetap relawan"]
    back = (await ani.click("Tidak, tetap relawan"))[-1]
    assert "Anda terdaftar sebagai relawan" in back.text
    assert (await app.services.store.volunteers.get(2001)).status == "approved"
    # "Yes": inactive, out of every audience, audited, the region's staff told
    await ani.click("Berhenti jadi relawan")
    done = (await ani.click("Ya, berhenti"))[-1]
    assert done.text.startswith("Anda sudah tidak menjadi relawan.") and not done.labels()
    vol = await app.services.store.volunteers.get(2001)
    assert (vol.status, vol.decided_by) == ("inactive", 2001)
    assert await vols.reminder_audience() == [] and await vols.audience() == []
    audit = await app.services.store.audit.recent(action_prefix="volunteer.leave")
    assert [(a["actor_id"], a["target"]) for a in audit] == [(2001, "2001")]
    notice = [m.text for m in fake.chat(7001) if "berhenti atas kemauan sendiri" in (m.text or "")]
    assert len(notice) == 1 and "Ani Lestari" in notice[0]
    assert not [m for m in fake.chat(7002) if "kemauan sendiri" in (m.text or "")]
    assert REGISTER in await menu_labels(ani)
    # pressing "Yes" again (an old message) changes nothing and tells no one twice
    await ani.press(done, "vme:leave:yes")
    assert len([m for m in fake.chat(7001) if "kemauan sendiri" in (m.text or "")]) == 1
    assert len(await app.services.store.audit.recent(action_prefix="volunteer.leave")) == 1
    # registering again: the office decides anew
    ask = (await ani.send("/relawan"))[-1]
    assert "Apa peran Anda?" in ask.text


async def test_leaving_in_javanese_and_forged_buttons(app, client, resident):
    budi = await choose_language(client(1002, first_name="Budi", language_code="jv"), "jv")
    await registered(app, 1002, name="Budi", status="approved")
    await budi.send("/relawan")
    ask = (await budi.click("Kendel dados relawan"))[-1]
    assert ask.text.startswith("Kendel dados relawan?")
    assert all(len(label) <= 24 for label in ask.labels())
    done = (await budi.click("Inggih, kendel"))[-1]
    assert "Panjenengan sampun boten dados relawan malih" in done.text
    # a resident who never registered: a forged button changes nothing
    before = await app.services.store.audit.recent(action_prefix="volunteer.")
    menu = (await resident.send("/menu"))[-1]
    await resident.press(menu, "vme:leave:yes")
    await resident.press(menu, "vme:leave")
    assert await app.services.store.audit.recent(action_prefix="volunteer.") == before
    assert await app.services.store.volunteers.get(resident.user_id) is None


async def test_staff_see_who_left_on_their_own_and_cannot_reactivate_them(app, admin, client,
                                                                          fake):
    ani = await choose_language(client(2001, first_name="Ani"), "id")
    await registered(app, 2001, name="Ani Lestari", status="approved")
    await ani.send("/relawan")
    await ani.click("Berhenti jadi relawan")
    await ani.click("Ya, berhenti")
    told = [m for m in fake.chat(admin.user_id) if "kemauan sendiri" in (m.text or "")]
    assert len(told) == 1  # an administrator covers every region
    await admin.send("/kelola_relawan")
    await admin.click("Dinonaktifkan (1)")
    card = (await admin.click("1. Ani Lestari"))[-1]
    assert "Berhenti atas kemauan sendiri: " in card.text and "Diputuskan" not in card.text
    assert "Ia dapat mendaftar lagi dengan /relawan." in card.text
    assert "Aktifkan lagi" not in card.labels()
    # a forged reactivation changes nothing: their choice stands
    await admin.press(card, "vadm:on:2001")
    assert (await app.services.store.volunteers.get(2001)).status == "inactive"
    assert await app.services.volunteers.reminder_audience() == []
    assert not await app.services.store.audit.recent(action_prefix="volunteer.reactivate")


def test_the_command_line_does_not_reactivate_who_left(monkeypatch, settings, capsys):
    import sqlite3

    from tests.test_volunteers import cli

    assert cli(monkeypatch, settings, capsys, "volunteers", "list")[0] == 0  # migrates
    with sqlite3.connect(settings.database_path) as db:
        db.execute(
            "INSERT INTO volunteers (user_id, role, region_code, name, status, requested_at, "
            "decided_at, decided_by) VALUES (1002, 'pkh', '3578', 'Budi', 'inactive', "
            "'2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 1002)")
    code, _, err = cli(monkeypatch, settings, capsys, "volunteers", "reactivate", "1002")
    assert code == 2 and "on their own" in err and err.count("\n") == 1
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT status FROM volunteers WHERE user_id = 1002").fetchone() == \
            ("inactive",)
