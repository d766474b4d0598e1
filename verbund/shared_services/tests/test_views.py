"""The pages under /dienste/: each renders for those who may see it (one <h1>, labelled inputs),
answers 404 to outsiders and 403 to those who see but may not act; the coordinator creates a
service, edits the key with a live HTMX preview and finalizes a settlement; the provider edits the
cost plan and uploads volumes (errors named by line, nothing imported); a member sees only its own
line and invoice; downloads are PDF, XLSX and CSV with the right figures; the alliance overview
needs a constant number of queries whatever the number of services."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from verbund.shared_services import services
from verbund.shared_services.models import CostItem, Settlement, SharedService, VolumeRecord

from .factories import CostPlanFactory, SharedServiceFactory

pytestmark = pytest.mark.django_db


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def assert_accessible(html: str) -> None:
    assert len(re.findall(r"<h1[\s>]", html)) == 1, "exactly one <h1>"
    labels = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(?:hidden|submit|button)"', tag):
            continue
        input_id = re.search(r'\bid="([^"]+)"', tag)
        assert "aria-label=" in tag or (input_id and input_id[1] in labels), f"input without a label: {tag}"


@pytest.fixture
def settled(ss: SimpleNamespace, service: SharedService) -> Settlement:
    settlement = services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")
    return services.settlement_finalize(actor=ss.coordinator, settlement=settlement, confirmed=True)


def pages(service: SharedService, settlement: Settlement) -> dict[str, str]:
    return {
        "index": "/dienste/",
        "alliance": f"/dienste/verbund/{service.alliance.slug}/?jahr=2025",
        "detail": f"/dienste/{service.pk}/",
        "costs": f"/dienste/{service.pk}/kosten/2025/actual/",
        "costs_empty": f"/dienste/{service.pk}/kosten/2026/plan/",
        "volumes": f"/dienste/{service.pk}/mengen/?jahr=2025",
        "settlements": f"/dienste/{service.pk}/abrechnungen/",
        "settlement": f"/dienste/abrechnung/{settlement.pk}/",
    }


@pytest.mark.parametrize("who", ["coordinator", "clerk_a", "clerk_b", "advisory"])
def test_every_page_renders_accessibly_for_insiders(ss, service, settled, who):
    client = client_for(getattr(ss, who))
    for name, url in pages(service, settled).items():
        response = client.get(url)
        assert response.status_code == 200, (who, name, response.status_code)
        assert_accessible(response.content.decode())


def test_key_editor_and_create_form_render_accessibly_for_the_coordinator(ss, service):
    client = client_for(ss.coordinator)
    for url in (f"/dienste/{service.pk}/schluessel/", "/dienste/verbund/vergabe/neu/"):
        response = client.get(url)
        assert response.status_code == 200
        assert_accessible(response.content.decode())


@pytest.mark.parametrize("who", ["head_outsider", "nobody"])
def test_outsiders_get_404_everywhere(ss, service, settled, who):
    client = client_for(getattr(ss, who))
    for url in pages(service, settled).values():
        if url == "/dienste/":
            continue
        assert client.get(url).status_code == 404, url
    assert client.get(f"/dienste/abrechnung/{settled.pk}/rechnung/{ss.vg_b.ars}.pdf").status_code == 404


def test_anonymous_is_sent_to_login_or_404(service, settled):
    client = Client()
    assert client.get("/dienste/").status_code == 302
    assert client.get(f"/dienste/{service.pk}/").status_code == 404


def test_members_get_403_for_what_they_may_not_do(ss, service, settled):
    client = client_for(ss.clerk_b)
    assert client.get(f"/dienste/{service.pk}/schluessel/").status_code == 403
    assert (
        client.post(f"/dienste/{service.pk}/kosten/2026/plan/position/", {"category": "it"}).status_code
        == 403
    )
    assert (
        client.post(f"/dienste/{service.pk}/abrechnungen/", {"year": 2025, "kind": "final"}).status_code
        == 403
    )
    assert client.get(f"/dienste/abrechnung/{settled.pk}/uebersicht.xlsx").status_code == 403
    assert client.get(f"/dienste/abrechnung/{settled.pk}/rechnung/{ss.vg_a.ars}.pdf").status_code == 403


def test_member_sees_own_share_and_totals_only(ss, service, settled):
    html = client_for(ss.clerk_b).get(f"/dienste/abrechnung/{settled.pk}/").content.decode()
    assert "Göllheim" in html and "30.952,38 EUR" in html
    assert "100.000,00 EUR" in html  # the total
    assert "Winnweiler" not in html and "Kirchheimbolanden" not in html.split("vb-ss-lines")[1]
    assert "uebersicht.xlsx" not in html


def test_coordinator_creates_a_service_and_is_sent_to_the_key_editor(ss):
    response = client_for(ss.coordinator).post(
        "/dienste/verbund/vergabe/neu/",
        {
            "name": "Gemeinsames Standesamt",
            "task": "standesamt",
            "provider": ss.vg_a.ars,
            "recipients": [ss.vg_a.ars, ss.vg_c.ars],
            "start_date": "2025-01-01",
        },
    )
    service = SharedService.objects.get(name="Gemeinsames Standesamt")
    assert response.status_code == 302 and response["Location"] == f"/dienste/{service.pk}/schluessel/"
    assert service.recipients.count() == 2


def test_key_editor_previews_with_htmx_and_saves_a_mixed_key(ss, service):
    client = client_for(ss.coordinator)
    form = {
        "key_type": "fixed_share",
        "fixed_member": ss.vg_a.ars,
        "fixed_percent": "30",
        "part1_weight": "50",
        "part1_basis": "equal",
        "part2_weight": "50",
        "part2_basis": "population",
        "preview_year": "2025",
        "preview_total": "10000",
    }
    preview = client.post(f"/dienste/{service.pk}/schluessel/vorschau/", form, HTTP_HX_REQUEST="true")
    html = preview.content.decode()
    assert preview.status_code == 200 and "<h1" not in html
    assert "3.000,00 EUR" in html  # Kirchheimbolanden's fixed 30 %
    assert "10.000,00 EUR" in html
    bad = client.post(
        f"/dienste/{service.pk}/schluessel/vorschau/", {**form, "part2_weight": "40"}, HTTP_HX_REQUEST="true"
    )
    assert "nicht gültig" in bad.content.decode()

    saved = client.post(f"/dienste/{service.pk}/schluessel/", {**form, "save": "1"})
    assert saved.status_code == 302
    service.refresh_from_db()
    assert service.allocation_key["type"] == "fixed_share"
    assert service.allocation_key["rest"]["type"] == "mix"
    # the editor shows the stored key again
    again = client.get(f"/dienste/{service.pk}/schluessel/").content.decode()
    assert re.search(r'value="fixed_share"[^>]*checked', again)


def test_key_editor_accepts_json_and_shows_engine_errors_at_the_field(ss, service):
    client = client_for(ss.coordinator)
    response = client.post(
        f"/dienste/{service.pk}/schluessel/",
        {"key_type": "json", "config_json": '{"type": "mix", "parts": []}', "save": "1"},
    )
    assert response.status_code == 200
    assert "mindestens zwei Teile" in response.content.decode()
    ok = client.post(
        f"/dienste/{service.pk}/schluessel/",
        {"key_type": "json", "config_json": '{"type": "price_per_unit", "price": "1.90"}', "save": "1"},
    )
    assert ok.status_code == 302
    service.refresh_from_db()
    assert service.allocation_key == {"type": "price_per_unit", "price": "1.90", "unit": "population"}


def test_provider_adds_cost_items_and_sees_totals(ss, service):
    client = client_for(ss.clerk_a)
    response = client.post(
        f"/dienste/{service.pk}/kosten/2026/plan/position/",
        {"category": "staff", "description": "Vergabe", "fte": "1.5", "pay_grade": "E9b"},
    )
    assert response.status_code == 302
    item = CostItem.objects.get(plan__year=2026)
    assert (item.fte, item.pay_grade) == (Decimal("1.50"), "E9b")
    html = client.get(f"/dienste/{service.pk}/kosten/2026/plan/").content.decode()
    assert "74.100,00 EUR" in html  # E9b 2026: 71,900 + 3 %, rounded to 100 (migration 0004)
    assert "111.150,00 EUR" in html  # 1.5 × 74,100


def test_volume_csv_upload_imports_or_names_every_bad_line(ss, service):
    client = client_for(ss.clerk_a)
    good = (
        "ars;von;bis;menge;bemerkung\n"
        f"{ss.vg_a.ars};01.01.2025;31.03.2025;12,5;Q1\n"
        f"{ss.vg_b.ars};2025-01-01;2025-03-31;3;\n"
    )
    response = client.post(
        f"/dienste/{service.pk}/mengen/?jahr=2025", {"file": SimpleUploadedFile("m.csv", good.encode())}
    )
    assert response.status_code == 302
    assert VolumeRecord.objects.count() == 2

    bad = (
        "ars;von;bis;menge\n"
        f"{ss.vg_c.ars};01.01.2025;31.03.2025;4\n"
        "999999999999;01.01.2025;31.03.2025;1\n"
        f"{ss.vg_c.ars};01.04.2025;31.13.2025;1\n"
    )
    response = client.post(
        f"/dienste/{service.pk}/mengen/?jahr=2025", {"file": SimpleUploadedFile("falsch.csv", bad.encode())}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "falsch.csv, Zeile 3, Feld ars" in html
    assert "falsch.csv, Zeile 4, Feld bis" in html
    assert VolumeRecord.objects.count() == 2  # nothing of the bad file, not even its good line 2


def test_member_sees_only_own_volumes_and_the_total(ss, service):
    for body, quantity in ((ss.vg_a, 10), (ss.vg_b, 5)):
        VolumeRecord.objects.create(
            service=service, body=body, period_start="2025-01-01", period_end="2025-12-31", quantity=quantity
        )
    html = client_for(ss.clerk_b).get(f"/dienste/{service.pk}/mengen/?jahr=2025").content.decode()
    assert "<strong>15,00</strong>" in html
    table = html.split('id="vb-ss-volumes"')[1]
    assert "Göllheim" in table and "Kirchheimbolanden" not in table


def test_compute_finalize_and_correct_through_the_pages(ss, service):
    client = client_for(ss.coordinator)
    response = client.post(f"/dienste/{service.pk}/abrechnungen/", {"year": "2025", "kind": "final"})
    settlement = Settlement.objects.get()
    assert response["Location"] == f"/dienste/abrechnung/{settlement.pk}/"
    client.post(f"/dienste/abrechnung/{settlement.pk}/abschliessen/")  # not confirmed: nothing happens
    settlement.refresh_from_db()
    assert not settlement.is_finalized
    client.post(f"/dienste/abrechnung/{settlement.pk}/abschliessen/", {"confirmed": "1"})
    settlement.refresh_from_db()
    assert settlement.is_finalized
    response = client.post(f"/dienste/abrechnung/{settlement.pk}/korrigieren/", {"reason": "Nachmeldung"})
    correction = Settlement.objects.get(version=2)
    assert response["Location"] == f"/dienste/abrechnung/{correction.pk}/"
    assert "Unterschiede zu Fassung 1" in client.get(response["Location"]).content.decode()


def test_downloads_have_the_figures(ss, service, settled):
    client = client_for(ss.coordinator)
    pdf = client.get(f"/dienste/abrechnung/{settled.pk}/rechnung/{ss.vg_b.ars}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 1500

    xlsx = client.get(f"/dienste/abrechnung/{settled.pk}/uebersicht.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content))["Abrechnung"]
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[1] == ss.vg_b.ars]
    assert rows and Decimal(str(rows[0][8])) == Decimal("30952.38")

    text = client.get(f"/dienste/abrechnung/{settled.pk}/uebersicht.csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][0] == "Körperschaft"
    goellheim = next(r for r in table if r[1] == ss.vg_b.ars)
    assert goellheim[8] == "30952,38"


def test_member_downloads_its_own_invoice(ss, service, settled):
    response = client_for(ss.clerk_b).get(f"/dienste/abrechnung/{settled.pk}/rechnung/{ss.vg_b.ars}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_alliance_overview_queries_do_not_grow_with_services(ss, service, settled):
    client = client_for(ss.coordinator)
    client.get("/dienste/verbund/vergabe/?jahr=2025")  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/dienste/verbund/vergabe/?jahr=2025").status_code == 200
    for n in range(5):
        extra = SharedServiceFactory.create(
            alliance=ss.alliance, provider=ss.vg_b, name=f"Dienst {n}", recipients=[ss.vg_a, ss.vg_b]
        )
        CostPlanFactory.create(service=extra, year=2025, kind="actual", items=[("material", "Miete", "1000")])
        services.settlement_compute(actor=ss.coordinator, service=extra, year=2025, kind="final")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/dienste/verbund/vergabe/?jahr=2025").content.decode()
    assert html.count("Fassung 1") == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_coordinator_sets_the_legal_basis_from_the_alliances_agreements(ss, service):
    from verbund.alliances.tests.factories import AgreementDocumentFactory
    from verbund.audit.models import AuditEntry

    agreement = AgreementDocumentFactory.create(alliance=ss.alliance, title="Zweckvereinbarung Vergabestelle")
    foreign = AgreementDocumentFactory.create(title="Fremde Vereinbarung")
    form = {
        "name": "Zentrale Vergabestelle",
        "legal_basis": str(agreement.pk),
        "legal_basis_note": "§ 5 Kostenerstattung",
        "advance_instalments": "12",
        "description": "",
    }
    assert client_for(ss.clerk_a).post(f"/dienste/{service.pk}/angaben/", form).status_code == 403
    client = client_for(ss.coordinator)
    html = client.get(f"/dienste/{service.pk}/").content.decode()
    assert "Zweckvereinbarung Vergabestelle (Fassung 1)" in html and "Fremde Vereinbarung" not in html
    client.post(f"/dienste/{service.pk}/angaben/", form)
    service.refresh_from_db()
    assert (service.legal_basis, service.legal_basis_note, service.advance_instalments) == (
        agreement,
        "§ 5 Kostenerstattung",
        12,
    )
    assert AuditEntry.objects.filter(action="shared_service.update").exists()
    client.post(f"/dienste/{service.pk}/angaben/", {**form, "legal_basis": str(foreign.pk)})
    service.refresh_from_db()
    assert service.legal_basis == agreement  # another alliance's agreement is not offered, not accepted
