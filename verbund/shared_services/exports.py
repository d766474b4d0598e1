"""What leaves the platform: a member's invoice (PDF), the alliance's overview (XLSX and CSV).

Everything is produced from the stored settlement (its lines and snapshot), never recomputed, so a
finalized settlement always prints the same figures. The invoice is a tagged PDF/UA letter rendered
with :func:`verbund.common.pdf.render_pdf` from ``shared_services/pdf/invoice.html`` and the data of
:func:`.invoices.invoice_document` (the XRechnung, :mod:`.xrechnung`, uses the same data). The CSV is
for German spreadsheets: ``;`` as separator, decimal comma, UTF-8 with BOM.

A settlement is an official document: the invoice and the overviews are German for every reader
(``translation.override("de")``), and the column headers of the overviews are fixed German names
that other programmes can rely on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from verbund.common import german
from verbund.common.german import format_date, format_number
from verbund.common.pdf import render_pdf
from verbund.common.spreadsheet import workbook_bytes

from .invoices import SAVINGS_COMPARISON, invoice_document
from .models import Settlement, SettlementKind, SettlementLine


def document_title(settlement: Settlement) -> str:
    if settlement.kind == SettlementKind.ADVANCE:
        return f"Festsetzung der Abschläge {settlement.year}"
    return f"Spitzabrechnung {settlement.year}"


def basis_text(component: dict[str, Any]) -> str:
    """ "20.000 von 35.000 Einwohner (57,1429 %)" for a component of a line."""
    if component.get("basis") is None:
        return component.get("basis_label", "")
    scale = 2 if component["basis_label"] == "Menge" else 0
    text = _("%(basis)s von %(total)s %(label)s") % {
        "basis": format_number(Decimal(component["basis"]), scale),
        "total": format_number(Decimal(component["basis_total"]), scale),
        "label": component["basis_label"],
    }
    if component.get("weight_share") is not None:
        weight = format_number(Decimal(component["weight_share"]) * 100, 4)
        text += " " + _("(Gewicht %(weight)s %%)") % {"weight": weight}
    return text


# --- PDF invoice ------------------------------------------------------------------------------------


@translation.override("de")
def invoice_pdf(settlement: Settlement, line: SettlementLine) -> bytes:
    """The member's invoice as a tagged PDF/UA document (DIN 5008 letter): sender and recipient with
    their addresses, number (Kassenzeichen), dates, service period, items, total, due date, bank
    details and payment reference; a refund notice when the balance is negative; drafts marked."""
    doc = invoice_document(settlement, line)
    sender = doc.sender
    contact = [
        part
        for part in (
            sender.contact_name,
            f"Telefon {sender.contact_phone}" if sender.contact_phone else "",
            sender.contact_email,
        )
        if part
    ]
    # Identifiers stay as they are (no typographic dash in "2026-00001"): passed as safe, escaped text.
    info = [
        ("Rechnungsnummer (Kassenzeichen)", format_html("{}", doc.number or "wird beim Abschluss vergeben")),
        ("Rechnungsdatum", format_date(doc.issue_date)),
        ("Leistungszeitraum", f"{format_date(doc.period_start)}–{format_date(doc.period_end)}"),
    ]
    if doc.due_date:
        info.append(("Fällig am", format_date(doc.due_date)))
    if doc.recipient.leitweg_id:
        info.append(("Ihre Leitweg-ID", format_html("{}", doc.recipient.leitweg_id)))
    if contact:
        info.append(("Ansprechperson", format_html("{}", ", ".join(contact))))
    context = {
        "doc": doc,
        "sender": {"name": sender.name, "lines": sender.address_lines[1:], "contact": contact},
        "recipient_lines": doc.recipient.address_lines,
        "info": info,
        "subject": doc.subject,
    }
    title = f"{doc.title} – {line.body.name}"
    return render_pdf(
        "shared_services/pdf/invoice.html",
        context,
        title=title,
        lang="de",
        author=settlement.service.provider.name,
        subject=doc.subject,
    )


# --- XLSX and CSV overview --------------------------------------------------------------------------

HEADERS = [
    "Körperschaft",
    "Regionalschlüssel",
    "Beteiligungstage",
    "Einwohner",
    "Einwohner-Stichtag",
    "Einwohner-Quelle",
    "Fläche (ha)",
    "Menge",
    "Anteil (EUR)",
    "Abschläge (EUR)",
    "Saldo (EUR)",
    "Kosten allein, Schätzung (EUR)",
    "Ersparnis, Schätzung (EUR)",
    "Anteil an den Erlösen (EUR)",
]


def _row_values(line: SettlementLine) -> list[Any]:
    return [
        line.body.name,
        line.body.ars,
        line.days,
        line.population,
        line.population_date,
        line.population_source,
        line.area_ha,
        line.volume,
        line.share,
        line.advance_paid,
        line.balance,
        line.standalone_cost,
        line.saving,
        line.revenue_share,
    ]


@translation.override("de")
def overview_xlsx(settlement: Settlement, lines: Sequence[SettlementLine]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    money = "#,##0.00"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Abrechnung"
    service = settlement.service
    sheet.append([f"{document_title(settlement)}: {service.name}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["Verbund", service.alliance.name])
    sheet.append(["Erbringende Körperschaft", service.provider.name])
    sheet.append(["Fassung", settlement.version, settlement.get_status_display()])
    sheet.append(["Schlüssel", settlement.key_description])
    sheet.append(["Kosten abzüglich Erlöse (EUR)", settlement.net_cost])
    sheet.append(["Verteilt (EUR)", settlement.total])
    sheet.append([])
    sheet.append(HEADERS)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for line in lines:
        sheet.append(_row_values(line))
    for row in sheet.iter_rows(min_row=header_row + 1, min_col=9, max_col=14):
        for cell in row:
            cell.number_format = money
    for row in sheet.iter_rows(min_row=6, max_row=7, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = money
    sheet.append([])
    sheet.append(["Summe", "", "", "", "", "", "", "", sum(line.share for line in lines)])
    sheet.cell(row=sheet.max_row, column=9).number_format = money
    sheet.column_dimensions["A"].width = 34
    for column in "BCDEFGHIJKLM":
        sheet.column_dimensions[column].width = 18
    parts = workbook.create_sheet("Bestandteile")
    parts.append(["Körperschaft", "Bestandteil", "Grundlage", "Betrag (EUR)", "Teilbetrag gesamt (EUR)"])
    for line in lines:
        for component in line.components:
            parts.append(
                [
                    line.body.name,
                    component["label"],
                    basis_text(component),
                    Decimal(component["amount"]),
                    Decimal(component["component_total"]),
                ]
            )
    for row in parts.iter_rows(min_row=2, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = money
    costs = workbook.create_sheet("Kosten")
    totals = settlement.snapshot.get("cost_plan", {}).get("totals", {})
    labels = {
        "staff": "Personal",
        "overhead": "Gemeinkosten",
        "material": "Sachkosten",
        "it": "IT",
        "other": "Sonstige",
        "gross": "Kosten gesamt",
        "revenue": "Erlöse/Gebühren",
        "net": "Kosten abzüglich Erlöse",
    }
    for key, label in labels.items():
        if key in totals:
            costs.append([label, Decimal(totals[key])])
            costs.cell(row=costs.max_row, column=2).number_format = money
    notes = workbook.create_sheet("Hinweise")
    for note in settlement.snapshot.get("notes") or []:
        notes.append([note])
    model = settlement.snapshot.get("cost_model")
    if model:
        notes.append(
            [
                f"Ersparnis: Schätzung nach {model.get('label', 'Kostenmodell')}. {SAVINGS_COMPARISON} "
                f"{german.public_text(model.get('assumptions', ''))}"
            ]
        )
    return workbook_bytes(workbook)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


@translation.override("de")
def overview_csv(settlement: Settlement, lines: Sequence[SettlementLine]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for line in lines:
        writer.writerow([_csv_value(v) for v in _row_values(line)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_filename(settlement: Settlement, suffix: str) -> str:
    kind = "abschlaege" if settlement.kind == SettlementKind.ADVANCE else "spitzabrechnung"
    return f"dienst-{settlement.service_id}-{kind}-{settlement.year}-v{settlement.version}{suffix}"
