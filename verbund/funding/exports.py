"""Exports of the grants: all grants as CSV and XLSX (for the authority and the ministry), and the list
of grants over 1,000 EUR for the transparency platform (DOMAIN.md §2).

CSV files are semicolon-separated UTF-8 with a byte order mark and amounts with a decimal comma (no
thousands separator), which is what German Excel opens correctly by double-click; a text cell that
begins with ``=``, ``+``, ``-``, ``@`` or a tab/return gets a leading ``'`` (no formula injection).
The XLSX holds real numbers (formatted as EUR) and dates. Both read the grants the user may see
through :func:`verbund.funding.selectors.granted_notices` in a constant number of queries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone

from verbund.common.german import format_number
from verbund.common.licence import add_licence_to_workbook
from verbund.common.money import cents
from verbund.common.spreadsheet import workbook_bytes
from verbund.registry.selectors import body_label

from .models import GrantNotice
from .selectors import grant_rows, kreis_names

TRANSPARENCY_THRESHOLD = Decimal("1000.00")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

GRANT_COLUMNS = (
    ("reference", "Aktenzeichen"),
    ("programme", "Förderprogramm"),
    ("alliance", "Verbund"),
    ("recipient", "Zuwendungsempfänger"),
    ("recipient_ars", "Regionalschlüssel (ARS)"),
    ("kreis", "Kreis"),
    ("purpose", "Vorhaben"),
    ("fields", "Handlungsfelder"),
    ("amount", "Zuwendung (EUR)"),
    ("years", "Haushaltsjahre"),
    ("drawn", "ausgezahlt (EUR)"),
    ("financing", "Finanzierungsart"),
    ("period_start", "Beginn"),
    ("period_end", "Ende"),
    ("issued_on", "Bewilligt am"),
    ("status", "Status"),
)
TRANSPARENCY_COLUMNS = (
    ("recipient", "Zuwendungsempfänger"),
    ("recipient_ars", "Regionalschlüssel (ARS)"),
    ("purpose", "Zweck"),
    ("amount", "Betrag (EUR)"),
    ("year", "Jahr"),
    ("programme", "Förderprogramm"),
    ("reference", "Aktenzeichen"),
    ("issued_on", "Bewilligt am"),
)


def _german_decimal(value: Decimal) -> str:
    """``1234.5`` → ``"1234,50"``: German decimals without thousands dots, which German Excel reads
    as a number in a CSV cell (:func:`verbund.common.german.format_number` groups them)."""
    return format_number(cents(value), 2).replace(".", "")


def grant_records(notices: Iterable[GrantNotice]) -> list[dict[str, Any]]:
    """One dict per grant with the columns of :data:`GRANT_COLUMNS` (typed values)."""
    notices = list(notices)
    names = kreis_names({n.application.applicant.ars[:5] for n in notices})
    records = []
    for notice in notices:
        application = notice.application
        years = sorted(notice.years.all(), key=lambda y: y.programme_year.year)
        records.append(
            {
                "reference": notice.reference,
                "programme": application.programme.name,
                "alliance": application.alliance.name,
                "recipient": body_label(application.applicant.kind, application.applicant.name),
                "recipient_ars": application.applicant.ars,
                "kreis": names.get(application.applicant.ars[:5], ""),
                "purpose": application.title,
                "fields": "; ".join(f.name for f in application.fields.all()),
                "amount": notice.amount,
                "years": "; ".join(f"{y.programme_year.year}: {_german_decimal(y.amount)}" for y in years),
                "drawn": sum((y.drawn for y in years), Decimal("0.00")),
                "financing": notice.get_financing_display(),
                "period_start": notice.period_start,
                "period_end": notice.period_end,
                "issued_on": timezone.localtime(notice.issued_at).date(),
                "year": timezone.localtime(notice.issued_at).year,
                "status": application.get_status_display(),
            }
        )
    return records


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _german_decimal(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _csv(records: list[dict[str, Any]], columns: tuple[tuple[str, str], ...]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _key, label in columns])
    for record in records:
        writer.writerow([_cell(record[key]) for key, _label in columns])
    return out.getvalue()


def grants_csv(notices: Iterable[GrantNotice]) -> str:
    return _csv(grant_records(grant_rows_of(notices)), GRANT_COLUMNS)


def transparency_records(notices: Iterable[GrantNotice]) -> list[dict[str, Any]]:
    """Grants above 1,000 EUR with what transparency platforms publish: recipient, purpose, amount,
    year (of the grant notice) and programme."""
    return [r for r in grant_records(grant_rows_of(notices)) if r["amount"] > TRANSPARENCY_THRESHOLD]


def transparency_csv(notices: Iterable[GrantNotice]) -> str:
    return _csv(transparency_records(notices), TRANSPARENCY_COLUMNS)


def grants_xlsx(notices: Iterable[GrantNotice]) -> bytes:
    """The grants as an Excel workbook (one sheet, numbers as numbers, dates as dates)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    records = grant_records(grant_rows_of(notices))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Bewilligungen"
    sheet.append([label for _key, label in GRANT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money = {"amount", "drawn"}
    dates = {"period_start", "period_end", "issued_on"}
    for record in records:
        sheet.append([record[key] for key, _label in GRANT_COLUMNS])
        row = sheet.max_row
        for index, (key, _label) in enumerate(GRANT_COLUMNS, start=1):
            if key in money:
                sheet.cell(row=row, column=index).number_format = '#,##0.00 "EUR"'
            elif key in dates:
                sheet.cell(row=row, column=index).number_format = "DD.MM.YYYY"
    for index, (_key, label) in enumerate(GRANT_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(label) + 2)
    sheet.freeze_panes = "A2"
    add_licence_to_workbook(workbook, source="Verbund – Bewilligungen der Förderung")
    return workbook_bytes(workbook)


def grant_rows_of(notices: Iterable[GrantNotice]) -> Iterator[GrantNotice]:
    """Accept a QuerySet (prefetched here) or an already loaded list."""
    from django.db.models import QuerySet

    if isinstance(notices, QuerySet):
        return iter(grant_rows(notices))
    return iter(notices)
