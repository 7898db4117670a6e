"""SKM in the field: assisted surveys by volunteers, coverage and "sampel belum cukup", the
trend with gaps, the QR poster's link, and the workbook's layout read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3

import openpyxl
import pytest

from bot.features.skm import assisted, chart, poster, trend, workbook
from bot.features.skm.repo import ResponseRow
from bot.features.skm.service import Period
from tests.skm_kit import choose, seed
from tests.test_volunteers import volunteer

NIK_A = "3578014101900002"   # a woman born 1 Jan 1990 in Surabaya
NIK_B = "3507020505850011"
SCORES = [4, 3, 3, 4, 3, 4, 4, 3, 3]


async def assisted_survey(person, nik: str, unit: str = "PSTW-PSR", scores=SCORES,
                          start: bool = True, program: str = "none"):
    """A volunteer's assisted survey up to the NIK; returns the replies to the NIK message."""
    if start:
        await person.send("/dampingan")
    await choose(person, "unit", unit)
    await choose(person, "program", program)
    await choose(person, "service", "info")
    await choose(person, "consent", "yes")
    return await person.send(nik)


async def finish(person, scores=SCORES):
    for n, score in enumerate(scores, 1):
        await choose(person, f"U{n}", str(score))
    for key, value in {"gender": "P", "age": "60+", "education": "SD",
                       "occupation": "Lainnya"}.items():
        await choose(person, key, value)
    return await choose(person, "suggestion", "skip")


async def test_assisted_survey_counts_once_per_beneficiary_and_never_keeps_the_nik(
        app, fake, settings, admin):
    vol = await volunteer(app, fake, 5001)
    replies = await assisted_survey(vol, NIK_A)
    assert "3578********0002" in replies[-1].text and NIK_A not in replies[-1].text
    # the message that carried the NIK is deleted from the chat
    assert any(int(c.params["chat_id"]) == 5001 for c in fake.calls_to("deleteMessage"))
    done = await finish(vol)
    assert "dicatat sebagai survei dampingan atas nama Anda" in done[-1].text
    # the same beneficiary, again for the same unit in the same quarter: told, not counted
    replies = await assisted_survey(vol, "3578 0141 0190 0002")  # typed with spaces
    assert "sudah mengisi survei untuk UPT Pelayanan Sosial Tresna Werdha Pasuruan" in \
        replies[-1].text
    # ... and the volunteer may go on with another beneficiary in the same draft
    replies = await vol.send(NIK_B)
    assert "3507********0011" in replies[-1].text
    await finish(vol)
    store = app.services.store
    report = await app.services.survey.report(Period.parse("2026-Q4"), "PSTW-PSR")
    assert report.main.respondents == 2 and report.main.assisted == 2
    [tally] = report.volunteers
    assert (tally.name, tally.responses, tally.repeats) == ("Relawan 5001", 2, 1)
    # the NIK is nowhere in the database, in clear
    await store.db.conn.commit()
    with sqlite3.connect(settings.database_path) as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                assert NIK_A not in repr(row) and NIK_B not in repr(row), table
    # staff see the assisted count in the chat report
    body = (await admin.send("/ikm PSTW-PSR 2026-Q4"))[0].text
    assert "Dampingan relawan: 2" in body


async def test_assisted_survey_is_for_approved_volunteers_only(resident):
    replies = await resident.send("/dampingan")
    assert "khusus untuk relawan yang sudah disetujui" in replies[-1].text
    assert not [d for m in resident.replies for _, d in m.buttons() if d.startswith("skm:a:")]


async def test_assisted_survey_refuses_a_bad_nik_politely(app, fake):
    vol = await volunteer(app, fake, 5002, lang="jv")
    replies = await assisted_survey(vol, "1234")
    assert "Punika sanes NIK ingkang leres" in replies[-1].text
    assert (await app.services.store.skm.open_draft(5002)).step == "nik"


def row(vid, minute, answers, unit="PSTW-PSR") -> ResponseRow:
    at = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
    return ResponseRow(minute, unit, at.isoformat(), "info", {}, None, "id",
                       {f"U{n}": s for n, s in enumerate(answers, 1)}, volunteer_id=vid)


def test_identical_runs_within_minutes_are_flagged_not_hidden(settings):
    same = [4] * 9
    rows = [row(7, m, same) for m in (0, 3, 6, 9, 12, 15)]      # 6 in 15 minutes: flagged
    rows += [row(7, 200 + m * 40, same) for m in range(5)]       # 5 spread over hours: not
    rows += [row(8, m, same) for m in range(4)]                  # 4 only: not
    rows += [row(9, m, [3] * 9 if m % 2 else same) for m in range(8)]  # alternating: not
    [flag] = assisted.flag_runs(rows, settings.tz, names={7: "Bu Sri"})
    assert (flag.volunteer_id, flag.name, flag.count) == (7, "Bu Sri", 6)
    assert flag.first.strftime("%H:%M") == "10:00" and flag.last.strftime("%H:%M") == "10:15"
    tallies = {t.volunteer_id: t for t in assisted.tally(rows, {}, {}, settings.tz)}
    assert tallies[7].responses == 11 and tallies[7].flagged == 6
    assert tallies[8].flagged == 0 and tallies[9].flagged == 0


async def test_flagged_run_shown_to_staff(app, fake, admin):
    vol = await volunteer(app, fake, 5003)
    niks_ = ["3578010101900001", "3578010101900002", "3578010101900003",
             "3578010101900004", "3578010101900005"]
    for nik in niks_:
        await assisted_survey(vol, nik, scores=[4] * 9)
        await finish(vol, [4] * 9)
        app.services.clock.advance(minutes=2)
    body = "\n".join(m.text for m in await admin.send("/ikm 2026-Q4") if m.kind == "text")
    assert "<b>Survei dampingan per relawan</b>" in body
    assert "Relawan 5003: 5 jawaban; ⚠ 5 dalam deret yang perlu diperiksa" in body
    assert "Mohon periksa: Relawan 5003 memasukkan 5 set jawaban yang sama" in body


# -- coverage and the minimum sample --------------------------------------------------------
async def test_under_the_minimum_sample_there_is_no_grade(app, admin):
    store = app.services.store
    await seed(store, 2001, "PSBR-JBG", [2] * 9)   # one person, 50,00 -> would be D
    replies = await admin.send("/ikm PSBR-JBG 2026-Q4")
    assert "Populasi periode ini belum diisi" in replies[0].text
    # staff set the population with the button under the report
    await admin.tap("Set the population")
    await admin.send("banyak")
    assert "satu bilangan bulat" in admin.last_reply().text
    saved = await admin.send("120")
    assert "Sampel minimum (Krejcie-Morgan) adalah 92 responden" in saved[-1].text
    body = (await admin.send("/ikm PSBR-JBG 2026-Q4"))[0].text
    assert "IKM 50,00: sampel belum cukup (1 dari minimum 92), jadi belum ada mutu" in body
    assert "mutu D" not in body
    assert "Cakupan: 1 dari 120 penerima layanan (0,8%)" in body
    [photo] = [m for m in await admin.send("/ikm PSBR-JBG 2026-Q4")
               if m.kind == "photo" and m.filename.endswith("Q4-PSBR-JBG.png")]
    assert "sampel belum cukup (1 dari minimum 92)" in photo.caption
    # the population is per period: another quarter still has none
    report = await app.services.survey.report(Period.parse("2026-Q3"), "PSBR-JBG")
    assert report.main.population is None


async def test_reaching_the_minimum_gives_the_grade(app):
    svc = app.services.survey
    period = Period.parse("2026-11")
    await svc.set_population(None, "PSBR-JBG", period, 3, trusted=True)
    for n in range(3):
        await seed(app.services.store, 2100 + n, "PSBR-JBG", [4] * 9)
    report = await svc.report(period, "PSBR-JBG")
    assert report.main.min_sample == 3 and report.main.sample_ok
    assert report.main.graded.grade.mutu == "A" and report.main.coverage == 1.0


def test_population_from_the_command_line(settings, capsys, monkeypatch):
    import asyncio

    from bot.cli import main
    from bot.storage.db import Database

    async def create() -> None:
        db = Database(settings.database_path)
        await db.connect()
        await db.close()

    asyncio.run(create())
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    with pytest.raises(SystemExit) as exit_:
        main(["skm", "population", "--unit", "psbr-jbg", "--period", "2026-Q4", "--set", "300"])
    assert exit_.value.code == 0
    assert "population 300, minimum sample (Krejcie-Morgan) 169, respondents 0: " \
           "sampel belum cukup" in capsys.readouterr().out
    # a month's value, shown for the year that holds it, says where it comes from
    with pytest.raises(SystemExit):
        main(["skm", "population", "--unit", "PSBR-JBG", "--period", "2026-11", "--set", "80"])
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["skm", "population", "--unit", "PSBR-JBG", "--period", "2026"])
    assert "2026: population 300 (as set for 2026-Q4)" in capsys.readouterr().out


# -- trend ------------------------------------------------------------------------------------
async def test_trend_over_months_keeps_the_gaps(app):
    store = app.services.store
    await seed(store, 1, "DINSOS", [4] * 9, period="2026-Q1", month="2026-01",
               when=dt.datetime(2026, 1, 10, tzinfo=dt.UTC))
    await seed(store, 2, "DINSOS", [3] * 9, period="2026-Q2", month="2026-04",
               when=dt.datetime(2026, 4, 10, tzinfo=dt.UTC))
    await seed(store, 3, "DINSOS", [2] * 9)  # November
    await seed(store, 4, "RSBN-MLG", [4] * 9)  # November, another unit
    points = await trend.trend(app.services.survey, Period.parse("2026-11"))
    assert [p.period.code for p in points][:2] == ["2025-12", "2026-01"]
    assert len(points) == 12 and points[-1].period.code == "2026-11"
    values = {p.period.code: (str(p.result.ikm) if p.result else None, p.respondents)
              for p in points}
    assert values["2026-01"] == ("100.00", 1)
    assert values["2026-02"] == (None, 0) and values["2026-10"] == (None, 0)
    assert values["2026-04"] == ("75.00", 1)
    assert values["2026-11"] == ("75.00", 2)  # (2 + 4) / 2 * 25
    one = await trend.trend(app.services.survey, Period.parse("2026-Q4"), "DINSOS")
    assert [p.period.code for p in one] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [str(p.result.ikm) if p.result else None for p in one] == \
        ["100.00", "75.00", None, "50.00"]


# -- the QR poster ----------------------------------------------------------------------------
def test_poster_qr_decodes_to_the_units_deep_link(app):
    import zxingcpp
    from PIL import Image

    unit = app.services.content.unit("PSTW-PSR")
    pdf, png = poster.poster(unit, "dinsosjatim_bot", app.services.content.skm)
    assert pdf.startswith(b"%PDF")
    image = Image.open(io.BytesIO(png))
    assert image.size[0] == 1240 and image.size[1] in (1753, 1754)  # A4 at 150 dpi
    [found] = zxingcpp.read_barcodes(image)
    assert found.text == "https://t.me/dinsosjatim_bot?start=skm_PSTW-PSR"


async def test_poster_from_the_staff_button(admin, app):
    await seed(app.services.store, 2001, "RSBN-MLG", [4] * 9)
    await admin.send("/ikm RSBN-MLG 2026-Q4")
    replies = await admin.tap("QR poster for this unit")
    docs = {m.filename: m for m in replies if m.kind == "document"}
    assert set(docs) == {"poster-skm-RSBN-MLG.pdf", "poster-skm-RSBN-MLG.png"}
    assert "?start=skm_RSBN-MLG" in docs["poster-skm-RSBN-MLG.pdf"].caption


async def test_poster_button_is_refused_to_residents(resident, fake):
    msg = resident.replies[-1]
    await resident.press(msg, "ikm:q:RSBN-MLG")
    assert not fake.calls_to("sendDocument")


# -- the workbook -----------------------------------------------------------------------------
async def test_workbook_layout_read_back(app, settings, clock):
    svc = app.services.survey
    store = app.services.store
    await seed(store, 2001, "PSTW-PSR", [4, 4, 3, 3, 4, 4, 4, 3, 3], suggestion="=1+1 antre")
    await seed(store, 2002, "PSTW-PSR", [3] * 9)
    await seed(store, 2003, "RSBD-PSR", [2] * 9)
    period = Period.parse("2026-Q4")
    report = await svc.report(period)
    responses = await svc.responses(period)
    wb = openpyxl.load_workbook(io.BytesIO(workbook.xlsx_bytes(
        app.services.content, report, responses, settings.tz, clock())))
    assert wb.sheetnames == ["Ringkasan", "Peringkat", "Profil", "Responden", "Saran",
                             "Relawan"]
    ws = wb["Ringkasan"]
    assert ws["A1"].value == "Indeks Kepuasan Masyarakat (IKM)"
    labels = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, 20)}
    assert labels["Periode"].value == "Triwulan IV (Oktober–Desember 2026)"
    assert labels["IKM (konversi)"].value == 71.3
    assert labels["IKM (konversi)"].number_format == "#,##0.00"
    assert labels["Mutu pelayanan"].value == "C"
    cells = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    u1 = cells["U1"]
    assert ws.cell(u1, 2).value == "Persyaratan" and ws.cell(u1, 3).value == 9
    assert ws.cell(u1, 5).number_format == "#,##0.00" and ws.cell(u1, 5).value == 3.0
    assert abs(ws.cell(u1, 6).value - 3 / 9) < 1e-12
    ks = wb["Peringkat"]
    assert ks.freeze_panes == "A4" and ks.column_dimensions["C"].width >= 55
    units = [ks.cell(r, 2).value for r in range(4, ks.max_row + 1)
             if isinstance(ks.cell(r, 1).value, int)]
    assert units[:2] == ["PSTW-PSR", "RSBD-PSR"]  # ranked
    silent = [ks.cell(r, 3).value for r in range(4, ks.max_row + 1)
              if ks.cell(r, 10).value == "tidak ada responden"]
    assert len(silent) == 27 and "UPT Rehabilitasi Sosial Bina Netra Malang" in silent
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    rs = wb["Responden"]
    assert rs.freeze_panes == "A2" and rs.auto_filter.ref == "A1:U4"  # U: Program
    assert rs.column_dimensions["C"].width >= 30 and rs.column_dimensions["D"].width >= 16
    assert rs.cell(2, 4).number_format == "DD/MM/YYYY HH:MM"
    assert rs.page_setup.orientation == "landscape" and rs.page_setup.fitToWidth == 1
    assert [rs.cell(2, c).value for c in (6, 7, 8)] == ["Perempuan", "30–39 tahun", "SMA/SMK"]
    saran = wb["Saran"]
    assert saran.cell(2, 3).value == "=1+1 antre" and saran.cell(2, 3).data_type == "s"
    profil = wb["Profil"]
    rows = [(profil.cell(r, 1).value, profil.cell(r, 2).value)
            for r in range(1, profil.max_row + 1)]
    assert ("Perempuan", 3) in rows and ("Laki-laki", 0) in rows


def test_deep_link_format():
    assert poster.deep_link("@dinsos_bot", "DINSOS") == "https://t.me/dinsos_bot?start=skm_DINSOS"


# -- the public summary -----------------------------------------------------------------------
async def test_public_summary_has_figures_and_no_personal_data(app, fake, clock):
    from bot.features.skm import publish

    svc = app.services.survey
    store = app.services.store
    for n in range(5):
        await seed(store, 2200 + n, "RSBN-MLG", [4] * 9, suggestion="Pak Joko di loket kasar")
    await seed(store, 2300, "PSBR-JBG", [1] * 9)  # one person: their answers must not show
    vol = await volunteer(app, fake, 5004)
    await assisted_survey(vol, NIK_A)
    await finish(vol)
    report = await svc.report(Period.parse("2026-Q4"), suggestions=5)
    t = app.services.i18n.translator("id")
    names = {u.code: u.name.id for u in app.services.content.skm.unsur}
    text, pdf = publish.page(t, report, "Dinas Sosial Provinsi Jawa Timur", names,
                             clock().astimezone(svc.tz))
    assert pdf.startswith(b"%PDF")
    assert "Pak Joko" not in text and "Relawan 5004" not in text and "3578" not in text
    assert "src=\"http" not in text and "data:image/png;base64," in text  # self-contained
    assert "Triwulan IV (Oktober–Desember 2026)" in text
    row = text[text.index("UPT Rehabilitasi Sosial Bina Netra Malang"):][:200]
    assert "100,00" in row and "A (Sangat baik)" in row
    row = text[text.index("UPT Pelayanan Sosial Bina Remaja Jombang"):][:200]
    assert "kurang dari 5 responden" in row and "25,00" not in row
    assert "Unit tanpa responden pada periode ini (26)" in text
    assert "Di antaranya 1 menjawab dengan bantuan relawan sosial." in text


async def test_population_prompt_ends_with_batal_and_saves_nothing(app, admin):
    await seed(app.services.store, 2001, "PSBR-JBG", [3] * 9)
    await admin.send("/ikm PSBR-JBG 2026-Q4")
    await admin.tap("Set the population")
    replies = await admin.send("/batal")
    assert "Dibatalkan" in replies[-1].text
    await admin.send("250")  # no longer an answer to anything
    assert await app.services.store.skm.populations("2026-Q4") == {}


async def test_chart_texts_are_whole_indonesian_and_jv(app, clock):
    from bot.features.skm import render

    svc = app.services.survey
    for n in range(3):
        await seed(app.services.store, 2400 + n, "PSTW-PSR", [4, 3, 3, 4, 3, 4, 4, 3, 3])
    report = await svc.report(Period.parse("2026-Q4"), "PSTW-PSR")
    names = {u.code: u.name.id for u in app.services.content.skm.unsur}
    now = clock().astimezone(svc.tz)
    spec = render.nrr_chart_spec(app.services.i18n.translator("id"), report, names, now)
    assert spec.title == ("Indeks Kepuasan Masyarakat · UPT Pelayanan Sosial Tresna Werdha "
                          "Pasuruan")
    assert spec.subtitle == ("Triwulan IV (Oktober–Desember 2026) · IKM 86,11 · Mutu B (Baik) · "
                             "3 responden")
    assert spec.labels[4] == "U5 Produk Spesifikasi Jenis Pelayanan"  # never cut
    assert spec.labels[7] == "U8 Penanganan Pengaduan, Saran dan Masukan"
    assert spec.number(3 + 1 / 3) == "3,33"
    assert spec.bands == {"A": "A Sangat baik", "B": "B Baik", "C": "C Kurang baik",
                          "D": "D Tidak baik"}
    assert spec.source.startswith("Sumber: SKM melalui bot Dinsos Jatim, PermenPANRB 14/2017")
    assert spec.source.endswith("WIB")
    jv = render.nrr_chart_spec(app.services.i18n.translator("jv"), report, names, now)
    assert jv.bands["A"] == "A Sae sanget" and "3 responden" in jv.subtitle
    png, pdf = chart.nrr_chart(spec)
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF")
