"""An Excel workbook (XLSX) as a disbursement file: its first sheet is written out as the CSV
the importer reads, one CSV line per sheet row, so a rejected row's line number is its row
number in Excel. Also the template workbook /impor offers. Blocking code: run it off the event
loop."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from bot.features.status.csvfile import FIELDS, TEMPLATE, ImportFileError

XLSX_MAGIC = b"PK\x03\x04"   # an XLSX file is a zip archive


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == XLSX_MAGIC


# Column widths of the template (characters), by field; NIK and dates are text cells so Excel
# neither rounds a 16-digit NIK nor turns a date into its own format.
WIDTHS = {"nik": 19, "nama": 22, "program": 10, "periode": 15, "status": 12, "tanggal": 12,
          "lembaga_penyalur": 20, "keterangan": 24, "kabupaten": 18}
TEXT_COLUMNS = ("nik", "tanggal")


def _dmy(value: str) -> str:
    """An ISO date (YYYY-MM-DD) as DD/MM/YYYY, the way staff type it in the sheet (a cell the
    importer reads, not a date shown to a person); anything else unchanged."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def template_xlsx() -> bytes:
    """The template CSV's rows as a workbook: a bold header row that stays in view, widths that
    fit, NIK and dates as text (dates DD/MM/YYYY)."""
    from openpyxl import Workbook  # imported here: only the template needs it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "penyaluran"
    rows = list(csv.reader(io.StringIO(TEMPLATE)))
    sheet.append(rows[0])
    date_at = FIELDS.index("tanggal")
    for row in rows[1:]:
        sheet.append([_dmy(v) if n == date_at else v for n, v in enumerate(row)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"           # printed: one page wide
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    for n, field in enumerate(FIELDS, 1):
        letter = get_column_letter(n)
        sheet.column_dimensions[letter].width = WIDTHS[field]
        if field in TEXT_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                cell.number_format = "@"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _cell(value: object) -> str:
    """A cell as the CSV importer expects it: dates as YYYY-MM-DD, whole numbers without a
    decimal point (a NIK typed as a number), line breaks inside a cell as spaces."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ").strip()


def xlsx_to_csv(src: Path, dst: Path) -> int:
    """Write the first sheet of the workbook `src` as CSV (UTF-8) to `dst`; how many rows.
    ImportFileError('xlsx') when it is not a workbook openpyxl can read. `src` is renamed to
    end in .xlsx if it does not (openpyxl refuses other names)."""
    from openpyxl import load_workbook  # imported here: only an XLSX import needs it

    if src.suffix.lower() != ".xlsx":  # openpyxl goes by the name
        src = src.rename(src.with_suffix(".xlsx"))
    try:
        book = load_workbook(src, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign zip: openpyxl raises many kinds
        raise ImportFileError("xlsx", f"not a readable XLSX workbook ({type(exc).__name__})") \
            from None
    rows = 0
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ImportFileError("empty", "the workbook has no sheet")
        width = 0
        with dst.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, lineterminator="\n")
            for values in sheet.iter_rows(values_only=True):
                cells = [_cell(v) for v in values]
                while len(cells) > width and not cells[-1]:
                    cells.pop()           # Excel's empty cells right of the table
                if rows == 0:
                    width = len(cells)    # the header decides how wide a row is
                if not any(cells):
                    fh.write("\n")       # a blank row: a blank line, skipped by the importer
                else:
                    out.writerow(cells + [""] * (width - len(cells)))
                rows += 1
    finally:
        book.close()
    return rows
