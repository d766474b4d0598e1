"""The planning part on the platform core: the 404/403 rule through the principal, typed actors and
capabilities, German numbers in the forms, a non-destructive demo loader, audit scopes."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest

from verbund.accounts.principal import principal_for
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, NotFound
from verbund.planning import policies, services
from verbund.planning.demo import DEMO_PLANS, load_demo_planning
from verbund.planning.forms import CostModelForm, RecommendationForm, ScenarioForm
from verbund.planning.models import Scenario
from verbund.planning.selectors import access_cost_model, access_recommendation_body, access_scenario
from verbund.shared_services.models import TaskCostModel

pytestmark = pytest.mark.django_db

API = "/api/v1/planning"


# --- 404 / 403 through the principal -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "funding", "nobody", "head_a", "clerk_b"])
def test_scenarios_are_invisible_to_non_planners(client, pw, done_scenario, who):
    if who != "anonymous":
        client.force_login(getattr(pw, who))
    assert client.get(done_scenario.get_absolute_url()).status_code == 404
    assert client.get(f"/planung/szenarien/{done_scenario.pk}/export.csv").status_code == 404
    api = client.get(f"{API}/scenarios/{done_scenario.pk}")
    assert api.status_code == (401 if who == "anonymous" else 404)
    if who != "anonymous":
        with pytest.raises(NotFound):
            access_scenario(principal_for(getattr(pw, who)), done_scenario.pk)


def test_planners_see_scenarios_and_missing_ones_are_404(pw, done_scenario):
    for planner in (pw.advisory, pw.operator):
        assert access_scenario(principal_for(planner), done_scenario.pk) == done_scenario
    with pytest.raises(NotFound):
        access_scenario(principal_for(pw.advisory), done_scenario.pk + 999)


def test_body_staff_read_a_cost_model_but_editing_it_is_403(client, pw):
    head = principal_for(pw.head_a)
    _task, model = access_cost_model(head, "standesamt", "07")
    assert model.task == pw.task
    with pytest.raises(Forbidden):
        access_cost_model(head, "standesamt", "07", need="edit")
    with pytest.raises(NotFound):
        access_cost_model(principal_for(pw.funding), "standesamt", "07")
    client.force_login(pw.clerk_b)
    assert client.get(f"{API}/tasks/standesamt/cost-models/07").status_code == 200
    assert client.get("/planung/kostenmodelle/standesamt/07/").status_code == 403
    put = client.put(
        f"{API}/tasks/standesamt/cost-models/07", {"fixed_cost": "1"}, content_type="application/json"
    )
    assert put.status_code == 403 and put.json()["code"] == "forbidden"
    client.force_login(pw.funding)
    assert client.get("/planung/kostenmodelle/standesamt/07/").status_code == 404


def test_recommendations_of_another_body_are_404(pw):
    assert access_recommendation_body(principal_for(pw.head_a), pw.a.ars) == pw.a
    with pytest.raises(NotFound):
        access_recommendation_body(principal_for(pw.head_a), pw.b.ars)
    with pytest.raises(NotFound):
        access_recommendation_body(principal_for(pw.funding), pw.a.ars)
    assert access_recommendation_body(principal_for(pw.advisory), pw.b.ars) == pw.b


def test_policies_are_pure_predicates(pw):
    assert policies.plans(principal_for(pw.advisory)) and policies.plans(principal_for(pw.operator))
    assert not policies.plans(principal_for(pw.funding))  # reads everything, but does not plan
    head = principal_for(pw.head_a)
    assert policies.uses_planning(head) and not policies.plans(head)
    assert policies.recommends_for(head, pw.a.pk) and not policies.recommends_for(head, pw.b.pk)
    system = principal_for(SystemActor(name="Demodaten", capabilities=frozenset({policies.MANAGE})))
    assert policies.plans(system)
    assert not policies.plans(principal_for(SystemActor(name="Import", capabilities=frozenset({"x"}))))


# --- actors ---------------------------------------------------------------------------------------------


def test_a_system_actor_without_the_capability_is_refused(pw):
    stranger = SystemActor(
        name="Registerimport", capabilities=frozenset({"registry.import", "alliances.manage"})
    )
    with pytest.raises(Forbidden):
        services.scenario_create(actor=stranger, task=pw.task, state="07")
    with pytest.raises(Forbidden):
        services.cost_model_update(actor=stranger, task=pw.task, state="07", data={"fixed_cost": 1})
    with pytest.raises(Forbidden):
        services.recommendation_adopt(actor=stranger, body=pw.a, task=pw.task, partners=[pw.b])
    assert not Scenario.objects.exists()
    planner = SystemActor(name="Planung (Kommandozeile)", capabilities=frozenset({policies.MANAGE}))
    scenario = services.scenario_create(actor=planner, task=pw.task, state="07", max_members=3)
    assert scenario.created_by is None
    entry = AuditEntry.objects.get(action="scenario.create")
    assert entry.actor_label == "Planung (Kommandozeile)" and entry.is_system


@pytest.mark.parametrize("actor", ["load_demo", None])
def test_a_string_or_missing_actor_is_a_type_error(pw, actor):
    with pytest.raises(TypeError):
        services.scenario_create(actor=actor, task=pw.task, state="07")
    with pytest.raises(TypeError):
        services.cost_model_update(actor=actor, task=pw.task, state="07", data={"fixed_cost": 1})
    with pytest.raises(TypeError):
        services.recommendation_adopt(actor=actor, body=pw.a, task=pw.task, partners=[pw.b])


# --- German numbers -------------------------------------------------------------------------------------


def test_cost_model_form_reads_german_numbers():
    form = CostModelForm(
        {
            "fixed_cost": "120.000,00",
            "unit_cost": "1.250",
            "scale_exponent": "0,95",
            "volume_per_inhabitant": "0,02",
            "overhead_per_member": "8.000",
            "travel_cost_per_case_km": "0,2",
            "detour_factor": "1,3",
            "assumptions": "Deutsch eingegeben",
        }
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["fixed_cost"] == Decimal("120000")
    assert data["unit_cost"] == Decimal("1250")
    assert data["scale_exponent"] == Decimal("0.95")
    assert data["overhead_per_member"] == Decimal("8000")
    assert data["detour_factor"] == Decimal("1.3")
    wrong = CostModelForm({"fixed_cost": "1,2,3"})
    assert not wrong.is_valid() and "fixed_cost" in wrong.errors


def test_scenario_and_recommendation_forms_read_german_numbers(pw):
    form = ScenarioForm(
        {
            "task": "standesamt",
            "state": "07",
            "solver": "heuristic",
            "max_members": "5",
            "max_population": "250.000",
            "max_distance_km": "12,5",
        },
        state="07",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["max_population"] == 250_000
    assert form.cleaned_data["max_distance_km"] == Decimal("12.5")
    rec = RecommendationForm(
        {"task": "standesamt", "max_size": "3", "max_distance_km": "1.000"}, tasks=[pw.task]
    )
    assert not rec.is_valid()  # 1.000 km is one thousand, above the limit of 500
    rec = RecommendationForm(
        {"task": "standesamt", "max_size": "3", "max_distance_km": "25,5"}, tasks=[pw.task]
    )
    assert rec.is_valid() and rec.cleaned_data["max_distance_km"] == Decimal("25.5")


def test_cost_model_page_saves_german_input(client, pw):
    client.force_login(pw.advisory)
    response = client.post(
        "/planung/kostenmodelle/standesamt/07/",
        {
            "fixed_cost": "95.000,00",
            "unit_cost": "1.250",
            "scale_exponent": "0,95",
            "volume_per_inhabitant": "0,02",
            "overhead_per_member": "8.000",
            "travel_cost_per_case_km": "0,2",
            "detour_factor": "1,3",
            "assumptions": "Deutsch",
        },
    )
    assert response.status_code == 302
    model = TaskCostModel.objects.get(task=pw.task, state="07")
    assert model.fixed_cost == Decimal("95000") and model.unit_cost == Decimal("1250")
    assert model.scale_exponent == Decimal("0.95")
    page = client.get("/planung/kostenmodelle/standesamt/07/").content.decode()
    assert 'value="95.000,00"' in page


def test_scenario_page_accepts_german_limits(client, pw):
    client.force_login(pw.advisory)
    response = client.post(
        "/planung/szenarien/neu/",
        {
            "task": "standesamt",
            "state": "07",
            "solver": "heuristic",
            "max_members": "3",
            "max_population": "1.000.000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Scenario.objects.get().parameters["constraints"]["max_population"] == 1_000_000


# --- demo -----------------------------------------------------------------------------------------------


def test_demo_twice_after_edits_changes_nothing_the_user_did(pw):
    first = load_demo_planning(stdout=StringIO())
    assert len(first) == len(DEMO_PLANS)
    kept, deleted = first
    Scenario.objects.filter(pk=kept.pk).update(name="Unser eigener Plan")
    services.scenario_delete(actor=pw.advisory, scenario=deleted)
    before = Scenario.objects.get(pk=kept.pk)
    assert load_demo_planning(stdout=StringIO()) == []
    assert list(Scenario.objects.values_list("pk", "name")) == [(kept.pk, "Unser eigener Plan")]
    after = Scenario.objects.get(pk=kept.pk)
    assert after.statistics == before.statistics and after.finished_at == before.finished_at
    entries = AuditEntry.objects.filter(action="scenario.create")
    assert set(entries.values_list("actor_label", flat=True)) == {"Demodaten"}


# --- audit scopes ---------------------------------------------------------------------------------------


def test_adopting_a_recommendation_is_audited_in_the_body_and_the_alliance(pw):
    alliance = services.recommendation_adopt(actor=pw.head_a, body=pw.a, task=pw.task, partners=[pw.b])
    entry = AuditEntry.objects.get(action="recommendation.adopt")
    assert entry.body_id == pw.a.pk
    assert entry.alliance_id == alliance.pk
    assert entry.actor_id == pw.head_a.pk
