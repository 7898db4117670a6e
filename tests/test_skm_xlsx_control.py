"""A control character in a suggestion must not break the XLSX export (issue 17, defect 3)."""

from __future__ import annotations

import io

import openpyxl

from bot.features.skm import workbook
from bot.features.skm.service import Period
from tests.skm_kit import seed

TYPED = "Pelayanan\x07 cepat\x1b[0m, terima kasih\x00\nbaris dua\ttab"


async def test_control_characters_are_replaced_in_the_sheet_only(app, settings, clock):
    svc = app.services.survey
    await seed(app.services.store, 2001, "PSTW-PSR", [4] * 9, suggestion=TYPED)
    await seed(app.services.store, 2002, "PSTW-PSR", [3] * 9, suggestion="=1+1\x0b")
    period = Period.parse("2026-Q4")
    report = await svc.report(period)
    responses = await svc.responses(period)
    data = workbook.xlsx_bytes(app.services.content, report, responses, settings.tz, clock())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    saran = {ws_row[2].value for ws_row in wb["Saran"].iter_rows(min_row=2)}
    assert "Pelayanan\ufffd cepat\ufffd[0m, terima kasih\ufffd\nbaris dua\ttab" in saran
    formula = next(r[2] for r in wb["Saran"].iter_rows(min_row=2) if r[2].value == "=1+1\ufffd")
    assert formula.data_type == "s"  # still never a formula
    assert any(cell.value == "=1+1\ufffd" for row in wb["Responden"].iter_rows() for cell in row)
    # the stored text and the CSV keep what was typed
    assert TYPED in [r.suggestion for r in responses]
    csv = workbook.csv_bytes(app.services.content, responses, settings.tz, {})
    assert csv.decode("utf-8-sig").count("\x07") == 1
