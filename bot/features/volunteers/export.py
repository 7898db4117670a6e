"""The volunteers' spreadsheet for staff: one row per volunteer, labels not codes.

Headings and labels in the staff member's language (a Translator); a title row, a frozen
header with a filter, column widths, real dates (WIB) and A4 landscape fit to the page width.
Text a volunteer typed is written as text, never as a formula. A plain blocking function: the
bot calls it through asyncio.to_thread.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.core.clock import parse_iso
from bot.core.i18n import N_, Translator
from bot.features.volunteers.repo import Volunteer

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DATE_FORMAT = "DD/MM/YYYY HH:MM"
HEADER_ROW = 3
WRAPPED = (2, 3, 10)   # name, role, reason: long texts wrap in their column
LINE_HEIGHT = 15       # points per line of a wrapped cell

COLUMNS: tuple[tuple[str, float], ...] = (
    (N_("No."), 5), (N_("Name"), 28), (N_("Role"), 34), (N_("Kab/kota"), 20),
    (N_("Kecamatan"), 20), (N_("Phone"), 16), (N_("Status"), 18),
    (N_("Registered (WIB)"), 17), (N_("Decided (WIB)"), 17), (N_("Reason for rejection"), 40),
    (N_("Telegram id"), 14),
)


def _text(value: object) -> object:
    return _XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def _local(value: str | None, tz: ZoneInfo) -> dt.datetime | None:
    """A stored UTC time as a naive local time (a spreadsheet has no time zones)."""
    return parse_iso(value).astimezone(tz).replace(tzinfo=None) if value else None


def volunteers_xlsx(t: Translator, rows: Sequence[Volunteer], *, title: str,
                    role: Callable[[str], str], region: Callable[[str], str],
                    kecamatan: Callable[[str | None], str], status: Callable[[str], str],
                    reason: Callable[[Volunteer], str], tz: ZoneInfo) -> bytes:
    """`role`, `region`, `kecamatan`, `status` and `reason` turn codes into the labels a
    person reads (translated already)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new Workbook has one sheet
    ws.title = t(N_("Volunteers"))[:31]
    ws.cell(1, 1, _text(title)).font = Font(bold=True, size=13)
    header = [t(label) for label, _ in COLUMNS]
    fill = PatternFill("solid", fgColor="DDEBF7")
    ws.row_dimensions[HEADER_ROW].height = LINE_HEIGHT * 2
    for col, label in enumerate(header, 1):
        cell = ws.cell(HEADER_ROW, col, label)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for n, vol in enumerate(rows, 1):
        values: list[object] = [
            n, vol.name, role(vol.role), region(vol.region_code), kecamatan(vol.kecamatan_code),
            vol.phone or "", status(vol.status), _local(vol.requested_at, tz),
            _local(vol.decided_at, tz), reason(vol), vol.user_id]
        r = HEADER_ROW + n
        lines = 1
        for col, value in enumerate(values, 1):
            cell = ws.cell(r, col, _text(value))
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." typed by a volunteer stays text, not a formula
                if col in WRAPPED:  # spreadsheet programs do not grow a row for wrapped text
                    lines = max(lines, math.ceil(len(value) * 1.1 / COLUMNS[col - 1][1]))
            if isinstance(value, dt.datetime):
                cell.number_format = DATE_FORMAT
            cell.alignment = Alignment(vertical="top", wrap_text=col in WRAPPED)
        ws.row_dimensions[r].height = LINE_HEIGHT * lines
    for col, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    last = get_column_letter(len(COLUMNS))
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(1, len(rows))}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    wb.properties.title = title
    wb.properties.creator = "Dinsos Jatim bot"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
