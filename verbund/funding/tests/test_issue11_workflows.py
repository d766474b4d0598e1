"""Workflows of issue 11: the budget-year rule at the grant, the authority's consent to a premature
start (recorded, audited), four eyes on grants and drawdown releases above the programme's amount
(a single approver is blocked), the confirmation step and no preset on money decisions, the
one-application rule said before drafting, and who may submit (the button only when it would work)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.funding import services, workflow
from verbund.funding.models import (
    Application,
    Drawdown,
    DrawdownStatus,
    GrantApproval,
    GrantNotice,
    Programme,
)
from verbund.funding.selectors import CostRow

from .factories import TEST_ACTOR, draft_application, fill_draft

pytestmark = pytest.mark.django_db

D = Decimal


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def actions(application: Application) -> list[str]:
    return list(AuditEntry.objects.for_object(application).order_by("id").values_list("action", flat=True))


@pytest.fixture
def draft(world: SimpleNamespace, alliance: Any, programme: Any) -> Application:
    return fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))


def in_review(world: SimpleNamespace, application: Application) -> Application:
    services.application_submit(actor=world.head_a, application=application)
    services.application_review(actor=world.authority, application=application)
    application.refresh_from_db()
    return application


@pytest.fixture
def second_authority(world: SimpleNamespace) -> Any:
    user = UserFactory(username="bewilligung.zwei")
    RoleAssignmentFactory(user=user, role=Role.BEWILLIGUNGSBEHOERDE)
    return user


def four_eyes(programme: Programme, above: str = "1000.00") -> None:
    Programme.objects.filter(pk=programme.pk).update(second_approval_above=D(above))
    programme.refresh_from_db()


AMOUNTS = {2025: "100000.00", 2026: "100000.00"}


# --- 1. budget years match the cost plan ---------------------------------------------------------------


def test_a_grant_from_a_budget_year_without_costs_is_refused(world, alliance, programme):
    """The issue's case: budget year 2025 for a 2026–2027 project whose costs all fall in 2026."""
    programme_years = {2025: "5000000.00", 2026: "5000000.00"}
    assert set(programme.years.values_list("year", flat=True)) == set(programme_years)
    application = fill_draft(
        draft_application(programme=programme, alliance=alliance, applicant=world.vg_a),
        requested="100000.00",
        years={2026: "100000.00"},
        costs=[CostRow("personal", 2026, D("100000.00"))],
        period=("2026-01-01", "2027-12-31"),
    )
    in_review(world, application)
    with pytest.raises(Conflict) as refused:
        services.application_grant(
            actor=world.authority, application=application, amounts_by_year={2025: "100000.00"}
        )
    assert "Haushaltsjahr 2025 liegt außerhalb der Laufzeit" in str(refused.value)
    assert not GrantNotice.objects.filter(application=application).exists()
    notice = services.application_grant(
        actor=world.authority, application=application, amounts_by_year={2026: "100000.00"}
    )
    assert notice.amount == D("100000.00")


# --- 2. premature start ----------------------------------------------------------------------------------


def test_a_start_before_submission_needs_the_authoritys_consent(world, alliance, programme):
    application = fill_draft(
        draft_application(programme=programme, alliance=alliance, applicant=world.vg_a),
        premature_start_approved=False,
    )
    assert application.period_start is not None and application.period_start < timezone.localdate()
    with pytest.raises(Invalid, match="Vorzeitiger Maßnahmebeginn"):
        services.application_submit(actor=world.head_a, application=application)
    Application.objects.filter(pk=application.pk).update(deviation_reason="Zustimmung beantragt am 1.12.")
    application.refresh_from_db()
    in_review(world, application)
    with pytest.raises(Invalid, match="Zustimmung zum vorzeitigen Maßnahmebeginn"):
        services.application_grant(
            actor=world.authority, application=application, amounts_by_year=AMOUNTS, override_reason="x"
        )
    with pytest.raises(Forbidden):
        services.premature_start_approve(
            actor=world.head_a, application=application, approved_on=timezone.localdate()
        )
    with pytest.raises(ValidationError, match="Zukunft"):
        services.premature_start_approve(
            actor=world.authority,
            application=application,
            approved_on=timezone.localdate() + dt.timedelta(days=3),
        )
    services.premature_start_approve(
        actor=world.authority, application=application, approved_on=timezone.localdate(), note="Az. 12/2026"
    )
    application.refresh_from_db()
    assert application.premature_start_approved_by == world.authority
    assert "application.premature_start_approve" in actions(application)
    notice = services.application_grant(
        actor=world.authority, application=application, amounts_by_year=AMOUNTS, override_reason="x"
    )
    assert notice.amount == D("200000.00")
    application.refresh_from_db()
    premature = next(c for c in application.checks if c["code"] == "premature_start")
    assert premature["status"] == "ok" and "zugestimmt" in premature["explanation"]


def test_the_authority_records_the_consent_on_the_application_page(world, alliance, programme):
    application = fill_draft(
        draft_application(programme=programme, alliance=alliance, applicant=world.vg_a),
        premature_start_approved=False,
        deviation_reason="Zustimmung beantragt",
    )
    in_review(world, application)
    page = client_for(world.authority).get(application.get_absolute_url()).content.decode()
    assert "Vorzeitigen Maßnahmebeginn zulassen" in page
    today = timezone.localdate()
    response = client_for(world.authority).post(
        f"/foerderung/antraege/{application.pk}/vorzeitiger-beginn/",
        {"approved_on": today.isoformat(), "note": "per Schreiben"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.premature_start_approved_on == today
    refused = client_for(world.head_a).post(
        f"/foerderung/antraege/{application.pk}/vorzeitiger-beginn/", {"approved_on": today.isoformat()}
    )
    assert refused.status_code in (302, 403)


def test_the_authority_withdraws_its_consent_with_a_reason(world, alliance, programme):
    application = fill_draft(
        draft_application(programme=programme, alliance=alliance, applicant=world.vg_a),
        premature_start_approved=False,
        deviation_reason="Zustimmung beantragt",
    )
    in_review(world, application)
    services.premature_start_approve(
        actor=world.authority, application=application, approved_on=timezone.localdate()
    )
    page = client_for(world.authority).get(application.get_absolute_url()).content.decode()
    assert "Zustimmung zum vorzeitigen Maßnahmebeginn widerrufen" in page
    with pytest.raises(Forbidden):
        services.premature_start_withdraw(actor=world.head_a, application=application, reason="versehentlich")
    with pytest.raises(ValidationError, match="Grund"):
        services.premature_start_withdraw(actor=world.authority, application=application, reason=" ")
    response = client_for(world.authority).post(
        f"/foerderung/antraege/{application.pk}/vorzeitiger-beginn/widerruf/", {"reason": "falscher Antrag"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.premature_start_approved_on is None and application.premature_start_approved_by is None
    assert "application.premature_start_withdraw" in actions(application)
    assert application.events.filter(
        action="premature_start_withdraw", note__contains="falscher Antrag"
    ).exists()
    with pytest.raises(Invalid, match="Zustimmung zum vorzeitigen Maßnahmebeginn"):
        services.application_grant(
            actor=world.authority, application=application, amounts_by_year=AMOUNTS, override_reason="x"
        )
    with pytest.raises(Conflict):
        services.premature_start_withdraw(actor=world.authority, application=application, reason="nochmal")


# --- 6. four eyes and confirmation ----------------------------------------------------------------------


def test_four_eyes_blocks_a_single_approver_of_a_grant(world, draft, programme, second_authority):
    four_eyes(programme)
    in_review(world, draft)
    with pytest.raises(Conflict, match="zwei Personen"):
        services.application_grant(actor=world.authority, application=draft, amounts_by_year=AMOUNTS)
    approval = services.application_grant_first_approval(
        actor=world.authority, application=draft, amounts_by_year=AMOUNTS
    )
    assert approval.approved_by == world.authority
    assert "application.grant_first_approval" in actions(draft)
    with pytest.raises(Forbidden, match="zweite, andere Person"):
        services.application_grant(actor=world.authority, application=draft, amounts_by_year=AMOUNTS)
    with pytest.raises(Conflict, match="weichen von der ersten Freigabe ab"):
        services.application_grant(
            actor=second_authority, application=draft, amounts_by_year={2025: "50000.00", 2026: "100000.00"}
        )
    draft.refresh_from_db()
    assert draft.status == workflow.IN_PRUEFUNG
    notice = services.application_grant(actor=second_authority, application=draft, amounts_by_year=AMOUNTS)
    assert notice.amount == D("200000.00")
    assert GrantApproval.objects.filter(application=draft).exists()


def test_without_a_threshold_one_person_grants(world, draft, programme):
    assert programme.second_approval_above is None
    in_review(world, draft)
    with pytest.raises(Conflict, match="keine zweite Freigabe nötig"):
        services.application_grant_first_approval(
            actor=world.authority, application=draft, amounts_by_year=AMOUNTS
        )
    assert services.application_grant(actor=world.authority, application=draft, amounts_by_year=AMOUNTS)


def test_four_eyes_on_a_drawdown_release(world, draft, programme, second_authority):
    in_review(world, draft)
    services.application_grant(actor=world.authority, application=draft, amounts_by_year=AMOUNTS)
    four_eyes(programme, "5000.00")
    small = services.drawdown_request(actor=world.clerk_a, application=draft, year=2025, amount="5000.00")
    assert services.drawdown_approve(actor=world.authority, drawdown=small).status == DrawdownStatus.APPROVED
    big = services.drawdown_request(actor=world.clerk_a, application=draft, year=2025, amount="20000.00")
    first = services.drawdown_approve(actor=world.authority, drawdown=big)
    first.refresh_from_db()
    assert first.status == DrawdownStatus.REQUESTED and first.first_approved_by == world.authority
    with pytest.raises(Forbidden, match="zweite, andere Person"):
        services.drawdown_approve(actor=world.authority, drawdown=big)
    assert Drawdown.objects.get(pk=big.pk).status == DrawdownStatus.REQUESTED
    assert services.drawdown_approve(actor=second_authority, drawdown=big).status == DrawdownStatus.APPROVED
    recorded = list(
        AuditEntry.objects.filter(action__in=["drawdown.first_approval", "drawdown.approve"]).values_list(
            "action", flat=True
        )
    )
    assert recorded.count("drawdown.first_approval") == 1 and recorded.count("drawdown.approve") == 2


def test_granting_through_the_page_needs_a_confirmation_of_the_consequences(world, draft):
    in_review(world, draft)
    client = client_for(world.authority)
    url = f"/foerderung/antraege/{draft.pk}/bewilligen/"
    form = {
        "grant_2025": "100.000,00",
        "grant_2026": "100.000,00",
        "period_start": "2025-01-01",
        "period_end": "2026-12-31",
        "conditions": "Nebenbestimmungen",
        "override_reason": "",
    }
    page = client.post(url, form)
    assert page.status_code == 200
    text = page.content.decode()
    assert "bitte bestätigen" in text and "200.000,00 EUR" in text and "Haushaltsjahr 2025" in text
    assert "Landstuhl" in text  # the recipient
    assert not GrantNotice.objects.filter(application=draft).exists()
    confirmed = client.post(url, {**form, "confirmed": "1"})
    assert confirmed.status_code == 302
    assert GrantNotice.objects.filter(application=draft).exists()


def test_a_drawdown_decision_has_no_preset_and_a_release_is_confirmed_first(world, draft):
    in_review(world, draft)
    services.application_grant(actor=world.authority, application=draft, amounts_by_year=AMOUNTS)
    drawdown = services.drawdown_request(actor=world.clerk_a, application=draft, year=2025, amount="1000.00")
    client = client_for(world.authority)
    for url in (draft.get_absolute_url(), "/foerderung/arbeitsvorrat/"):
        html = client.get(url).content.decode()
        select = re.search(r'<select[^>]*name="decision"[^>]*>(.*?)</select>', html, re.S)
        assert select is not None
        assert re.match(r'\s*<option value="">', select.group(1)), select.group(1)
        assert "selected" not in select.group(1)
    decide = f"/foerderung/abrufe/{drawdown.pk}/entscheiden/"
    client.post(decide, {"decision": "", "note": ""})
    assert Drawdown.objects.get(pk=drawdown.pk).status == DrawdownStatus.REQUESTED
    page = client.post(decide, {"decision": "approve", "note": ""})
    assert page.status_code == 200 and "Folgen der Freigabe" in page.content.decode()
    assert Drawdown.objects.get(pk=drawdown.pk).status == DrawdownStatus.REQUESTED
    client.post(decide, {"decision": "approve", "note": "", "confirmed": "1"})
    assert Drawdown.objects.get(pk=drawdown.pk).status == DrawdownStatus.APPROVED


# --- 5. the journey --------------------------------------------------------------------------------------


def test_a_second_draft_under_the_one_application_rule_is_refused_before_it_starts(
    world, alliance, programme, draft
):
    client = client_for(world.clerk_a)
    page = client.get("/foerderung/antraege/neu/").content.decode()
    assert draft.reference in page and "ein Antrag je Verbund" in page
    before = Application.objects.count()
    response = client.post(
        "/foerderung/antraege/neu/",
        {
            "programme": programme.pk,
            "alliance_applicant": f"{alliance.pk}:{world.vg_a.pk}",
            "title": "Noch einer",
        },
    )
    assert response.status_code == 200
    assert "bereits den Antrag" in response.content.decode()
    assert Application.objects.count() == before
    with pytest.raises(Conflict, match="ein Antrag je Verbund"):
        services.application_create(
            actor=world.clerk_a, programme=programme, alliance=alliance, applicant=world.vg_a, title="X"
        )


def test_the_coordinator_sees_why_not_and_who_submits(world, draft):
    page = client_for(world.coordinator).get(draft.get_absolute_url()).content.decode()
    assert "Antrag einreichen" not in page
    assert "Einreichen kann nur die Verwaltungsleitung von Landstuhl" in page


def test_the_head_sees_the_button_only_when_submission_would_succeed(world, draft):
    head = client_for(world.head_a)
    assert "Antrag einreichen" in head.get(draft.get_absolute_url()).content.decode()
    Application.objects.filter(pk=draft.pk).update(requested_amount=D("999999.00"))
    page = head.get(draft.get_absolute_url()).content.decode()
    assert "Antrag einreichen</span>" not in page
    assert "Begründung für Abweichungen" in page or "nicht erfüllt" in page
    with pytest.raises((Invalid, Conflict)):
        services.application_submit(actor=world.head_a, application=draft)


def test_system_actor_cannot_be_one_of_four_eyes(world, draft, programme):
    four_eyes(programme)
    in_review(world, draft)
    with pytest.raises(Forbidden, match="zwei Personen"):
        services.application_grant_first_approval(
            actor=TEST_ACTOR, application=draft, amounts_by_year=AMOUNTS
        )


def test_the_api_grant_obeys_four_eyes(world, draft, programme, second_authority):
    four_eyes(programme)
    in_review(world, draft)
    url = f"/api/v1/funding/applications/{draft.pk}/grant"
    body = {"amounts_by_year": AMOUNTS}
    first = client_for(world.authority).post(url, body, content_type="application/json")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == workflow.IN_PRUEFUNG
    again = client_for(world.authority).post(url, body, content_type="application/json")
    assert again.status_code == 403, again.content
    second = client_for(second_authority).post(url, body, content_type="application/json")
    assert second.status_code == 200, second.content
    assert second.json()["status"] == workflow.BEWILLIGT
