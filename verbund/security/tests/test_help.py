"""Mutual help: asking the alliance (only with an incident it sees), recording contributions after a
confirmation, the statement (the engine's charge rounding; CSV and PDF), settling, and who may do what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.security.models import HelpContribution, HelpStatus, Incident
from verbund.security.services import help as help_services
from verbund.security.services import incidents as incident_services
from verbund.shared_services.allocation import Member, allocate

from .test_tlp_leaks import build_world


@pytest.fixture
def w(db: Any) -> SimpleNamespace:
    world = build_world()
    world.incident = _incident(world, tlp="amber", distribution="alliance")
    return world


def _incident(w: SimpleNamespace, **sharing: Any) -> Incident:
    now = timezone.now()
    return incident_services.incident_create(
        actor=w.a1_clerk,
        owner_body=w.a1,
        title="Serverausfall",
        started_at=now - dt.timedelta(hours=3),
        detected_at=now - dt.timedelta(hours=2),
        alliance=w.alliance_a if sharing.get("distribution") == "alliance" else None,
        **sharing,
    )


def _ask(w: SimpleNamespace, incident: Incident | None = None) -> Any:
    return help_services.help_request_create(
        actor=w.a1_clerk,
        incident=incident or w.incident,
        alliance=w.alliance_a,
        needed="Zwei Administratoren für die Wiederherstellung",
        people=2,
        hours=Decimal("16"),
    )


@given(
    hours=st.decimals(min_value=0, max_value=999, places=2),
    rate=st.decimals(min_value=0, max_value=500, places=2),
)
@settings(max_examples=200)
def test_the_labour_amount_is_the_engines_price_per_unit_charge(hours: Decimal, rate: Decimal) -> None:
    allocation = allocate(
        {"type": "price_per_unit", "price": str(rate), "unit": "volume"},
        None,
        [Member(key="h", volume=hours)],
    )
    assert help_services.labour_amount(hours, rate) == Decimal(int(allocation.cents[0])) / 100


def test_asking_needs_an_incident_the_alliance_sees(w: SimpleNamespace) -> None:
    private = _incident(w, tlp="amber+strict", distribution="organisation")
    with pytest.raises(Conflict):
        _ask(w, private)
    with pytest.raises(Forbidden):
        help_services.help_request_create(
            actor=w.a2_clerk, incident=w.incident, alliance=w.alliance_a, needed="x"
        )
    with pytest.raises(Invalid):
        help_services.help_request_create(
            actor=w.a1_clerk, incident=w.incident, alliance=w.alliance_b, needed="x"
        )
    request = _ask(w)
    assert request.status == HelpStatus.OPEN
    assert (
        AuditEntry.objects.get(action="security.help_request").object_repr
        == f"Hilfeersuchen Nr. {request.pk}"
    )


def test_a_contribution_with_money_needs_confirmation_and_the_statement_adds_up(w: SimpleNamespace) -> None:
    request = _ask(w)
    values = {
        "request": request,
        "helper_body": w.a2,
        "hours": Decimal("7.5"),
        "hourly_rate": Decimal("58.33"),
    }
    with pytest.raises(help_services.NeedsConfirmation) as info:
        help_services.help_contribution_record(actor=w.a2_clerk, costs=Decimal("120"), **values)
    assert "557,48" in info.value.detail  # 7.5 × 58.33 = 437.475 → 437.48; + 120.00
    assert not HelpContribution.objects.exists()
    help_services.help_contribution_record(actor=w.a2_clerk, costs=Decimal("120"), confirmed=True, **values)
    help_services.help_contribution_record(
        actor=w.a2_clerk,
        request=request,
        helper_body=w.a2,
        hours=Decimal("1"),
        hourly_rate=Decimal("0"),
        costs=Decimal("0"),
    )
    request.refresh_from_db()
    assert request.status == HelpStatus.COVERED
    statement = help_services.help_statement(request)
    assert statement.total == Decimal("557.48") and statement.hours == Decimal("8.50")
    assert statement.by_helper() == [(w.a2.name, Decimal("557.48"))]
    csv_text = help_services.statement_csv(statement).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Helfende Körperschaft;ARS;")
    assert "437,48;120,00;557,48" in csv_text and f"zu zahlen von {w.a1.name}" in csv_text


def test_who_may_contribute_and_settle(w: SimpleNamespace) -> None:
    request = _ask(w)
    kwargs = {"request": request, "hours": Decimal("1"), "hourly_rate": Decimal("50"), "confirmed": True}
    with pytest.raises(Forbidden):  # the asking body does not help itself
        help_services.help_contribution_record(actor=w.a1_clerk, helper_body=w.a1, **kwargs)
    with pytest.raises(Forbidden):  # a body outside the alliance does not see the incident
        help_services.help_contribution_record(actor=w.b1_clerk, helper_body=w.b1, **kwargs)
    help_services.help_contribution_record(actor=w.a2_clerk, helper_body=w.a2, **kwargs)
    with pytest.raises(Forbidden):
        help_services.help_settle(actor=w.a2_clerk, request=request, confirmed=True)
    with pytest.raises(help_services.NeedsConfirmation):
        help_services.help_settle(actor=w.a1_head, request=request)
    statement = help_services.help_settle(actor=w.a1_head, request=request, confirmed=True)
    assert statement.total == Decimal("50.00")
    entry = AuditEntry.objects.get(action="security.help_settle")
    assert entry.changes["total"] == "50.00"
    with pytest.raises(Conflict):
        help_services.help_contribution_record(actor=w.a2_clerk, helper_body=w.a2, **kwargs)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_contribution_page_shows_the_amount_before_it_stores_it(w: SimpleNamespace) -> None:
    request = _ask(w)
    url = f"/sicherheit/hilfe/{request.pk}/leistung/"
    client = _client(w.a2_clerk)
    data = {"helper_body": w.a2.pk, "people": "1", "hours": "2,5", "hourly_rate": "60,00", "costs": "10,00"}
    first = client.post(url, data)
    assert first.status_code == 200 and "160,00" in first.content.decode()
    assert not HelpContribution.objects.exists()
    second = client.post(url, {**data, "confirmed": "1"})
    assert second.status_code == 302
    assert HelpContribution.objects.get().hours == Decimal("2.50")
    statement = _client(w.a1_clerk).get(f"/sicherheit/hilfe/{request.pk}/abrechnung/")
    assert statement.status_code == 200 and "160,00" in statement.content.decode()
    csv = _client(w.a2_clerk).get(f"/sicherheit/hilfe/{request.pk}/abrechnung.csv")
    assert csv.status_code == 200 and "160,00" in csv.content.decode("utf-8-sig")
    assert _client(w.a1_clerk).get(url).status_code == 403  # the asking body has no helper to choose
    assert _client(w.b1_clerk).get(url).status_code == 404
    settled = _client(w.a1_head).post(f"/sicherheit/hilfe/{request.pk}/abrechnen/", {"confirmed": "1"})
    assert settled.status_code == 302
    request.refresh_from_db()
    assert request.status == HelpStatus.CLOSED


def test_the_statement_prints_as_pdf(w: SimpleNamespace) -> None:
    request = _ask(w)
    help_services.help_contribution_record(
        actor=w.a2_clerk,
        request=request,
        helper_body=w.a2,
        hours=Decimal("3"),
        hourly_rate=Decimal("40"),
        confirmed=True,
    )
    response = _client(w.a1_clerk).get(f"/sicherheit/hilfe/{request.pk}/abrechnung.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_api_asks_records_and_settles(w: SimpleNamespace) -> None:
    base = f"/api/v1/security/incidents/{w.incident.pk}/help-requests"
    asked = _client(w.a1_clerk).post(
        base,
        {"alliance": w.alliance_a.slug, "needed": "Notebooks", "people": 1},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    request_id = asked.json()["id"]
    body = {"helper_body": w.a2.ars, "hours": "4", "hourly_rate": "55.50", "costs": "0"}
    helper = _client(w.a2_clerk)
    unconfirmed = helper.post(f"{base}/{request_id}/contributions", body, content_type="application/json")
    assert unconfirmed.status_code == 409 and unconfirmed.json()["code"] == "confirmation_required"
    done = helper.post(
        f"{base}/{request_id}/contributions", {**body, "confirmed": True}, content_type="application/json"
    )
    assert done.status_code == 201
    statement = helper.get(f"{base}/{request_id}/statement").json()
    assert statement["total"] == "222.00" and statement["lines"][0]["helper_body"] == w.a2.ars
    assert _client(w.b1_clerk).get(base).status_code == 404
    settled = _client(w.a1_clerk).post(f"{base}/{request_id}/settle?confirmed=true")
    assert settled.status_code == 200 and settled.json()["total"] == "222.00"
