"""Planning runs as Celery tasks (run eagerly here; ``test_worker.py`` uses a real worker): the task
claims a queued run, takes over one whose worker died, waits while another worker's heartbeat is
fresh; the periodic task marks silent runs as failed with a German reason; the heartbeat thread; the
exact method refuses too large regions up front (service, form, API), counting exactly the groups the
solver would enumerate."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from config.celery import app
from verbund.audit.models import AuditEntry
from verbund.planning import services, tasks
from verbund.planning.models import RunStatus, Scenario, SolverKind
from verbund.planning.services import runs
from verbund.planning.solvers import Constraints, ExactTooLarge
from verbund.planning.solvers.exact import enumerate_groups
from verbund.planning.solvers.limits import count_candidate_groups

from .helpers import grid
from .test_solvers import problems

pytestmark = pytest.mark.django_db


class Waited(Exception):
    """Raised instead of a real retry (the broker would deliver the task again later)."""


def _running(pw, *, heartbeat_age: dt.timedelta) -> Scenario:
    scenario = services.scenario_create(actor=pw.advisory, task=pw.task, state="07", max_members=3)
    Scenario.objects.filter(pk=scenario.pk).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now() - heartbeat_age,
        heartbeat_at=timezone.now() - heartbeat_age,
    )
    return scenario


# --- the run task ---------------------------------------------------------------------------------------


def test_the_task_runs_a_queued_scenario(pw):
    scenario = services.scenario_create(actor=pw.advisory, task=pw.task, state="07", max_members=3)
    result = tasks.run_scenario.apply(args=[scenario.pk])
    assert result.get() == RunStatus.DONE
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.DONE and scenario.progress == 100
    assert scenario.groups.exists()


def test_a_task_delivered_again_takes_over_the_run_of_a_dead_worker(pw):
    scenario = _running(pw, heartbeat_age=runs.RECLAIM_AFTER + dt.timedelta(seconds=5))
    assert tasks.run_scenario.apply(args=[scenario.pk]).get() == RunStatus.DONE
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.DONE, scenario.error


def test_a_task_waits_while_another_worker_runs_the_scenario(pw, monkeypatch):
    scenario = _running(pw, heartbeat_age=dt.timedelta(seconds=1))
    waits = []

    def retry(*args, **kwargs):
        waits.append(kwargs.get("countdown"))
        raise Waited

    monkeypatch.setattr(tasks.run_scenario, "retry", retry)
    result = tasks.run_scenario.apply(args=[scenario.pk], throw=False)
    assert isinstance(result.result, Waited)  # asked the broker to deliver it again later
    assert waits == [int(runs.RECLAIM_AFTER.total_seconds()) + 1]
    scenario.refresh_from_db()
    assert scenario.status == RunStatus.RUNNING and not scenario.groups.exists()
    # after its last wait it gives up quietly: the other worker goes on
    done = tasks.run_scenario.apply(args=[scenario.pk], retries=tasks.MAX_WAITS, throw=False)
    assert done.get() == RunStatus.RUNNING and len(waits) == 1


def test_a_finished_scenario_is_not_run_again(pw, done_scenario):
    before = done_scenario.statistics
    assert tasks.run_scenario.apply(args=[done_scenario.pk]).get() == RunStatus.DONE
    done_scenario.refresh_from_db()
    assert done_scenario.statistics == before


# --- interrupted runs -------------------------------------------------------------------------------------


def test_the_periodic_task_fails_only_silent_running_runs(pw):
    silent = _running(pw, heartbeat_age=dt.timedelta(minutes=5))
    alive = _running(pw, heartbeat_age=dt.timedelta(seconds=10))
    queued = services.scenario_create(actor=pw.advisory, task=pw.task, state="07")
    with override_settings(PLANNING_RUN_INTERRUPTED_AFTER=60):
        assert tasks.fail_interrupted_runs.apply().get() == [silent.pk]
        assert tasks.fail_interrupted_runs.apply().get() == []  # once
    silent.refresh_from_db()
    assert silent.status == RunStatus.FAILED
    assert silent.error == (
        "Der Rechenprozess wurde unterbrochen (seit über 60 Sekunden kein Lebenszeichen, z. B. weil der "
        "Worker beendet wurde oder abgestürzt ist). Bitte das Szenario neu starten."
    )
    entry = AuditEntry.objects.get(action="scenario.run", object_id=str(silent.pk))
    assert entry.changes["status"] == RunStatus.FAILED
    assert Scenario.objects.get(pk=alive.pk).status == RunStatus.RUNNING
    assert Scenario.objects.get(pk=queued.pk).status == RunStatus.QUEUED
    again = services.scenario_restart(actor=pw.advisory, scenario=silent)
    assert again.status == RunStatus.QUEUED


def test_the_periodic_task_is_scheduled_in_code():
    entry = app.conf.beat_schedule["planning-fail-interrupted-runs"]
    assert entry["task"] == tasks.fail_interrupted_runs.name
    assert entry["schedule"] <= 60
    assert tasks.fail_interrupted_runs.name in app.tasks and tasks.run_scenario.name in app.tasks


def test_interrupted_runs_need_a_planner(pw):
    from verbund.common.errors import Forbidden

    with pytest.raises(Forbidden):
        services.scenario_fail_interrupted(actor=pw.head_a)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_pulse_writes_a_heartbeat_while_the_solver_is_silent(pw, monkeypatch):
    monkeypatch.setattr(runs, "PULSE_SECONDS", 0.05)
    scenario = _running(pw, heartbeat_age=dt.timedelta(minutes=5))
    old = Scenario.objects.get(pk=scenario.pk).heartbeat_at
    assert old is not None
    pulse = runs._Pulse(scenario.pk)
    pulse.noted("HiGHS löst das Aufteilungsproblem")
    with pulse.running():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = Scenario.objects.get(pk=scenario.pk)
            if current.heartbeat_at and current.heartbeat_at > old and "(seit" in current.progress_note:
                break
            time.sleep(0.05)
    current = Scenario.objects.get(pk=scenario.pk)
    assert current.heartbeat_at is not None and current.heartbeat_at > old
    assert current.progress_note.startswith("HiGHS löst das Aufteilungsproblem (seit ")
    assert not pulse.thread.is_alive()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_beat_does_not_end_the_heartbeat(pw, monkeypatch):
    """A locked or briefly unreachable database fails one beat; the next ones are written."""
    from django.db import OperationalError
    from django.db.models import QuerySet

    monkeypatch.setattr(runs, "PULSE_SECONDS", 0.05)
    scenario = _running(pw, heartbeat_age=dt.timedelta(minutes=5))
    old = Scenario.objects.get(pk=scenario.pk).heartbeat_at
    assert old is not None
    failed: list[bool] = []
    update = QuerySet.update

    def first_beat_fails(self, **fields):
        if self.model is Scenario and "heartbeat_at" in fields and not failed:
            failed.append(True)
            raise OperationalError("database table is locked: planning_scenario")
        return update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", first_beat_fails)
    pulse = runs._Pulse(scenario.pk)
    with pulse.running():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            current = Scenario.objects.get(pk=scenario.pk)
            if failed and current.heartbeat_at and current.heartbeat_at > old:
                break
            time.sleep(0.05)
    assert failed == [True]
    beat = Scenario.objects.get(pk=scenario.pk).heartbeat_at
    assert beat is not None and beat > old


# --- the exact method's limit, up front ---------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_n=9))
def test_the_count_is_the_number_of_groups_the_solver_enumerates(problem):
    inst, constraints = problem
    try:
        enumerated = sum(len(g) for g in enumerate_groups(inst, constraints).values())
    except ExactTooLarge:
        return
    assert count_candidate_groups(inst, constraints, limit=10**6) == enumerated
    if enumerated:
        assert count_candidate_groups(inst, constraints, limit=enumerated - 1) == enumerated


def test_the_count_stops_at_the_limit():
    inst = grid(12, 12)
    c = Constraints(max_members=6, contiguous=True)
    assert count_candidate_groups(inst, c, limit=1000) == 1001
    assert count_candidate_groups(grid(30, 1), Constraints(), limit=1000) == 1001  # every subset


def test_exact_scenarios_of_too_large_regions_are_refused_up_front(pw, monkeypatch):
    monkeypatch.setattr(runs, "EXACT_SCENARIO_MAX_GROUPS", 5)  # the chain a–e: 4 pairs + 3 triples
    with pytest.raises(ValidationError) as refused:
        services.scenario_create(
            actor=pw.advisory,
            task=pw.task,
            state="07",
            solver=SolverKind.EXACT,
            max_members=3,
            contiguous=True,
        )
    message = refused.value.message_dict["solver"][0]
    assert message.startswith("Für das exakte Verfahren ist diese Region zu groß: Die 6 Körperschaften")
    assert "mehr als 5 mögliche Gruppen" in message and "Heuristik" in message
    assert not Scenario.objects.exists()
    assert not AuditEntry.objects.filter(action="scenario.create").exists()
    # the heuristic plans the same region; a narrower exact one passes
    services.scenario_create(actor=pw.advisory, task=pw.task, state="07", max_members=3, contiguous=True)
    services.scenario_create(
        actor=pw.advisory, task=pw.task, state="07", solver=SolverKind.EXACT, max_members=2, contiguous=True
    )
    assert Scenario.objects.count() == 2


def test_the_form_and_the_api_refuse_a_too_large_exact_region(pw, client, monkeypatch):
    monkeypatch.setattr(runs, "EXACT_SCENARIO_MAX_GROUPS", 5)
    client.force_login(pw.advisory)
    response = client.post(
        "/planung/szenarien/neu/",
        {
            "task": pw.task.slug,
            "state": "07",
            "solver": SolverKind.EXACT,
            "max_members": "3",
            "contiguous": "on",
        },
    )
    assert response.status_code == 200
    assert "Für das exakte Verfahren ist diese Region zu groß" in response.content.decode()
    assert not Scenario.objects.exists()
    api = client.post(
        "/api/v1/planning/scenarios",
        {"task": pw.task.slug, "state": "07", "solver": "exact", "max_members": 3, "contiguous": True},
        content_type="application/json",
    )
    assert api.status_code == 422, api.content
    assert "Für das exakte Verfahren ist diese Region zu groß" in api.json()["detail"]
    assert not Scenario.objects.exists()
