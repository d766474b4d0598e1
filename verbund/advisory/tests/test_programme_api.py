"""``/api/v1/programme/summary`` and the dashboard page: who may read, and totals that equal the
funding and shared-services APIs summed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verbund.accounts.tests.factories import UserFactory

from .programme_world import authority, office, world

pytestmark = pytest.mark.django_db
URL = "/api/v1/programme/summary"


def test_anonymous_401_others_403_office_and_authority_200(client) -> None:
    w = world(alliances=1)
    assert client.get(URL).status_code == 401
    client.force_login(UserFactory(head_of=w["alliances"][0]["vg"]))
    response = client.get(URL)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    for user in (office(), authority()):
        client.force_login(user)
        assert client.get(URL).status_code == 200
    assert client.get(URL + "?kreis=abc").status_code == 422


def test_totals_equal_the_funding_and_shared_services_apis(client) -> None:
    world(alliances=3)
    client.force_login(authority())
    summary = client.get(URL).json()
    portfolio = client.get("/api/v1/funding/portfolio").json()
    assert Decimal(summary["money"]["granted"]) == Decimal(portfolio["total"])
    assert Decimal(summary["money"]["paid"]) == Decimal(portfolio["drawn"])
    for row in portfolio["by_year"]:
        mine = next(r for r in summary["money_by_year"] if r["year"] == row["year"])
        assert Decimal(mine["granted"]) == Decimal(row["total"])

    standalone = shared = Decimal("0")
    services = client.get("/api/v1/shared-services?limit=100").json()["items"]
    assert services
    for service in services:
        settlements = client.get(f"/api/v1/shared-services/{service['id']}/settlements?limit=100").json()[
            "items"
        ]
        chosen: dict[int, dict] = {}
        for s in settlements:
            if s["status"] != "finalized":
                continue
            rank = (s["kind"] == "final", s["version"])
            if s["year"] not in chosen or rank > (
                chosen[s["year"]]["kind"] == "final",
                chosen[s["year"]]["version"],
            ):
                chosen[s["year"]] = s
        for s in chosen.values():
            lines = client.get(f"/api/v1/shared-services/settlements/{s['id']}/lines?limit=100").json()[
                "items"
            ]
            for line in lines:
                if line["saving"] is None:
                    continue
                standalone += Decimal(line["standalone_cost"])
                shared += Decimal(line["standalone_cost"]) - Decimal(line["saving"])
    measured = summary["savings"]["measured"]
    assert Decimal(measured["standalone"]) == standalone
    assert Decimal(measured["saving"]) == standalone - shared
    assert standalone > 0


def test_dashboard_page(client) -> None:
    w = world(alliances=1)
    client.get("/beratung/programm/")
    client.force_login(UserFactory(head_of=w["alliances"][0]["vg"]))
    assert client.get("/beratung/programm/").status_code == 403
    assert "/beratung/programm/" not in client.get("/beratung/").content.decode()
    client.force_login(office())
    assert "/beratung/programm/" in client.get("/beratung/").content.decode()
    response = client.get("/beratung/programm/?jahr=2025&kreis=" + w["kreis"].ars[:5])
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert "10.000,00 EUR" in page  # granted in 2025, German
    assert "vb-programme-data" in page
