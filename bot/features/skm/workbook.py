"""The SKM workbook for the head of office, and the CSV for Excel with Indonesian settings.

Sheets: "Ringkasan" first (title, period, IKM, mutu, NRR and weighted NRR per unsur, the
legend U1-U9 and the grade table, coverage, the ranking of units with the units without
responses named), "Profil" (respondents by gender, age, education, occupation and service),
"Responden" (one row per response, with the labels residents saw), "Saran", and "Relawan"
(assisted surveys per volunteer and flagged runs). Columns have widths, numbers two decimals,
the response sheet a frozen header and a filter, and every sheet prints fit to the page width.

The sheets are the office's report in Indonesian, the language of its official forms. Text a
resident typed is written as text, never as a formula. A plain blocking function: the bot calls
it through asyncio.to_thread.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.content import Content
from bot.core.clock import parse_iso
from bot.core.datetimes import format_when
from bot.features.skm import ikm
from bot.features.skm.repo import ResponseRow
from bot.features.skm.reports import Report, UnitReport

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so an XLSX sheet) cannot hold: C0 controls but tab, newline, CR.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def sheet_text(value: object) -> object:
    """A value as a sheet can hold it: each illegal control character in a text shown as
    U+FFFD. For the sheet only; the stored suggestion keeps what the resident typed, and the
    CSV too."""
    return _XML_ILLEGAL.sub(REPLACEMENT, value) if isinstance(value, str) else value
KINERJA_ID = {"A": "Sangat baik", "B": "Baik", "C": "Kurang baik", "D": "Tidak baik"}
INTERVALS = (("A", "88,31 – 100,00", "3,5324 – 4,00"), ("B", "76,61 – 88,30", "3,0644 – 3,532"),
             ("C", "65,00 – 76,60", "2,60 – 3,064"), ("D", "25,00 – 64,99", "1,00 – 2,5996"))
ROMAN = ("I", "II", "III", "IV")
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")
TWO = "#,##0.00"
FOUR = "0.0000"
NO_SAMPLE = "sampel belum cukup"


def period_id(period) -> str:
    if period.kind == "month":
        return f"{MONTHS_ID[period.number - 1]} {period.year}"
    if period.kind == "year":
        return f"Tahun {period.year}"
    first = MONTHS_ID[period.first_day.month - 1]
    last = MONTHS_ID[period.last_day.month - 1]
    return f"Triwulan {ROMAN[period.number - 1]} ({first}–{last} {period.year})"


def labelled(content: Content, r: ResponseRow, tz: ZoneInfo, volunteers: dict[int, str]
             ) -> list:
    """One response as the resident saw it: labels, not codes."""
    assert content.skm is not None  # responses exist only with SKM content
    units = {u.code: u for u in content.units}
    services = {s.code: s for s in content.skm.services}
    unit = units.get(r.unit_code)
    service = services.get(r.service)
    when = parse_iso(r.submitted_at).astimezone(tz)
    fields = []
    for f in content.skm.respondent:
        code = r.respondent.get(f.key, "")
        option = next((o for o in f.options if o.code == code), None)
        fields.append(option.label.id if option else code)
    return [
        r.unit_code, unit.name if unit else r.unit_code, when.replace(tzinfo=None),
        service.label.id if service else r.service, *fields,
        *[r.answers.get(code, "") for code in ikm.UNSUR_CODES],
        volunteers.get(r.volunteer_id, str(r.volunteer_id)) if r.volunteer_id else "",
        program_name(content, r.program),
        r.suggestion or "",
    ]


def program_name(content: Content, key: str | None) -> str:
    """The program an assisted response is about, by its name ('' for none)."""
    if not key:
        return ""
    program = next((p for p in content.programs if p.key == key), None)
    return program.name.short if program else key


def response_header(content: Content) -> list[str]:
    assert content.skm is not None  # a SurveyService (the only caller) requires it
    return ["No", "Kode unit", "Unit", "Waktu (WIB)", "Jenis layanan",
            *[f.column for f in content.skm.respondent], *ikm.UNSUR_CODES,
            "Dampingan relawan", "Program", "Kritik/saran"]


def _grade_cells(u: UnitReport) -> list:
    r = u.result
    if r is None:
        return ["", "", "tidak ada responden"]
    if u.graded is None:
        return [float(r.ikm), "", NO_SAMPLE]
    return [float(r.ikm), r.grade.mutu, KINERJA_ID[r.grade.mutu]]


def _scope(report: Report, responses: Sequence[ResponseRow]) -> list[ResponseRow]:
    if report.unit is None:
        return list(responses)
    return [r for r in responses if r.unit_code == report.unit.code]


def xlsx_bytes(content: Content, report: Report, responses: Sequence[ResponseRow],
               tz: ZoneInfo, now: dt.datetime) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE7F0")
    thin = Side(style="thin", color="999999")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    volunteers = {v.volunteer_id: v.name for v in report.volunteers}
    assert content.skm is not None  # a report exists only with SKM content
    unsur = {u.code: u.name.id for u in content.skm.unsur}

    wb = Workbook()

    def put(ws, row: int, values: Sequence, *, header: bool = False,
            formats: dict[int, str] | None = None) -> None:
        for col, value in enumerate(values, 1):
            value = sheet_text(value)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell = ws.cell(row, col)
                cell.value = value
                cell.data_type = "s"  # text a person typed is never a formula
            else:
                cell = ws.cell(row, col, value)
            if header:
                cell.font, cell.fill, cell.border = bold, head_fill, box
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                ws.row_dimensions[row].height = 30
            if formats and col in formats and isinstance(value, int | float):
                cell.number_format = formats[col]

    def widths(ws, values: Sequence[float]) -> None:
        for i, w in enumerate(values, 1):
            ws.column_dimensions[get_column_letter(i)].width = w

    def printable(ws, landscape: bool = False) -> None:
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4

    # -- Ringkasan ----------------------------------------------------------------------------
    ws = wb.active
    ws.title = "Ringkasan"
    main = report.main
    scope = _scope(report, responses)
    name = report.unit.name if report.unit else f"Semua unit di {report.region}" \
        if report.region else "Semua unit (Dinas Sosial Provinsi Jawa Timur)"
    ws["A1"] = "Indeks Kepuasan Masyarakat (IKM)"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = name
    ws["A2"].font = Font(bold=True, size=12)
    rows = [
        ("Periode", period_id(report.period)),
        ("Responden", main.respondents),
        ("  di antaranya dampingan relawan", main.assisted),
        ("IKM (konversi)", float(main.result.ikm) if main.result else "-"),
        ("Mutu pelayanan", main.graded.grade.mutu if main.graded else
         (NO_SAMPLE if main.result else "-")),
        ("Kinerja unit", KINERJA_ID[main.graded.grade.mutu] if main.graded else "-"),
        ("Populasi (penerima layanan)", main.population or "belum diisi"),
        ("Sampel minimum (Krejcie-Morgan)", main.min_sample or "-"),
        ("Ulangan ditolak", main.repeats),
        ("Dasar", "PermenPANRB No. 14 Tahun 2017"),
        ("Dibuat", format_when(now, "id", tz)),
    ]
    r = 4
    for label, value in rows:
        ws.cell(r, 1, label).font = bold
        c = ws.cell(r, 2, value)
        if label.startswith("IKM") and isinstance(value, float):
            c.number_format = TWO
            c.font = Font(bold=True, size=12)
        c.alignment = Alignment(horizontal="left")
        r += 1
    r += 1
    ws.cell(r, 1, "Nilai per unsur").font = Font(bold=True, size=12)
    r += 1
    put(ws, r, ["Unsur", "Nama unsur", "Jumlah nilai", "Jumlah jawaban", "NRR",
                "NRR tertimbang (× 1/9)"], header=True)
    totals = {c: (sum(x.answers.get(c, 0) for x in scope),
                  sum(1 for x in scope if c in x.answers)) for c in ikm.UNSUR_CODES}
    weighted_sum = Fraction(0)
    for code in ikm.UNSUR_CODES:
        r += 1
        nrr = main.result.nrr[code] if main.result else None
        weighted = nrr / 9 if nrr is not None else None
        weighted_sum += weighted or 0
        put(ws, r, [code, unsur.get(code, ""), totals[code][0], totals[code][1],
                    float(nrr) if nrr is not None else "",
                    float(weighted) if weighted is not None else ""],
            formats={5: TWO, 6: FOUR})
    r += 1
    put(ws, r, ["", "Jumlah NRR tertimbang", "", "", "", float(weighted_sum)],
        formats={6: FOUR})
    ws.cell(r, 2).font = bold
    r += 1
    put(ws, r, ["", "IKM = jumlah NRR tertimbang × 25", "", "", "",
                float(main.result.ikm) if main.result else ""], formats={6: TWO})
    ws.cell(r, 2).font = bold
    ws.cell(r, 6).font = bold
    r += 2
    ws.cell(r, 1, "Mutu pelayanan").font = Font(bold=True, size=12)
    r += 1
    put(ws, r, ["Mutu", "Kinerja unit", "Nilai IKM", "Nilai interval NRR"], header=True)
    for mutu, ikm_range, nrr_range in INTERVALS:
        r += 1
        put(ws, r, [mutu, KINERJA_ID[mutu], ikm_range, nrr_range])
    r += 1
    ws.cell(r, 1, "Sampel belum cukup: responden di bawah minimum Krejcie-Morgan untuk "
                  "populasinya; IKM dihitung, mutu belum diberikan.").font = Font(italic=True)
    widths(ws, [34, 44, 13, 14, 10, 22])
    printable(ws)

    # -- Peringkat (every unit, ranked; the units without responses named) --------------------
    if report.unit is None:
        from bot.features.skm.trend import ranking

        ks = wb.create_sheet("Peringkat")
        ks["A1"] = f"Peringkat unit · {period_id(report.period)}"
        ks["A1"].font = Font(bold=True, size=12)
        put(ks, 3, ["No", "Kode unit", "Unit", "Responden", "Dampingan relawan", "Populasi",
                    "Sampel minimum", "IKM", "Mutu", "Kinerja / catatan", "Ulangan ditolak"],
            header=True)
        r = 3
        for n, u in enumerate(ranking(report), 1):
            r += 1
            ikm_v, mutu, kinerja = _grade_cells(u)
            put(ks, r, [n, u.code, u.name, u.respondents, u.assisted, u.population or "",
                        u.min_sample or "", ikm_v, mutu, kinerja, u.repeats], formats={8: TWO})
        for code in report.silent_units:
            r += 1
            unit = content.unit(code)
            put(ks, r, ["", code, unit.name if unit else code, 0, 0, "", "", "", "",
                        "tidak ada responden", 0])
        ks.freeze_panes = "A4"
        widths(ks, [5, 12, 60, 11, 11, 10, 10, 8, 6, 20, 10])
        ks.print_title_rows = "3:3"
        printable(ks, landscape=True)

    # -- Profil ---------------------------------------------------------------------------------
    ps = wb.create_sheet("Profil")
    ps["A1"] = f"Profil responden · {name} · {period_id(report.period)}"
    ps["A1"].font = Font(bold=True, size=12)
    r = 3
    groups: list[tuple[str, str | None, list[tuple[str, str]]]] = [
        (f.column, f.key, [(o.code, o.label.id) for o in f.options])
        for f in content.skm.respondent]
    groups.append(("Jenis layanan", None, [(s.code, s.label.id) for s in content.skm.services]))
    programs = Counter(x.program for x in scope if x.program)
    if programs:  # the programs assisted respondents were served through, most first
        groups.append(("Program (survei dampingan)", "program",
                       [(k, program_name(content, k)) for k, _ in programs.most_common()]))
    total = len(scope) or 1
    for title, key, options in groups:
        put(ps, r, [title, "Jumlah", "Persen"], header=True)
        counts = programs if key == "program" else \
            Counter(x.respondent.get(key) if key else x.service for x in scope)
        for code, label in options:
            r += 1
            put(ps, r, [label, counts.get(code, 0), counts.get(code, 0) / total])
            ps.cell(r, 3).number_format = "0.00%"
        r += 2
    widths(ps, [40, 10, 10])
    printable(ps)

    # -- Responden ----------------------------------------------------------------------------
    rs = wb.create_sheet("Responden")
    head = response_header(content)
    put(rs, 1, head, header=True)
    for n, resp in enumerate(responses, 1):
        values = [sheet_text(v) for v in (n, *labelled(content, resp, tz, volunteers))]
        rs.append(values)  # much faster than cell by cell for thousands of rows
        rs.cell(n + 1, 4).number_format = "DD/MM/YYYY HH:MM"
        for col, value in enumerate(values, 1):
            if isinstance(value, str) and value.startswith("="):
                rs.cell(n + 1, col).data_type = "s"  # text a person typed is never a formula
    last = len(responses) + 1
    rs.freeze_panes = "A2"
    rs.auto_filter.ref = f"A1:{get_column_letter(len(head))}{last}"
    nfields = len(content.skm.respondent)
    widths(rs, [5, 12, 44, 18, 26, *[16] * nfields, *[5] * 9, 18, 22, 50])
    for row in rs.iter_rows(min_row=2, min_col=len(head), max_col=len(head)):
        row[0].alignment = wrap
    rs.print_title_rows = "1:1"
    printable(rs, landscape=True)

    # -- Saran ----------------------------------------------------------------------------------
    ss = wb.create_sheet("Saran")
    put(ss, 1, ["Tanggal", "Kode unit", "Kritik/saran"], header=True)
    n = 1
    for resp in responses:
        if resp.suggestion:
            n += 1
            put(ss, n, [parse_iso(resp.submitted_at).astimezone(tz).date(), resp.unit_code,
                        resp.suggestion])
            ss.cell(n, 1).number_format = "DD/MM/YYYY"
            ss.cell(n, 3).alignment = wrap
    ss.freeze_panes = "A2"
    widths(ss, [12, 12, 90])
    printable(ss)

    # -- Relawan --------------------------------------------------------------------------------
    vs = wb.create_sheet("Relawan")
    put(vs, 1, ["Relawan", "Survei dampingan", "Unit", "Ulangan ditolak",
                "Dalam deret mencurigakan"], header=True)
    for n, v in enumerate(report.volunteers, 2):
        put(vs, n, [v.name, v.responses, v.units, v.repeats, v.flagged])
    r = len(report.volunteers) + 3
    if report.flags:
        put(vs, r, ["Perlu diperiksa: relawan", "Jawaban sama", "Dari", "Sampai",
                    "Jawaban U1–U9"], header=True)
        for f in report.flags:
            r += 1
            put(vs, r, [f.name, f.count, f.first.replace(tzinfo=None),
                        f.last.replace(tzinfo=None), " ".join(map(str, f.answers))])
            vs.cell(r, 3).number_format = vs.cell(r, 4).number_format = "DD/MM/YYYY HH:MM"
    widths(vs, [30, 16, 17, 17, 24])
    printable(vs)

    wb.properties.title = f"IKM {period_id(report.period)} · {name}"
    wb.properties.creator = "Dinsos Jatim bot"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value


def csv_bytes(content: Content, responses: Sequence[ResponseRow], tz: ZoneInfo,
              volunteers: dict[int, str]) -> bytes:
    """Semicolon-separated with a UTF-8 BOM: Excel with Indonesian (or any comma-decimal)
    settings opens it in columns and reads the accents right."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(response_header(content))
    for n, r in enumerate(responses, 1):
        writer.writerow([_csv_safe(v) for v in [n, *labelled(content, r, tz, volunteers)]])
    return buf.getvalue().encode("utf-8-sig")
