"""SKM files: the export (CSV, XLSX) and the NRR bar chart (PNG).

Plain blocking functions: the bot runs them with asyncio.to_thread, the command line directly.
matplotlib is used through its object API with the Agg canvas (no pyplot, no global state), so
two charts may be drawn at once in different threads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import textwrap
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.clock import parse_iso
from bot.content import Content
from bot.services import ikm
from bot.storage.skm import ResponseRow

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so an XLSX sheet) cannot hold: C0 controls but tab, newline, CR.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def sheet_text(value: str) -> str:
    """The text as a sheet can hold it: each illegal control character shown as U+FFFD.
    For the sheet only; the stored suggestion keeps what the resident typed."""
    return _XML_ILLEGAL.sub(REPLACEMENT, value)


def header(content: Content) -> list[str]:
    fields = [f.column for f in content.skm.respondent]
    return ["No", "Kode Unit", "Unit", "Tanggal", "Jam", "Jenis Layanan", *fields,
            *ikm.UNSUR_CODES, "Saran"]


def rows(content: Content, responses: Sequence[ResponseRow], tz: ZoneInfo) -> list[list]:
    """One row per response, in the layout of the office's spreadsheets."""
    out = []
    units = {u.code: u for u in content.units}
    services = {s.code: s for s in content.skm.services}
    for n, r in enumerate(responses, 1):
        unit = units.get(r.unit_code)
        service = services.get(r.service)
        when = parse_iso(r.submitted_at).astimezone(tz)
        out.append([
            n, r.unit_code, unit.name if unit else r.unit_code, when.date(),
            when.time().replace(microsecond=0), service.label.id if service else r.service,
            *[r.respondent.get(f.key, "") for f in content.skm.respondent],
            *[r.answers.get(code, "") for code in ikm.UNSUR_CODES],
            r.suggestion or "",
        ])
    return out


def _csv_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def csv_bytes(head: list[str], body: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(head)
    for row in body:
        writer.writerow([_csv_safe(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def xlsx_bytes(head: list[str], body: list[list], summary: list[list] | None = None,
               title: str = "SKM") -> bytes:
    """The workbook, written in openpyxl's streaming mode (fast, little memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(ws, value, font=None):
        if isinstance(value, str):
            value = sheet_text(value)
        if font is None and not isinstance(value, dt.date | dt.time) and not (
                isinstance(value, str) and value.startswith("=")):
            return value  # a plain value is written much faster than a styled cell
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # never a formula, whatever the resident typed
        elif isinstance(value, dt.date):
            c.number_format = "DD/MM/YYYY"
        elif isinstance(value, dt.time):
            c.number_format = "HH:MM"
        if font is not None:
            c.font = font
        return c

    ws = wb.create_sheet("Responden")
    ws.freeze_panes = "A2"
    ws.append([cell(ws, h, bold) for h in head])
    for row in body:
        ws.append([cell(ws, v) for v in row])
    if summary:
        s = wb.create_sheet("Rekap IKM")
        s.append([cell(s, h, bold) for h in summary[0]])
        for row in summary[1:]:
            s.append([cell(s, v) for v in row])
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary_rows(report) -> list[list]:
    """The 'Rekap IKM' sheet: per unit NRR U1..U9, IKM, mutu, kinerja."""
    out: list[list] = [["Kode Unit", "Unit", "Responden", *ikm.UNSUR_CODES, "IKM", "Mutu",
                        "Kinerja", "Ulangan ditolak", "Sampel minimum"]]
    for u in [*report.units, report.overall]:
        r = u.result
        nrrs = [float(ikm.round_to(r.nrr[c], 4)) if r else "" for c in ikm.UNSUR_CODES]
        out.append([u.code, u.name, u.respondents, *nrrs, float(r.ikm) if r else "",
                    r.grade.mutu if r else "", r.grade.kinerja if r else "", u.repeats,
                    u.min_sample if u.min_sample is not None else ""])
    return out


def chart_png(title: str, nrr: dict[str, float], names: dict[str, str]) -> bytes:
    """A bar chart of the NRR per unsur (1-4) with the lines where grades C, B and A begin."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    codes = list(ikm.UNSUR_CODES)
    values = [float(nrr.get(c, 0)) for c in codes]
    colors = ["#2e7d32" if v >= ikm.GRADE_LINES_NRR["A"] else "#1565c0"
              if v >= ikm.GRADE_LINES_NRR["B"] else "#f9a825"
              if v >= ikm.GRADE_LINES_NRR["C"] else "#c62828" for v in values]
    bars = ax.bar(codes, values, color=colors)
    for bar, v in zip(bars, values, strict=True):
        ax.annotate(f"{v:.2f}", (bar.get_x() + bar.get_width() / 2, v), ha="center",
                    va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
    for mutu, level in ikm.GRADE_LINES_NRR.items():
        ax.axhline(level, color="#555555", linestyle="--", linewidth=0.8)
        ax.text(1.01, level, f"{mutu} ≥ {level}", transform=ax.get_yaxis_transform(),
                va="center", fontsize=8, color="#333333")
    ax.set_ylim(0, 4.3)
    ax.set_ylabel("NRR")
    ax.set_title(title, fontsize=11)
    ax.set_xticks(range(len(codes)))
    ax.set_xticklabels([f"{c}\n" + textwrap.fill(names.get(c, ""), 12, max_lines=3,
                                                  placeholder="…") for c in codes], fontsize=7)
    fig.tight_layout(rect=(0, 0, 0.92, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
