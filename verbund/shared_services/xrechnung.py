"""A member's invoice as an XRechnung (EN 16931, CIUS XRechnung 3.0) in the UN/CEFACT CII syntax.

Built with ``drafthorse`` from the same :class:`~.invoices.InvoiceDocument` as the PDF, and checked
against the CII schema (EN 16931 profile) that drafthorse ships, while serializing. The business terms
XRechnung requires: BT-24 specification identifier, BT-1 number (the Kassenzeichen), BT-2 date, BT-3
type 380, BT-5 EUR, BT-10 buyer reference (the recipient's Leitweg-ID), seller and buyer with postal
address (BG-5, BG-8) and electronic address (BT-34, BT-49), the seller contact (BG-6), payment
instructions with the IBAN (BG-16/BT-84, code 58 SEPA credit transfer), payment terms (BT-20) and
due date (BT-9), the billing period (BG-14) and the VAT breakdown: category O ("not subject to VAT",
§ 2b UStG) with the reason and a rate of 0 in the breakdown only (BR-DE-14, BR-O-05).

Only an invoice (an amount due) is offered as an XRechnung; a refund or a balanced final settlement is
a notice, and a draft is not an invoice at all: :class:`XRechnungUnavailable` says why.
"""

from __future__ import annotations

from decimal import Decimal

from verbund.common.errors import Conflict

from .invoices import INVOICE, InvoiceDocument

SPECIFICATION = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosten:standard:3.0"
SCHEMA = "FACTUR-X_EN16931"
ZERO = Decimal("0.00")


class XRechnungUnavailable(Conflict):
    code = "xrechnung_unavailable"


def missing_terms(doc: InvoiceDocument) -> list[str]:
    """The mandatory XRechnung terms this invoice lacks (German), empty when complete."""
    missing = []
    if not doc.recipient.leitweg_id:
        missing.append("Leitweg-ID des Rechnungsempfängers (BT-10)")
    for label, value in (
        ("Anschrift des Rechnungsempfängers", doc.recipient.city and doc.recipient.postcode),
        ("Anschrift der erbringenden Körperschaft", doc.sender.city and doc.sender.postcode),
        ("IBAN der erbringenden Körperschaft", doc.iban),
        ("Ansprechperson, Telefon und E-Mail", doc.sender.contact_name and doc.sender.contact_phone),
        ("E-Mail der Ansprechperson", doc.sender.contact_email),
    ):
        if not value:
            missing.append(label)
    return missing


def refusal(doc: InvoiceDocument) -> str:
    """Why this document cannot be an XRechnung (German), or ``""``."""
    if doc.is_draft:
        return "Eine XRechnung gibt es erst, wenn die Abrechnung abgeschlossen ist."
    if doc.kind != INVOICE:
        return (
            "Für eine Erstattung oder eine ausgeglichene Abrechnung gibt es "
            "keine Rechnung und keine XRechnung."
        )
    if not doc.number:
        return "Die Rechnung hat noch keine Rechnungsnummer; bitte die Rechnungen ausstellen."
    missing = missing_terms(doc)
    if missing:
        return "Für die XRechnung fehlen: " + ", ".join(missing) + "."
    return ""


def xrechnung_xml(doc: InvoiceDocument) -> bytes:
    """The invoice as XRechnung CII XML, validated against the CII schema while serializing."""
    from drafthorse.models.accounting import ApplicableTradeTax
    from drafthorse.models.document import Document
    from drafthorse.models.note import IncludedNote
    from drafthorse.models.payment import PaymentMeans, PaymentTerms
    from drafthorse.models.tradelines import LineItem

    problem = refusal(doc)
    if problem:
        raise XRechnungUnavailable(problem)
    document = Document()
    document.context.guideline_parameter.id = SPECIFICATION
    document.header.id = doc.number
    document.header.type_code = "380"
    document.header.issue_date_time = doc.issue_date
    note = IncludedNote()
    note.content = f"{doc.subject}. {doc.tax_note}".strip()
    document.header.notes.add(note)

    agreement = document.trade.agreement
    agreement.buyer_reference = doc.recipient.leitweg_id
    seller = agreement.seller
    seller.name = doc.sender.name
    seller.address.line_one = doc.sender.street
    if doc.sender.department:
        seller.address.line_two = doc.sender.department
    seller.address.postcode = doc.sender.postcode
    seller.address.city_name = doc.sender.city
    seller.address.country_id = "DE"
    seller.contact.person_name = doc.sender.contact_name
    seller.contact.telephone.number = doc.sender.contact_phone
    seller.contact.email.address = doc.sender.contact_email
    seller.electronic_address.uri_ID = ("EM", doc.sender.email or doc.sender.contact_email)
    buyer = agreement.buyer
    buyer.name = doc.recipient.name
    buyer.address.line_one = doc.recipient.street
    if doc.recipient.department:
        buyer.address.line_two = doc.recipient.department
    buyer.address.postcode = doc.recipient.postcode
    buyer.address.city_name = doc.recipient.city
    buyer.address.country_id = "DE"
    if doc.recipient.email:
        buyer.electronic_address.uri_ID = ("EM", doc.recipient.email)
    else:
        buyer.electronic_address.uri_ID = ("0204", doc.recipient.leitweg_id)

    settlement = document.trade.settlement
    settlement.payment_reference = doc.payment_reference
    settlement.currency_code = "EUR"
    means = PaymentMeans()
    means.type_code = "58"  # SEPA credit transfer
    means.payee_account.iban = doc.iban
    means.payee_account.account_name = doc.sender.name
    if doc.bic:
        means.payee_institution.bic = doc.bic
    settlement.payment_means.add(means)
    settlement.period.start = doc.period_start
    settlement.period.end = doc.period_end
    terms = PaymentTerms()
    terms.description = doc.payment_terms
    if doc.due_date:
        terms.due = doc.due_date
    settlement.terms.add(terms)

    for item in doc.items:
        line = LineItem()
        line.document.line_id = str(item.position)
        line.product.name = item.name
        if item.detail:
            line.product.description = item.detail
        line.agreement.net.amount = item.amount
        line.delivery.billed_quantity = (item.quantity, "C62")
        line.settlement.trade_tax.type_code = "VAT"
        line.settlement.trade_tax.category_code = "O"
        line.settlement.monetary_summation.total_amount = item.amount
        document.trade.items.add(line)

    total = sum((item.amount for item in doc.items), ZERO)
    tax = ApplicableTradeTax()
    tax.calculated_amount = ZERO
    tax.type_code = "VAT"
    tax.exemption_reason = doc.tax_note or "Nicht steuerbar"
    tax.basis_amount = total
    tax.category_code = "O"
    tax.exemption_reason_code = "VATEX-EU-O"
    tax.rate_applicable_percent = ZERO
    settlement.trade_tax.add(tax)

    summation = settlement.monetary_summation
    summation.line_total = total
    summation.tax_basis_total = total
    summation.tax_total = (ZERO, "EUR")
    summation.grand_total = total
    summation.prepaid_total = doc.prepaid
    summation.due_amount = total - doc.prepaid
    return bytes(document.serialize(schema=SCHEMA))


def filename(doc: InvoiceDocument) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in doc.number)
    return f"xrechnung-{safe}.xml"
