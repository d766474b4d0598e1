"""``/api/v1/funding``: programmes and presets in public, applications only for signed-in users with
the UI's access rules (404 across tenants, 403 for a step one may not take, 409 for a step out of
order, 422 for failed checks), money as exact decimal strings, the live check endpoint without
saving, drawdowns within the grant, the proof of use with its repayment, the portfolio, and lists at
a constant number of queries — all in the one error shape ``{"detail", "code"}``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from verbund.funding import services, workflow
from verbund.funding.models import Application

from .factories import TEST_ACTOR, draft_application, fill_draft

pytestmark = pytest.mark.django_db

URL = "/api/v1/funding"


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == code
    return body


@pytest.fixture
def draft(world: SimpleNamespace, alliance: Any, programme: Any) -> Application:
    return fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))


def test_presets_and_programmes_are_public(programme):
    presets = client_for().get(f"{URL}/presets").json()
    assert [p["key"] for p in presets] == ["rlp_pilot", "nrw", "bayern", "hessen"]
    rlp = presets[0]["rule_set"]
    assert rlp["cap_tiers"] == [
        {"min_members": 3, "amount": "210000.00", "per_additional_member": "0.00"},
        {"min_members": 4, "amount": "320000.00", "per_additional_member": "0.00"},
    ]
    assert {i["basis"] for i in rlp["increases"]} == {"placeholder"}

    page = client_for().get(f"{URL}/programmes").json()
    assert page["count"] == 1 and page["items"][0]["slug"] == "ikz-pilot"
    detail = client_for().get(f"{URL}/programmes/ikz-pilot").json()
    assert [(b["year"], b["budget"], b["free"]) for b in detail["budget"]] == [
        (2025, "5000000.00", "5000000.00"),
        (2026, "5000000.00", "5000000.00"),
    ]


def test_applications_need_a_login():
    error(client_for().get(f"{URL}/applications"), 401, "unauthenticated")


def test_create_patch_and_read_a_draft(world, alliance, programme):
    client = client_for(world.clerk_a)
    created = client.post(
        f"{URL}/applications",
        {
            "programme": "ikz-pilot",
            "alliance": "cyber",
            "applicant": world.vg_a.ars,
            "title": "IT-Sicherheit",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    application_id = created.json()["id"]
    patched = client.patch(
        f"{URL}/applications/{application_id}",
        {
            "requested_amount": "210000.00",
            "requested_by_year": {"2025": "105000.00", "2026": "105000.00"},
            "costs": [
                {"category": "it_software", "year": 2025, "amount": "105000.00"},
                {"category": "it_software", "year": 2026, "amount": "105000.00"},
            ],
            "participants": [world.vg_a.ars, world.vg_b.ars, world.vg_c.ars],
            "period_start": "2025-01-01",
            "period_end": "2026-12-31",
        },
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["requested_amount"] == "210000.00"
    assert body["requested_by_year"] == {"2025": "105000.00", "2026": "105000.00"}
    assert body["costs"] == [
        {"category": "it_software", "year": 2025, "amount": "105000.00", "note": ""},
        {"category": "it_software", "year": 2026, "amount": "105000.00", "note": ""},
    ]
    assert body["status"] == "entwurf" and body["reference"] == "IKZ-RLP-0001"
    # the period began before today (the fixture's years): the authority's consent to the premature start
    services.premature_start_approve(
        actor=TEST_ACTOR,
        application=Application.objects.get(pk=application_id),
        approved_on=timezone.localdate(),
        notify=False,
    )

    checks = client.get(f"{URL}/applications/{application_id}/checks").json()
    assert checks["passed"] is True
    assert {c["code"]: c["status"] for c in checks["items"]}["cap"] == "ok"


def test_third_bodies_and_cents_are_refused_with_422(world, alliance, programme):
    client = client_for(world.head_outsider)
    error(
        client.post(
            f"{URL}/applications",
            {"programme": "ikz-pilot", "alliance": "cyber", "applicant": world.outsider.ars, "title": "X"},
            content_type="application/json",
        ),
        404,
        "not_found",
    )  # the outsider cannot even see the unpublished alliance
    draft = draft_application(programme=programme, alliance=alliance, applicant=world.vg_a)
    error(
        client_for(world.clerk_a).patch(
            f"{URL}/applications/{draft.pk}", {"requested_amount": "1.001"}, content_type="application/json"
        ),
        422,
        "invalid",
    )


def test_post_checks_shows_results_without_saving(draft, world):
    response = client_for(world.clerk_a).post(
        f"{URL}/applications/{draft.pk}/checks",
        {"requested_amount": "320000.00", "requested_by_year": {"2025": "320000.00"}},
        content_type="application/json",
    )
    body = response.json()
    assert body["passed"] is False
    cap = next(c for c in body["items"] if c["code"] == "cap")
    assert cap["status"] == "fail" and cap["overridable"] is True
    assert "110.000,00 EUR mehr als erlaubt" in cap["explanation"]
    draft.refresh_from_db()
    assert str(draft.requested_amount) == "200000.00"


def test_visibility_and_steps_through_the_api(draft, world):
    error(client_for(world.head_outsider).get(f"{URL}/applications/{draft.pk}"), 404, "not_found")
    error(client_for(world.authority).get(f"{URL}/applications/{draft.pk}"), 404, "not_found")  # a draft
    error(client_for(world.clerk_a).post(f"{URL}/applications/{draft.pk}/submit"), 403, "forbidden")
    error(client_for(world.head_b).post(f"{URL}/applications/{draft.pk}/submit"), 403, "forbidden")

    submitted = client_for(world.head_a).post(f"{URL}/applications/{draft.pk}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "eingereicht"
    assert [c["code"] for c in submitted.json()["checks"]][:2] == ["eligibility", "single_application"]

    authority = client_for(world.authority)
    error(
        authority.post(
            f"{URL}/applications/{draft.pk}/grant",
            {"amounts_by_year": {"2025": "1"}},
            content_type="application/json",
        ),
        409,
        "invalid_status",
    )
    assert authority.post(f"{URL}/applications/{draft.pk}/review").json()["status"] == "in_pruefung"
    asked = authority.post(
        f"{URL}/applications/{draft.pk}/request-info",
        {"question": "Warum 2 Jahre?"},
        content_type="application/json",
    ).json()
    info_id = asked["info_requests"][0]["id"]
    assert asked["status"] == "rueckfrage"
    client_for(world.clerk_a).post(
        f"{URL}/applications/{draft.pk}/answers",
        {"info_request": info_id, "answer": "Weil."},
        content_type="application/json",
    )
    assert (
        client_for(world.head_a).post(f"{URL}/applications/{draft.pk}/resubmit").json()["status"]
        == "in_pruefung"
    )

    granted = authority.post(
        f"{URL}/applications/{draft.pk}/grant",
        {"amounts_by_year": {"2025": "100000.00", "2026": "100000.00"}},
        content_type="application/json",
    )
    assert granted.status_code == 200, granted.content
    grant = granted.json()["grant"]
    assert grant["amount"] == "200000.00" and grant["reference"] == "IKZ-RLP-0001-B"
    assert grant["pdf_url"].endswith(f"/antraege/{draft.pk}/bescheid.pdf") and len(grant["pdf_sha256"]) == 64
    assert [y["available"] for y in grant["years"]] == ["100000.00", "100000.00"]

    too_much = client_for(world.clerk_a).post(
        f"{URL}/applications/{draft.pk}/drawdowns",
        {"year": 2025, "amount": "100000.01"},
        content_type="application/json",
    )
    assert "abrufbar" in error(too_much, 409, "drawdown_exceeds_grant")["detail"].lower()
    drawdown = client_for(world.coordinator).post(
        f"{URL}/applications/{draft.pk}/drawdowns",
        {"year": 2025, "amount": "100000.00"},
        content_type="application/json",
    )
    assert drawdown.status_code == 201
    drawdown_id = drawdown.json()["id"]
    error(
        client_for(world.head_a).post(
            f"{URL}/drawdowns/{drawdown_id}/approve", {}, content_type="application/json"
        ),
        403,
        "forbidden",
    )
    error(
        client_for(world.head_outsider).post(
            f"{URL}/drawdowns/{drawdown_id}/approve", {}, content_type="application/json"
        ),
        404,
        "not_found",
    )
    approved = authority.post(f"{URL}/drawdowns/{drawdown_id}/approve", {}, content_type="application/json")
    assert approved.json()["status"] == "freigegeben"
    listing = client_for(world.head_b).get(f"{URL}/applications/{draft.pk}/drawdowns").json()
    assert listing["count"] == 1 and listing["items"][0]["amount"] == "100000.00"

    proof = client_for(world.head_a).post(
        f"{URL}/applications/{draft.pk}/proofs",
        {"actual_costs": {"it_software": "50000.00", "personal": "25000.55"}, "report": "Fertig."},
        content_type="application/json",
    )
    assert proof.status_code == 201, proof.content
    assert proof.json()["entitled_amount"] == "75000.55" and proof.json()["repayment_amount"] == "24999.45"
    accepted = authority.post(
        f"{URL}/proofs/{proof.json()['id']}/accept", {}, content_type="application/json"
    )
    assert accepted.json()["status"] == "angenommen"
    draft.refresh_from_db()
    assert draft.status == workflow.ABGESCHLOSSEN


def test_failed_checks_answer_422_with_the_reason(draft, world):
    fill_draft(draft, requested="400000.00", years={2025: "400000.00"})
    body = error(client_for(world.head_a).post(f"{URL}/applications/{draft.pk}/submit"), 422, "checks_failed")
    assert "Förderhöchstbetrag" in body["detail"]


def test_programme_budget_cannot_fall_below_committed(world, programme):
    authority = client_for(world.authority)
    response = authority.put(
        f"{URL}/programmes/ikz-pilot/years/2027", {"budget": "1000000.00"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["free"] == "1000000.00"
    error(
        client_for(world.advisory).put(
            f"{URL}/programmes/ikz-pilot/years/2027", {"budget": "1.00"}, content_type="application/json"
        ),
        403,
        "forbidden",
    )


def test_programme_create_validates_the_rule_set(world):
    authority = client_for(world.authority)
    created = authority.post(
        f"{URL}/programmes",
        {"name": "NRW-Test", "code": "NRW", "preset": "nrw", "budgets": {"2026": "500000.00"}},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["rule_set"]["cap_tiers"][0]["per_additional_member"] == "35000.00"
    broken = authority.post(
        f"{URL}/programmes",
        {"name": "Kaputt", "code": "K", "rule_set": {"name": "K", "cap_tiers": [], "financing": "geschenk"}},
        content_type="application/json",
    )
    assert "Finanzierungsart" in error(broken, 422, "invalid")["detail"]


def test_list_queries_are_constant(world, alliance, programme):
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.registry.tests.factories import BodyFactory

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client_for(world.coordinator).get(f"{URL}/applications?limit=500")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    draft_application(programme=programme, alliance=alliance, applicant=world.vg_a)
    few = count()
    for _ in range(5):
        body = BodyFactory.create(verbandsgemeinde=True)
        other = AllianceFactory.create(members=[body], coordinator=world.coordinator)
        draft_application(programme=programme, alliance=other, applicant=body)
    assert count() == few


def test_portfolio_for_readers_only(world, programme):
    error(client_for(world.head_a).get(f"{URL}/portfolio"), 404, "not_found")
    body = client_for(world.advisory).get(f"{URL}/portfolio").json()
    assert body["count"] == 0 and body["total"] == "0.00"
