"""Proper invoices (issue 11): the provider's billing data, numbers and due dates, a tagged PDF/UA letter
without internal words, the XRechnung (CII, EN 16931 / XRechnung 3.0), an honest savings estimate and
finalizing only after a confirmation."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from lxml import etree

from verbund.audit.models import AuditEntry
from verbund.common.errors import Forbidden, Invalid
from verbund.shared_services import costing, services
from verbund.shared_services.models import BillingProfile, Invoice, Settlement, iban_problem, leitweg_problem
from verbund.shared_services.xrechnung import SPECIFICATION

pytestmark = pytest.mark.django_db

IBAN = "DE02120300000000202051"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # lines broken by the layout read as one text


@pytest.fixture
def billed(ss: SimpleNamespace, service: Any) -> SimpleNamespace:
    provider = services.billing_profile_set(
        actor=ss.clerk_a,
        service=service,
        body=ss.vg_a,
        department="Finanzabteilung – Verbandsgemeindekasse",
        street="Neue Allee 2",
        postcode="67292",
        city="Kirchheimbolanden",
        iban="DE02 1203 0000 0000 2020 51",
        bic="BYLADEM1001",
        bank="Beispielbank",
        contact_name="Petra Kasse",
        contact_phone="06352 4004-0",
        contact_email="kasse@example.org",
        email="rechnung@example.org",
        number_pattern="5.1100.{jahr}.{nr}",
        number_digits=4,
        payment_days=14,
    )
    recipient = services.billing_profile_set(
        actor=ss.coordinator,
        service=service,
        body=ss.vg_b,
        street="Freiherr-vom-Stein-Straße 1",
        postcode="67307",
        city="Göllheim",
        leitweg_id="991-33333TEST-33",
    )
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    settlement = services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)
    return SimpleNamespace(provider=provider, recipient=recipient, settlement=settlement)


# --- billing data -------------------------------------------------------------------------------------


def test_iban_and_leitweg_id_are_checked() -> None:
    assert iban_problem(IBAN) == ""
    assert "Prüfziffer" in iban_problem("DE03120300000000202051")
    assert "22 Stellen" in iban_problem("DE0212030000000020205")
    assert leitweg_problem("991-33333TEST-33") == ""
    assert "Prüfziffer" in leitweg_problem("991-33333TEST-34")


def test_billing_data_are_validated_audited_and_limited(ss: SimpleNamespace, service: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.billing_profile_set(
            actor=ss.clerk_a,
            service=service,
            body=ss.vg_a,
            street="Neue Allee 2",
            postcode="67292",
            city="Kirchheimbolanden",
            iban="DE03120300000000202051",
        )
    assert "Prüfziffer" in str(refused.value)
    assert not BillingProfile.objects.exists()
    with pytest.raises(ValidationError):
        services.billing_profile_set(
            actor=ss.clerk_a,
            service=service,
            body=ss.vg_a,
            street="x",
            postcode="1",
            city="y",
            number_pattern="X",
        )
    with pytest.raises(Forbidden):  # a member's clerk does not edit the provider's bank account
        services.billing_profile_set(
            actor=ss.clerk_b, service=service, body=ss.vg_a, street="x", postcode="67292", city="y"
        )
    profile = services.billing_profile_set(
        actor=ss.clerk_a,
        service=service,
        body=ss.vg_a,
        street="Neue Allee 2",
        postcode="67292",
        city="K",
        iban=IBAN,
    )
    assert profile.iban == IBAN
    entry = AuditEntry.objects.get(action="billing_profile.set")
    assert entry.changes["iban"] == [None, IBAN]


def test_the_billing_page_edits_and_names_a_bad_iban(ss: SimpleNamespace, service: Any) -> None:
    client = client_for(ss.clerk_a)
    url = f"/dienste/{service.pk}/rechnungsdaten/{ss.vg_a.ars}/"
    data = {
        "street": "Neue Allee 2",
        "postcode": "67292",
        "city": "Kirchheimbolanden",
        "iban": "DE03120300000000202051",
        "number_pattern": "{jahr}-{nr}",
        "number_digits": "5",
        "payment_days": "30",
        "tax_note": "Nicht steuerbar (§ 2b UStG).",
    }
    page = client.post(url, data)
    assert page.status_code == 200 and "Prüfziffer der IBAN" in page.content.decode()
    assert client.post(url, {**data, "iban": IBAN}).status_code == 302
    assert BillingProfile.objects.get(body=ss.vg_a).iban == IBAN
    assert client_for(ss.clerk_b).get(url).status_code == 403
    assert IBAN[:4] in client.get(f"/dienste/{service.pk}/rechnungsdaten/").content.decode()


# --- invoices -------------------------------------------------------------------------------------------


def test_finalizing_issues_numbered_invoices_with_due_dates(
    ss: SimpleNamespace, billed: SimpleNamespace
) -> None:
    invoices = list(Invoice.objects.order_by("number"))
    assert len(invoices) == 3
    year = invoices[0].issue_date.year
    assert [i.number for i in invoices] == [f"5.1100.{year}.{n:04d}" for n in (1, 2, 3)]
    goellheim = Invoice.objects.get(line__body=ss.vg_b)
    assert goellheim.amount_due == Decimal("30952.38")
    assert goellheim.due_date is not None
    assert (goellheim.due_date - goellheim.issue_date).days == 14
    assert AuditEntry.objects.filter(action="invoice.issue").count() == 1


def test_the_invoice_is_a_proper_accessible_letter(ss: SimpleNamespace, billed: SimpleNamespace) -> None:
    response = client_for(ss.clerk_b).get(
        f"/dienste/abrechnung/{billed.settlement.pk}/rechnung/{ss.vg_b.ars}.pdf"
    )
    assert response.status_code == 200
    text = pdf_text(response.content)
    invoice = Invoice.objects.get(line__body=ss.vg_b)
    assert invoice.due_date is not None
    for expected in (
        "Neue Allee 2",  # sender address
        "67292 Kirchheimbolanden",
        "Freiherr-vom-Stein-Straße 1",  # recipient address
        "67307 Göllheim",
        invoice.number,  # Kassenzeichen
        "DE02 1203 0000 0000 2020 51",  # bank details
        "BYLADEM1001",
        invoice.due_date.strftime("%d.%m.%Y"),  # due date
        "01.01.2025–31.12.2025",  # service period
        "30.952,38 EUR",
        "991-33333TEST-33",
        "§ 2b UStG",
    ):
        assert expected in text, expected
    for internal in ("C(v)", "DOMAIN.md", "v^β", "F + c"):
        assert internal not in text, internal
    document = pikepdf.open(io.BytesIO(response.content))
    assert "/StructTreeRoot" in document.Root
    assert str(document.Root.Lang) == "de"
    assert "Göllheim" in str(document.docinfo["/Title"])


def test_an_invoice_of_a_draft_has_no_number_and_says_so(ss: SimpleNamespace, service: Any) -> None:
    draft = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    response = client_for(ss.coordinator).get(f"/dienste/abrechnung/{draft.pk}/rechnung/{ss.vg_b.ars}.pdf")
    text = pdf_text(response.content)
    assert "Entwurf" in text and "keine Zahlungsaufforderung" in text
    assert (
        client_for(ss.coordinator)
        .get(f"/dienste/abrechnung/{draft.pk}/rechnung/{ss.vg_b.ars}.xml")
        .status_code
        == 409
    )


# --- XRechnung ---------------------------------------------------------------------------------------


def _schema() -> etree.XMLSchema:
    import drafthorse

    path = os.path.join(os.path.dirname(drafthorse.__file__), "schema", "Factur-X_1.0.07_EN16931.xsd")
    return etree.XMLSchema(file=path)


def test_the_xrechnung_is_valid_cii_with_the_mandatory_terms(
    ss: SimpleNamespace, billed: SimpleNamespace
) -> None:
    response = client_for(ss.clerk_b).get(
        f"/dienste/abrechnung/{billed.settlement.pk}/rechnung/{ss.vg_b.ars}.xml"
    )
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    _schema().assertValid(root)

    def one(path: str) -> str:
        found = root.xpath(path, namespaces=NS)
        assert found, path
        return str(found[0].text if hasattr(found[0], "text") else found[0]).strip()

    invoice = Invoice.objects.get(line__body=ss.vg_b)
    assert (
        one("//rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
        == SPECIFICATION
    )
    assert one("//rsm:ExchangedDocument/ram:ID") == invoice.number  # BT-1
    assert one("//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert one("//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == invoice.issue_date.strftime(
        "%Y%m%d"
    )
    assert one("//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference") == "991-33333TEST-33"  # BT-10
    assert one("//ram:InvoiceCurrencyCode") == "EUR"  # BT-5
    assert one("//ram:SellerTradeParty/ram:PostalTradeAddress/ram:CityName") == "Kirchheimbolanden"
    assert one("//ram:SellerTradeParty/ram:PostalTradeAddress/ram:PostcodeCode") == "67292"
    assert one("//ram:SellerTradeParty/ram:DefinedTradeContact/ram:PersonName") == "Petra Kasse"
    assert one("//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID") == "rechnung@example.org"
    assert one("//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CityName") == "Göllheim"
    assert one("//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID") == "991-33333TEST-33"
    assert one("//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "58"
    assert one("//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == IBAN  # BT-84
    assert "Zahlbar" in one("//ram:SpecifiedTradePaymentTerms/ram:Description")  # BT-20
    due = invoice.due_date
    assert due is not None
    assert one("//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == f"{due:%Y%m%d}"
    assert one("//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount") == "30952.38"
    assert one("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode") == "O"
    assert one("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent") in (
        "0",
        "0.00",
    )
    assert not root.xpath("//ram:IncludedSupplyChainTradeLineItem//ram:RateApplicablePercent", namespaces=NS)
    lines = root.xpath("//ram:IncludedSupplyChainTradeLineItem//ram:LineTotalAmount", namespaces=NS)
    assert sum(Decimal(x.text) for x in lines) == Decimal("30952.38")


def test_no_xrechnung_without_the_recipients_leitweg_id(ss: SimpleNamespace, billed: SimpleNamespace) -> None:
    response = client_for(ss.clerk_c).get(
        f"/dienste/abrechnung/{billed.settlement.pk}/rechnung/{ss.vg_c.ars}.xml"
    )
    assert response.status_code == 409
    assert "Leitweg-ID" in response.content.decode()


def test_the_page_offers_an_xrechnung_to_members_not_to_the_provider_itself(
    ss: SimpleNamespace, billed: SimpleNamespace
) -> None:
    html = client_for(ss.coordinator).get(f"/dienste/abrechnung/{billed.settlement.pk}/").content.decode()
    base = f"/dienste/abrechnung/{billed.settlement.pk}/rechnung/"
    assert f"{base}{ss.vg_a.ars}.pdf" in html  # the provider's own share is documented …
    assert f"{base}{ss.vg_a.ars}.xml" not in html  # … but it sends itself no e-invoice
    assert f"{base}{ss.vg_b.ars}.xml" in html


# --- savings: like with like --------------------------------------------------------------------------


def test_the_savings_formula_is_symmetrical() -> None:
    shares = [Decimal("30952.38"), Decimal("16666.67"), Decimal("52380.95")]
    revenue = Decimal("150000.00")
    parts = costing.revenue_shares(revenue, shares)
    assert parts is not None and sum(parts) == revenue
    standalone = Decimal("77214.34")
    for share, part in zip(shares, parts, strict=True):
        gross = costing.saving(standalone, share, part)
        net = (standalone - part) - share  # both net of the same fee income
        assert gross == net
    # The fee income moves both sides alike: more fees with the same gross cost leave the saving unchanged.
    gross_cost = sum(shares) + revenue
    for extra in (Decimal("0"), Decimal("50000.00"), Decimal("99999.99")):
        scaled = [
            (s * (gross_cost - revenue - extra) / (gross_cost - revenue)).quantize(Decimal("0.01"))
            for s in shares
        ]
        more = costing.revenue_shares(revenue + extra, scaled)
        assert more is not None
        total_saving = sum(costing.saving(standalone, s, p) for s, p in zip(scaled, more, strict=True))
        # Summed over the members: the stand-alone costs minus the gross cost, whatever the fees.
        assert abs(total_saving - (3 * standalone - (sum(scaled) + revenue + extra))) < Decimal("0.01")
    assert costing.revenue_shares(revenue, [Decimal("0")] * 3) is None


def test_the_invoice_compares_like_with_like(ss: SimpleNamespace, billed: SimpleNamespace) -> None:
    line = billed.settlement.lines.get(body=ss.vg_b)
    # The plan has 5,000 EUR of revenues; Göllheim's part of them is added to its share.
    assert line.revenue_share == Decimal("1547.62")
    assert line.saving == line.standalone_cost - line.share - line.revenue_share
    text = pdf_text(
        client_for(ss.clerk_b)
        .get(f"/dienste/abrechnung/{billed.settlement.pk}/rechnung/{ss.vg_b.ars}.pdf")
        .content
    )
    assert "Vergleich:" in text and "vor Abzug der Erlöse" in text
    page = client_for(ss.coordinator).get(billed.settlement.get_absolute_url()).content.decode()
    assert "Vergleich:" in page


# --- finalizing needs a confirmation -------------------------------------------------------------------


def test_finalizing_without_confirmation_is_refused(ss: SimpleNamespace, service: Any) -> None:
    draft = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    with pytest.raises(Invalid) as refused:
        services.settlement_finalize(actor=ss.coordinator, settlement=draft)
    assert refused.value.code == "confirmation_required"
    assert not Settlement.objects.get(pk=draft.pk).is_finalized
    assert not Invoice.objects.exists()


def test_the_confirmation_step_shows_the_consequences_with_the_figures(
    ss: SimpleNamespace, service: Any
) -> None:
    draft = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    html = client_for(ss.coordinator).get(draft.get_absolute_url()).content.decode()
    assert "Bitte bestätigen" in html
    assert "100.000,00 EUR werden verbindlich auf 3 Mitglieder verteilt" in html
    assert "Rechnungsdaten der erbringenden Körperschaft fehlen" in html


def test_an_advance_invoice_lists_its_instalments_and_is_a_valid_xrechnung(
    ss: SimpleNamespace, billed: SimpleNamespace, service: Any
) -> None:
    from .factories import CostPlanFactory

    CostPlanFactory.create(service=service, year=2026, kind="plan", items=[("it", "Plattform", "40000")])
    draft = services.settlement_compute(actor=ss.coordinator, service=service, year=2026, kind="advance")
    advance = services.settlement_finalize(actor=ss.coordinator, settlement=draft, confirmed=True)
    invoice = Invoice.objects.get(line__settlement=advance, line__body=ss.vg_b)
    numbers = sorted(Invoice.objects.filter(line__settlement=advance).values_list("number", flat=True))
    assert [n[-4:] for n in numbers] == ["0004", "0005", "0006"]  # running on within the year
    response = client_for(ss.clerk_b).get(f"/dienste/abrechnung/{advance.pk}/rechnung/{ss.vg_b.ars}.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    _schema().assertValid(root)
    terms = root.xpath("//ram:SpecifiedTradePaymentTerms/ram:Description", namespaces=NS)[0].text
    assert "4 Raten" in terms
    text = pdf_text(
        client_for(ss.clerk_b).get(f"/dienste/abrechnung/{advance.pk}/rechnung/{ss.vg_b.ars}.pdf").content
    )
    assert "Rate" in text and invoice.number in text
