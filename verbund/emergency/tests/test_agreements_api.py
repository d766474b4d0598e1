"""``/api/v1/emergency/agreements``: list what one may see, get, create, new version, end, delete;
refusals as problem details that name the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from verbund.emergency.models import AidAgreement
from verbund.emergency.services import agreements as svc

from .factories import joint_staff_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/emergency/agreements"
TODAY = svc.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def world() -> Any:
    return joint_staff_world()


def _post(client: Client, url: str, payload: Any) -> Any:
    return client.post(url, payload, content_type="application/json")


def payload(world: Any, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "alliance": world.alliance.slug,
        "reimburse": True,
        "hourly_rate": "45.00",
        "daily_rates": {"stromerzeuger": "120.00", "pumpe": "80.00", "fahrzeug": "150"},
        "consumables_at_cost": True,
        "cost_sharing": {"type": "population"},
        "valid_from": "2025-01-01",
        "note": "Beschluss der Verbandsversammlung vom 14.11.2024",
    }
    values.update(extra)
    return values


def test_coordinator_creates_versions_and_ends(client: Client, world) -> None:
    client.force_login(world.coordinator)
    response = _post(client, URL, payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["daily_rates"] == {"fahrzeug": "150.00", "stromerzeuger": "120.00", "pumpe": "80.00"}
    assert body["cost_sharing_text"] == "nach Einwohnern"
    assert body["state"] == "in_kraft" and body["may_change"] is True
    assert {"label": "Personal", "text": "45,00 EUR je Stunde"} in body["terms"]
    first = body["id"]
    start = (TODAY + 7 * DAY).isoformat()
    response = _post(client, f"{URL}/{first}/versions", {"valid_from": start, "hourly_rate": "48.00"})
    assert response.status_code == 201, response.content
    version = response.json()
    assert version["valid_from"] == start and version["hourly_rate"] == "48.00"
    assert version["daily_rates"] == body["daily_rates"]  # the terms not given stay
    old = client.get(f"{URL}/{first}").json()
    assert old["valid_until"] == (TODAY + 6 * DAY).isoformat()
    response = _post(client, f"{URL}/{version['id']}/end", {"valid_until": (TODAY + 90 * DAY).isoformat()})
    assert response.status_code == 200 and response.json()["valid_until"] == (TODAY + 90 * DAY).isoformat()
    listed = client.get(URL, {"alliance": world.alliance.slug}).json()
    assert listed["count"] == 2
    assert client.get(URL, {"state": "kuenftig"}).json()["count"] == 1


def test_refusals_name_the_field(client: Client, world) -> None:
    client.force_login(world.coordinator)
    response = _post(client, URL, payload(world, cost_sharing={"type": "mix", "parts": []}))
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid" and problem["detail"].startswith("cost_sharing: ")
    response = _post(client, URL, payload(world, daily_rates={"pumpe": "-1"}))
    assert response.status_code == 422 and "daily_rates.pumpe: " in response.json()["detail"]
    response = _post(client, URL, payload(world, hourly_rate="-1"))
    assert response.status_code == 422 and "hourly_rate" in response.json()["detail"]
    first = _post(client, URL, payload(world, valid_until="2025-12-31")).json()
    response = _post(client, URL, payload(world, valid_from="2025-06-01"))
    assert response.status_code == 422
    assert response.json()["code"] == "agreement_overlap"
    assert (
        response.json()["detail"].startswith("valid_from: ")
        and f"Nr. {first['id']}" in response.json()["detail"]
    )
    response = client.put(
        f"{URL}/{first['id']}",
        {**payload(world), "hourly_rate": "50.00"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "agreement_in_force"
    assert AidAgreement.objects.count() == 1


def test_members_read_strangers_get_404(client: Client, world) -> None:
    client.force_login(world.coordinator)
    agreement = _post(client, URL, payload(world)).json()
    client.force_login(world.clerk)
    assert client.get(f"{URL}/{agreement['id']}").json()["may_change"] is False
    assert client.get(URL).json()["count"] == 1
    response = _post(client, f"{URL}/{agreement['id']}/end", {"valid_until": TODAY.isoformat()})
    assert response.status_code == 403
    response = _post(client, URL, payload(world, valid_from="2030-01-01"))
    assert response.status_code == 403
    client.force_login(world.outsider)
    assert client.get(f"{URL}/{agreement['id']}").status_code == 404
    assert client.get(URL).json() == {"items": [], "count": 0}
    assert (
        _post(client, f"{URL}/{agreement['id']}/end", {"valid_until": TODAY.isoformat()}).status_code == 404
    )
    response = _post(client, URL, payload(world, valid_from="2030-01-01"))
    assert response.status_code == 422 and response.json()["detail"].startswith("alliance: ")
    assert client.delete(f"{URL}/{agreement['id']}").status_code == 404
    assert AidAgreement.objects.count() == 1


def test_future_agreement_is_updated_and_deleted(client: Client, world) -> None:
    client.force_login(world.coordinator)
    start = (TODAY + 30 * DAY).isoformat()
    created = _post(client, URL, payload(world, valid_from=start)).json()
    assert created["state"] == "kuenftig"
    response = client.put(
        f"{URL}/{created['id']}",
        {k: v for k, v in payload(world, valid_from=start, cost_sharing=None).items() if k != "alliance"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["cost_sharing"] is None
    assert response.json()["cost_sharing_text"].startswith("keine Kostenteilung")
    assert client.delete(f"{URL}/{created['id']}").status_code == 204
    assert not AidAgreement.objects.exists()
