"""Assisted surveys (Survei dampingan): the menu button for approved volunteers, the program
served through, and the limit on NIK checks a volunteer can make."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl

from bot.features.skm import workbook
from bot.features.skm.service import NIK_CHECKS, Period
from tests.conftest import choose_language
from tests.skm_kit import choose, find_step_button
from tests.test_skm_field import assisted_survey, finish
from tests.test_volunteers import volunteer

MENU_LABEL = "Assisted survey"  # the msgid


def nik(n: int) -> str:
    """A well-formed NIK of Kota Surabaya, different for each n."""
    return f"357801410190{n + 1:04d}"  # serial 0000 is not a NIK


async def test_the_menu_button_is_for_approved_volunteers_only(app, fake, client, resident,
                                                               admin):
    vol = await volunteer(app, fake, 5001)
    menu = (await vol.send("/menu"))[-1]
    assert await vol.tr(MENU_LABEL) in menu.labels()
    assert await resident.tr(MENU_LABEL) not in (await resident.send("/menu"))[-1].labels()
    assert await admin.tr(MENU_LABEL) not in (await admin.send("/menu"))[-1].labels()
    # a registration still waiting for staff: no button either
    waiting = await choose_language(client(5002, first_name="W", language_code="id"), "id")
    await app.services.store.volunteers.request(5002, "tksk", "3578", "Relawan 5002", None,
                                                app.services.clock())
    assert await waiting.tr(MENU_LABEL) not in (await waiting.send("/menu"))[-1].labels()
    replies = await vol.tap(MENU_LABEL)
    assert "Survei dampingan" in replies[-1].text
    assert any(d.startswith("skm:a:") and ":unit:" in d for _, d in replies[-1].buttons())


async def test_the_menu_button_in_javanese(app, fake):
    vol = await volunteer(app, fake, 5003, lang="jv")
    menu = (await vol.send("/menu"))[-1]
    assert await vol.tr(MENU_LABEL) in menu.labels()


async def test_a_forged_menu_press_by_a_resident_starts_nothing(resident):
    menu = (await resident.send("/menu"))[-1]
    replies = await resident.press(menu, "menu:dampingan")
    assert "khusus untuk relawan yang sudah disetujui" in replies[-1].text
    assert not [d for m in resident.replies for _, d in m.buttons() if d.startswith("skm:a:")]


async def test_the_program_is_chosen_page_by_page_and_counted(app, fake, admin, settings):
    programs = app.services.catalog.all()
    assert len(programs) > 8  # more than one page
    vol = await volunteer(app, fake, 5001)
    await vol.send("/dampingan")
    await choose(vol, "unit", "PSTW-PSR")
    first = vol.last_reply()
    assert "melalui suatu program" in first.text and "Halaman 1 dari" in first.text
    shown = [d.split(":")[4] for _, d in first.buttons() if ":program:" in d]
    assert len(shown) == 9 and shown[-1] == "none"  # eight programs and "none"
    assert all(len(label) <= 24 for label in first.labels())
    last = programs[-1]
    await choose(vol, "program", last.key)  # on a later page: turned to, as a person would
    await choose(vol, "service", "info")
    await choose(vol, "consent", "yes")
    await vol.send(nik(1))
    await finish(vol)
    await assisted_survey(vol, nik(2), program="pkh")
    await finish(vol)
    await assisted_survey(vol, nik(3))  # no particular program
    await finish(vol)
    q4 = Period.parse("2026-Q4")
    report = await app.services.survey.report(q4, "PSTW-PSR")
    assert sorted((k, n) for k, _, n in report.programs) == sorted([(last.key, 1), ("pkh", 1)])
    assert report.as_json()["programs"] == {last.key: 1, "pkh": 1}
    body = (await admin.send("/ikm PSTW-PSR 2026-Q4"))[0].text
    assert "Menurut program: " in body and "PKH 1" in body
    # the spreadsheet and the CSV name the program
    rows = await app.services.survey.report_responses(report)
    data = workbook.xlsx_bytes(app.services.content, report, rows, settings.tz,
                               app.services.clock())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = list(wb["Responden"].iter_rows(values_only=True))
    assert sheet[0][-2] == "Program"
    assert sorted(r[-2] or "" for r in sheet[1:]) == sorted(["", "PKH", last.name.short])
    profil = [r for r in wb["Profil"].iter_rows(values_only=True)]
    assert ("Program (survei dampingan)", "Jumlah", "Persen") in profil
    csv_text = workbook.csv_bytes(app.services.content, rows, settings.tz, {}).decode("utf-8-sig")
    assert csv_text.splitlines()[0].split(";")[-2] == "Program"
    assert ";PKH;" in csv_text


async def test_a_forged_program_is_refused(app, fake):
    vol = await volunteer(app, fake, 5001)
    await vol.send("/dampingan")
    await choose(vol, "unit", "PSTW-PSR")
    msg, data = find_step_button(vol, "program", "none")
    await vol.press(msg, data.replace(":none", ":nosuch"))
    assert (await app.services.store.skm.open_draft(5001)).step == "program"
    assert fake.calls_to("answerCallbackQuery")[-1].params["text"] == \
        "Silakan pilih salah satu tombol."


async def test_nik_checks_are_limited_per_volunteer_and_hour(app, fake, clock):
    vol = await volunteer(app, fake, 5001)
    other = await volunteer(app, fake, 5002)
    await assisted_survey(vol, nik(0))
    await finish(vol)
    # probing: the same beneficiary's NIK and others, typed one after the other
    replies = await assisted_survey(vol, nik(0))
    assert "sudah mengisi survei" in replies[-1].text
    for _ in range(NIK_CHECKS - 2):  # two checks so far
        clock.advance(minutes=1)
        await vol.send(nik(0))
    clock.advance(minutes=1)
    replies = await vol.send(nik(5))   # the 11th check within the hour: not looked up
    text = replies[-1].text
    assert "Anda sudah memeriksa banyak NIK dalam waktu singkat" in text
    assert "mulai pukul 09.00 WIB" in text   # the first check (08.00 WIB) + 1 hour
    assert "sudah mengisi" not in text and "3578" not in text
    draft = await app.services.store.skm.open_draft(5001)
    assert draft.step == "nik" and "nik_h" not in draft.data
    # the other volunteer is not held back
    replies = await assisted_survey(other, nik(7))
    assert "3578********0008" in replies[-1].text
    # audited, without the NIK or its hash
    log = await app.services.store.audit.recent(50, action_prefix="skm.nik_check")
    mine = [a for a in log if a["actor_id"] == 5001]
    assert [a["outcome"] for a in mine].count("denied") == 1
    assert {json.loads(a["detail"])["result"] for a in mine} == {"new", "repeat", "limited"}
    assert all(nik(0) not in repr(a) and nik(5) not in repr(a) for a in log)
    # an hour after the first check, the volunteer may go on
    clock.advance(minutes=51)  # 09.00 WIB, as the message said
    replies = await vol.send(nik(5))
    assert "3578********0006" in replies[-1].text
    assert (await app.services.store.skm.open_draft(5001)).step == "U1"


async def test_a_malformed_nik_does_not_count(app, fake):
    vol = await volunteer(app, fake, 5001)
    await assisted_survey(vol, "1234")
    for _ in range(NIK_CHECKS + 2):
        await vol.send("12345")
    replies = await vol.send(nik(1))
    assert "3578********0002" in replies[-1].text
    assert len(await app.services.store.skm.nik_checks_since(
        5001, app.services.clock() - dt.timedelta(hours=1))) == 1
