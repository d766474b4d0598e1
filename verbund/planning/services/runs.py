"""Running a scenario: the solver, the groups, the statistics; in the request or in a background thread.

A long plan (an exact solve, or a Land-wide plan of thousands of bodies) runs in a daemon thread of
the web process, started by ``transaction.on_commit`` so that it sees the committed scenario; one
run at a time per process (a semaphore), progress and a heartbeat written to the scenario every half
second, and a run whose heartbeat stops (the process was restarted) is shown as interrupted and can
be restarted. That is deliberately simple and in-process, as ARCHITECTURE.md asks
("eager/in-process by default"); a deployment that plans much and often moves :func:`scenario_run`
into a Celery task (it takes only the scenario's id) without other changes.
``PLANNING_RUN_IN_BACKGROUND=false`` runs everything in the request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from verbund.alliances.models import Alliance
from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.money import cents

from .. import policies
from ..models import RunStatus, Scenario, ScenarioGroup, SolverKind
from ..selectors import scenario_problem
from ..solvers import PlanningError, PlanResult, plan_exact, plan_heuristic
from ._common import RUN_ACTOR, checked, member_shares

logger = logging.getLogger(__name__)

#: Plans of up to this many bodies run in the request even when background runs are on (a
#: Verbandsgemeinde-level plan of a whole Land takes a fraction of a second).
EAGER_MAX_BODIES = 400
#: A heuristic plan of up to this many bodies is also solved exactly for reference (how far the
#: heuristic is from the optimum), within the time limits below; larger ones say "not known".
REFERENCE_MAX_BODIES = 120
REFERENCE_TIME_LIMIT_EAGER = 3.0
REFERENCE_TIME_LIMIT_BACKGROUND = 30.0
REFERENCE_MAX_GROUPS = 300_000
#: Seconds between two progress writes of a run.
PROGRESS_INTERVAL = 0.5

_RUN_SLOTS = threading.BoundedSemaphore(1)
#: Threads started by this process, by scenario id (tests join them).
THREADS: dict[int, threading.Thread] = {}


def runs_in_background(scenario: Scenario) -> bool:
    """Whether :func:`scenario_start` would hand the scenario to a background thread."""
    if not getattr(settings, "PLANNING_RUN_IN_BACKGROUND", True):
        return False
    bodies = int(scenario.parameters.get("bodies", 0))
    return scenario.solver == SolverKind.EXACT or bodies > EAGER_MAX_BODIES


def _start_thread(pk: int) -> None:
    for done in [key for key, thread in THREADS.items() if not thread.is_alive()]:
        del THREADS[done]
    thread = threading.Thread(target=_background_run, args=(pk,), name=f"planung-szenario-{pk}", daemon=True)
    THREADS[pk] = thread
    thread.start()


def _background_run(pk: int) -> None:
    close_old_connections()
    try:
        with _RUN_SLOTS:  # one run at a time per process; the others wait, shown as "wartet"
            scenario_run(actor=RUN_ACTOR, scenario_id=pk, background=True)
    finally:
        from django.db import connections

        connections.close_all()


class _Reporter:
    """Writes progress and a heartbeat to the scenario at most every :data:`PROGRESS_INTERVAL`."""

    def __init__(self, pk: int, start: int, end: int, extra: Callable[[float, str], None] | None) -> None:
        self.pk, self.start, self.end, self.extra = pk, start, end, extra
        self.last = 0.0

    def __call__(self, fraction: float, note: str) -> None:
        if self.extra is not None:
            self.extra(fraction, note)
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and fraction < 1:
            return
        self.last = now
        percent = int(self.start + (self.end - self.start) * max(0.0, min(1.0, fraction)))
        Scenario.objects.filter(pk=self.pk).update(
            progress=min(percent, 99), progress_note=note[:200], heartbeat_at=timezone.now()
        )


def scenario_run(
    *,
    actor: Actor,
    scenario_id: int,
    progress: Callable[[float, str], None] | None = None,
    background: bool = False,
    reference: bool = True,
) -> Scenario:
    """Solve a queued scenario and store its groups and statistics.

    Planning errors (an exact problem too large, a region without holders) end as status "failed"
    with the German reason; they are not raised. ``reference``: also solve a small heuristic plan
    exactly to report its distance to the optimum. The audit log names the run ("Planung").
    """
    checked(actor, policies.plans, policies.PLANNERS_ONLY)
    claimed = Scenario.objects.filter(pk=scenario_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now(), progress=0,
        progress_note="gestartet",
    )  # fmt: skip
    scenario = Scenario.objects.select_related("task").get(pk=scenario_id)
    if not claimed:
        return scenario  # already running or finished elsewhere
    started = time.perf_counter()
    try:
        problem, constraints, fixed, warnings = scenario_problem(scenario)
        instance = problem.instance
        if instance.n == 0:
            raise PlanningError("In dieser Auswahl nimmt keine Körperschaft die Aufgabe wahr.")
        statistics: dict[str, Any] = {}
        if scenario.solver == SolverKind.EXACT:
            result = plan_exact(instance, constraints, progress=_Reporter(scenario.pk, 0, 95, progress))
        else:
            result = plan_heuristic(instance, constraints, progress=_Reporter(scenario.pk, 0, 60, progress))
            if reference:
                statistics.update(_reference(scenario, instance, constraints, result, background, progress))
        statistics.update(result.summary())
        statistics["warnings"] = warnings + result.warnings
        statistics["run_seconds"] = round(time.perf_counter() - started, 3)
        alliance_of = {tuple(members): alliances[0]["id"] for members, alliances in fixed}
        _store(scenario, problem.bodies, instance, result, alliance_of, statistics)
    except PlanningError as exc:
        _fail(scenario, str(exc))
    except Scenario.DoesNotExist:
        logger.info("scenario %s was deleted while it ran", scenario_id)
    except Exception as exc:
        logger.exception("planning run of scenario %s failed", scenario_id)
        _fail(
            scenario, f"Interner Fehler ({exc.__class__.__name__}); Einzelheiten stehen im Server-Protokoll."
        )
    # The stored outcome; the scenario may have been deleted while it ran.
    return Scenario.objects.select_related("task").filter(pk=scenario_id).first() or scenario


def _reference(
    scenario: Scenario,
    instance: Any,
    constraints: Any,
    result: PlanResult,
    background: bool,
    progress: Callable[[float, str], None] | None,
) -> dict[str, Any]:
    """The exact optimum of a small instance, to say how far the heuristic is from it."""
    if instance.n > REFERENCE_MAX_BODIES:
        return {"reference_note": "Exaktes Optimum nicht berechnet (Region zu groß für einen Vergleich)."}
    limit = REFERENCE_TIME_LIMIT_BACKGROUND if background else REFERENCE_TIME_LIMIT_EAGER
    try:
        exact = plan_exact(
            instance,
            constraints,
            time_limit=limit,
            max_groups=REFERENCE_MAX_GROUPS,
            progress=_Reporter(scenario.pk, 60, 95, progress),
        )
    except PlanningError as exc:
        return {"reference_note": f"Exaktes Optimum nicht bekannt: {exc}"}
    best = max(exact.total_saving, result.total_saving)
    bound = exact.upper_bound if exact.upper_bound is not None else None
    data: dict[str, Any] = {
        "reference_saving": round(exact.total_saving, 2),
        "reference_proven": bool(exact.proven_optimal),
        "reference_seconds": round(exact.seconds, 3),
        "reference_bound": None if bound is None else round(bound, 2),
    }
    if exact.proven_optimal and best > 0:
        data["ratio_to_optimum"] = round(result.total_saving / best, 6)
    elif bound:
        data["ratio_to_bound"] = round(result.total_saving / bound, 6)
    return data


@transaction.atomic
def _store(
    scenario: Scenario,
    bodies: Sequence[Any],
    instance: Any,
    result: PlanResult,
    alliance_of: Mapping[tuple[int, ...], int],
    statistics: dict[str, Any],
) -> None:
    locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
    ScenarioGroup.objects.filter(scenario=locked).delete()
    alliance_ids = set(Alliance.objects.filter(pk__in=set(alliance_of.values())).values_list("pk", flat=True))
    rows = []
    for number, g in enumerate(result.groups, start=1):
        members = list(g.members)
        saving = cents(g.saving)
        alliance_id = alliance_of.get(tuple(members)) if g.fixed else None
        rows.append(
            ScenarioGroup(
                scenario=locked,
                number=number,
                host_id=bodies[g.host].id,
                member_ids=[bodies[i].id for i in members],
                member_ars=[bodies[i].ars for i in members],
                member_savings=[
                    str(s) for s in member_shares(saving, [float(instance.standalone[i]) for i in members])
                ],
                size=len(members),
                population=int(instance.population[members].sum()),
                volume=cents(float(instance.volume[members].sum())),
                standalone_cost=cents(g.standalone),
                cost=cents(g.cost),
                office_cost=cents(g.office),
                overhead_cost=cents(g.overhead),
                travel_cost=cents(g.travel),
                saving=saving,
                max_distance_km=round(g.max_distance_km, 3),
                fixed=g.fixed,
                alliance_id=alliance_id if alliance_id in alliance_ids else None,
            )
        )
    ScenarioGroup.objects.bulk_create(rows, batch_size=500)
    total = sum((r.saving for r in rows), Decimal(0))
    statistics["total_saving"] = str(total)
    locked.status = RunStatus.DONE
    locked.progress = 100
    locked.progress_note = "fertig"
    locked.statistics = statistics
    locked.total_saving = total
    locked.finished_at = timezone.now()
    locked.heartbeat_at = locked.finished_at
    locked.error = ""
    fields = [
        "status",
        "progress",
        "progress_note",
        "statistics",
        "total_saving",
        "finished_at",
        "heartbeat_at",
    ]
    locked.save(update_fields=[*fields, "error"])
    audit_record(
        actor=RUN_ACTOR,
        action="scenario.run",
        target=locked,
        changes={
            "status": RunStatus.DONE,
            "groups": statistics.get("groups"),
            "total_saving": str(total),
            "seconds": statistics.get("seconds"),
        },
    )


@transaction.atomic
def _fail(scenario: Scenario, message: str) -> None:
    updated = Scenario.objects.filter(pk=scenario.pk).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now(), progress_note="fehlgeschlagen"
    )
    if updated:
        audit_record(
            actor=RUN_ACTOR,
            action="scenario.run",
            target=scenario,
            changes={"status": RunStatus.FAILED, "error": message},
        )
