"""Funding pages: every page renders with one <h1> for the roles that may see it, 404 across tenants
and 403 where visible but not allowed; the draft form saves German money input and the HTMX check
endpoint answers with the check list for unsaved data; the whole path from draft to grant notice,
drawdown and proof of use through the forms; the authority's queue, the portfolio (constant queries)
and the exports (CSV, XLSX, transparency list)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from verbund.funding import rules, services, workflow
from verbund.funding.models import Application, Drawdown, GrantNotice, UseProof

from .factories import TEST_ACTOR, draft_application, fill_draft

pytestmark = pytest.mark.django_db


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def one_h1(html: str) -> None:
    assert len(re.findall(r"<h1[\s>]", html)) == 1


@pytest.fixture
def draft(world: SimpleNamespace, alliance: Any, programme: Any) -> Application:
    return fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))


def in_review(world: SimpleNamespace, application: Application) -> Application:
    services.application_submit(actor=world.head_a, application=application)
    services.application_review(actor=world.authority, application=application)
    application.refresh_from_db()
    return application


def granted(world: SimpleNamespace, application: Application) -> Application:
    in_review(world, application)
    services.application_grant(
        actor=world.authority, application=application, amounts_by_year={2025: "100000", 2026: "100000"}
    )
    application.refresh_from_db()
    return application


def test_index_and_programme_are_public(programme):
    for url in ("/foerderung/", programme.get_absolute_url()):
        response = client_for().get(url)
        assert response.status_code == 200
        html = response.content.decode()
        one_h1(html)
        assert "IKZ-Pilotförderung" in html
    html = client_for().get(programme.get_absolute_url()).content.decode()
    assert "210.000,00 EUR" in html and "320.000,00 EUR" in html
    assert "nicht öffentlich" in html


def test_detail_pages_need_a_login(draft):
    response = client_for().get(draft.get_absolute_url())
    assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]


@pytest.mark.parametrize("user", ["head_a", "clerk_a", "coordinator", "head_b"])
def test_the_alliance_side_sees_its_draft(draft, world, user):
    response = client_for(getattr(world, user)).get(draft.get_absolute_url())
    assert response.status_code == 200
    one_h1(response.content.decode())


@pytest.mark.parametrize("user", ["head_outsider", "authority", "advisory", "nobody"])
def test_a_draft_is_invisible_outside_the_alliance(draft, world, user):
    assert client_for(getattr(world, user)).get(draft.get_absolute_url()).status_code == 404


def test_submitted_application_is_visible_to_the_authority_not_to_outsiders(draft, world):
    services.application_submit(actor=world.head_a, application=draft)
    assert client_for(world.authority).get(draft.get_absolute_url()).status_code == 200
    assert client_for(world.advisory).get(draft.get_absolute_url()).status_code == 200
    assert client_for(world.head_outsider).get(draft.get_absolute_url()).status_code == 404


def test_a_reading_member_gets_403_on_the_edit_form(draft, world):
    assert client_for(world.head_b).get(f"/foerderung/antraege/{draft.pk}/bearbeiten/").status_code == 403
    assert (
        client_for(world.head_outsider).get(f"/foerderung/antraege/{draft.pk}/bearbeiten/").status_code == 404
    )


def test_create_and_edit_a_draft_with_german_money(world, alliance, programme):
    client = client_for(world.clerk_a)
    page = client.get("/foerderung/antraege/neu/")
    assert page.status_code == 200
    response = client.post(
        "/foerderung/antraege/neu/",
        {
            "programme": programme.pk,
            "alliance_applicant": f"{alliance.pk}:{world.vg_a.pk}",
            "title": "IT-Sicherheit",
        },
    )
    application = Application.objects.get(title="IT-Sicherheit")
    assert response.status_code == 302 and response["Location"].endswith(f"/{application.pk}/bearbeiten/")

    form = client.get(response["Location"])
    assert form.status_code == 200 and 'hx-post="/foerderung/antraege/' in form.content.decode()
    data = {
        "title": "IT-Sicherheit",
        "participants": [world.vg_a.pk, world.vg_b.pk, world.vg_c.pk],
        "period_start": "2026-01-01",
        "period_end": "2027-12-31",
        "requested_amount": "200.000,00",
        "request_2025": "100.000,00",
        "request_2026": "100000,00",
        "cost_it_software_2026": "150.000,00",
        "cost_personal_2027": "50.000",
    }
    saved = client.post(response["Location"], data)
    assert saved.status_code == 302, re.findall(r"kern-error[^>]*>([^<]*)", saved.content.decode())
    application.refresh_from_db()
    assert application.requested_amount == Decimal("200000.00")
    assert sorted((c.category, c.year, c.amount) for c in application.costs.all()) == [
        ("it_software", 2026, Decimal("150000.00")),
        ("personal", 2027, Decimal("50000.00")),
    ]


def test_live_check_endpoint_renders_checks_for_unsaved_data(draft, world):
    client = client_for(world.clerk_a)
    response = client.post(
        f"/foerderung/antraege/{draft.pk}/pruefen/",
        {
            "title": draft.title,
            "participants": [world.vg_a.pk, world.vg_b.pk, world.vg_c.pk],
            "requested_amount": "250.000,00",
            "request_2025": "250.000,00",
            "cost_personal_2026": "250.000,00",
            "period_start": "2026-01-01",
            "period_end": "2027-12-31",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" not in html
    assert 'data-check="cap" data-status="fail"' in html
    assert "40.000,00 EUR mehr als erlaubt" in html
    draft.refresh_from_db()
    assert draft.requested_amount == Decimal("200000.00")  # nothing saved


def test_live_check_is_for_drafters_only(draft, world):
    assert client_for(world.head_b).post(f"/foerderung/antraege/{draft.pk}/pruefen/", {}).status_code == 403


def test_ui_path_from_submission_to_closing(draft, world):
    head, authority = client_for(world.head_a), client_for(world.authority)
    assert head.post(f"/foerderung/antraege/{draft.pk}/aktion/einreichen/").status_code == 302
    assert authority.post(f"/foerderung/antraege/{draft.pk}/aktion/pruefen/").status_code == 302
    grant_page = authority.get(f"/foerderung/antraege/{draft.pk}/bewilligen/")
    assert grant_page.status_code == 200
    one_h1(grant_page.content.decode())
    response = authority.post(
        f"/foerderung/antraege/{draft.pk}/bewilligen/",
        {
            "grant_2025": "100.000,00",
            "grant_2026": "100.000,00",
            "period_start": "2025-01-01",
            "period_end": "2026-12-31",
            "conditions": "Nebenbestimmungen laut ANBest-K.",
            "confirmed": "1",  # the confirmation page (issue 11) is tested in test_issue11_workflows
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == workflow.BEWILLIGT

    pdf = head.get(f"/foerderung/antraege/{draft.pk}/bescheid.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    assert (
        client_for(world.head_outsider).get(f"/foerderung/antraege/{draft.pk}/bescheid.pdf").status_code
        == 404
    )

    assert (
        client_for(world.clerk_a)
        .post(f"/foerderung/antraege/{draft.pk}/abrufe/", {"grant_year": "2025", "amount": "100.000,00"})
        .status_code
        == 302
    )
    drawdown = Drawdown.objects.get()
    queue = authority.get("/foerderung/arbeitsvorrat/")
    assert drawdown.amount == Decimal("100000.00") and "100.000,00 EUR" in queue.content.decode()
    authority.post(
        f"/foerderung/abrufe/{drawdown.pk}/entscheiden/",
        {"decision": "approve", "next": "queue", "confirmed": "1"},
    )
    drawdown.refresh_from_db()
    assert drawdown.status == "freigegeben"

    assert head.get(f"/foerderung/antraege/{draft.pk}/nachweis/").status_code == 200
    head.post(
        f"/foerderung/antraege/{draft.pk}/nachweis/",
        {"actual_it_software": "60.000,00", "actual_personal": "20.000,00", "report": "Erledigt."},
    )
    proof = UseProof.objects.get()
    assert proof.repayment_amount == Decimal("20000.00")
    authority.post(f"/foerderung/nachweise/{proof.pk}/entscheiden/", {"decision": "approve"})
    draft.refresh_from_db()
    assert draft.status == workflow.ABGESCHLOSSEN
    detail = head.get(draft.get_absolute_url()).content.decode()
    assert "20.000,00 EUR" in detail and "abgeschlossen" in detail


def test_a_refused_submission_shows_the_reason(draft, world):
    fill_draft(draft, requested="999999.00", years={2025: "999999.00"})
    response = client_for(world.head_a).post(
        f"/foerderung/antraege/{draft.pk}/aktion/einreichen/", follow=True
    )
    html = response.content.decode()
    assert "Förderhöchstbetrag" in html
    draft.refresh_from_db()
    assert draft.status == workflow.ENTWURF


def test_queue_and_portfolio_are_for_authority_advisory_and_operators(world, alliance, programme):
    for user in (world.authority, world.advisory, world.operator):
        for url in ("/foerderung/arbeitsvorrat/", "/foerderung/portfolio/"):
            response = client_for(user).get(url)
            assert response.status_code == 200, (user, url)
            one_h1(response.content.decode())
    for user in (world.head_a, world.coordinator, world.nobody):
        assert client_for(user).get("/foerderung/portfolio/").status_code == 404
        assert client_for(user).get("/foerderung/export/bewilligungen.csv").status_code == 404


def make_grants(world: SimpleNamespace, programme: Any, count: int) -> None:
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.registry.tests.factories import BodyFactory

    for n in range(count):
        members = [BodyFactory.create(verbandsgemeinde=True, parent=world.kreis) for _ in range(3)]
        alliance = AllianceFactory(members=members)
        application = fill_draft(
            draft_application(programme=programme, alliance=alliance, applicant=members[0]),
            requested=f"{1000 + n * 500}.00",
        )
        Application.objects.filter(pk=application.pk).update(
            status=workflow.IN_PRUEFUNG, submitted_at=timezone.now()
        )
        application.refresh_from_db()
        services.application_grant(
            actor=TEST_ACTOR,
            application=application,
            amounts_by_year=dict(rules.split_evenly(application.requested_amount, [2025, 2026])),
            notify=False,
        )


def portfolio_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/foerderung/portfolio/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_portfolio_queries_do_not_grow_with_the_grants(world, programme):
    client = client_for(world.authority)
    make_grants(world, programme, 2)
    portfolio_queries(client)  # warm up: the map's outlines of the Land are computed once, then cached
    few = portfolio_queries(client)
    make_grants(world, programme, 6)
    many = portfolio_queries(client)

    assert many == few
    html = client.get("/foerderung/portfolio/").content.decode()
    assert "Kaiserslautern" in html  # by Landkreis
    assert 'id="vb-grant-count">8<' in html


def test_the_portfolio_map_draws_the_land_and_its_kreise_under_the_circles(world, programme):
    import json
    import re

    make_grants(world, programme, 2)
    html = client_for(world.authority).get("/foerderung/portfolio/").content.decode()
    match = re.search(r'id="vb-portfolio-background"[^>]*>(.*?)</script>', html, re.S)
    assert match is not None and 'data-background="vb-portfolio-background"' in html
    background = json.loads(match[1])
    roles = [f["properties"]["role"] for f in background["outlines"]["features"]]
    assert roles[0] == "land" and "kreis" in roles  # the Land (union of its Kreise) under the Kreise
    assert any(label["kind"] == "kreis" for label in background["labels"])
    assert 'id="vb-portfolio-legend"' in html


def test_exports_csv_xlsx_and_transparency(world, programme):
    make_grants(world, programme, 3)  # 1,000.00 (not above the threshold), 1,500.00, 2,000.00
    client = client_for(world.advisory)

    response = client.get("/foerderung/export/bewilligungen.csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Aktenzeichen", "Förderprogramm", "Verbund", "Zuwendungsempfänger"]
    assert len(rows) == 4
    assert sorted(r[8] for r in rows[1:]) == ["1000,00", "1500,00", "2000,00"]

    transparency = list(
        csv.reader(
            io.StringIO(client.get("/foerderung/export/transparenz.csv").content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert transparency[0] == [
        "Zuwendungsempfänger",
        "Regionalschlüssel (ARS)",
        "Zweck",
        "Betrag (EUR)",
        "Jahr",
        "Förderprogramm",
        "Aktenzeichen",
        "Bewilligt am",
    ]
    assert sorted(r[3] for r in transparency[1:]) == ["1500,00", "2000,00"]

    from openpyxl import load_workbook

    xlsx = client.get("/foerderung/export/bewilligungen.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    amounts = sorted(Decimal(str(sheet.cell(row=r, column=9).value)) for r in range(2, sheet.max_row + 1))
    assert amounts == [Decimal("1000"), Decimal("1500"), Decimal("2000")]


def test_programme_create_and_edit_by_the_authority(world):
    client = client_for(world.authority)
    assert client_for(world.advisory).get("/foerderung/programme/neu/").status_code == 403
    response = client.post(
        "/foerderung/programme/neu/",
        {
            "name": "IKZ Bayern Test",
            "code": "BY",
            "preset": "bayern",
            "eligible_categories": ["personal", "sachkosten"],
            "budget_year_1": "2026",
            "budget_1": "1.000.000,00",
        },
    )
    assert response.status_code == 302
    from verbund.funding.models import Programme

    programme = Programme.objects.get(code="BY")
    assert programme.rules.min_project_costs == Decimal("5000.00")
    edit = client.get(f"/foerderung/programme/{programme.slug}/bearbeiten/")
    assert edit.status_code == 200
    one_h1(edit.content.decode())
    broken = client.post(
        f"/foerderung/programme/{programme.slug}/bearbeiten/",
        {
            "name": programme.name,
            "code": "BY",
            "preset": "bayern",
            "rule_set": '{"name": "x", "cap_tiers": [{"min_members": 2, "amount": "1"}], '
            '"max_rate_percent": "120"}',
            "eligible_categories": ["personal"],
            "b-budget_2026": "1.000.000,00",
        },
    )
    assert broken.status_code == 200 and "zwischen 0 und 100" in broken.content.decode()


def test_grant_notice_is_stored_once(draft, world):
    granted(world, draft)
    assert GrantNotice.objects.filter(application=draft).count() == 1
