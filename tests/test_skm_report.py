"""The IKM report for staff: /ikm in the chat (text, chart, spreadsheet) and the skm CLI."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import shutil
import sqlite3

import openpyxl
import pytest

from bot.cli import main
from bot.repos import Store
from bot.storage.db import Database
from tests.skm_kit import choose, complete_survey, seed

PNG = b"\x89PNG\r\n\x1a\n"
PDF = b"%PDF"
QUARTER = "Triwulan IV (Oktober–Desember 2026)"


async def ikm_by_buttons(staff, unit_label: str | None = None, period: str | None = None):
    """/ikm, then the unit and the period chosen with buttons, as staff do: by their names
    (a unit's from content, a month's from Babel), else All units and Quarter IV 2026."""
    unit_label = unit_label or await staff.tr("All units")
    period = period or await staff.tr("Quarter {roman} {year}", roman="IV", year=2026)
    picker = await staff.send("/ikm")
    assert "unit mana" in picker[-1].text
    for _ in range(4):
        try:
            staff.find_button(unit_label)
            break
        except LookupError:
            await staff.tap("Next »")
    await staff.click(unit_label)
    return await staff.click(period)


async def test_ikm_for_staff_text_chart_and_spreadsheet(resident, admin, app, fake):
    await complete_survey(resident, "PSTW-PSR", scores=[4, 4, 3, 3, 4, 4, 4, 3, 3],
                          suggestion="<script>alert(1)</script> & antre")
    await seed(app.services.store, 2001, "PSTW-PSR", [3] * 9)
    await seed(app.services.store, 2002, "RSBD-PSR", [2] * 9)
    replies = await ikm_by_buttons(admin)
    texts = [m for m in replies if m.kind == "text" and m.buttons() == []]
    body = "\n".join(m.text for m in texts)
    assert all(m.parse_mode == "HTML" for m in texts)
    assert "Indeks Kepuasan Masyarakat (IKM)" in body
    assert "Periode: 2026-Q4 (Oktober–Desember 2026)" in body
    # all units: NRR per unsur over 3 responses; sum of scores 32 + 27 + 18 = 77 -> 77/27*25
    assert "Semua unit" in body and "3 responden" in body
    assert "IKM 71,30: mutu C (Kurang baik)" in body
    # PSTW Pasuruan: (32 + 27) / 18 * 25 = 81.94 -> B
    assert "PSTW Pasuruan" in body and "PSTW-PSR" not in body and "IKM 81,94: mutu B (Baik)" in body
    assert "U1 3,50" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; antre" in body
    assert "<script>" not in body
    # ranked: PSTW Pasuruan (81,94) before RSBD Pasuruan (50,00); silent units named
    assert body.index("1. PSTW Pasuruan") < body.index("2. RSBD Pasuruan")
    assert "Unit tanpa responden pada periode ini (27): Kantor Dinsos Jatim, " in body
    assert "Populasi periode ini belum diisi" in body
    photos = [m for m in replies if m.kind == "photo"]
    assert [p.filename for p in photos] == ["ikm-2026-Q4.png", "ikm-2026-Q4-tren.png",
                                            "ikm-2026-Q4-peringkat.png"]
    assert all(p.content.startswith(PNG) for p in photos)
    assert photos[0].caption == QUARTER + " · IKM 71,30 · Mutu C (Kurang baik) · 3 responden"
    docs = {m.filename: m for m in replies if m.kind == "document"}
    assert docs["ikm-2026-Q4.pdf"].content.startswith(PDF)
    wb = openpyxl.load_workbook(io.BytesIO(docs["skm-2026-Q4.xlsx"].content))
    assert wb.sheetnames[0] == "Ringkasan"
    rows = list(wb["Responden"].iter_rows(values_only=True))
    assert rows[0][:5] == ("No", "Kode unit", "Unit", "Waktu (WIB)", "Jenis layanan")
    assert len(rows) == 4
    mine = [r for r in rows[1:] if r[-1] and r[-1].startswith("<script>")]
    assert mine and mine[0][9:18] == (4, 4, 3, 3, 4, 4, 4, 3, 3)
    assert mine[0][5:9] == ("Perempuan", "30–39 tahun", "SMA/SMK", "Wirausaha")


async def test_ikm_for_one_unit_and_a_month(admin, app):
    await seed(app.services.store, 2001, "RSBN-MLG", [4] * 9)
    await seed(app.services.store, 2002, "RSBN-MLG", [3] * 9, month="2026-10",
               when=dt.datetime(2026, 10, 5, 3, 0, tzinfo=dt.UTC))
    replies = await ikm_by_buttons(admin, "RSBN Malang", "November 2026")
    body = replies[0].text
    assert "Periode: 2026-11 (November 2026)" in body
    assert "RSBN Malang" in body and "1 responden" in body
    assert "IKM 100,00: mutu A (Sangat baik)" in body
    replies = await admin.send("/ikm RSBN-MLG 2026-Q4")
    assert "IKM 87,50: mutu B (Baik)" in replies[0].text
    replies = await admin.send("/ikm NOPE")
    assert "tidak menemukan unit yang cocok dengan “NOPE”" in replies[0].text
    assert "units.yaml" not in replies[0].text and "RSBN Malang" not in replies[0].text
    assert "PPSAB Sidoarjo" in replies[0].labels()  # the list to choose from instead


async def test_ikm_with_no_responses_says_so(admin):
    replies = await admin.send("/ikm 2026-Q4")
    assert "0 responden" in replies[0].text
    assert "Belum ada jawaban pada periode ini" in replies[-1].text
    assert not [m for m in replies if m.kind != "text"]


async def test_ikm_is_unknown_to_residents(resident, fake):
    replies = await resident.send("/ikm")
    assert len(replies) == 1
    assert "Kami tidak mengenal perintah itu" in replies[0].text
    assert not fake.calls_to("sendPhoto") and not fake.calls_to("sendDocument")
    assert "IKM" not in replies[0].text


async def test_ikm_reports_rejected_repeats(resident, admin):
    await complete_survey(resident, "DINSOS")
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    body = (await admin.send("/ikm 2026-Q4"))[0].text
    assert "Percobaan ulang yang ditolak: 1" in body


# -- the command line ---------------------------------------------------------------------------
@pytest.fixture
def seeded(settings, monkeypatch, tmp_path):
    """A database with three Q4 responses (one with a formula-like suggestion), one in Q3 and a
    rejected repeat; content where PSTW-PSR has a known population of 300."""

    async def fill() -> None:
        db = Database(settings.database_path)
        await db.connect()
        store = Store(db)
        for n in range(3):
            await seed(store, 3000 + n, "PSTW-PSR", [3, 3, 3, 4, 3, 3, 4, 2, 3],
                       suggestion="=HYPERLINK(\"http://x\")" if n == 0 else None)
        await seed(store, 3100, "PSTW-PSR", [4] * 9, period="2026-Q3", month="2026-09",
                   when=dt.datetime(2026, 9, 30, 1, 0, tzinfo=dt.UTC))
        await store.skm.add_repeat(3000, "PSTW-PSR", "2026-Q4", "2026-11",
                                   dt.datetime(2026, 11, 3, tzinfo=dt.UTC))
        await db.close()

    asyncio.run(fill())
    content = tmp_path / "content"
    shutil.copytree(settings.content_dir, content)
    units = (content / "units.yaml").read_text()
    units = units.replace("{code: PSTW-PSR, short: PSTW Pasuruan, city: Pasuruan,",
                          "{code: PSTW-PSR, short: PSTW Pasuruan, city: Pasuruan, population: 300,")
    (content / "units.yaml").write_text(units)
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("CONTENT_DIR", str(content))
    return tmp_path


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_cli_report_json(seeded, capsys):
    code, out, _ = run_cli(["skm", "report", "--period", "2026-Q4", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["period"] == "2026-Q4" and data["from"] == "2026-10-01"
    [unit] = data["units"]
    assert unit["unit"] == "PSTW-PSR" and unit["respondents"] == 3
    assert unit["rejected_repeats"] == 1
    assert unit["nrr"]["U4"] == 4.0 and unit["nrr"]["U8"] == 2.0
    # sum of NRR = 28 -> 28/9*25 = 77.777... -> 77.78, B
    assert unit["ikm"] == 77.78 and unit["ikm_exact"] == "700/9"
    assert (unit["mutu"], unit["kinerja"]) == ("B", "Baik")
    assert unit["population"] == 300 and unit["min_sample"] == 169
    assert unit["sample_reached"] is False
    assert len(data["units_without_responses"]) == 28


def test_cli_report_text_and_months(seeded, capsys):
    code, out, _ = run_cli(["skm", "report", "--unit", "pstw-psr", "--period", "2026-Q4"],
                           capsys)
    assert code == 0
    assert "PSTW-PSR  UPT Pelayanan Sosial Tresna Werdha Pasuruan" in out
    # 3 respondents of a minimum 169: no grade that three people decided
    assert "IKM: 77.78   mutu: none, sampel belum cukup (3 of the minimum 169)" in out
    assert "U8 2.0000" in out
    assert "population 300): 169, not reached" in out
    code, out, _ = run_cli(["skm", "report", "--period", "2026-09", "--json"], capsys)
    assert json.loads(out)["overall"]["ikm"] == 100.0
    code, out, _ = run_cli(["skm", "report", "--period", "2026-10", "--json"], capsys)
    assert json.loads(out)["overall"]["respondents"] == 0


def test_cli_report_bad_input_is_one_line(seeded, capsys):
    code, _, err = run_cli(["skm", "report", "--period", "2026-Q5"], capsys)
    assert code == 2 and err.count("\n") == 1 and "2026-Q4" in err
    code, _, err = run_cli(["skm", "report", "--unit", "NOPE"], capsys)
    assert code == 2 and "unknown unit 'NOPE'" in err


def test_cli_export_csv(seeded, settings, capsys):
    out_file = seeded / "skm.csv"
    code, out, _ = run_cli(["skm", "export", "--period", "2026-Q4", "--format", "csv",
                            "--out", str(out_file)], capsys)
    assert code == 0 and "3 responses for 2026-Q4" in out
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["No", "Kode unit", "Unit", "Waktu (WIB)", "Jenis layanan",
                       "Jenis Kelamin", "Usia", "Pendidikan", "Pekerjaan", "U1", "U2", "U3",
                       "U4", "U5", "U6", "U7", "U8", "U9", "Dampingan relawan", "Program",
                       "Kritik/saran"]
    assert rows[1][1:5] == ["PSTW-PSR", "UPT Pelayanan Sosial Tresna Werdha Pasuruan",
                            "02/11/2026 08:00", "Informasi, konsultasi"]
    assert rows[1][5:9] == ["Perempuan", "30–39 tahun", "SMA/SMK", "Wirausaha"]
    assert rows[1][9:18] == ["3", "3", "3", "4", "3", "3", "4", "2", "3"]
    assert rows[1][20] == "'=HYPERLINK(\"http://x\")"  # never run as a formula
    assert len(rows) == 4
    with sqlite3.connect(settings.database_path) as conn:
        audit = conn.execute("SELECT action, target, detail FROM audit_log").fetchall()
    assert audit == [("skm.export", "2026-Q4", '{"unit": null, "rows": 3, "format": "csv"}')]


def test_cli_export_xlsx(seeded, capsys):
    out_file = seeded / "skm.xlsx"
    code, _, _ = run_cli(["skm", "export", "--period", "2026-Q3", "--format", "xlsx",
                          "--out", str(out_file)], capsys)
    assert code == 0
    wb = openpyxl.load_workbook(out_file)
    rows = list(wb["Responden"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == dt.datetime(2026, 9, 30, 8, 0)
    code, _, _ = run_cli(["skm", "export", "--period", "2026-Q4", "--format", "xlsx",
                          "--out", str(out_file)], capsys)
    ws = openpyxl.load_workbook(out_file)["Responden"]
    cell = ws.cell(row=2, column=21)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_cli_without_a_database(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "none.sqlite3"))
    code, _, err = run_cli(["skm", "report"], capsys)
    assert code == 2 and "there is no database" in err


async def test_ikm_survives_when_files_cannot_be_sent(admin, app, fake):
    from bot.offline.api import ApiError

    await seed(app.services.store, 2001, "DINSOS", [4] * 9)
    fake.fail_when(lambda method, _: ApiError(400, "Bad Request: method not supported")
                   if method in ("sendPhoto", "sendDocument") else None)
    replies = await admin.send("/ikm 2026-Q4")
    assert "IKM 100,00" in replies[0].text
    assert "dinsos-bot skm export --period 2026-Q4" in replies[-2].text
