"""Evidence per alliance: entry with German numbers, duplicates, direction in words, history, access."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory.models.evidence import EvidenceFigure, Metric
from verbund.advisory.services import evidence as svc
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.principal import principal_for
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    member = BodyFactory.create(verbandsgemeinde=True)
    other_body = BodyFactory.create(verbandsgemeinde=True)
    coordinator = UserFactory.create()
    alliance = AllianceFactory.create(umsetzung=True, members=[member], coordinator=coordinator)
    other_coordinator = UserFactory.create()
    other = AllianceFactory.create(umsetzung=True, members=[other_body], coordinator=other_coordinator)
    office = UserFactory.create()
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    authority = UserFactory.create()
    RoleAssignmentFactory.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    return {
        "alliance": alliance,
        "other": other,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "office": office,
        "authority": authority,
        "member_clerk": UserFactory.create(staff_of=member),
        "stranger_clerk": UserFactory.create(staff_of=other_body),
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(alliance: Any, **overrides: str) -> dict[str, str]:
    data = {
        "year": "2025",
        "metric": Metric.COST_PER_CASE,
        "label": "",
        "unit": "",
        "before": "1.234,56",
        "after": "987,5",
        "source": "Haushaltsplan 2025",
    }
    data.update(overrides)
    return data


def test_the_form_reads_german_numbers_as_typed(world: dict[str, Any]) -> None:
    alliance = world["alliance"]
    response = _client(world["coordinator"]).post(f"/beratung/nachweise/{alliance.slug}/", _post(alliance))
    assert response.status_code == 302, response.content.decode()[:2000]
    figure = EvidenceFigure.objects.get(alliance=alliance)
    assert figure.before == Decimal("1234.56")
    assert figure.after == Decimal("987.50")
    assert figure.source == "Haushaltsplan 2025"
    page = _client(world["coordinator"]).get(f"/beratung/nachweise/{alliance.slug}/").content.decode()
    assert "1.234,56" in page and "987,50" in page
    # lower cost per case is better: said in words, not only by colour
    assert "besser: gesunken" in page
    assert "niedriger ist besser" in page
    assert 'value="2.0' not in page  # a year is not a thousands number


def test_a_duplicate_is_refused_naming_the_field(world: dict[str, Any]) -> None:
    alliance = world["alliance"]
    client = _client(world["coordinator"])
    assert client.post(f"/beratung/nachweise/{alliance.slug}/", _post(alliance)).status_code == 302
    response = client.post(f"/beratung/nachweise/{alliance.slug}/", _post(alliance, after="900"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "metric" in form.errors
    assert "schon erfasst" in " ".join(form.errors["metric"])
    assert EvidenceFigure.objects.filter(alliance=alliance).count() == 1
    with pytest.raises(Invalid) as caught:
        svc.evidence_set(
            actor=world["office"],
            alliance=alliance,
            values={"year": 2025, "metric": Metric.COST_PER_CASE, "before": Decimal(1), "source": "x"},
        )
    assert set(caught.value.fields) == {"metric"}


def test_other_metrics_need_a_label_and_may_repeat_with_another_label(world: dict[str, Any]) -> None:
    alliance = world["alliance"]
    values = {"year": 2025, "metric": Metric.OTHER, "after": Decimal(3), "source": "Zählung"}
    with pytest.raises(Invalid) as caught:
        svc.evidence_set(actor=world["office"], alliance=alliance, values=values)
    assert "label" in caught.value.fields
    svc.evidence_set(actor=world["office"], alliance=alliance, values={**values, "label": "Beschwerden"})
    svc.evidence_set(actor=world["office"], alliance=alliance, values={**values, "label": "Anrufe"})
    with pytest.raises(Invalid) as again:
        svc.evidence_set(actor=world["office"], alliance=alliance, values={**values, "label": "Anrufe"})
    assert set(again.value.fields) == {"label"}


@pytest.mark.parametrize(
    ("metric", "before", "after", "state", "word"),
    [
        (Metric.COST_PER_CASE, "100", "80", svc.IMPROVED, "besser: gesunken"),
        (Metric.COST_PER_CASE, "80", "100", svc.WORSENED, "schlechter: gestiegen"),
        (Metric.SERVICE_HOURS, "20", "30", svc.IMPROVED, "besser: gestiegen"),
        (Metric.SERVICE_HOURS, "30", "20", svc.WORSENED, "schlechter: gesunken"),
        (Metric.PROCESSING_DAYS, "10", "10", svc.UNCHANGED, "unverändert"),
        (Metric.CASES, "10", "12", svc.NEUTRAL, "ohne Wertung"),
    ],
)
def test_the_direction_is_said_in_words(metric: str, before: str, after: str, state: str, word: str) -> None:
    result = svc.assess(metric, Decimal(before), Decimal(after))
    assert result.state == state
    assert word in result.words


def test_changes_are_audited_with_capitalised_keys_and_shown(world: dict[str, Any]) -> None:
    alliance = world["alliance"]
    figure = svc.evidence_set(
        actor=world["coordinator"],
        alliance=alliance,
        values={
            "year": 2025,
            "metric": Metric.SERVICE_HOURS,
            "before": Decimal(20),
            "after": Decimal(25),
            "source": "A",
        },
    )
    svc.evidence_set(
        actor=world["office"],
        alliance=alliance,
        figure=figure,
        values={
            "year": 2025,
            "metric": Metric.SERVICE_HOURS,
            "before": Decimal(20),
            "after": Decimal(30),
            "source": "B",
        },
    )
    entries = list(
        AuditEntry.objects.filter(action="advisory.evidence_set", alliance_id=alliance.pk).order_by("id")
    )
    assert len(entries) == 2
    assert entries[1].changes["Im Jahr"] == ["25", "30"]
    assert entries[1].changes["Quelle"] == ["A", "B"]
    assert all(key[0].isupper() for entry in entries for key in entry.changes)
    page = _client(world["coordinator"]).get(f"/beratung/nachweise/{alliance.slug}/").content.decode()
    assert "Im Jahr: 25 → 30" in page


def test_who_reads_and_who_enters(world: dict[str, Any]) -> None:
    alliance = world["alliance"]
    url = f"/beratung/nachweise/{alliance.slug}/"
    # anonymous: to the login page
    response = Client().get(url)
    assert response.status_code == 302
    assert "next=" in response["Location"]
    # a clerk of a body that is not a member, the coordinator of another alliance: 404
    assert _client(world["stranger_clerk"]).get(url).status_code == 404
    assert _client(world["other_coordinator"]).get(url).status_code == 404
    assert _client(world["other_coordinator"]).post(url, _post(alliance)).status_code == 404
    # insiders, office and funding authority read
    for reader in ("member_clerk", "office", "authority", "coordinator"):
        assert _client(world[reader]).get(url).status_code == 200, reader
    # readers who may not enter: 403 and nothing stored
    assert _client(world["member_clerk"]).post(url, _post(alliance)).status_code == 403
    assert _client(world["authority"]).post(url, _post(alliance)).status_code == 403
    assert not EvidenceFigure.objects.exists()
    # the office enters
    assert _client(world["office"]).post(url, _post(alliance)).status_code == 302
    with pytest.raises(Forbidden):
        svc.evidence_set(
            actor=world["authority"],
            alliance=alliance,
            values={"year": 2026, "metric": Metric.CASES, "after": Decimal(1), "source": "x"},
        )
    with pytest.raises(NotFound):
        svc.figures_of(principal_for(world["other_coordinator"]), alliance)


def test_the_api_lists_and_writes_for_those_who_may(world: dict[str, Any]) -> None:
    alliance = world["alliance"]
    coordinator = _client(world["coordinator"])
    body = {
        "alliance": alliance.slug,
        "year": 2025,
        "metric": "servicezeiten",
        "before": "20",
        "after": "32,5",
        "source": "Aushang der Öffnungszeiten",
    }
    created = coordinator.post("/api/v1/advisory/evidence", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["after"] == "32.50" or Decimal(str(out["after"])) == Decimal("32.5")
    assert out["assessment"]["state"] == "besser"
    again = coordinator.post("/api/v1/advisory/evidence", json.dumps(body), content_type="application/json")
    assert again.status_code == 422
    assert again.json()["detail"].startswith("metric:")
    listed = _client(world["authority"]).get("/api/v1/advisory/evidence", {"alliance": alliance.slug})
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert (
        _client(world["stranger_clerk"])
        .get("/api/v1/advisory/evidence", {"alliance": alliance.slug})
        .status_code
        == 404
    )
    assert _client(world["stranger_clerk"]).get("/api/v1/advisory/evidence").json()["count"] == 0
    assert Client().get("/api/v1/advisory/evidence", {"alliance": alliance.slug}).status_code == 401
    forbidden = _client(world["member_clerk"]).put(
        f"/api/v1/advisory/evidence/{out['id']}", json.dumps(body), content_type="application/json"
    )
    assert forbidden.status_code == 403
    other = _client(world["other_coordinator"]).put(
        f"/api/v1/advisory/evidence/{out['id']}", json.dumps(body), content_type="application/json"
    )
    assert other.status_code == 404
    changed = _client(world["office"]).put(
        f"/api/v1/advisory/evidence/{out['id']}",
        json.dumps({**body, "after": "1.040,00"}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert EvidenceFigure.objects.get(pk=out["id"]).after == Decimal("1040.00")


def test_deleting_needs_a_confirmation(world: dict[str, Any]) -> None:
    alliance = world["alliance"]
    figure = svc.evidence_set(
        actor=world["coordinator"],
        alliance=alliance,
        values={"year": 2025, "metric": Metric.CASES, "after": Decimal(10), "source": "x"},
    )
    url = f"/beratung/nachweise/{alliance.slug}/{figure.pk}/loeschen/"
    client = _client(world["coordinator"])
    client.post(url)
    assert EvidenceFigure.objects.filter(pk=figure.pk).exists()
    client.post(url, {"confirmed": "1"})
    assert not EvidenceFigure.objects.filter(pk=figure.pk).exists()
