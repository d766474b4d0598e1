"""Planning ready for real use (issue 11): German parameters and exports without internal words,
recommendations that start from an existing cooperation, a warning when two plans of different
regions are compared, anonymous actors refused everywhere, Hypothesis tests that do not depend on
the machine's speed."""

from __future__ import annotations

import csv
import html
import importlib
import inspect
import io
import json
import pkgutil
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from hypothesis import HealthCheck

from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.planning import services
from verbund.planning.models import Scenario
from verbund.planning.selectors import body_recommendations
from verbund.planning.solvers import Constraints, recommend
from verbund.shared_services.models import TaskCostModel
from verbund.shared_services.tests.factories import SharedServiceFactory

from .helpers import instance

pytestmark = pytest.mark.django_db

#: What must never reach a planning page or export (raw keys, English numbers, internal references).
INTERNAL = ("DOMAIN.md", "Land 07", "verbandsgemeinde,", "max_population", "None", "fixed_cost", "120000.00")


def _text(response) -> str:
    """The visible text of a page's main part (no markup, no scripts)."""
    page = response.content.decode()
    main = page[page.find("<main") :]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def _regional(pw, **kwargs):
    scenario = services.scenario_create(
        actor=pw.advisory,
        task=pw.task,
        state="07",
        max_population=40_000,
        max_distance_km=12.5,
        kreise=[pw.kreis.ars[:5]],
        holder_kinds=["verbandsgemeinde"],
        name="Standesamt Südkreis",
        **kwargs,
    )
    return services.scenario_start(actor=pw.advisory, scenario=scenario, background=False)


# --- 1. German numbers and names, no internal words --------------------------------------------------


def test_public_text_drops_references_to_internal_documents():
    from verbund.common.german import public_text

    assert public_text("Rechnungshof (Hessen, DOMAIN.md §5).") == "Rechnungshof (Hessen)."
    assert public_text("Kalibriert auf Urkunden (DOMAIN.md §5). Weiter") == "Kalibriert auf Urkunden. Weiter"
    assert "DOMAIN" not in public_text("siehe DOMAIN.md §1.2 und mehr")


def test_scenario_page_shows_the_parameters_in_german(client, pw):
    scenario = _regional(pw)
    client.force_login(pw.advisory)
    text = _text(client.get(scenario.get_absolute_url()))
    for german in (
        "Fixkosten F = 120.000,00 EUR",
        "Größenexponent β = 0,8",
        "0,02 Beurkundungen je Einwohner",
        "Koordination 8.000,00 EUR",
        "Umwegfaktor 1,3",
        "höchstens 40.000 Einwohner",
        "höchstens 12,5 km",
        "Rheinland-Pfalz: Südkreis",
        "Verbandsgemeinde (abweichend vom Aufgabenkatalog)",
    ):
        assert german in text, german
    for raw in (*INTERNAL, "0.800", "8000.00", "verbandsgemeinde"):
        assert raw not in text, raw


def test_csv_export_is_german_and_opens_in_a_spreadsheet(client, pw, done_scenario):
    client.force_login(pw.advisory)
    raw = client.get(f"/planung/szenarien/{done_scenario.pk}/export.csv").content.decode("utf-8")
    assert raw.startswith("\ufeff")  # German Excel reads UTF-8 only with a BOM
    text = raw.removeprefix("\ufeff")
    assert not any(line.startswith("#") for line in text.splitlines())
    preamble, table = text.split("\r\n\r\n", 1)
    meta = dict(row for row in csv.reader(io.StringIO(preamble), delimiter=";"))
    assert meta["Szenario"] == "Standesamt Süd" and meta["Aufgabe"] == "Standesamt"
    assert meta["Region"] == "Rheinland-Pfalz, ganzes Land"
    assert "Fixkosten F = 120.000,00 EUR" in meta["Kostenmodell"]
    assert "höchstens 3 Mitglieder" in meta["Grenzen"]
    rows = list(csv.DictReader(io.StringIO(table), delimiter=";"))
    assert len(rows) == 6
    saving = rows[0]["Einsparung des Mitglieds (EUR/Jahr)"]
    assert re.fullmatch(r"-?\d+,\d\d", saving), saving  # decimal comma, no thousands separator
    assert re.fullmatch(r"\d+,\d", rows[0]["Größte Entfernung zum Gastgeber (km)"])
    assert rows[0]["Art"] == "Verbandsgemeinde"
    for raw_word in INTERNAL:
        assert raw_word not in text, raw_word
    assert not re.search(r"\d\.\d\d(;|$)", table, flags=re.M)  # no English decimal point


def test_geojson_export_names_its_parameters_in_german(client, pw, done_scenario):
    client.force_login(pw.advisory)
    geo = json.loads(client.get(f"/planung/szenarien/{done_scenario.pk}/export.geojson").content)
    props = geo["properties"]
    assert props["aufgabe"] == "Standesamt" and props["region"] == "Rheinland-Pfalz, ganzes Land"
    assert "120.000,00 EUR" in props["kostenmodell"]
    assert isinstance(geo["features"][0]["properties"]["einsparung_mitglied_eur"], float)
    dumped = json.dumps(geo, ensure_ascii=False)
    for raw in ("DOMAIN.md", "fixed_cost", "max_population", "Land 07"):
        assert raw not in dumped, raw


def test_cost_model_pages_name_the_land_and_hide_internal_references(client, pw):
    client.force_login(pw.advisory)
    overview = _text(client.get("/planung/kostenmodelle/?state=07"))
    assert "Kostenmodelle der Aufgaben (Rheinland-Pfalz)" in overview
    edit = client.get("/planung/kostenmodelle/standesamt/07/")
    edit_text = _text(edit)
    assert "Kostenmodell Standesamt (Rheinland-Pfalz)" in edit_text
    for page in (overview, edit_text):
        assert "DOMAIN.md" not in page and "Land 07" not in page
    # the form shows German numbers and takes them back as typed
    form = edit.content.decode()
    assert 'value="120.000,00"' in form and 'value="0,8"' in form.replace('value="0,800"', 'value="0,8"')
    values = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form))
    values["assumptions"] = "Annahmen geprüft"
    values["scale_exponent"] = "0,95"
    values["fixed_cost"] = "1.234,5"
    response = client.post("/planung/kostenmodelle/standesamt/07/", values)
    assert response.status_code == 302, _text(response)
    model = TaskCostModel.objects.get(task=pw.task, state="07")
    assert model.scale_exponent == Decimal("0.95") and model.fixed_cost == Decimal("1234.5")


def test_the_scenario_form_takes_german_numbers_as_typed(client, pw):
    client.force_login(pw.advisory)
    response = client.post(
        "/planung/szenarien/neu/",
        {
            "task": "standesamt",
            "state": "07",
            "solver": "heuristic",
            "max_members": "3",
            "max_population": "40.000",
            "max_distance_km": "12,5",
            "contiguous": "on",
        },
    )
    assert response.status_code == 302
    constraints = Scenario.objects.get().parameters["constraints"]
    assert constraints["max_population"] == 40_000 and constraints["max_distance_km"] == 12.5


def test_audit_and_alliance_texts_carry_no_raw_keys(pw):
    services.scenario_create(actor=pw.advisory, task=pw.task, state="07", max_members=3)
    entry = AuditEntry.objects.get(action="scenario.create")
    assert entry.changes["constraints"] == "höchstens 3 Mitglieder"
    alliance = services.recommendation_adopt(actor=pw.head_a, body=pw.a, task=pw.task, partners=[pw.b])
    assert "Fixkosten F = 120.000,00 EUR" in alliance.description
    for raw in ("120000.00", "0.800", "DOMAIN.md", "Land 07"):
        assert raw not in alliance.description, raw


# --- 2. Recommendations start from an existing cooperation ------------------------------------------


@pytest.fixture
def office(pw):
    """A shared registry office (Standesamt) of A, B and C at B, like the Vergabestelle at the
    Donnersbergkreis that Kirchheimbolanden uses."""
    alliance = AllianceFactory(name="Standesamt Südkreis", members=[pw.a, pw.b, pw.c])
    return SharedServiceFactory(
        alliance=alliance,
        task=pw.task,
        name="Gemeinsames Standesamt",
        provider=pw.b,
        recipients=[pw.a, pw.c],
    )


def test_a_body_in_a_shared_service_sees_it_first_and_only_extensions(pw, office):
    result = body_recommendations(principal=principal_for_head(pw), body=pw.a, task=pw.task, max_size=4)
    assert [c.service for c in result.existing] == ["Gemeinsames Standesamt"]
    coop = result.existing[0]
    assert coop.alliance == "Standesamt Südkreis" and coop.provider == "Verbandsgemeinde B"
    assert coop.cost is not None and coop.cost.saving > 0
    assert result.items, "a neighbour joining the office still saves money"
    for item in result.items:
        ids = {m.id for m in item.members}
        assert {pw.a.pk, pw.b.pk, pw.c.pk} <= ids  # the cooperation stays whole
        assert (
            item.extends
            and item.new_partners
            and all(m.id not in {pw.b.pk, pw.c.pk} for m in item.new_partners)
        )
        assert 0 < item.added_saving < item.cost.saving  # ranked by what it adds, not by the whole
        assert "Ergänzt die bestehende Zusammenarbeit" in item.reasons[0]
    added = [item.added_saving for item in result.items]
    assert added == sorted(added, reverse=True)


def principal_for_head(pw):
    from verbund.common.principal import principal_for

    return principal_for(pw.head_a)


def test_other_bodies_join_an_existing_cooperation_only_as_a_whole(pw, office):
    from verbund.common.principal import principal_for

    result = body_recommendations(principal=principal_for(pw.advisory), body=pw.d, task=pw.task, max_size=5)
    assert not result.existing
    block = {pw.a.pk, pw.b.pk, pw.c.pk}
    for item in result.items:
        ids = {m.id for m in item.members}
        assert not (ids & block) or block <= ids, [m.name for m in item.members]


def test_the_recommendation_page_shows_the_cooperation_before_the_proposals(client, pw, office):
    client.force_login(pw.head_a)
    response = client.get(f"/planung/empfehlungen/{pw.a.ars}/?task=standesamt&max_size=5")
    text = _text(response)
    assert "Bestehende Zusammenarbeit" in text and "Gemeinsames Standesamt" in text
    assert text.index("Bestehende Zusammenarbeit") < text.index("Vorschlag 1")
    assert "Zusätzliche Einsparung gegenüber heute" in text
    # no second, parallel alliance offered for what the office already does
    assert "mit diesen Partnern anlegen" not in text


def test_the_api_names_the_existing_cooperation(client, pw, office):
    client.force_login(pw.head_a)
    data = client.get(f"/api/v1/planning/recommendations?body={pw.a.ars}&task=standesamt&max_size=5").json()
    assert [c["service"] for c in data["existing"]] == ["Gemeinsames Standesamt"]
    assert data["items"] and all(item["extends"] for item in data["items"])
    assert all(Decimal(item["added_saving"]) > 0 for item in data["items"])


def test_the_api_does_not_start_a_parallel_alliance_for_an_existing_cooperation(client, pw, office):
    from verbund.alliances.models import Alliance

    client.force_login(pw.head_a)
    before = Alliance.objects.count()
    response = client.post(
        "/api/v1/planning/recommendations/adopt",
        {"body": pw.a.ars, "task": "standesamt", "partners": [pw.d.ars]},
        content_type="application/json",
    )
    assert response.status_code == 409, response.content
    assert "Gemeinsames Standesamt" in response.json()["detail"]
    assert Alliance.objects.count() == before


def test_recommend_with_a_block_ranks_by_the_added_saving():
    inst = instance([(0, 0), (10, 0), (20, 0), (30, 0)])
    plain = recommend(inst, 0, max_size=3)
    assert all(r.added_saving == pytest.approx(r.group.saving) for r in plain)  # nothing exists yet
    extended = recommend(inst, 0, max_size=3, blocks=[(0, 1)])
    assert extended and all({0, 1} <= set(r.group.members) for r in extended)
    today = inst.group_cost([0, 1], fixed=True)
    assert today is not None
    for r in extended:
        new = [i for i in r.group.members if i not in (0, 1)]
        expected = today.cost + float(inst.standalone[new].sum()) - r.group.cost
        assert r.added_saving == pytest.approx(expected)
    joined = recommend(inst, 3, max_size=4, blocks=[(1, 2)], constraints=Constraints())
    assert all(not ({1, 2} & set(r.group.members)) or {1, 2} <= set(r.group.members) for r in joined)


# --- 3. Comparing plans of different regions ---------------------------------------------------------


def test_comparing_plans_of_different_regions_warns(client, pw, done_scenario):
    regional = _regional(pw)
    client.force_login(pw.advisory)
    text = _text(client.get(f"/planung/szenarien/{done_scenario.pk}/vergleich/?mit={regional.pk}"))
    assert "Nicht unmittelbar vergleichbar" in text
    assert "verschiedene Regionen" in text and "Rheinland-Pfalz: Südkreis" in text
    assert "Träger der Aufgabe sind verschieden" in text
    data = client.get(f"/api/v1/planning/scenarios/{done_scenario.pk}/compare/{regional.pk}").json()
    assert any("verschiedene Regionen" in w for w in data["warnings"])


def test_plans_of_the_same_region_compare_without_warning(client, pw, done_scenario):
    same = services.scenario_start(
        actor=pw.advisory,
        scenario=services.scenario_create(actor=pw.advisory, task=pw.task, state="07", max_members=2),
        background=False,
    )
    client.force_login(pw.advisory)
    text = _text(client.get(f"/planung/szenarien/{done_scenario.pk}/vergleich/?mit={same.pk}"))
    assert "Nicht unmittelbar vergleichbar" not in text
    data = client.get(f"/api/v1/planning/scenarios/{done_scenario.pk}/compare/{same.pk}").json()
    assert data["warnings"] == []


# --- 4. Anonymous actors -----------------------------------------------------------------------------


def test_an_anonymous_user_is_refused_by_every_service(pw, done_scenario):
    anonymous: Any = AnonymousUser()  # what a view that forgot the login would hand on
    calls = [
        lambda: services.scenario_create(actor=anonymous, task=pw.task, state="07"),
        lambda: services.scenario_start(actor=anonymous, scenario=done_scenario, background=False),
        lambda: services.scenario_run(actor=anonymous, scenario_id=done_scenario.pk),
        lambda: services.scenario_restart(actor=anonymous, scenario=done_scenario),
        lambda: services.scenario_delete(actor=anonymous, scenario=done_scenario),
        lambda: services.scenario_fail_interrupted(actor=anonymous),
        lambda: services.cost_model_update(actor=anonymous, task=pw.task, state="07", data={"fixed_cost": 1}),
        lambda: services.cost_model_reset(actor=anonymous, task=pw.task, state="07"),
        lambda: services.recommendation_adopt(actor=anonymous, body=pw.a, task=pw.task, partners=[pw.b]),
    ]
    before = AuditEntry.objects.count()
    for call in calls:
        with pytest.raises(TypeError):
            call()
    pw.advisory.is_active = False
    pw.advisory.save()
    with pytest.raises(TypeError):
        services.scenario_create(actor=pw.advisory, task=pw.task, state="07")
    assert AuditEntry.objects.count() == before
    assert Scenario.objects.count() == 1 and not TaskCostModel.objects.filter(state="07").exists()


def test_an_anonymous_request_changes_nothing(client, pw, done_scenario):
    posts = [
        ("/planung/szenarien/neu/", {"task": "standesamt", "state": "07", "solver": "heuristic"}),
        (f"/planung/szenarien/{done_scenario.pk}/loeschen/", {}),
        (f"/planung/szenarien/{done_scenario.pk}/neu-starten/", {}),
        (f"/planung/empfehlungen/{pw.a.ars}/verbund/", {"task": "standesamt", "partner": pw.b.ars}),
        ("/planung/kostenmodelle/standesamt/07/", {"fixed_cost": "1"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    api = [
        ("post", "/api/v1/planning/scenarios", {"task": "standesamt"}),
        ("delete", f"/api/v1/planning/scenarios/{done_scenario.pk}", None),
        (
            "post",
            "/api/v1/planning/recommendations/adopt",
            {"body": pw.a.ars, "task": "standesamt", "partners": [pw.b.ars]},
        ),
        ("put", "/api/v1/planning/tasks/standesamt/cost-models/07", {"fixed_cost": "1"}),
    ]
    for method, url, payload in api:
        response = getattr(client, method)(
            url, json.dumps(payload) if payload else None, content_type="application/json"
        )
        assert response.status_code == 401, (url, response.status_code)
    assert Scenario.objects.count() == 1 and not TaskCostModel.objects.filter(state="07").exists()


# --- 5. Hypothesis tests independent of the machine's speed -----------------------------------------


def test_every_hypothesis_test_of_planning_ignores_the_machines_speed():
    import verbund.planning.tests as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not getattr(function, "is_hypothesis_test", False):
                continue
            settings = getattr(function, "_hypothesis_internal_use_settings")  # noqa: B009
            found.append(name)
            assert settings.deadline is None, f"{info.name}.{name}: deadline"
            assert HealthCheck.too_slow in settings.suppress_health_check, f"{info.name}.{name}: too_slow"
    assert "test_member_shares_add_up_exactly" in found
