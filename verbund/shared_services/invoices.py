"""A member's invoice of a settlement line, as data: sender, recipient, number, dates, items, amounts.

:func:`invoice_document` gathers from the stored settlement (never recomputed), the issued
:class:`~.models.Invoice` (number, date, due date) and the billing profiles of the provider and the
recipient everything that the PDF (:func:`.exports.invoice_pdf`) and the XRechnung
(:mod:`.xrechnung`) print, so both say the same. A draft has no number and no due date and is marked
as a draft; a line whose balance is a refund is an Erstattungsmitteilung, not an invoice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from verbund.common.german import format_date, format_money, format_number, public_text

from .models import BillingProfile, Invoice, Settlement, SettlementKind, SettlementLine, format_iban

ZERO = Decimal("0.00")

#: How the savings estimate compares (pages, invoices, exports).
SAVINGS_COMPARISON = (
    "Vergleich: Kosten allein (Schätzung nach dem Kostenmodell der Aufgabe, vor Gebühreneinnahmen) mit dem "
    "Anteil an den Kosten des gemeinsamen Dienstes ebenfalls vor Abzug der Erlöse (Anteil + anteilige "
    "Erlöse); die Gebühren fielen auch allein an, beide Seiten sind daher vor Gebühren gerechnet."
)

INVOICE = "invoice"
REFUND = "refund"
BALANCED = "balanced"


@dataclass
class Party:
    name: str
    department: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "DE"
    leitweg_id: str = ""
    email: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""

    @property
    def address_lines(self) -> list[str]:
        lines = [self.name]
        if self.department:
            lines.append(self.department)
        if self.street:
            lines.append(self.street)
        if self.postcode or self.city:
            lines.append(f"{self.postcode} {self.city}".strip())
        return lines


@dataclass
class Item:
    position: int
    name: str
    detail: str
    quantity: Decimal
    unit: str
    amount: Decimal


@dataclass
class Instalment:
    due: dt.date
    amount: Decimal


@dataclass
class Savings:
    standalone: Decimal
    share: Decimal
    revenue_share: Decimal
    gross_share: Decimal
    saving: Decimal
    comparison: str


@dataclass
class InvoiceDocument:
    kind: str  # INVOICE, REFUND or BALANCED
    is_draft: bool
    title: str
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    period_start: dt.date
    period_end: dt.date
    sender: Party
    recipient: Party
    service_name: str
    task_name: str
    alliance_name: str
    legal_basis: str
    subject: str
    items: list[Item]
    total: Decimal
    prepaid: Decimal
    amount_due: Decimal
    instalments: list[Instalment]
    iban: str
    bic: str
    bank: str
    payment_days: int
    payment_reference: str
    tax_note: str
    key_description: str
    days_note: str
    savings: Savings | None
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    is_example: bool = False

    @property
    def iban_display(self) -> str:
        return format_iban(self.iban)

    @property
    def refund_amount(self) -> Decimal:
        return -self.amount_due if self.kind == REFUND else ZERO

    @property
    def payment_terms(self) -> str:
        """The payment terms as one German sentence (BT-20 of the XRechnung, the PDF's payment line)."""
        if self.kind == REFUND:
            return f"Erstattung von {format_money(-self.amount_due)}; der Betrag wird Ihnen überwiesen."
        if self.kind == BALANCED:
            return "Ausgeglichen: Es ist nichts zu zahlen."
        if self.instalments:
            parts = "; ".join(f"{format_date(i.due)}: {format_money(i.amount)}" for i in self.instalments)
            return f"Zahlbar in {len(self.instalments)} Raten, jeweils fällig am {parts}."
        if self.due_date:
            return f"Zahlbar ohne Abzug bis {format_date(self.due_date)} ({self.payment_days} Tage)."
        return ""


def _party(body: object, profile: BillingProfile | None) -> Party:
    name = getattr(body, "name", "")
    if profile is None:
        return Party(name=name)
    return Party(
        name=name,
        department=profile.department,
        street=profile.street,
        postcode=profile.postcode,
        city=profile.city,
        leitweg_id=profile.leitweg_id,
        email=profile.email,
        contact_name=profile.contact_name,
        contact_phone=profile.contact_phone,
        contact_email=profile.contact_email,
    )


def document_title(settlement: Settlement) -> str:
    if settlement.kind == SettlementKind.ADVANCE:
        return f"Abschläge {settlement.year}"
    return f"Spitzabrechnung {settlement.year}"


def _items(settlement: Settlement, line: SettlementLine) -> list[Item]:
    from .exports import basis_text

    basis_word = "geplanten Kosten" if settlement.kind == SettlementKind.ADVANCE else "Ist-Kosten"
    items = []
    for position, component in enumerate(line.components, start=1):
        items.append(
            Item(
                position=position,
                name=f"{component['label']} ({basis_word} {settlement.year})",
                detail="Grundlage: " + basis_text(component),
                quantity=Decimal("1"),
                unit="pauschal",
                amount=Decimal(component["amount"]),
            )
        )
    if not items and line.share:
        items.append(
            Item(1, f"Anteil ({basis_word} {settlement.year})", "", Decimal("1"), "pauschal", line.share)
        )
    return items


def _savings(settlement: Settlement, line: SettlementLine) -> Savings | None:
    if line.standalone_cost is None or line.revenue_share is None or line.saving is None:
        return None
    gross = line.gross_share
    assert gross is not None
    comparison = (
        "Vergleich: geschätzte Kosten, wenn Sie die Aufgabe allein erfüllten, vor Gebühreneinnahmen, mit "
        "Ihrem Anteil an den Kosten des gemeinsamen Dienstes ebenfalls vor Abzug der Erlöse "
        f"({format_money(line.share)} Anteil + {format_money(line.revenue_share)} anteilige Erlöse). "
        "Die Gebühren Ihrer Fälle fielen auch allein an; beide Seiten sind daher vor Gebühren gerechnet. "
        "Die Kosten allein sind eine Schätzung nach einem Kostenmodell der Aufgabe"
    )
    if line.days and line.days < settlement.snapshot.get("year_days", 365):
        comparison += f", anteilig für {line.days} Tage"
    comparison += "."
    return Savings(
        standalone=line.standalone_cost,
        share=line.share,
        revenue_share=line.revenue_share,
        gross_share=gross,
        saving=line.saving,
        comparison=comparison,
    )


def invoice_document(settlement: Settlement, line: SettlementLine) -> InvoiceDocument:
    """Everything a member's invoice says, from the stored settlement, invoice and billing data."""
    service = settlement.service
    provider_profile = BillingProfile.objects.filter(body_id=service.provider_id).first()
    recipient_profile = BillingProfile.objects.filter(body_id=line.body_id).first()
    invoice = Invoice.objects.filter(line=line).first()
    is_draft = not settlement.is_finalized
    issue_date = invoice.issue_date if invoice else timezone.localdate()
    payment_days = provider_profile.payment_days if provider_profile else 30
    if settlement.kind == SettlementKind.ADVANCE:
        kind = INVOICE if line.share > 0 else BALANCED
        amount_due = line.share
        prepaid = ZERO
        earliest = issue_date + dt.timedelta(days=payment_days)
        instalments = [
            Instalment(max(dt.date.fromisoformat(i["due"]), earliest), Decimal(i["amount"]))
            for i in line.instalments
        ]
    else:
        kind = INVOICE if line.balance > 0 else (REFUND if line.balance < 0 else BALANCED)
        amount_due = line.balance
        prepaid = line.advance_paid
        instalments = []
    due_date = None if is_draft or kind != INVOICE else (invoice.due_date if invoice else None)
    number = invoice.number if invoice else ""
    title = document_title(settlement)
    heading = {INVOICE: "Rechnung", REFUND: "Erstattung", BALANCED: "Abrechnung"}[kind]
    legal_basis = ""
    if service.legal_basis_id and service.legal_basis is not None:
        legal_basis = f"{service.legal_basis.title} (Fassung {service.legal_basis.version})"
        if service.legal_basis_note:
            legal_basis += f", {service.legal_basis_note}"
    year_days = settlement.snapshot.get("year_days", 365)
    days_note = (
        f"Sie erhielten den Dienst an {format_number(line.days)} von {year_days} Tagen des Jahres; "
        "Ihr Anteil ist entsprechend anteilig berechnet."
        if line.days and line.days < year_days
        else ""
    )
    missing = (
        provider_profile.missing_for_sending()
        if provider_profile
        else ["Anschrift, Bankverbindung und Ansprechperson der erbringenden Körperschaft"]
    )
    return InvoiceDocument(
        kind=kind,
        is_draft=is_draft,
        title=f"{heading} {title}: {service.name}",
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        period_start=dt.date(settlement.year, 1, 1),
        period_end=dt.date(settlement.year, 12, 31),
        sender=_party(service.provider, provider_profile),
        recipient=_party(line.body, recipient_profile),
        service_name=service.name,
        task_name=service.task.name,
        alliance_name=service.alliance.name,
        legal_basis=legal_basis,
        subject=f"{heading} {title}: {service.name}",
        items=_items(settlement, line),
        total=line.share,
        prepaid=prepaid,
        amount_due=amount_due,
        instalments=instalments,
        iban=provider_profile.iban if provider_profile else "",
        bic=provider_profile.bic if provider_profile else "",
        bank=provider_profile.bank if provider_profile else "",
        payment_days=payment_days,
        payment_reference=f"{number or 'Entwurf'} {title} {service.name}"[:140],
        tax_note=provider_profile.tax_note if provider_profile else "",
        key_description=settlement.key_description,
        days_note=days_note,
        savings=_savings(settlement, line),
        notes=[public_text(n) for n in settlement.snapshot.get("notes") or []],
        missing=missing,
        is_example=bool(settlement.snapshot.get("cost_plan", {}).get("is_example"))
        or bool(provider_profile and provider_profile.is_example),
    )
