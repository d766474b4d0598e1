"""The pages, the PDF and the API of the Erstattungsabrechnung, and the demo's settled request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.test import Client

from verbund.emergency import demo
from verbund.emergency.models import AidAgreement, AidSettlement, AidSettlementStatus

from .test_resources import START, aid_world, ask, pump
from .test_settlements import lend, populations

pytestmark = pytest.mark.django_db

D = Decimal
BASE = "/krisenstab/ressourcen/ersuchen"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def settled_world() -> Any:
    world = aid_world()
    populations(world, 100_000, 200_000, 300_000)
    AidAgreement.objects.create(
        alliance=world.alliance,
        reimburse=True,
        hourly_rate=D("42.15"),
        daily_rates={"pumpe": "33.33"},
        valid_from=dt.date(2026, 1, 1),
        cost_sharing={"type": "population"},
    )
    world.request = ask(world, quantity=1)
    lend(world, pump(world), world.request, 1)  # 3 days × 33.33 = 99.99
    return world


def test_page_flow_compute_confirm_set_pdf_correct(settled_world) -> None:
    world = settled_world
    clerk, head = _client(world.clerk), _client(world.head)
    page = clerk.get(f"{BASE}/{world.request.pk}/").content.decode()
    assert "Erstattungsabrechnung" in page and "Erstattung berechnen" in page
    response = clerk.post(f"{BASE}/{world.request.pk}/erstattung/berechnen/")
    assert response.status_code == 302
    draft = AidSettlement.objects.get()
    assert response["Location"] == f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/"
    detail = clerk.get(response["Location"]).content.decode()
    assert "99,99 EUR" in detail and "Einwohner" in detail and "Entwurf" in detail
    assert "Verbindlich festsetzen" not in detail  # a clerk computes; the heads set
    # the head sees the confirmation step with the amounts
    detail = head.get(response["Location"]).content.decode()
    assert "Verbindlich festsetzen" in detail and "erhält 66,66 EUR" in detail
    unconfirmed = head.post(f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/festsetzen/")
    assert unconfirmed.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AidSettlementStatus.DRAFT
    head.post(f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/festsetzen/", {"confirmed": "1"})
    draft.refresh_from_db()
    assert draft.is_final
    done_page = clerk.get(f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/").content.decode()
    assert "Festgesetzt am" in done_page
    pdf = clerk.get(f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/erstattung.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].endswith('fassung-1.pdf"')
    # correcting needs a reason
    head.post(f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/berichtigen/", {"reason": ""})
    assert AidSettlement.objects.count() == 1
    moved = head.post(
        f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/berichtigen/", {"reason": "Tippfehler"}
    )
    second = AidSettlement.objects.get(version=2)
    assert moved["Location"] == f"{BASE}/{world.request.pk}/erstattung/{second.pk}/"
    section = clerk.get(f"{BASE}/{world.request.pk}/").content.decode()
    assert "Fassung 2" in section and "Fassung 1" in section


def test_pages_are_404_for_bodies_not_involved(settled_world) -> None:
    world = settled_world
    world.agreement = AidAgreement.objects.get()
    AidAgreement.objects.filter(pk=world.agreement.pk).update(cost_sharing=None)
    clerk = _client(world.clerk)
    clerk.post(f"{BASE}/{world.request.pk}/erstattung/berechnen/")
    draft = AidSettlement.objects.get()
    url = f"{BASE}/{world.request.pk}/erstattung/{draft.pk}/"
    for user in (world.outsider, world.s2):
        client = _client(user)
        assert client.get(url).status_code == 404
        assert client.get(f"{url}erstattung.pdf").status_code == 404
        assert client.post(f"{url}festsetzen/", {"confirmed": "1"}).status_code == 404
    # another request's id in the path: 404
    other = ask(world, quantity=1)
    assert clerk.get(f"{BASE}/{other.pk}/erstattung/{draft.pk}/").status_code == 404
    # a lender sees it, cannot compute for the body in need
    lender = _client(world.kgs)
    assert lender.get(url).status_code == 200
    assert lender.post(f"{BASE}/{world.request.pk}/erstattung/berechnen/").status_code == 302
    assert AidSettlement.objects.get().computed_by == world.clerk


def test_api_list_compute_get_finalize_correct(settled_world) -> None:
    world = settled_world
    api = "/api/v1/emergency"
    clerk, head, outsider = _client(world.clerk), _client(world.head), _client(world.outsider)
    assert clerk.get(f"{api}/requests/{world.request.pk}/settlements").json() == {"items": [], "count": 0}
    created = clerk.post(f"{api}/requests/{world.request.pk}/settlements")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["total"] == "99.99" and body["status"] == "entwurf" and body["version"] == 1
    assert [line["amount"] for line in body["lines"]] == ["99.99"]
    assert body["lines"][0]["units"] == "3.00" and body["lines"][0]["rate"] == "33.3300"
    assert sum(D(s["share"]) for s in body["shares"]) == D("99.99")
    assert sum(D(s["net"]) for s in body["shares"]) == D("0")
    sid = body["id"]
    assert outsider.get(f"{api}/settlements/{sid}").status_code == 404
    refused = head.post(f"{api}/settlements/{sid}/finalize", {}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "confirmation_required"
    forbidden = clerk.post(
        f"{api}/settlements/{sid}/finalize", {"confirmed": True}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    done = head.post(
        f"{api}/settlements/{sid}/finalize", {"confirmed": True}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "festgesetzt"
    again = clerk.post(f"{api}/requests/{world.request.pk}/settlements")
    assert again.status_code == 409
    no_reason = head.post(f"{api}/settlements/{sid}/correct", {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 422
    corrected = head.post(
        f"{api}/settlements/{sid}/correct", {"reason": "Satz"}, content_type="application/json"
    )
    assert corrected.status_code == 201 and corrected.json()["version"] == 2
    listed = clerk.get(f"{api}/requests/{world.request.pk}/settlements").json()
    assert [s["version"] for s in listed["items"]] == [2, 1] and listed["count"] == 2
    assert clerk.delete(f"{api}/settlements/{sid}").status_code == 405


def test_api_refuses_setting_while_a_commitment_is_out() -> None:
    world = aid_world()
    request = ask(world, quantity=1)
    from verbund.emergency.services import resources as svc

    commitment = svc.commit(actor=world.kgs, aid_request=request, resource=pump(world), quantity=1)
    svc.handover(actor=world.kgs, commitment=commitment, at=START)
    head = _client(world.head)
    sid = head.post(f"/api/v1/emergency/requests/{request.pk}/settlements").json()["id"]
    response = head.post(
        f"/api/v1/emergency/settlements/{sid}/finalize", {"confirmed": True}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "settlement_commitments_open"


@pytest.mark.parametrize("with_agreement", [True, False])
def test_demo_settles_the_request_with_or_without_agreement(with_agreement: bool) -> None:
    world = aid_world()
    populations(world, 100_000, 200_000, 300_000)
    if with_agreement:
        AidAgreement.objects.create(
            alliance=world.alliance,
            reimburse=True,
            daily_rates={"pumpe": "80.00"},
            valid_from=dt.date(2025, 1, 1),
            cost_sharing={"type": "population"},
        )
    request = ask(world, quantity=1)
    lend(world, pump(world), request, 1)
    out = StringIO()
    demo._ensure_settlement(request, demo._Report(out))
    demo._ensure_settlement(request, demo._Report(out))  # idempotent
    settlement = AidSettlement.objects.get()
    assert settlement.is_final
    assert settlement.total == (D("240.00") if with_agreement else D("0.00"))
    assert "festgesetzt" in out.getvalue()


def test_demo_without_population_figures_reports_and_leaves_the_request() -> None:
    world = aid_world()
    populations(world, 100_000, 200_000, 300_000)
    from verbund.registry.models import Body

    Body.objects.filter(pk=world.sued.pk).update(population=None)
    AidAgreement.objects.create(
        alliance=world.alliance,
        reimburse=True,
        valid_from=dt.date(2025, 1, 1),
        cost_sharing={"type": "population"},
    )
    request = ask(world, quantity=1)
    lend(world, pump(world), request, 1)
    out = StringIO()
    demo._ensure_settlement(request, demo._Report(out))
    assert "nicht berechnet" in out.getvalue() and "Einwohnerzahl" in out.getvalue()
    assert not AidSettlement.objects.exists()
