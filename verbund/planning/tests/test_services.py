"""Services of the planning part: editing cost models per task and Land (audited, advisory office
only), scenarios (parameter snapshot, eager and background runs, groups and member savings that add
up, reference to the exact optimum, fixed alliances from shared services, failure, interruption,
restart, deletion), comparison and status quo, and starting an alliance from a recommendation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verbund.accounts.principal import principal_for
from verbund.alliances.models import Alliance, MemberRole, Status
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden
from verbund.common.money import cents
from verbund.planning import services
from verbund.planning.models import RunStatus, Scenario, ScenarioGroup, SolverKind
from verbund.planning.selectors import (
    body_recommendations,
    effective_cost_model,
    existing_alliances,
    scenario_compare,
    scenario_status_quo,
)
from verbund.planning.services import runs
from verbund.planning.solvers import PlanningError
from verbund.shared_services.models import TaskCostModel
from verbund.shared_services.tests.factories import SharedServiceFactory

pytestmark = pytest.mark.django_db


# --- money ------------------------------------------------------------------------------------------------


# No health check or deadline that a busy machine can fail (the test is about sums, not speed).
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    total=st.decimals(min_value=0, max_value=10_000_000, places=2),
    weights=st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=12),
)
def test_member_shares_add_up_exactly(total, weights):
    shares = services.member_shares(total, weights)
    assert sum(shares) == total
    assert all(s >= 0 for s in shares)


# --- cost models --------------------------------------------------------------------------------------------


def test_advisory_office_edits_a_lands_cost_model(pw):
    default = effective_cost_model(pw.task, "07")
    assert default is not None and default.state == ""
    model = services.cost_model_update(
        actor=pw.advisory,
        task=pw.task,
        state="07",
        data={"fixed_cost": "90000", "scale_exponent": "0.7"},
    )
    assert model.state == "07"
    assert model.fixed_cost == Decimal("90000") and model.scale_exponent == Decimal("0.7")
    assert model.unit_cost == default.unit_cost  # copied from the default
    assert effective_cost_model(pw.task, "07") == model
    assert effective_cost_model(pw.task, "08") == default  # other Länder keep the default
    entry = AuditEntry.objects.get(action="cost_model.update")
    assert entry.changes["created"] is True
    assert entry.changes["fixed_cost"] == [str(default.fixed_cost), "90000"]

    again = services.cost_model_update(
        actor=pw.advisory, task=pw.task, state="07", data={"fixed_cost": "90000"}
    )
    assert again == model
    assert AuditEntry.objects.filter(action="cost_model.update").count() == 1  # nothing changed

    services.cost_model_reset(actor=pw.advisory, task=pw.task, state="07")
    assert not TaskCostModel.objects.filter(task=pw.task, state="07").exists()
    assert AuditEntry.objects.filter(action="cost_model.reset").count() == 1


@pytest.mark.parametrize("user", ["head_a", "clerk_b", "funding", "nobody"])
def test_only_planners_edit_cost_models(pw, user):
    with pytest.raises(Forbidden):
        services.cost_model_update(actor=getattr(pw, user), task=pw.task, state="07", data={"fixed_cost": 1})
    with pytest.raises(Forbidden):
        services.cost_model_reset(actor=getattr(pw, user), task=pw.task, state="07")


def test_cost_model_rules_are_enforced(pw):
    with pytest.raises(ValidationError):
        services.cost_model_update(
            actor=pw.advisory, task=pw.task, state="07", data={"scale_exponent": "1.5"}
        )
    with pytest.raises(ValidationError):
        services.cost_model_update(actor=pw.advisory, task=pw.task, state="7", data={"fixed_cost": 1})
    assert not TaskCostModel.objects.filter(task=pw.task, state="07").exists()


# --- scenarios ----------------------------------------------------------------------------------------------


def test_scenario_snapshot_names_every_parameter(pw):
    services.cost_model_update(actor=pw.advisory, task=pw.task, state="07", data={"fixed_cost": "111111"})
    scenario = services.scenario_create(
        actor=pw.advisory,
        task=pw.task,
        state="07",
        max_members=3,
        max_distance_km=25.0,
        contiguous=True,
    )
    p = scenario.parameters
    assert scenario.status == RunStatus.QUEUED
    assert p["cost_model"]["fixed_cost"] == "111111.00"
    assert p["cost_model"]["source"] == "eigenes Modell für Rheinland-Pfalz"  # no raw Land key
    assert p["constraints"] == {
        "max_members": 3,
        "max_population": None,
        "max_distance_km": 25.0,
        "contiguous": True,
        "within_kreis": False,
    }
    assert p["bodies"] == 6  # five VGs in the Südkreis and F
    assert AuditEntry.objects.filter(action="scenario.create", object_id=str(scenario.pk)).exists()
    # Editing the model later does not change what the scenario used.
    services.cost_model_update(actor=pw.advisory, task=pw.task, state="07", data={"fixed_cost": "1"})
    scenario.refresh_from_db()
    assert scenario.parameters["cost_model"]["fixed_cost"] == "111111.00"


@pytest.mark.parametrize("user", ["head_a", "clerk_b", "funding", "nobody"])
def test_only_planners_create_scenarios(pw, user):
    with pytest.raises(Forbidden):
        services.scenario_create(actor=getattr(pw, user), task=pw.task, state="07")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"state": "7"}, "state"),
        ({"max_members": 1}, "max_members"),
        ({"max_distance_km": -3.0}, "max_distance_km"),
        ({"kreise": ["08111"]}, "kreise"),
        ({"solver": "magic"}, "solver"),
    ],
)
def test_invalid_scenario_input_is_refused(pw, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.scenario_create(actor=pw.advisory, task=pw.task, **({"state": "07"} | kwargs))
    assert field in exc.value.message_dict


def test_a_region_without_holders_is_refused(pw):
    with pytest.raises(ValidationError, match="keine Körperschaft"):
        services.scenario_create(actor=pw.advisory, task=pw.task, state="09")


def test_eager_run_stores_groups_that_add_up(pw, done_scenario):
    scenario = done_scenario
    assert scenario.status == RunStatus.DONE and scenario.progress == 100
    groups = list(scenario.groups.all())
    members = [ars for g in groups for ars in g.member_ars]
    assert sorted(members) == sorted(b.ars for b in [*pw.vgs, pw.f])
    for g in groups:
        assert sum(Decimal(s) for s in g.member_savings) == g.saving
        assert g.size == len(g.member_ids) <= 3
        assert g.host_id in g.member_ids
        assert g.cost == g.office_cost + g.overhead_cost + g.travel_cost or abs(
            g.cost - g.office_cost - g.overhead_cost - g.travel_cost
        ) <= Decimal("0.02")
    assert scenario.total_saving == sum(g.saving for g in groups)
    assert scenario.total_saving > 0
    stats = scenario.statistics
    assert stats["groups"] == sum(1 for g in groups if g.size > 1)
    assert stats["reference_proven"] is True
    assert 0.99 <= stats["ratio_to_optimum"] <= 1.0
    assert AuditEntry.objects.filter(action="scenario.run", object_id=str(scenario.pk)).exists()


def test_exact_scenario_is_proven_optimal(pw):
    scenario = services.scenario_create(
        actor=pw.advisory,
        task=pw.task,
        state="07",
        solver=SolverKind.EXACT,
        max_members=3,
        contiguous=True,
    )
    scenario = services.scenario_start(actor=pw.advisory, scenario=scenario, background=False)
    assert scenario.status == RunStatus.DONE
    assert scenario.statistics["proven_optimal"] is True
    assert scenario.statistics["solver"] == "exact"


def test_kreise_restrict_the_region(pw):
    scenario = services.scenario_create(
        actor=pw.advisory, task=pw.task, state="07", kreise=[pw.far_kreis.ars[:5]], max_members=3
    )
    scenario = services.scenario_start(actor=pw.advisory, scenario=scenario, background=False)
    assert [g.member_ars for g in scenario.groups.all()] == [[pw.f.ars]]
    assert scenario.total_saving == 0


def test_holder_kinds_override_the_catalogue(pw):
    scenario = services.scenario_create(
        actor=pw.advisory, task=pw.task, state="07", holder_kinds=["ortsgemeinde"], max_members=3
    )
    assert scenario.parameters["bodies"] == 1
    scenario = services.scenario_start(actor=pw.advisory, scenario=scenario, background=False)
    assert scenario.groups.get().member_ars == [pw.og.ars]


def test_shared_services_of_the_task_are_kept_as_fixed_groups(pw):
    alliance = AllianceFactory.create(name="Standesamt A–E", members=[pw.a, pw.e])
    SharedServiceFactory.create(alliance=alliance, task=pw.task, provider=pw.a, recipients=[pw.e])
    other = AllianceFactory.create(name="Cyber B–C", members=[pw.b, pw.c])
    found = existing_alliances(task=pw.task, state="07")
    assert [(a.name, a.performs_task) for a in found] == [("Standesamt A–E", True), ("Cyber B–C", False)]
    assert found[0].members == tuple(sorted([pw.a.ars, pw.e.ars]))

    scenario = services.scenario_create(
        actor=pw.advisory, task=pw.task, state="07", max_members=3, contiguous=True, keep_alliances=True
    )
    assert scenario.parameters["kept_alliances"] == [alliance.pk]
    scenario = services.scenario_start(actor=pw.advisory, scenario=scenario, background=False)
    fixed = scenario.groups.get(fixed=True)
    assert sorted(fixed.member_ars) == sorted([pw.a.ars, pw.e.ars])  # not contiguous, kept anyway
    assert fixed.alliance == alliance

    quo = scenario_status_quo(scenario)
    assert [row.names for row in quo.rows] == ["Standesamt A–E"]
    assert quo.rows[0].kept is True
    assert [a.name for a in quo.candidates] == [other.name]
    assert quo.saving == quo.rows[0].saving == cents(quo.rows[0].cost.saving)
    assert scenario.total_saving is not None
    assert quo.difference == scenario.total_saving - quo.saving


def test_compare_two_scenarios(pw, done_scenario):
    wide = services.scenario_start(
        actor=pw.advisory,
        scenario=services.scenario_create(
            actor=pw.advisory, task=pw.task, state="07", max_members=5, contiguous=True
        ),
        background=False,
    )
    result = scenario_compare(done_scenario, wide)
    assert result.bodies == 6
    assert result.difference == wide.total_saving - done_scenario.total_saving
    assert result.difference >= 0  # larger groups allowed: at least as good
    assert result.moved_count == len(result.moved) > 0
    kfz = services.scenario_create(
        actor=pw.advisory, task=pw.task.__class__.objects.get(slug="kfz-zulassung"), state="07"
    )
    with pytest.raises(ValidationError):
        scenario_compare(done_scenario, kfz)


def test_a_planning_error_ends_as_failed_with_its_reason(pw, monkeypatch):
    def refuse(*args, **kwargs):
        raise PlanningError("Zu groß für die exakte Lösung.")

    monkeypatch.setattr(runs, "plan_exact", refuse)
    scenario = services.scenario_create(actor=pw.advisory, task=pw.task, state="07", solver=SolverKind.EXACT)
    scenario = services.scenario_start(actor=pw.advisory, scenario=scenario, background=False)
    assert scenario.status == RunStatus.FAILED
    assert scenario.error == "Zu groß für die exakte Lösung."
    assert not scenario.groups.exists()

    again = services.scenario_restart(actor=pw.advisory, scenario=scenario)
    assert again.status == RunStatus.QUEUED and again.error == ""


def test_a_silent_run_is_marked_as_interrupted(pw):
    scenario = services.scenario_create(actor=pw.advisory, task=pw.task, state="07")
    Scenario.objects.filter(pk=scenario.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    with override_settings(PLANNING_RUN_INTERRUPTED_AFTER=120):
        assert services.scenario_fail_interrupted(actor=services.RUN_ACTOR) == [scenario.pk]
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.FAILED
    assert scenario.error.startswith("Der Rechenprozess wurde unterbrochen (seit über 120 Sekunden")
    restarted = services.scenario_restart(actor=pw.advisory, scenario=scenario)
    done = services.scenario_start(actor=pw.advisory, scenario=restarted, background=False)
    assert done.status == RunStatus.DONE
    with pytest.raises(Conflict):
        services.scenario_restart(actor=pw.advisory, scenario=done)  # a finished plan stays


def test_run_claims_a_scenario_only_once(pw, done_scenario):
    before = done_scenario.statistics
    again = services.scenario_run(actor=pw.advisory, scenario_id=done_scenario.pk)
    assert again.statistics == before
    assert ScenarioGroup.objects.filter(scenario=done_scenario).count() == len(done_scenario.groups.all())


def test_delete_scenario(pw, done_scenario):
    with pytest.raises(Forbidden):
        services.scenario_delete(actor=pw.head_a, scenario=done_scenario)
    services.scenario_delete(actor=pw.advisory, scenario=done_scenario)
    assert not Scenario.objects.exists() and not ScenarioGroup.objects.exists()
    assert AuditEntry.objects.filter(action="scenario.delete").exists()


def test_large_runs_go_to_the_task_queue_after_the_commit(pw, django_capture_on_commit_callbacks):
    scenario = services.scenario_create(
        actor=pw.advisory, task=pw.task, state="07", max_members=3, contiguous=True
    )
    with override_settings(PLANNING_RUN_IN_BACKGROUND=True):
        assert not services.runs_in_background(scenario)  # six bodies: in the request
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            started = services.scenario_start(actor=pw.advisory, scenario=scenario, background=True)
        assert started.status == RunStatus.QUEUED
        assert len(callbacks) == 1  # queued only once the scenario is committed
        scenario.refresh_from_db()
        assert scenario.status == RunStatus.QUEUED
        callbacks[0]()  # the tests run tasks eagerly: the worker's work happens here
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.DONE, scenario.error
    assert scenario.groups.exists()
    with override_settings(PLANNING_RUN_IN_BACKGROUND=False):
        assert not services.runs_in_background(Scenario(solver=SolverKind.EXACT, parameters={"bodies": 5000}))
    with override_settings(PLANNING_RUN_IN_BACKGROUND=True):
        assert services.runs_in_background(Scenario(solver=SolverKind.EXACT, parameters={"bodies": 5}))
        assert services.runs_in_background(Scenario(solver=SolverKind.HEURISTIC, parameters={"bodies": 5000}))


# --- recommendations ---------------------------------------------------------------------------------------


def test_recommendations_for_a_body(pw):
    AllianceFactory.create(name="Cyber A–B", members=[pw.a, pw.b])
    result = body_recommendations(
        principal=principal_for(pw.head_a), body=pw.a, task=pw.task, max_size=3, limit=50
    )
    assert result.items
    first = result.items[0]
    assert first.members[0] == next(m for m in first.members if m.ars == pw.a.ars)
    assert pw.f.ars not in {m.ars for item in result.items for m in item.members[:1]}
    savings = [item.cost.saving for item in result.items]
    assert savings == sorted(savings, reverse=True)
    with_b = next(item for item in result.items if [m.ars for m in item.partners] == [pw.b.ars])
    assert any("Bereits gemeinsam im Verbund „Cyber A–B“" in r for r in with_b.reasons)
    assert any("Gemeinsame Grenze mit Verbandsgemeinde B" in r for r in with_b.reasons)
    with pytest.raises(ValidationError, match="nimmt die Aufgabe"):
        body_recommendations(principal=principal_for(pw.head_a), body=pw.og, task=pw.task)


def test_head_starts_an_alliance_from_a_recommendation(pw):
    alliance = services.recommendation_adopt(actor=pw.head_a, body=pw.a, task=pw.task, partners=[pw.b, pw.c])
    assert alliance.status == Status.IDEE
    members = sorted(alliance.memberships.values_list("body__name", "role"))
    assert members == [
        ("Verbandsgemeinde A", MemberRole.MITGLIED),
        ("Verbandsgemeinde B", MemberRole.MITGLIED),
        ("Verbandsgemeinde C", MemberRole.MITGLIED),
    ]
    assert "Geschätzte Einsparung" in alliance.description
    assert "Standesamt" in alliance.name
    entry = AuditEntry.objects.get(action="recommendation.adopt")
    assert entry.changes["members"] == ", ".join(m.name for m in (pw.a, pw.b, pw.c))
    assert AuditEntry.objects.filter(action="alliance.create", object_id=str(alliance.pk)).exists()


def test_alliance_from_a_recommendation_needs_the_right_user_and_holders(pw):
    with pytest.raises(Forbidden):
        services.recommendation_adopt(actor=pw.clerk_b, body=pw.a, task=pw.task, partners=[pw.b])
    with pytest.raises(Forbidden):
        services.recommendation_adopt(actor=pw.funding, body=pw.a, task=pw.task, partners=[pw.b])
    with pytest.raises(ValidationError, match="nimmt die Aufgabe"):
        services.recommendation_adopt(actor=pw.head_a, body=pw.a, task=pw.task, partners=[pw.og])
    with pytest.raises(ValidationError):
        services.recommendation_adopt(actor=pw.head_a, body=pw.a, task=pw.task, partners=[pw.a])
    assert not Alliance.objects.exists()
    # The advisory office may start one for any body.
    alliance = services.recommendation_adopt(actor=pw.advisory, body=pw.d, task=pw.task, partners=[pw.e])
    assert alliance.memberships.count() == 2
