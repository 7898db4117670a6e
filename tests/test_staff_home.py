"""The staff home (/petugas): the day's figures from every feature, for the staff member's
region, and a button for every task that does what typing the command does."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.features.broadcasts.model import Audience, Draft
from tests.broadcast_kit import add_subscriber, add_volunteer
from tests.conftest import ADMIN_ID, choose_language
from tests.skm_kit import seed
from tests.status_kit import SITI, SITI_NIK, look_up, run_import, write_csv

UNKNOWN = "Saya tidak mengenal perintah itu"
SURABAYA, MALANG = "3578", "3507"
OPERATOR, REGIONAL = 7101, 7102


@pytest.fixture
async def operator(app, client):
    await app.services.staff.add_member(None, OPERATOR, "operator")
    return await choose_language(client(OPERATOR, first_name="Opi"), "id")


@pytest.fixture
async def regional(app, client):
    await app.services.staff.add_member(None, REGIONAL, "operator", SURABAYA)
    return await choose_language(client(REGIONAL, first_name="Rina", language_code="id"), "id")


def figure(text: str, label: str) -> str:
    """The line of the home that starts with `• label`."""
    for line in text.splitlines():
        if line.startswith(f"• {label}"):
            return line
    raise AssertionError(f"no line {label!r} in:\n{text}")


async def test_residents_get_the_unknown_command_answer_and_no_menu_entry(resident):
    baseline = (await resident.send("/tidakada"))[0].text
    assert [m.text for m in await resident.send("/petugas")] == [baseline]
    menu = (await resident.send("/menu"))[-1]
    assert "Menu petugas" not in menu.labels()
    # forged home buttons: the same answer, nothing shown
    replies = await resident.press(menu, "home:go:siaran")
    assert [m.text for m in replies] == [baseline]
    replies = await resident.press(menu, "home:show")
    assert [m.text for m in replies] == [baseline]


async def test_staff_menu_has_the_home_and_the_home_has_every_task(admin, operator):
    menu = (await admin.send("/menu"))[-1]
    assert "Menu petugas" in menu.labels()
    home = (await admin.click("Menu petugas"))[-1]
    assert home.text.startswith("Menu petugas — Sen, 2 Nov 2026")
    labels = home.labels()
    for label in ("Pengumuman", "Status siaran", "Pengingat relawan", "Pertanyaan warga",
                  "Belum dipahami", "Laporan IKM", "Impor data", "Kelola relawan", "Staf",
                  "Perbarui"):
        assert label in labels
    assert all(len(label) <= 24 for label in labels)
    # an operator does not manage staff: no button, and a forged one does nothing
    home = (await operator.send("/petugas"))[-1]
    assert "Staf" not in home.labels() and "Pengumuman" in home.labels()
    replies = await operator.press(home, "home:go:staf")
    assert not any("Staf bot ini" in m.body for m in replies)
    replies = await operator.press(home, "home:go:hapus_semua")  # not a task at all
    assert not any("Staf bot ini" in m.body for m in replies)


async def test_a_task_button_does_what_typing_the_command_does(admin, app):
    typed = (await admin.send("/pengingat"))[-1].body
    await admin.send("/batal")
    await admin.send("/petugas")
    pressed = (await admin.click("Pengingat relawan"))[-1].body
    assert pressed == typed
    await admin.send("/batal")
    # a conversation started from the home goes on as if typed: the staff list pages
    await admin.send("/petugas")
    replies = await admin.click("^Staf$")
    assert "Staf bot ini" in replies[-1].text
    replies = await admin.click("Tambah staf")
    assert "Peran apa untuk staf baru ini" in replies[-1].text


async def test_the_days_figures_come_from_every_feature(admin, app, client, clock, settings,
                                                          tmp_path, resident):
    services = app.services
    # questions: two answered, one not understood
    await resident.send("syarat pkh apa saja")
    await resident.send("berapa bantuan bpnt")
    looker = await choose_language(client(1005), "id")
    await looker.send("harga emas hari ini")
    # status: one found, two not found
    await run_import(write_csv(tmp_path, [SITI]), settings, clock)
    assert "PKH" in await look_up(resident, SITI_NIK, "Siti Aminah")
    await look_up(looker, SITI_NIK, "Orang Lain")
    await looker.send("Orang Lain Lagi")
    # tickets: one waiting
    await resident.send("/tanya")
    await resident.send("Bu, kapan bantuan saya cair? Sudah tiga bulan.")
    # broadcasts: one scheduled
    await add_subscriber(app, 1010)
    await services.broadcasts.create(ADMIN_ID, Draft("Besok kantor tutup", audience=Audience()),
                                     scheduled_at=clock() + dt.timedelta(hours=5))
    # reminders: one later today, one tomorrow
    await services.reminders.create(None, text="Rapat", at=clock() + dt.timedelta(hours=2),
                                    trusted=True)
    await services.reminders.create(None, text="Lapor", at=clock() + dt.timedelta(days=1),
                                    trusted=True)
    # volunteers: two waiting, one approved
    await add_volunteer(app, 3001, "tksk", SURABAYA, status="pending")
    await add_volunteer(app, 3002, "pkh", MALANG, status="pending")
    await add_volunteer(app, 3003, "pkh", MALANG)
    # survey: two this month, one last month
    await seed(services.store, 2001, "DINSOS", [4] * 9)
    await seed(services.store, 2002, "DINSOS", [3] * 9)
    await seed(services.store, 2003, "DINSOS", [3] * 9, month="2026-10",
               when=dt.datetime(2026, 10, 20, tzinfo=dt.UTC))

    text = (await admin.send("/petugas"))[-1].text
    assert figure(text, "pertanyaan dijawab bot") == \
        "• pertanyaan dijawab bot: 2; tidak dipahami: 1"
    assert figure(text, "cek status") == "• cek status: 3; data tidak ditemukan: 2 (66,7%)"
    assert figure(text, "pertanyaan menunggu") == "• pertanyaan menunggu petugas: 1"
    assert figure(text, "siaran") == "• siaran sedang dikirim atau terjadwal: 1"
    assert figure(text, "pengingat") == "• pengingat yang masih akan dikirim hari ini: 1"
    assert figure(text, "relawan") == "• relawan menunggu persetujuan: 2"
    assert figure(text, "jawaban survei") == "• jawaban survei (SKM): 2"
    assert "hanya" not in text  # an administrator sees the whole province


async def test_question_counts_survive_a_restart(make_app, fake, clock):
    from bot.offline.client import ChatClient

    first = await make_app()
    siti = await choose_language(ChatClient(first, fake, user_id=1001), "id")
    await siti.send("syarat pkh apa saja")
    await siti.send("harga emas hari ini")
    await first.shutdown()  # the stop hook writes what was counted
    second = await make_app()
    assert await second.services.questions.today() == {"answered": 1, "not_understood": 1}
    clock.advance(days=1)  # a new day starts at zero
    assert await second.services.questions.today() == {"answered": 0, "not_understood": 0}


async def test_a_regional_operator_sees_the_figures_of_their_region(app, regional, operator):
    services = app.services
    await add_volunteer(app, 3001, "tksk", SURABAYA, status="pending")
    await add_volunteer(app, 3002, "pkh", MALANG, status="pending")
    await add_volunteer(app, 3003, "pkh", MALANG, status="pending")
    at = services.clock() + dt.timedelta(hours=2)
    await services.reminders.create(None, text="Rapat Surabaya", region_code=SURABAYA, at=at,
                                    trusted=True)
    await services.reminders.create(None, text="Rapat Malang", region_code=MALANG, at=at,
                                    trusted=True)
    await services.reminders.create(None, text="Rapat semua", at=at, trusted=True)

    text = (await regional.send("/petugas"))[-1].text
    assert "Pertanyaan, siaran, pengingat, relawan, dan jawaban survei: hanya Kota Surabaya." \
        in text
    assert figure(text, "relawan") == "• relawan menunggu persetujuan: 1"
    assert figure(text, "pengingat") == "• pengingat yang masih akan dikirim hari ini: 1"
    text = (await operator.send("/petugas"))[-1].text
    assert "hanya" not in text
    assert figure(text, "relawan") == "• relawan menunggu persetujuan: 3"
    assert figure(text, "pengingat") == "• pengingat yang masih akan dikirim hari ini: 3"


async def test_the_survey_figure_counts_the_units_of_the_operators_region(app, regional,
                                                                          operator):
    store = app.services.store
    # this month: two in Surabaya (DINSOS), one in Sidoarjo; last month one more in Surabaya
    await seed(store, 2001, "DINSOS", [4] * 9)
    await seed(store, 2002, "DINSOS", [3] * 9)
    await seed(store, 2003, "PPSAB-SDA", [3] * 9)
    await seed(store, 2004, "DINSOS", [3] * 9, month="2026-10",
               when=dt.datetime(2026, 10, 20, tzinfo=dt.UTC))
    text = (await regional.send("/petugas"))[-1].text
    assert figure(text, "jawaban survei") == "• jawaban survei (SKM): 2"
    text = (await operator.send("/petugas"))[-1].text  # bound to no region: every unit
    assert figure(text, "jawaban survei") == "• jawaban survei (SKM): 3"


async def test_the_home_opens_volunteer_management_for_the_operators_region(app, regional):
    await add_volunteer(app, 3001, "tksk", SURABAYA, status="pending")
    await add_volunteer(app, 3002, "pkh", MALANG, status="pending")
    typed = (await regional.send("/kelola_relawan"))[-1]
    home = (await regional.send("/petugas"))[-1]
    assert "Kelola relawan" in home.labels()
    pressed = (await regional.click("Kelola relawan"))[-1]
    assert pressed.body == typed.body
    assert pressed.text.startswith("Relawan (Kota Surabaya)\nMenunggu persetujuan: 1\n")


async def test_refresh_edits_the_home_in_place(admin, app):
    home = (await admin.send("/petugas"))[-1]
    assert figure(home.text, "relawan") == "• relawan menunggu persetujuan: 0"
    await add_volunteer(app, 3001, "tksk", SURABAYA, status="pending")
    replies = await admin.click("Perbarui")
    assert replies[-1].message_id == home.message_id
    assert figure(replies[-1].text, "relawan") == "• relawan menunggu persetujuan: 1"


async def test_javanese_staff_home(app, client):
    await app.services.staff.add_member(None, 7201, "operator", MALANG)
    budi = await choose_language(client(7201, first_name="Budi", language_code="jv"), "jv")
    home = (await budi.send("/petugas"))[-1]
    assert home.text.startswith("Menu petugas — Senen, 2 Nov 2026")
    assert "namung Kab. Malang" in home.text
    assert "Woro-woro" in home.labels()
    assert all(len(label) <= 24 for label in home.labels())
