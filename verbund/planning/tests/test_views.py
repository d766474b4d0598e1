"""Pages under /planung/: who sees what (404 for others), cost-model editing, recommendations with
the button that starts an alliance, the scenario form, progress polled with HTMX, the result page
with map data and table (constant queries), comparison, status quo, CSV and GeoJSON exports, and the
"Kooperationspotenzial" panel on a body's registry page."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.alliances.models import Alliance, Status
from verbund.planning import services
from verbund.planning.models import RunStatus, Scenario
from verbund.shared_services.models import TaskCostModel

pytestmark = pytest.mark.django_db


def test_start_page_explains_and_asks_for_a_login(client, pw):
    html = client.get("/planung/").content.decode()
    assert "Bitte melden Sie sich an" in html
    client.force_login(pw.head_a)
    html = client.get("/planung/").content.decode()
    assert f"/planung/empfehlungen/{pw.a.ars}/" in html
    assert "Neues Szenario" not in html
    client.force_login(pw.advisory)
    assert "Neues Szenario" in client.get("/planung/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/planung/kostenmodelle/",
        "/planung/empfehlungen/",
        "/planung/szenarien/neu/",
        "/planung/kostenmodelle/standesamt/07/",
    ],
)
def test_planning_pages_are_hidden_from_users_without_a_role(client, pw, url):
    client.force_login(pw.nobody)
    assert client.get(url).status_code == 404


def test_cost_model_form_saves_for_the_land(client, pw):
    client.force_login(pw.head_a)
    assert client.get("/planung/kostenmodelle/").status_code == 200
    assert client.get("/planung/kostenmodelle/standesamt/07/").status_code == 403
    client.force_login(pw.advisory)
    page = client.get("/planung/kostenmodelle/standesamt/07/")
    assert page.status_code == 200
    data = {
        "fixed_cost": "99000",
        "unit_cost": "150",
        "scale_exponent": "0.75",
        "volume_per_inhabitant": "0.02",
        "overhead_per_member": "8000",
        "travel_cost_per_case_km": "0.2",
        "detour_factor": "1.3",
        "assumptions": "Angepasst für Rheinland-Pfalz",
    }
    response = client.post("/planung/kostenmodelle/standesamt/07/", data)
    assert response.status_code == 302
    model = TaskCostModel.objects.get(task=pw.task, state="07")
    assert str(model.scale_exponent) == "0.750" and model.assumptions == "Angepasst für Rheinland-Pfalz"
    invalid = client.post("/planung/kostenmodelle/standesamt/07/", data | {"scale_exponent": "2"})
    assert invalid.status_code == 200 and "kern-error" in invalid.content.decode()
    client.post("/planung/kostenmodelle/standesamt/07/", {"reset": "1"})
    assert not TaskCostModel.objects.filter(task=pw.task, state="07").exists()


def test_recommendations_page_and_the_alliance_button(client, pw):
    client.force_login(pw.head_a)
    assert client.get(f"/planung/empfehlungen/{pw.b.ars}/").status_code == 404
    page = client.get(f"/planung/empfehlungen/{pw.a.ars}/?task=standesamt&max_size=2")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Vorschlag 1: Verbandsgemeinde B" in html
    assert "Gemeinsame Grenze mit Verbandsgemeinde B" in html
    assert "Verwendete Annahmen (Standard)" in html
    response = client.post(
        f"/planung/empfehlungen/{pw.a.ars}/verbund/", {"task": "standesamt", "partner": [pw.b.ars]}
    )
    assert response.status_code == 302
    alliance = Alliance.objects.get()
    assert alliance.status == Status.IDEE
    assert sorted(alliance.memberships.values_list("body__ars", flat=True)) == sorted([pw.a.ars, pw.b.ars])
    empty = client.post(f"/planung/empfehlungen/{pw.a.ars}/verbund/", {"task": "standesamt"})
    assert empty.status_code == 302 and Alliance.objects.count() == 1


def test_recommendations_from_a_link_with_only_the_task(client, pw):
    client.force_login(pw.head_a)
    html = client.get(f"/planung/empfehlungen/{pw.a.ars}/?task=standesamt").content.decode()
    assert "Vorschlag 1:" in html
    assert "kern-error" not in html
    assert "Vorschlag 1:" in client.get(f"/planung/empfehlungen/{pw.a.ars}/").content.decode()


def test_recommendations_page_of_a_body_without_tasks(client, pw):
    client.force_login(pw.advisory)
    html = client.get(f"/planung/empfehlungen/{pw.og.ars}/").content.decode()
    assert "nimmt keine Aufgabe des Aufgabenkatalogs wahr" in html


def test_planner_finds_a_body(client, pw):
    client.force_login(pw.advisory)
    html = client.get("/planung/empfehlungen/?q=Verbandsgemeinde").content.decode()
    assert f"/planung/empfehlungen/{pw.c.ars}/" in html


def test_body_page_shows_the_cooperation_panel_to_its_staff(client, pw):
    assert "Kooperationspotenzial" not in client.get(pw.a.get_absolute_url()).content.decode()
    client.force_login(pw.head_a)
    html = client.get(pw.a.get_absolute_url()).content.decode()
    assert "Kooperationspotenzial" in html
    assert f"/planung/empfehlungen/{pw.a.ars}/?task=standesamt" in html
    assert "Kooperationspotenzial" not in client.get(pw.b.get_absolute_url()).content.decode()


def test_create_a_scenario_in_the_browser_form(client, pw):
    client.force_login(pw.advisory)
    assert client.get("/planung/szenarien/neu/").status_code == 200
    response = client.post(
        "/planung/szenarien/neu/",
        {"task": "standesamt", "state": "07", "solver": "heuristic", "max_members": "3", "contiguous": "on"},
    )
    scenario = Scenario.objects.get()
    assert response.status_code == 302 and response["Location"] == scenario.get_absolute_url()
    assert scenario.status == RunStatus.DONE
    invalid = client.post(
        "/planung/szenarien/neu/",
        {"task": "standesamt", "state": "07", "solver": "heuristic", "max_members": "1"},
    )
    assert invalid.status_code == 200 and Scenario.objects.count() == 1


def test_result_page_shows_map_and_table(client, pw, done_scenario):
    client.force_login(pw.advisory)
    html = client.get(done_scenario.get_absolute_url()).content.decode()
    found = re.search(r'<script id="vb-plan-data" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found[1])
    assert len(data["features"]) == 6
    hosts = [f for f in data["features"] if f["properties"]["host"] and f["properties"]["size"] > 1]
    assert len(hosts) == done_scenario.statistics["groups"]
    assert 'id="vb-groups"' in html
    assert "Abstand zum exakten Optimum" in html and "des bewiesenen Optimums" in html
    assert client.get(done_scenario.get_absolute_url(), HTTP_HX_REQUEST="true").status_code == 200


def test_result_page_queries_do_not_grow_with_the_plan(client, pw, done_scenario):
    client.force_login(pw.advisory)
    bigger = services.scenario_start(
        actor=pw.advisory,
        scenario=services.scenario_create(actor=pw.advisory, task=pw.task, state="07", max_members=2),
        background=False,
    )
    counts = []
    for scenario in (done_scenario, bigger):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(scenario.get_absolute_url()).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_progress_is_polled_and_a_finished_run_reloads_the_page(client, pw, done_scenario):
    client.force_login(pw.advisory)
    queued = services.scenario_create(actor=pw.advisory, task=pw.task, state="07")
    html = client.get(queued.get_absolute_url()).content.decode()
    assert f'hx-get="/planung/szenarien/{queued.pk}/fortschritt/"' in html
    fragment = client.get(f"/planung/szenarien/{queued.pk}/fortschritt/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in fragment and "Wartet auf den Start" in fragment.content.decode()
    done = client.get(f"/planung/szenarien/{done_scenario.pk}/fortschritt/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    status = client.get(f"/planung/szenarien/{queued.pk}/status.json").json()
    assert status == {"status": "queued", "progress": 0, "note": "", "error": ""}


def test_exports(client, pw, done_scenario):
    client.force_login(pw.advisory)
    response = client.get(f"/planung/szenarien/{done_scenario.pk}/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    preamble, table = text.split("\r\n\r\n", 1)
    assert preamble.startswith("Szenario;Standesamt Süd")
    rows = list(csv.DictReader(io.StringIO(table), delimiter=";"))
    assert len(rows) == 6
    assert sum(1 for r in rows if r["Gastgeber"] == "ja") == len(done_scenario.groups.all())
    geo = json.loads(client.get(f"/planung/szenarien/{done_scenario.pk}/export.geojson").content)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 6
    assert geo["properties"]["aufgabe"] == "Standesamt"
    client.force_login(pw.head_a)
    assert client.get(f"/planung/szenarien/{done_scenario.pk}/export.csv").status_code == 404


def test_compare_status_quo_restart_and_delete_pages(client, pw, done_scenario):
    client.force_login(pw.advisory)
    other = services.scenario_start(
        actor=pw.advisory,
        scenario=services.scenario_create(actor=pw.advisory, task=pw.task, state="07", max_members=2),
        background=False,
    )
    html = client.get(f"/planung/szenarien/{done_scenario.pk}/vergleich/?mit={other.pk}").content.decode()
    assert "Vergleich zweier Szenarien" in html
    assert client.get(f"/planung/szenarien/{done_scenario.pk}/vergleich/?mit=x").status_code == 404
    quo = client.get(f"/planung/szenarien/{done_scenario.pk}/status-quo/")
    assert quo.status_code == 200 and "noch kein geteilter Dienst" in quo.content.decode()
    client.post(f"/planung/szenarien/{done_scenario.pk}/neu-starten/")
    assert Scenario.objects.get(pk=done_scenario.pk).status == RunStatus.DONE  # a finished plan is not rerun
    assert client.post(f"/planung/szenarien/{done_scenario.pk}/loeschen/").status_code == 302
    assert not Scenario.objects.filter(pk=done_scenario.pk).exists()
