"""``/api/v1/planning``: who may read and edit cost models, get recommendations and run scenarios
(401 without login, 403/404 by role), the error shape, eager runs with their results, groups with
a constant number of queries, comparison and status quo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.alliances.models import Alliance
from verbund.planning.models import Scenario

pytestmark = pytest.mark.django_db

API = "/api/v1/planning"


def test_tasks_need_a_login_and_a_planning_role(client, pw):
    response = client.get(f"{API}/tasks")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    client.force_login(pw.nobody)
    assert client.get(f"{API}/tasks").status_code == 403
    client.force_login(pw.funding)
    assert client.get(f"{API}/tasks").json()["code"] == "forbidden"
    client.force_login(pw.head_a)
    data = client.get(f"{API}/tasks?state=07").json()
    standesamt = next(t for t in data["items"] if t["slug"] == "standesamt")
    assert standesamt["holder_kinds"] == ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]
    assert standesamt["cost_model"]["source"] == "Standard"
    assert Decimal(standesamt["cost_model"]["scale_exponent"]) <= 1
    assert data["count"] == len(data["items"]) >= 12


def test_cost_model_editing_is_for_the_advisory_office(client, pw):
    url = f"{API}/tasks/standesamt/cost-models/07"
    client.force_login(pw.head_a)
    assert client.get(url).json()["source"] == "Standard"
    denied = client.put(url, {"fixed_cost": "1"}, content_type="application/json")
    assert denied.status_code == 403
    client.force_login(pw.advisory)
    changed = client.put(
        url, {"fixed_cost": "95000", "assumptions": "Eigene Annahme"}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["source"] == "Land 07"
    assert Decimal(changed.json()["fixed_cost"]) == Decimal("95000")
    assert changed.json()["assumptions"] == "Eigene Annahme"
    invalid = client.put(url, {"scale_exponent": "1.4"}, content_type="application/json")
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid"
    reset = client.delete(url)
    assert reset.status_code == 200 and reset.json()["source"] == "Standard"
    assert client.get(f"{API}/tasks/keine-aufgabe/cost-models/07").status_code == 404


def test_recommendations_for_own_body_only(client, pw):
    client.force_login(pw.head_a)
    response = client.get(f"{API}/recommendations?body={pw.a.ars}&task=standesamt&max_size=3")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["body"]["ars"] == pw.a.ars
    assert data["count"] == len(data["items"]) > 0
    first = data["items"][0]
    assert first["members"][0]["ars"] == pw.a.ars
    assert first["reasons"] and Decimal(first["saving"]) > 0
    assert Decimal(first["own_saving"]) <= Decimal(first["saving"])
    assert data["cost_model"]["task"] == "standesamt"
    assert client.get(f"{API}/recommendations?body={pw.b.ars}&task=standesamt").status_code == 404
    wrong = client.get(f"{API}/recommendations?body={pw.og.ars}&task=standesamt")
    assert wrong.status_code == 404  # the head of A is not staff of the Ortsgemeinde
    client.force_login(pw.advisory)
    assert client.get(f"{API}/recommendations?body={pw.b.ars}&task=standesamt").status_code == 200
    refused = client.get(f"{API}/recommendations?body={pw.og.ars}&task=standesamt")
    assert refused.status_code == 422 and "nimmt die Aufgabe" in refused.json()["detail"]


def test_adopt_a_recommendation(client, pw):
    client.force_login(pw.head_a)
    response = client.post(
        f"{API}/recommendations/adopt",
        {"body": pw.a.ars, "task": "standesamt", "partners": [pw.b.ars]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    alliance = Alliance.objects.get(slug=response.json()["alliance"])
    assert alliance.memberships.count() == 2
    denied = client.post(
        f"{API}/recommendations/adopt",
        {"body": pw.b.ars, "task": "standesamt", "partners": [pw.c.ars]},
        content_type="application/json",
    )
    assert denied.status_code == 404


def test_scenarios_are_for_planners(client, pw, done_scenario):
    client.force_login(pw.head_a)
    assert client.get(f"{API}/scenarios").json() == {"items": [], "count": 0}
    assert client.get(f"{API}/scenarios/{done_scenario.pk}").status_code == 404
    denied = client.post(f"{API}/scenarios", {"task": "standesamt"}, content_type="application/json")
    assert denied.status_code == 403
    client.force_login(pw.advisory)
    listed = client.get(f"{API}/scenarios?task=standesamt").json()
    assert [s["id"] for s in listed["items"]] == [done_scenario.pk]


def test_create_and_read_a_scenario(client, pw):
    client.force_login(pw.advisory)
    response = client.post(
        f"{API}/scenarios",
        {"task": "standesamt", "state": "07", "max_members": 3, "contiguous": True, "name": "API-Plan"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "done"
    assert created["parameters"]["constraints"]["max_members"] == 3
    assert created["statistics"]["bodies"] == 6
    detail = client.get(f"{API}/scenarios/{created['id']}").json()
    assert detail["name"] == "API-Plan"
    assert Decimal(detail["total_saving"]) > 0

    groups = client.get(f"{API}/scenarios/{created['id']}/groups").json()
    assert groups["count"] == len(groups["items"]) >= 1
    for g in groups["items"]:
        assert sum(Decimal(m["saving"]) for m in g["members"]) == Decimal(g["saving"])
        assert g["host"]["ars"] in {m["ars"] for m in g["members"]}
    everything = client.get(f"{API}/scenarios/{created['id']}/groups?cooperating=false").json()
    assert sum(len(g["members"]) for g in everything["items"]) == 6

    invalid = client.post(
        f"{API}/scenarios", {"task": "standesamt", "max_members": 1}, content_type="application/json"
    )
    assert invalid.status_code == 422
    unknown = client.post(f"{API}/scenarios", {"task": "gibt-es-nicht"}, content_type="application/json")
    assert unknown.status_code == 404


def test_group_list_costs_a_constant_number_of_queries(client, pw, done_scenario):
    client.force_login(pw.advisory)
    url = f"{API}/scenarios/{done_scenario.pk}/groups?cooperating=false"
    counts = []
    for limit in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{url}&limit={limit}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_compare_status_quo_and_delete(client, pw, done_scenario):
    client.force_login(pw.advisory)
    other = client.post(
        f"{API}/scenarios",
        {"task": "standesamt", "max_members": 5, "contiguous": True},
        content_type="application/json",
    ).json()
    compared = client.get(f"{API}/scenarios/{done_scenario.pk}/compare/{other['id']}").json()
    assert compared["a"] == done_scenario.pk and compared["b"] == other["id"]
    assert Decimal(compared["difference"]) == Decimal(other["total_saving"]) - done_scenario.total_saving
    quo = client.get(f"{API}/scenarios/{done_scenario.pk}/status-quo").json()
    assert Decimal(quo["saving"]) == 0 and quo["groups"] == []
    assert Decimal(quo["scenario_saving"]) == done_scenario.total_saving
    assert client.delete(f"{API}/scenarios/{done_scenario.pk}").status_code == 204
    assert not Scenario.objects.filter(pk=done_scenario.pk).exists()
    assert client.get(f"{API}/scenarios/{done_scenario.pk}").status_code == 404
