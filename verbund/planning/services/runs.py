"""Running a scenario: the solver, the groups, the statistics; in the request or on the task queue.

A long plan (an exact solve, or a Land-wide plan of thousands of bodies) runs as the Celery task
:func:`verbund.planning.tasks.run_scenario` on a worker, queued by ``transaction.on_commit`` so that
the worker sees the committed scenario. The worker writes the progress to the scenario (the page
polls it) and, from a thread beside the solver, a heartbeat every :data:`PULSE_SECONDS` seconds, so
that a run that stops is noticed even while HiGHS computes without reporting. A run lives in the
worker, not in the web process: restarting the web server does not touch it.

When a worker dies mid-run, its task is delivered again (``acks_late``, ``reject_on_worker_lost``)
and takes over the run once its heartbeat is older than :data:`RECLAIM_AFTER`; and the periodic task
:func:`verbund.planning.tasks.fail_interrupted_runs` (every 30 s, ``config/celery.py``) marks a run
whose heartbeat is older than ``PLANNING_RUN_INTERRUPTED_AFTER`` seconds as failed with a German
reason, so that it can be restarted. Small plans (heuristic, up to :data:`EAGER_MAX_BODIES` bodies)
run in the request; ``PLANNING_RUN_IN_BACKGROUND=false`` runs everything in the request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance
from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.german import format_number
from verbund.common.money import cents

from .. import events, policies
from ..models import RunStatus, Scenario, ScenarioGroup, SolverKind
from ..selectors import scenario_problem
from ..solvers import PlanningError, PlanResult, plan_exact, plan_heuristic
from ..solvers.limits import EXACT_SCENARIO_MAX_GROUPS, count_candidate_groups, unbounded
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
#: Seconds between two heartbeats of a run on a worker (written by a thread beside the solver).
PULSE_SECONDS = 5.0
#: A task delivered again takes over a running scenario whose heartbeat is older than this (the
#: worker that ran it died); a younger heartbeat means another worker still runs it.
RECLAIM_AFTER = dt.timedelta(seconds=4 * PULSE_SECONDS)


def interrupted_after() -> dt.timedelta:
    """How long a run may go without a heartbeat before it counts as interrupted (setting)."""
    return dt.timedelta(seconds=int(getattr(settings, "PLANNING_RUN_INTERRUPTED_AFTER", 120)))


def runs_in_background(scenario: Scenario) -> bool:
    """Whether :func:`scenario_start` hands the scenario to the task queue (an exact run, or more
    than :data:`EAGER_MAX_BODIES` bodies) instead of running it in the request."""
    if not getattr(settings, "PLANNING_RUN_IN_BACKGROUND", True):
        return False
    bodies = int(scenario.parameters.get("bodies", 0))
    return scenario.solver == SolverKind.EXACT or bodies > EAGER_MAX_BODIES


def enqueue_run(pk: int) -> None:
    """Queue the run of scenario ``pk`` once the current transaction commits."""
    from ..tasks import run_scenario  # the task module imports the services

    transaction.on_commit(lambda: run_scenario.delay(pk))


def check_exact_size(scenario: Scenario) -> None:
    """Refuse up front an exact scenario whose region has more candidate groups than the exact
    method handles (:data:`~verbund.planning.solvers.limits.EXACT_SCENARIO_MAX_GROUPS`), with a German
    explanation; counting them stops at the limit (about a second for the largest regions)."""
    if scenario.solver != SolverKind.EXACT:
        return
    problem, constraints, _fixed, _warnings = scenario_problem(scenario)
    instance = problem.instance
    if unbounded(instance, constraints):
        raise ValidationError(
            {
                "solver": _(
                    "Ohne Höchstzahl an Mitgliedern, Entfernungsgrenze oder zusammenhängende Gruppen ist "
                    "jede Teilmenge der %(bodies)s Körperschaften eine mögliche Gruppe; das exakte Verfahren "
                    "braucht mindestens eine dieser Grenzen. Bitte eine Grenze setzen oder die Heuristik "
                    "wählen."
                )
                % {"bodies": format_number(instance.n)}
            }
        )
    limit = EXACT_SCENARIO_MAX_GROUPS
    if count_candidate_groups(instance, constraints, limit=limit) > limit:
        raise ValidationError(
            {
                "solver": _(
                    "Für das exakte Verfahren ist diese Region zu groß: Die %(bodies)s Körperschaften "
                    "bilden mit diesen Vorgaben mehr als %(limit)s mögliche Gruppen, das exakte Verfahren "
                    "rechnet mit höchstens %(limit)s. Bitte die Region verkleinern (einzelne Kreise), die "
                    "Grenzen enger fassen (weniger Mitglieder, kürzere Entfernung) oder die Heuristik "
                    "wählen, die auch ganze Länder in Sekunden plant."
                )
                % {"bodies": format_number(instance.n), "limit": format_number(limit)}
            }
        )


class _Pulse:
    """A thread that writes the heartbeat of a running scenario every :data:`PULSE_SECONDS`, with the
    seconds since the last progress in the note, while the solver works (HiGHS reports nothing for
    many seconds). It lives only inside the worker's ``planning.run_scenario`` task, for the length of
    that task: it is the task's own liveness signal (the sweep marks a run failed when it stops), not
    background work, so it cannot be a task of its own."""

    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.note = ""
        self.noted_at = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"planung-puls-{pk}", daemon=True)

    def noted(self, note: str) -> None:
        self.note, self.noted_at = note, time.monotonic()

    def _beat(self) -> None:
        try:
            while not self.stop.wait(PULSE_SECONDS):
                fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
                if self.note:
                    seconds = int(time.monotonic() - self.noted_at)
                    fields["progress_note"] = (
                        _("%(note)s (seit %(seconds)s s)") % {"note": self.note, "seconds": seconds}
                    )[:200]
                try:
                    Scenario.objects.filter(pk=self.pk, status=RunStatus.RUNNING).update(**fields)
                except Exception:
                    # A busy or briefly unreachable database must not end the heartbeat: the run goes
                    # on, and without beats it would be taken for interrupted. Try again next beat.
                    logger.warning("heartbeat of scenario %s failed; trying again", self.pk, exc_info=True)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    @contextlib.contextmanager
    def running(self) -> Iterator[_Pulse]:
        self.thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            self.thread.join(timeout=2 * PULSE_SECONDS)


class _Reporter:
    """Writes progress and a heartbeat to the scenario at most every :data:`PROGRESS_INTERVAL`."""

    def __init__(
        self,
        pk: int,
        start: int,
        end: int,
        extra: Callable[[float, str], None] | None,
        pulse: _Pulse | None = None,
    ) -> None:
        self.pk, self.start, self.end, self.extra, self.pulse = pk, start, end, extra, pulse
        self.last = 0.0

    def __call__(self, fraction: float, note: str) -> None:
        if self.extra is not None:
            self.extra(fraction, note)
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and fraction < 1:
            return
        self.last = now
        if self.pulse is not None:
            self.pulse.noted(note[:150])
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
    reclaim_after: dt.timedelta | None = None,
    pulse: bool = False,
) -> Scenario:
    """Solve a queued scenario and store its groups and statistics.

    Planning errors (an exact problem too large, a region without holders) end as status "failed"
    with the German reason; they are not raised. ``reference``: also solve a small heuristic plan
    exactly to report its distance to the optimum. ``reclaim_after``: also take over a running
    scenario whose heartbeat is older than that (its worker died; the task was delivered again).
    ``pulse``: write a heartbeat from a thread while the solver works (on a worker). A scenario that
    is neither queued nor reclaimable is returned unchanged. The audit log names the run ("Planung").
    """
    checked(actor, policies.plans, policies.PLANNERS_ONLY)
    now = timezone.now()
    claimable = Q(status=RunStatus.QUEUED)
    if reclaim_after is not None:
        claimable |= Q(status=RunStatus.RUNNING, heartbeat_at__lt=now - reclaim_after)
    claimed = Scenario.objects.filter(claimable, pk=scenario_id).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=0, progress_note=_("gestartet")
    )
    scenario = Scenario.objects.select_related("task").get(pk=scenario_id)
    if not claimed:
        return scenario  # already running or finished elsewhere
    beat = _Pulse(scenario_id) if pulse else None
    with beat.running() if beat is not None else contextlib.nullcontext():
        _solve(scenario, progress=progress, background=background, reference=reference, pulse=beat)
    # The stored outcome; the scenario may have been deleted while it ran.
    return Scenario.objects.select_related("task").filter(pk=scenario_id).first() or scenario


def _solve(
    scenario: Scenario,
    *,
    progress: Callable[[float, str], None] | None,
    background: bool,
    reference: bool,
    pulse: _Pulse | None,
) -> None:
    started = time.perf_counter()
    try:
        problem, constraints, fixed, warnings = scenario_problem(scenario)
        instance = problem.instance
        if instance.n == 0:
            raise PlanningError(_("In dieser Auswahl nimmt keine Körperschaft die Aufgabe wahr."))
        statistics: dict[str, Any] = {}
        if scenario.solver == SolverKind.EXACT:
            result = plan_exact(
                instance,
                constraints,
                max_groups=EXACT_SCENARIO_MAX_GROUPS,
                progress=_Reporter(scenario.pk, 0, 95, progress, pulse),
            )
        else:
            result = plan_heuristic(
                instance, constraints, progress=_Reporter(scenario.pk, 0, 60, progress, pulse)
            )
            if reference:
                statistics.update(
                    _reference(scenario, instance, constraints, result, background, progress, pulse)
                )
        statistics.update(result.summary())
        statistics["warnings"] = warnings + result.warnings
        statistics["run_seconds"] = round(time.perf_counter() - started, 3)
        alliance_of = {tuple(members): alliances[0]["id"] for members, alliances in fixed}
        _store(scenario, problem.bodies, instance, result, alliance_of, statistics)
    except PlanningError as exc:
        _fail(scenario, str(exc))
    except Scenario.DoesNotExist:
        logger.info("scenario %s was deleted while it ran", scenario.pk)
    except Exception as exc:
        logger.exception("planning run of scenario %s failed", scenario.pk)
        _fail(
            scenario,
            _("Interner Fehler (%(error)s); Einzelheiten stehen im Server-Protokoll.")
            % {"error": exc.__class__.__name__},
        )


@transaction.atomic
def scenario_fail_interrupted(*, actor: Actor) -> list[int]:
    """Mark every running scenario whose heartbeat is older than :func:`interrupted_after` as failed
    with a German reason (its worker died or was stopped); it can then be restarted. Returns the ids.
    Run by the periodic task :func:`verbund.planning.tasks.fail_interrupted_runs`."""
    checked(actor, policies.plans, policies.PLANNERS_ONLY)
    bound = interrupted_after()
    limit = timezone.now() - bound
    silent = Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    message = _(
        "Der Rechenprozess wurde unterbrochen (seit über %(seconds)s Sekunden kein Lebenszeichen, "
        "z. B. weil der Worker beendet wurde oder abgestürzt ist). Bitte das Szenario neu starten."
    ) % {"seconds": format_number(int(bound.total_seconds()))}
    failed = []
    for scenario in Scenario.objects.select_for_update().filter(silent, status=RunStatus.RUNNING):
        # Conditional again: a run that wrote its heartbeat meanwhile is not touched.
        if Scenario.objects.filter(silent, pk=scenario.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            error=message,
            finished_at=timezone.now(),
            progress_note=_("unterbrochen"),
        ):
            audit_record(
                actor=actor,
                action="scenario.run",
                target=scenario,
                changes={"status": RunStatus.FAILED, "error": message},
            )
            events.run_ended(actor=actor, scenario=scenario, error=message)
            failed.append(scenario.pk)
    return failed


def _reference(
    scenario: Scenario,
    instance: Any,
    constraints: Any,
    result: PlanResult,
    background: bool,
    progress: Callable[[float, str], None] | None,
    pulse: _Pulse | None = None,
) -> dict[str, Any]:
    """The exact optimum of a small instance, to say how far the heuristic is from it."""
    if instance.n > REFERENCE_MAX_BODIES:
        return {"reference_note": _("Exaktes Optimum nicht berechnet (Region zu groß für einen Vergleich).")}
    limit = REFERENCE_TIME_LIMIT_BACKGROUND if background else REFERENCE_TIME_LIMIT_EAGER
    try:
        exact = plan_exact(
            instance,
            constraints,
            time_limit=limit,
            max_groups=REFERENCE_MAX_GROUPS,
            progress=_Reporter(scenario.pk, 60, 95, progress, pulse),
        )
    except PlanningError as exc:
        return {"reference_note": _("Exaktes Optimum nicht bekannt: %(reason)s") % {"reason": exc}}
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
    locked.progress_note = _("fertig")
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
    events.run_ended(actor=RUN_ACTOR, scenario=locked)


@transaction.atomic
def _fail(scenario: Scenario, message: str) -> None:
    updated = Scenario.objects.filter(pk=scenario.pk).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now(), progress_note=_("fehlgeschlagen")
    )
    if updated:
        audit_record(
            actor=RUN_ACTOR,
            action="scenario.run",
            target=scenario,
            changes={"status": RunStatus.FAILED, "error": message},
        )
        events.run_ended(actor=RUN_ACTOR, scenario=scenario, error=message)
