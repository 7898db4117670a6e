"""A control character in a suggestion must not break the XLSX export (issue 17, defect 3)."""

from __future__ import annotations

import io

import openpyxl

from bot.services import skm_files


def test_control_characters_are_replaced_in_the_sheet_only():
    typed = "Pelayanan\x07 cepat\x1b[0m, terima kasih\x00\nbaris dua\ttab"
    head = ["No", "Saran"]
    body = [[1, typed], [2, "=1+1\x0b"]]
    data = skm_files.xlsx_bytes(head, body, summary=[["Unit"], ["PSTW\x01"]])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Responden"]
    assert ws.cell(row=2, column=2).value == \
        "Pelayanan\ufffd cepat\ufffd[0m, terima kasih\ufffd\nbaris dua\ttab"
    formula = ws.cell(row=3, column=2)
    assert formula.value == "=1+1\ufffd" and formula.data_type == "s"  # still never a formula
    assert wb["Rekap IKM"].cell(row=2, column=1).value == "PSTW\ufffd"
    assert body[0][1] == typed  # the stored text is untouched
    assert skm_files.csv_bytes(head, body).decode("utf-8-sig").count("\x07") == 1  # CSV keeps it
