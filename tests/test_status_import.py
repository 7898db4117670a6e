"""Importing disbursement records: good files, re-imports, bad rows, bad files, crashes."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main as cli_main
from bot.features.status import nik as niks
from bot.features.status.csvfile import ImportFileError
from bot.features.status.importer import import_csv
from tests.status_kit import (
    BUDI,
    BUDI_NIK,
    HEADER,
    KEY,
    SITI,
    SITI_BPNT,
    SITI_NIK,
    run_import,
    write_csv,
)


def rows(settings) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as con:
        return con.execute("SELECT * FROM disbursements ORDER BY program, periode").fetchall()


async def test_good_file_lands_hashed_and_normalised(app, settings, clock, tmp_path):
    path = write_csv(tmp_path, [SITI, SITI_BPNT, BUDI])
    summary = await run_import(path, settings, clock)
    assert (summary.inserted, summary.updated, summary.unchanged, summary.rejected) == (3, 0, 0, 0)
    stored = rows(settings)
    assert len(stored) == 3
    siti_hash = niks.digest(KEY, SITI_NIK)
    assert {r[0] for r in stored} == {siti_hash, niks.digest(KEY, BUDI_NIK)}
    by_program = {(r[0], r[2]): r for r in stored}
    pkh = by_program[(siti_hash, "PKH")]
    assert pkh[1] == "SITI AMINAH"             # "Hj. Siti Aminah", normalised
    assert pkh[4:6] == ("TERSALUR", "2026-09-15")
    bpnt = by_program[(siti_hash, "BPNT")]
    assert bpnt[4] == "DIPROSES"               # "diproses": status is case-insensitive
    assert bpnt[5] is None                     # an empty date
    # Not a single NIK in clear anywhere in the database files.
    for f in settings.database_path.parent.glob(settings.database_path.name + "*"):
        data = f.read_bytes()
        assert SITI_NIK.encode() not in data and BUDI_NIK.encode() not in data, f
    # The staging database is gone once the import is done.
    assert not list(tmp_path.glob("*.import-*"))


async def test_reimport_changes_nothing_and_an_edit_updates(app, settings, clock, tmp_path):
    path = write_csv(tmp_path, [SITI, SITI_BPNT, BUDI])
    await run_import(path, settings, clock)
    before = rows(settings)
    again = await run_import(path, settings, clock)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert rows(settings) == before
    edited = write_csv(tmp_path, [SITI, SITI_BPNT.replace("diproses", "TERSALUR"), BUDI],
                       name="edited.csv")
    third = await run_import(edited, settings, clock)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    assert len(rows(settings)) == 3


async def test_headers_in_any_case_and_order_with_semicolons(app, settings, clock, tmp_path):
    header = "STATUS;Nama;NIK;Program;Periode;Tanggal;Lembaga_Penyalur;Keterangan;Kabupaten"
    line = "Tersalur;Siti Aminah;3578.0141.0190.0002;PKH;2026 Tahap 3;2026-09-15;Pos;;Surabaya"
    path = write_csv(tmp_path, [line], header=header)
    summary = await run_import(path, settings, clock)
    assert summary.inserted == 1
    assert rows(settings)[0][0] == niks.digest(KEY, SITI_NIK)


async def test_bad_rows_are_reported_and_good_rows_still_land(app, settings, clock, tmp_path):
    bad = {
        3: f"{SITI_NIK[:15]},Siti,PKH,2026,TERSALUR,,,,",                 # 15 digits
        4: f"{SITI_NIK}9,Siti,PKH,2026,TERSALUR,,,,",                     # 17 digits
        5: "35780141019OOOO2,Siti,PKH,2026,TERSALUR,,,,",                 # letters
        6: "0078014101900002,Siti,PKH,2026,TERSALUR,,,,",                 # province 00
        7: "3578010013900002,Siti,PKH,2026,TERSALUR,,,,",                 # month 13
        8: f"{SITI_NIK},Siti,PKH,2026,SUDAH CAIR,,,,",                    # unknown status
        9: f"{SITI_NIK},,PKH,2026,TERSALUR,,,,",                          # missing name
        10: f"{SITI_NIK},Siti,PKH,2026,TERSALUR,2026-02-30,,,",           # impossible date
        11: f"{SITI_NIK},Siti,PKH,2026,TERSALUR,,,",                      # a column short
        12: f"{SITI_NIK},Siti,PKH,2026,TERSALUR,,,{'x' * 600},",          # a huge field
        13: f"{SITI_NIK},Siti,,2026,TERSALUR,,,,",                        # missing program
        14: f"{SITI_NIK},...,PKH,2026,TERSALUR,,,,",                      # no letters in name
        15: "٣٥٧٨٠١٤١٠١٩٠٠٠٠٢,Siti,PKH,2026,TERSALUR,,,,",                 # Arabic-Indic digits
    }
    lines = [SITI] + [bad[n] for n in sorted(bad)] + [BUDI]
    path = write_csv(tmp_path, lines)
    summary = await run_import(path, settings, clock)
    assert summary.inserted == 2 and summary.rejected == len(bad)
    reasons = {line: reason for line, reason, _ in summary.rejects}
    assert reasons == {3: "nik_format", 4: "nik_format", 5: "nik_format", 6: "nik_structure",
                       7: "nik_structure", 8: "status", 9: "missing", 10: "date",
                       11: "columns", 12: "too_long", 13: "missing", 14: "name",
                       15: "nik_format"}
    masks = {line: masked for line, _, masked in summary.rejects}
    assert masks[8] == "3578********0002"
    for _, _, masked in summary.rejects:
        assert SITI_NIK not in masked and SITI_NIK[:15] not in masked


def test_cli_writes_the_report_without_a_nik_in_clear(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("NIK_HMAC_KEY", "test-nik-key")
    path = write_csv(tmp_path, [SITI, f"{SITI_NIK},Siti,PKH,2026,SUDAH CAIR,,,,", BUDI])
    report = tmp_path / "report.csv"
    with pytest.raises(SystemExit) as done:
        cli_main(["disbursements", "import", str(path), "--report", str(report)])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "inserted 2, updated 0, unchanged 0, rejected 1" in out
    text = report.read_text(encoding="utf-8")
    assert "baris,alasan,NIK (disamarkan)" in text
    assert '3,"status tidak dikenal' in text and "3578********0002" in text
    assert SITI_NIK not in text and SITI_NIK not in out


@pytest.mark.parametrize(("content", "code"), [
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"PK\x03\x04\x14\x00\x06\x00", "binary"),                   # an .xlsx is a zip
    (b"nik,nama,status\n3578014101900002,Siti,TERSALUR\n", "header"),
    ("\xff\xfeLatin-1 \xe9\xe8 text".encode("latin-1"), "binary"),
])
async def test_files_that_cannot_be_imported_write_nothing(app, settings, clock, tmp_path,
                                                          content, code):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as err:
        await run_import(path, settings, clock)
    assert err.value.code == code
    assert rows(settings) == []
    with sqlite3.connect(settings.database_path) as con:
        assert con.execute("SELECT count(*) FROM disbursement_imports").fetchone()[0] == 0


async def test_header_only_file_imports_nothing(app, settings, clock, tmp_path):
    path = write_csv(tmp_path, [])
    summary = await run_import(path, settings, clock)
    assert summary.total == 0


async def test_a_field_beyond_the_csv_module_limit_is_one_rejected_line(app, settings, clock,
                                                                        tmp_path):
    huge = f'{SITI_NIK},Siti,PKH,2026,TERSALUR,,,"{"y" * 200_000}",'
    path = write_csv(tmp_path, [SITI, huge, BUDI])
    summary = await run_import(path, settings, clock)
    assert summary.inserted == 2
    assert [r[1] for r in summary.rejects] in (["unreadable"], ["too_long"])


def test_no_key_is_one_clear_error_and_nothing_written(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("NIK_HMAC_KEY", "")
    path = write_csv(tmp_path, [SITI])
    with pytest.raises(SystemExit) as done:
        cli_main(["disbursements", "import", str(path)])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NIK_HMAC_KEY" in err and "Traceback" not in err
    assert not settings.database_path.exists()


class Crash(Exception):
    pass


@pytest.mark.parametrize("phase", ["load", "merge"])
async def test_crash_mid_import_then_rerun_continues(app, settings, clock, tmp_path, phase):
    lines = [f"35780141019{n:05d},Warga {chr(65 + n % 26)}{chr(65 + n // 26 % 26)},PKH,2026,"
             f"TERSALUR,,,," for n in range(1, 41)]
    path = write_csv(tmp_path, lines)
    seen = []

    def crash_after_two(which: str) -> None:
        seen.append(which)
        if seen.count(phase) == 2:
            raise Crash

    with pytest.raises(Crash):
        await run_import(path, settings, clock, batch_size=7, merge_size=9,
                         after_batch=crash_after_two)
    if phase == "load":
        assert rows(settings) == []            # nothing is visible before the merge
    else:
        assert 0 < len(rows(settings)) < 40    # two of five key-range chunks were committed
    again = await run_import(path, settings, clock, batch_size=7, merge_size=9)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (40, 0, 0, 0)
    if phase == "load":
        assert again.resumed_from_line == 15   # header + two batches of 7
    assert len(rows(settings)) == 40
    # A full re-run after that is correct too: everything unchanged.
    third = await run_import(path, settings, clock, batch_size=7, merge_size=9)
    assert (third.inserted, third.unchanged) == (0, 40)
    assert not list(tmp_path.glob("*.import-*"))


async def test_duplicate_key_in_a_file_the_later_line_wins(app, settings, clock, tmp_path):
    path = write_csv(tmp_path, [SITI, SITI.replace("TERSALUR", "GAGAL")])
    summary = await run_import(path, settings, clock)
    assert (summary.inserted, summary.updated) == (1, 1)
    assert [r[4] for r in rows(settings)] == ["GAGAL"]


def test_import_refuses_an_unmigrated_database(tmp_path, clock):
    path = write_csv(tmp_path, [SITI])
    with pytest.raises(ImportFileError):
        import_csv(path, tmp_path / "empty.sqlite3", KEY, clock=clock)


def test_header_constant_matches_the_documented_columns():
    assert HEADER.split(",")[0] == "nik" and len(HEADER.split(",")) == 9


async def test_parallel_load_matches_and_resumes_a_single_process_crash(app, settings, clock,
                                                                       tmp_path):
    lines = [f"35780141019{n:05d},Warga {chr(65 + n % 26)}{chr(65 + n // 26 % 26)},PKH,2026,"
             f"TERSALUR,,,," for n in range(1, 61)]
    lines[10] = "3578,Salah,PKH,2026,TERSALUR,,,,"                 # line 12: rejected
    lines[40] = f'{BUDI_NIK},"Budi\nSantoso",PKH,2026,TERSALUR,,,,'  # a quoted newline
    path = write_csv(tmp_path, lines)

    def crash(which: str) -> None:
        if which == "load":
            raise Crash

    with pytest.raises(Crash):
        await run_import(path, settings, clock, batch_size=5, after_batch=crash)
    summary = await run_import(path, settings, clock, batch_size=5, workers=2)
    assert summary.resumed_from_line == 6
    assert (summary.inserted, summary.rejected) == (59, 1)
    assert summary.rejects[0][:2] == (12, "nik_format")
    assert len(rows(settings)) == 59
    names = {r[1] for r in rows(settings)}
    assert "BUDI SANTOSO" in names                                  # the quoted newline
    assert not list(tmp_path.glob("*.import-*"))
