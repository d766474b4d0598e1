"""What leaves the platform: a member's invoice (PDF), the alliance's overview (XLSX and CSV).

Everything is produced from the stored settlement (its lines and snapshot), never recomputed, so a
finalized settlement always prints the same figures. The PDF uses the PDF core font (Helvetica,
Latin-1) so no font file is shipped; the few characters outside Latin-1 are replaced. The CSV is for
German spreadsheets: ``;`` as separator, decimal comma, UTF-8 with BOM.

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

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from verbund.common.german import format_date, format_money, format_number
from verbund.common.pdf import latin1

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


class _Invoice(FPDF):
    def __init__(self, reference: str, draft: bool) -> None:
        super().__init__(format="A4")
        self.reference = reference
        self.draft = draft
        self.set_margins(22, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)

    def header(self) -> None:
        if self.draft:
            self.set_font("Helvetica", "B", 9)
            self.set_text_color(160, 0, 0)
            self.cell(0, 5, "ENTWURF - nicht abgeschlossen, keine Zahlungsaufforderung", align="R")
            self.set_text_color(0, 0, 0)
            self.ln(6)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, latin1(f"{self.reference} – Seite {self.page_no()}/{{nb}}"), align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 6, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


def _paragraph(pdf: FPDF, text: str, size: int = 10) -> None:
    pdf.set_font("Helvetica", size=size)
    pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


def _pair(pdf: FPDF, key: str, value: str, bold: bool = False) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 10)
    pdf.cell(95, 6, latin1(key))
    pdf.cell(0, 6, latin1(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


@translation.override("de")
def invoice_pdf(settlement: Settlement, line: SettlementLine) -> bytes:
    """The member's invoice: who, what, the key explained with its own basis, share, advances, balance."""
    service = settlement.service
    reference = f"{document_title(settlement)}, Fassung {settlement.version}, {service.name}"
    pdf = _Invoice(reference, draft=not settlement.is_finalized)
    pdf.set_title(latin1(f"{document_title(settlement)} – {line.body.name}"))
    pdf.set_author(latin1(service.provider.name))
    pdf.set_creation_date(settlement.finalized_at or settlement.computed_at or timezone.now())
    pdf.add_page()

    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(
        0,
        4.5,
        latin1(f"{service.provider.name}, für den Verbund „{service.alliance.name}“"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(
        0,
        5,
        latin1(f"An: {line.body.name} ({line.body.get_kind_display()})\nRegionalschlüssel {line.body.ars}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(
        0, 7, latin1(f"{document_title(settlement)}: {service.name}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", size=10)
    status = (
        "abgeschlossen am " + format_date(timezone.localdate(settlement.finalized_at))
        if settlement.finalized_at
        else "Entwurf"
    )
    _paragraph(pdf, f"Aufgabe: {service.task.name}. Fassung {settlement.version} ({status}).")
    if settlement.previous_id:
        _paragraph(
            pdf, f"Diese Fassung korrigiert Fassung {settlement.version - 1}. Grund: {settlement.reason}"
        )
    if service.legal_basis_id and service.legal_basis is not None:
        basis = f"{service.legal_basis.title} (Fassung {service.legal_basis.version})"
        if service.legal_basis_note:
            basis += f", {service.legal_basis_note}"
        _paragraph(pdf, f"Rechtsgrundlage: {basis}")

    _heading(pdf, "Kosten des Dienstes")
    totals = settlement.snapshot.get("cost_plan", {}).get("totals", {})
    plan_label = "Plan" if settlement.kind == SettlementKind.ADVANCE else "Ist"
    for key, label in (
        ("gross", "Kosten"),
        ("revenue", "abzüglich Erlöse/Gebühren"),
        ("net", "Kosten abzüglich Erlöse"),
    ):
        if key in totals:
            _pair(pdf, f"{label} ({plan_label} {settlement.year})", format_money(Decimal(totals[key])))
    _pair(pdf, "Auf die Mitglieder verteilt", format_money(settlement.total), bold=True)
    if settlement.snapshot.get("cost_plan", {}).get("is_example"):
        _paragraph(pdf, "Hinweis: Der Kostenplan enthält Beispielzahlen.", 9)

    _heading(pdf, "Verteilungsschlüssel")
    _paragraph(pdf, settlement.key_description)
    _paragraph(
        pdf,
        "Rundung: Jeder Anteil wird auf den Cent genau berechnet; die Summe aller Anteile ergibt den "
        "Gesamtbetrag exakt (größte Reste, bei Gleichstand nach Regionalschlüssel). Wer nur einen Teil des "
        "Jahres beteiligt ist, zahlt anteilig nach Tagen "
        f"(hier: {line.days} von {settlement.snapshot.get('year_days', 365)} Tagen).",
        9,
    )
    _heading(pdf, f"Ihr Anteil: {line.body.name}")
    for component in line.components:
        _pair(pdf, component["label"], format_money(Decimal(component["amount"])))
        _paragraph(
            pdf,
            f"   Grundlage: {basis_text(component)}; "
            f"Teilbetrag gesamt {format_money(Decimal(component['component_total']))}",
            8,
        )
    _pair(pdf, "Ihr Anteil", format_money(line.share), bold=True)
    if line.population is not None:
        source = f"{line.population_source}, Stichtag {format_date(line.population_date)}"
        _paragraph(pdf, f"Einwohner: {format_number(line.population)} ({source})", 9)

    if settlement.kind == SettlementKind.ADVANCE:
        _heading(pdf, "Abschläge")
        for instalment in line.instalments:
            _pair(
                pdf,
                f"fällig am {format_date(instalment['due'])}",
                format_money(Decimal(instalment["amount"])),
            )
    else:
        _heading(pdf, "Abrechnung")
        _pair(pdf, "Ihr Anteil an den Ist-Kosten", format_money(line.share))
        _pair(pdf, "abzüglich gezahlter Abschläge", format_money(line.advance_paid))
        label = "Nachzahlung" if line.balance > 0 else ("Erstattung" if line.balance < 0 else "Ausgeglichen")
        _pair(pdf, label, format_money(abs(line.balance)), bold=True)

    if line.standalone_cost is not None:
        _heading(pdf, "Ersparnis (Schätzung)")
        model = settlement.snapshot.get("cost_model") or {}
        _pair(pdf, "Kosten, wenn Sie die Aufgabe allein erfüllten", format_money(line.standalone_cost))
        _pair(pdf, "Ihr Anteil", format_money(line.share))
        _pair(pdf, "Geschätzte Ersparnis", format_money(line.standalone_cost - line.share), bold=True)
        _paragraph(
            pdf,
            "Schätzung nach dem Kostenmodell der Aufgabe C(v) = F + c · v^β mit F = "
            f"{format_number(Decimal(model.get('fixed_cost', 0)), 2)} EUR, "
            f"c = {format_number(Decimal(model.get('unit_cost', 0)), 2)} EUR, "
            f"β = {format_number(Decimal(model.get('scale_exponent', 0)), 3)}, "
            f"Menge = {format_number(Decimal(model.get('volume_per_inhabitant', 0)), 5)} je Einwohner. "
            f"{model.get('assumptions', '')}",
            8,
        )
    notes = settlement.snapshot.get("notes") or []
    if notes:
        _heading(pdf, "Hinweise")
        for note in notes:
            _paragraph(pdf, f"- {note}", 9)
    output = pdf.output()
    return bytes(output)


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
    for row in sheet.iter_rows(min_row=header_row + 1, min_col=9, max_col=13):
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
                f"Ersparnis: Schätzung nach {model.get('label', 'Kostenmodell')}. "
                f"{model.get('assumptions', '')}"
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
