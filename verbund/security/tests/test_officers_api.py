"""The shared officers' API: record, change, end and settle an officer as the pages do, with the same
rules (coordinators of the alliance and Plattformbetrieb; a member who sees the officer gets 403, an
outsider 404), audited through the services; errors name the field."""

from __future__ import annotations

from typing import Any

import pytest

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import OfficerShare, SharedOfficer
from verbund.shared_services.tests.factories import ensure_seed_data

pytestmark = pytest.mark.django_db

API = "/api/v1/security/officers"


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    ensure_seed_data()
    vgs = [BodyFactory(verbandsgemeinde=True, name=f"VG {n}", population=10_000) for n in ("A", "B", "C")]
    other = BodyFactory(verbandsgemeinde=True, name="VG Fremd")
    coordinator = UserFactory()
    alliance = AllianceFactory(members=vgs, coordinator=coordinator)
    AllianceFactory(members=[other], slug="fremd")
    return {
        "vgs": vgs,
        "other": other,
        "alliance": alliance,
        "coordinator": coordinator,
        "isb": UserFactory(first_name="Ines", last_name="Sicherheit"),
        "deputy": UserFactory(),
        "clerk_a": UserFactory(staff_of=vgs[0]),
        "outsider": UserFactory(staff_of=other),
        "operator": UserFactory(operator=True),
    }


def _payload(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    vgs = world["vgs"]
    payload = {
        "kind": "isb",
        "alliance": world["alliance"].slug,
        "person": world["isb"].username,
        "deputy": world["deputy"].username,
        "employer": vgs[0].ars,
        "starts_on": "2025-01-01",
        "shares": [{"body": vgs[0].ars, "percent": "30"}, {"body": vgs[1].ars, "percent": "45.5"}],
    }
    payload.update(changes)
    return payload


def _post(client: Any, url: str, payload: Any = None) -> Any:
    return client.post(url, payload or {}, content_type="application/json")


def _put(client: Any, url: str, payload: Any) -> Any:
    return client.put(url, payload, content_type="application/json")


def test_the_coordinator_records_an_officer_and_members_read_it(world, client):
    assert _post(client, API, _payload(world)).status_code == 401
    client.force_login(world["coordinator"])
    created = _post(client, API, _payload(world))
    assert created.status_code == 201
    body = created.json()
    assert (body["kind"], body["person"], body["employer"], body["alliance"]) == (
        "isb",
        "Ines Sicherheit",
        world["vgs"][0].ars,
        world["alliance"].slug,
    )
    assert [(s["body"], s["percent"]) for s in body["shares"]] == [
        (world["vgs"][0].ars, "30.00"),
        (world["vgs"][1].ars, "45.50"),
    ]
    assert body["unassigned_percent"] == "24.50"
    assert AuditEntry.objects.filter(action="security.officer_set").count() == 1
    client.force_login(world["clerk_a"])
    assert client.get(f"{API}/{body['id']}").status_code == 200
    client.force_login(world["outsider"])
    assert client.get(f"{API}/{body['id']}").status_code == 404


def test_only_coordinators_and_the_operator_record_officers(world, client):
    client.force_login(world["clerk_a"])
    assert _post(client, API, _payload(world)).status_code == 403
    client.force_login(world["outsider"])
    assert _post(client, API, _payload(world)).status_code == 403
    client.force_login(world["operator"])
    assert _post(client, API, _payload(world)).status_code == 201
    assert SharedOfficer.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"alliance": "gibt-es-nicht"}, 422, "Unbekannter Verbund „gibt-es-nicht“"),
        ({"employer": "999999999999"}, 422, "aktuelles Mitglied"),
        ({"person": "niemand"}, 422, "Benutzerkonto"),
        ({"kind": "chef"}, 422, "kind"),
        ({"shares": []}, 422, "shares"),
        ({"shares": [{"body": "999999999999", "percent": "10"}]}, 422, "Anteil 1: keine Körperschaft"),
        ({"shares": [{"body": "{vg0}", "percent": "60"}, {"body": "{vg1}", "percent": "50"}]}, 422, "110 %"),
        ({"shares": [{"body": "{vg0}", "percent": "10.125"}]}, 422, "Nachkommastellen"),
        ({"shares": [{"body": "{vg0}", "percent": "0"}]}, 422, "percent"),
        ({"shares": [{"body": "{other}", "percent": "10"}]}, 422, "kein aktuelles Mitglied"),
        ({"ends_on": "2024-12-31"}, 422, "Ende"),
        ({"deputy": "{isb}"}, 422, "andere Person"),
    ],
)
def test_errors_name_the_field(world, client, changes, status, message):
    names = {
        "vg0": world["vgs"][0].ars,
        "vg1": world["vgs"][1].ars,
        "other": world["other"].ars,
        "isb": world["isb"].username,
    }

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**names)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    client.force_login(world["coordinator"])
    response = _post(client, API, _payload(world, **fill(changes)))
    assert response.status_code == status, response.json()
    assert message in response.json()["detail"]
    assert not SharedOfficer.objects.exists()


def _officer(world: dict[str, Any], client: Any) -> int:
    client.force_login(world["coordinator"])
    return int(_post(client, API, _payload(world)).json()["id"])


def test_changing_an_officer_replaces_the_shares_and_is_audited(world, client):
    officer_id = _officer(world, client)
    url = f"{API}/{officer_id}"
    change = {
        "person": world["isb"].username,
        "deputy": None,
        "starts_on": "2025-01-01",
        "shares": [{"body": world["vgs"][2].ars, "percent": "50"}],
    }
    client.force_login(world["clerk_a"])
    assert _put(client, url, change).status_code == 403
    client.force_login(world["outsider"])
    assert _put(client, url, change).status_code == 404
    client.force_login(world["coordinator"])
    too_much = _put(client, url, {**change, "shares": [{"body": world["vgs"][2].ars, "percent": "100.01"}]})
    assert too_much.status_code == 422
    changed = _put(client, url, change)
    assert changed.status_code == 200
    assert changed.json()["deputy"] is None
    assert [s["body"] for s in changed.json()["shares"]] == [world["vgs"][2].ars]
    assert list(OfficerShare.objects.values_list("body_id", flat=True)) == [world["vgs"][2].pk]
    assert AuditEntry.objects.filter(action="security.officer_set").count() == 2
    assert _put(client, f"{API}/999999", change).status_code == 404


def test_ending_an_officer_and_settling_the_cost(world, client):
    officer_id = _officer(world, client)
    url = f"{API}/{officer_id}"
    client.force_login(world["clerk_a"])
    assert _post(client, f"{url}/end", {"ends_on": "2026-06-30"}).status_code == 403
    assert _post(client, f"{url}/settlement").status_code == 403
    client.force_login(world["outsider"])
    assert _post(client, f"{url}/end", {"ends_on": "2026-06-30"}).status_code == 404

    client.force_login(world["coordinator"])
    assert _post(client, f"{url}/end", {"ends_on": "kein Datum"}).status_code == 422
    assert _post(client, f"{url}/end", {"ends_on": "2024-01-01"}).status_code == 422  # before the start
    ended = _post(client, f"{url}/end", {"ends_on": "2026-06-30"})
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2026-06-30"
    assert _post(client, f"{url}/end", {"ends_on": "2026-12-31"}).status_code == 409
    assert AuditEntry.objects.filter(action="security.officer_end").count() == 1

    linked = _post(client, f"{url}/settlement")
    assert linked.status_code == 200 and linked.json()["service"] is not None
    again = _post(client, f"{url}/settlement")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
