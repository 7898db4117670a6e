"""/impor in the chat: it waits for the file (across a restart), offers a template, reads XLSX
as well as CSV and DD/MM/YYYY as well as ISO dates, lists the first rejected rows in the chat,
and understands a file staff send without the caption. Through the real Application."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from bot.cli import main as cli_main
from bot.features.status.csvfile import FIELDS
from bot.offline.client import ChatClient
from tests.conftest import ADMIN_ID, choose_language
from tests.status_kit import BUDI, BUDI_NIK, HEADER, SITI, SITI_NIK


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


async def stored_dates(app) -> list[str | None]:
    rows = await app.services.db.fetchall("SELECT tanggal FROM disbursements ORDER BY tanggal")
    return [r["tanggal"] for r in rows]


async def count(app) -> int:
    return await app.services.store.disbursements.count()


async def test_impor_alone_waits_for_the_file_even_across_a_restart(make_app, fake):
    app = await make_app()
    admin = await choose_language(ChatClient(app, fake, ADMIN_ID, language_code="id"), "id")
    replies = await admin.send("/impor")
    assert "DD/MM/YYYY" in replies[-1].text
    assert replies[-1].labels() == [await admin.tr("Template CSV"),
                                    await admin.tr("Template XLSX")]
    await admin.send("ini datanya")                      # text while waiting: asked again
    assert "sebagai dokumen" in admin.last_reply().text
    await app.shutdown()

    app2 = await make_app()
    again = ChatClient(app2, fake, ADMIN_ID, language_code="id")
    replies = await again.send_document("data.csv", csv_file(SITI, BUDI))   # no caption
    summary = next(m for m in replies if m.text and "Impor selesai" in m.text)
    assert "Baru: 2" in summary.text
    assert await count(app2) == 2
    await again.send("halo")                             # the wait is over
    assert "sebagai dokumen" not in again.last_reply().text


async def test_the_template_is_a_file_that_imports_cleanly(admin, app):
    await admin.send("/impor")
    replies = await admin.tap("Template CSV")
    template = next(m for m in replies if m.kind == "document")
    assert template.content.decode("utf-8-sig").splitlines()[0] == ",".join(FIELDS)
    replies = await admin.send_document("contoh.csv", template.content, "/impor")
    summary = next(m for m in replies if m.text and "Impor selesai" in m.text)
    assert "Baru: 2" in summary.text and "Ditolak: 0" in summary.text
    assert await stored_dates(app) == ["2026-09-15", "2026-10-01"]


async def all_rows(app) -> list[tuple]:
    rows = await app.services.db.fetchall("SELECT * FROM disbursements ORDER BY tanggal")
    return [tuple(r) for r in rows]


async def test_the_excel_template_is_readable_and_imports_like_the_csv_one(admin, app):
    await admin.send("/impor")
    replies = await admin.tap("Template XLSX")
    template = next(m for m in replies if m.kind == "document")
    assert template.filename == "contoh-impor-penyaluran.xlsx"
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == list(FIELDS)
    assert all(c.font.bold for c in sheet[1]) and not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"                     # the header stays in view
    assert sheet.column_dimensions["A"].width >= 17       # a whole NIK shows
    assert sheet["A2"].value == "3578014101900002"        # text: Excel does not round it
    assert [sheet.cell(row, 6).value for row in (2, 3)] == ["15/09/2026", "01/10/2026"]
    assert sheet.cell(2, 6).number_format == "@"
    replies = await admin.send_document(template.filename, template.content, "/impor")
    summary = next(m for m in replies if m.text and "Impor selesai" in m.text)
    assert "Baru: 2" in summary.text and "Ditolak: 0" in summary.text
    assert await stored_dates(app) == ["2026-09-15", "2026-10-01"]
    from_xlsx = await all_rows(app)
    await app.services.db.execute("DELETE FROM disbursements")
    await admin.send("/impor")
    csv_template = next(m for m in await admin.tap("Template CSV") if m.kind == "document")
    await admin.send_document("contoh.csv", csv_template.content, "/impor")
    assert await all_rows(app) == from_xlsx               # the same records as the CSV's


async def test_an_excel_workbook_with_dates_typed_or_as_cells(admin, app):
    book = Workbook()
    sheet = book.active
    sheet.append(list(FIELDS))
    sheet.append([int(SITI_NIK), "Hj. Siti Aminah", "PKH", "2026 Tahap 3", "TERSALUR",
                  dt.datetime(2026, 9, 15), "PT Pos Indonesia", None, "Kota Surabaya"])
    sheet.append([BUDI_NIK, "Budi Santoso", "PKH", "2026 Tahap 3", "SIAP SALUR", "5/10/2026",
                  "Bank BNI", "Bawa KTP\nke kantor pos", "Kab. Malang"])
    sheet.append([None] * 9)                              # a blank row in the middle
    sheet.append([BUDI_NIK, "Budi Santoso", "BPNT", "Oktober 2026", "DIPROSES", "31/02/2026"])
    data = io.BytesIO()
    book.save(data)
    replies = await admin.send_document("penyaluran.xlsx", data.getvalue(), "/impor")
    summary = next(m for m in replies if m.text and "Impor selesai" in m.text)
    assert "Baru: 2" in summary.text and "Ditolak: 1" in summary.text
    assert await stored_dates(app) == ["2026-09-15", "2026-10-05"]
    rejects = next(m for m in replies if m.text and "ditolak:" in m.text)
    assert "baris 5: tanggalnya tidak valid" in rejects.text       # its row in Excel


async def test_rejected_rows_are_listed_in_the_chat_with_the_full_report(admin, app):
    bad = [f"{SITI_NIK[:15]},X,PKH,{n},DIPROSES,,,," for n in range(6)]
    bad.append(f"{SITI_NIK},Siti,PKH,7,SELESAI,,,,")
    replies = await admin.send_document("data.csv", csv_file(SITI, *bad), "/impor")
    rejects = next(m for m in replies if m.text and "ditolak:" in m.text)
    lines = rejects.text.splitlines()
    assert lines[0] == "Baris pertama yang ditolak:"
    assert lines[1] == "• baris 3: NIK bukan 16 angka (3578********0000)"
    assert len([x for x in lines if x.startswith("• ")]) == 5
    assert "Semua 7 baris" in lines[-1]
    assert SITI_NIK[:15] not in rejects.text                        # masked
    report = next(m for m in replies if m.kind == "document")
    assert report.content.decode().count("\n") == 8                 # header + 7 rows
    assert await count(app) == 1


async def test_missing_columns_are_named(admin, app):
    replies = await admin.send_document(
        "data.csv", csv_file("3578014101900002,Siti,TERSALUR", header="nik,nama,status"), "/impor")
    text = replies[-1].text
    assert "tidak dapat diimpor" in text and "program, periode" in text
    assert await count(app) == 0


async def test_a_file_without_the_caption_asks_first_and_survives_a_restart(make_app, fake):
    app = await make_app()
    admin = await choose_language(ChatClient(app, fake, ADMIN_ID, language_code="id"), "id")
    replies = await admin.send_document("data.csv", csv_file(SITI))
    assert "data.csv" in replies[-1].text
    assert replies[-1].labels() == [await admin.tr("Import"), await admin.tr("Do not import")]
    assert await count(app) == 0                          # nothing before the answer
    await app.shutdown()

    app2 = await make_app()
    again = ChatClient(app2, fake, ADMIN_ID, language_code="id")
    replies = await again.tap("Import")
    assert any(m.text and "Baru: 1" in m.text for m in replies)
    assert await count(app2) == 1


async def test_declining_imports_nothing(admin, app):
    await admin.send_document("data.csv", csv_file(SITI))
    await admin.tap("Do not import")
    assert "Tidak diimpor" in admin.last_reply().text
    assert await count(app) == 0


async def test_a_resident_sending_a_csv_gets_the_usual_answer(resident, app):
    replies = await resident.send_document("data.csv", csv_file(SITI))
    assert replies[-1].text == await resident.tr(
        "I can only read text messages. Please type your question, or choose from /menu.")
    assert replies[-1].labels() == []
    assert await count(app) == 0
    replies = await resident.send("/status")              # and nothing is left waiting
    assert "NIK" in replies[-1].text


async def test_javanese_staff_are_answered_in_krama(client, app):
    staff = await choose_language(client(ADMIN_ID, language_code="jv"), "jv")
    replies = await staff.send("/impor")
    assert replies[-1].text.startswith("Mangga kintunaken berkasipun")
    replies = await staff.send_document("data.csv", csv_file(SITI), "/impor")
    assert any(m.text and "Dipuntolak: 0" in m.text for m in replies)


def test_the_command_line_imports_an_xlsx_too(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("NIK_HMAC_KEY", "test-nik-key")
    book = Workbook()
    book.active.append(list(FIELDS))
    book.active.append([SITI_NIK, "Siti Aminah", "PKH", "2026 Tahap 3", "TERSALUR",
                        "15/09/2026", "", "", ""])
    book.active.append([SITI_NIK, "Siti Aminah", "BPNT", "2026-10", "CAIR", "", "", "", ""])
    path = tmp_path / "penyaluran.xlsx"
    book.save(path)
    with pytest.raises(SystemExit) as done:
        cli_main(["disbursements", "import", str(path)])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "inserted 1, updated 0, unchanged 0, rejected 1" in out
    assert "line 3: unknown status" in out
