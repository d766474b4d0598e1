"""Every write of the planning part. Keyword-only, atomic, permission checked, audited.

==============================  ===================================================================
``cost_model_update``           Beratungsstelle/operators: a task's cost model for a Land (creates
                                the Land's own row from the default on first edit)
``cost_model_reset``            Beratungsstelle/operators: drop a Land's own row (default applies)
``scenario_create``             planners: a scenario with its parameter snapshot, queued
``scenario_start``              runs it now, or in a background thread after the commit
``scenario_run``                the run itself (solver, groups, statistics); also the thread's body
``scenario_restart``            planners: run a failed or interrupted scenario again
``scenario_mark_stale``         a running scenario without a sign of life becomes "failed"
``scenario_delete``             planners
``recommendation_adopt``        planners and the body's staff: an alliance in status "Idee" with the
                                recommended partners (through the alliance services and their rules)
==============================  ===================================================================

Background runs: a long plan (an exact solve, or a Land-wide plan of thousands of bodies) runs in a
daemon thread of the web process, started by ``transaction.on_commit`` so that it sees the committed
scenario; one run at a time per process (a semaphore), progress and a heartbeat written to the
scenario every half second, and a run whose heartbeat stops (the process was restarted) is shown as
interrupted and can be restarted. That is deliberately simple and in-process, as ARCHITECTURE.md
asks ("eager/in-process by default"); a deployment that plans much and often moves
:func:`scenario_run` into a Celery task (it takes only the scenario's id) without other changes.
``PLANNING_RUN_IN_BACKGROUND=false`` runs everything in the request.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.alliances.services import alliance_create, member_add
from verbund.audit.services import audit_record
from verbund.registry.models import Body, Kind
from verbund.shared_services.models import Task, TaskCostModel

from .access import can_edit_cost_models, can_plan, can_recommend
from .models import STALE_AFTER, RunStatus, Scenario, ScenarioGroup, SolverKind
from .selectors import (
    COST_FIELDS,
    build_problem,
    cost_model_snapshot,
    cost_parameters,
    effective_cost_model,
    existing_alliances,
    holders,
    scenario_problem,
)
from .solvers import (
    PlanningError,
    PlanResult,
    de_eur,
    de_num,
    plan_exact,
    plan_heuristic,
)

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
#: Actor of the audit records a run writes (it is not a person's action).
RUN_ACTOR = "Planung"

#: The field of action an alliance started from a recommendation gets (when it exists).
TASK_FIELDS = {
    "kfz-zulassung": "verwaltungsdigitalisierung",
    "bussgeldstelle": "verwaltungsdigitalisierung",
    "elterngeld": "verwaltungsdigitalisierung",
    "wohngeld": "verwaltungsdigitalisierung",
    "it-betrieb": "verwaltungsdigitalisierung",
    "vergabestelle": "back-office-vergabe-beschaffung",
    "informationssicherheit": "cybersicherheit",
    "datenschutz": "cybersicherheit",
    "personalabrechnung": "personal",
    "bauhof": "daseinsvorsorge",
}

_RUN_SLOTS = threading.BoundedSemaphore(1)
#: Threads started by this process, by scenario id (tests join them).
THREADS: dict[int, threading.Thread] = {}

Actor = Any  # a user, or a label such as "manage.py plan" for runs from the command line


def _is_user(actor: Actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _check_state(state: str) -> None:
    if not re.fullmatch(r"[0-9]{2}", state or ""):
        raise ValidationError({"state": "Bitte einen zweistelligen Land-Schlüssel angeben (z. B. 07)."})


def cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def split_cents(total: Decimal, weights: Sequence[float]) -> list[Decimal]:
    """``total`` split in proportion to ``weights``, in cents that add up to ``total`` exactly
    (largest remainder; ties go to the earlier share)."""
    units = int((total * 100).to_integral_value(rounding=ROUND_HALF_UP))
    weight_sum = float(sum(weights))
    if not weights:
        return []
    if weight_sum <= 0:
        weights, weight_sum = [1.0] * len(weights), float(len(weights))
    exact = [units * w / weight_sum for w in weights]
    floors = [int(x // 1) for x in exact]
    rest = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: max(0, rest)]:
        floors[i] += 1
    return [Decimal(f) / 100 for f in floors]


# --- cost models -------------------------------------------------------------------------------------


@transaction.atomic
def cost_model_update(
    *,
    acting_user: Actor,
    task: Task,
    state: str,
    data: Mapping[str, Any],
    assumptions: str | None = None,
) -> TaskCostModel:
    """Change the cost model of ``task`` in Land ``state`` (``""``: the default for every Land).

    The first change for a Land copies the default into the Land's own row, so that other Länder
    keep the default. ``data`` holds some of :data:`~verbund.planning.selectors.COST_FIELDS`.
    """
    if _is_user(acting_user) and not can_edit_cost_models(acting_user):
        raise PermissionDenied("Kostenmodelle bearbeitet die Beratungsstelle.")
    if state:
        _check_state(state)
    unknown = set(data) - set(COST_FIELDS)
    if unknown:
        raise ValueError(f"cost_model_update cannot change {sorted(unknown)}")
    model = TaskCostModel.objects.select_for_update().filter(task=task, state=state).first()
    created = model is None
    if model is None:
        default = TaskCostModel.objects.filter(task=task, state="").first()
        if default is None:
            raise ValidationError(f"Für „{task.name}“ gibt es kein Standard-Kostenmodell.")
        model = TaskCostModel(
            task=task,
            state=state,
            assumptions=default.assumptions,
            **{name: getattr(default, name) for name in COST_FIELDS},
        )
    changes: dict[str, Any] = {}
    for name in COST_FIELDS:
        if name not in data or data[name] is None:
            continue
        try:
            value = Decimal(str(data[name]))
        except ArithmeticError as exc:
            raise ValidationError({name: "Bitte eine Zahl angeben."}) from exc
        if getattr(model, name) != value:
            changes[name] = [getattr(model, name), value]
            setattr(model, name, value)
    if assumptions is not None and assumptions.strip() != model.assumptions:
        changes["assumptions"] = [model.assumptions, assumptions.strip()]
        model.assumptions = assumptions.strip()
    if not changes and not created:
        return model
    model.full_clean()
    model.save()
    audit_record(
        actor=acting_user,
        action="cost_model.update",
        target=model,
        changes={"task": task.slug, "state": state, "created": created, **changes},
    )
    return model


@transaction.atomic
def cost_model_reset(*, acting_user: Actor, task: Task, state: str) -> None:
    """Remove the Land's own cost model of ``task``; the default applies again."""
    if _is_user(acting_user) and not can_edit_cost_models(acting_user):
        raise PermissionDenied("Kostenmodelle bearbeitet die Beratungsstelle.")
    _check_state(state)
    model = TaskCostModel.objects.filter(task=task, state=state).first()
    if model is None:
        return
    snapshot = {name: str(getattr(model, name)) for name in COST_FIELDS}
    model.delete()
    audit_record(
        actor=acting_user,
        action="cost_model.reset",
        object_type="shared_services.taskcostmodel",
        object_id=str(task.pk),
        object_repr=f"Kostenmodell {task} (Land {state})",
        changes={"task": task.slug, "state": state, "removed": snapshot},
    )


# --- scenarios -------------------------------------------------------------------------------------


def _positive(name: str, value: float | int | None, label: str) -> None:
    if value is not None and value <= 0:
        raise ValidationError({name: f"{label} muss größer als 0 sein."})


@transaction.atomic
def scenario_create(
    *,
    acting_user: Actor,
    task: Task,
    state: str,
    solver: str = SolverKind.HEURISTIC,
    max_members: int | None = None,
    max_population: int | None = None,
    max_distance_km: float | None = None,
    contiguous: bool = False,
    within_kreis: bool = False,
    kreise: Sequence[str] = (),
    holder_kinds: Sequence[str] | None = None,
    keep_alliances: bool = False,
    alliance_ids: Sequence[int] | None = None,
    name: str = "",
) -> Scenario:
    """A queued scenario with the snapshot of everything it will use; :func:`scenario_start` runs it.

    ``kreise``: 5-digit Kreis keys to plan only there (default: the whole Land). ``holder_kinds``
    overrides the task's usual holders (e.g. Ortsgemeinden for a what-if). ``keep_alliances``: existing
    alliances stay as fixed groups — those that share the task through a shared service, or those in
    ``alliance_ids`` (any of :func:`~verbund.planning.selectors.existing_alliances`).
    """
    if _is_user(acting_user) and not can_plan(acting_user):
        raise PermissionDenied("Nur die Beratungsstelle und der Plattformbetrieb planen landesweit.")
    _check_state(state)
    if solver not in SolverKind.values:
        raise ValidationError({"solver": "Unbekanntes Verfahren."})
    if max_members is not None and max_members < 2:
        raise ValidationError({"max_members": "Eine Gruppe braucht mindestens 2 Mitglieder."})
    _positive("max_population", max_population, "Die Höchstzahl an Einwohnern")
    _positive("max_distance_km", max_distance_km, "Die Höchstentfernung")
    bad = [k for k in kreise if not re.fullmatch(r"[0-9]{5}", k) or not k.startswith(state)]
    if bad:
        raise ValidationError({"kreise": f"Kein Kreis dieses Landes: {', '.join(bad)}."})
    kinds = list(holder_kinds) if holder_kinds else None
    if kinds and set(kinds) - set(Kind.values):
        raise ValidationError({"holder_kinds": "Unbekannte Art von Körperschaft."})
    model = effective_cost_model(task, state)
    if model is None:
        raise ValidationError(f"Für „{task.name}“ gibt es kein Kostenmodell.")
    count = holders(task=task, state=state, kinds=kinds, kreise=kreise).count()
    if count == 0:
        raise ValidationError("In dieser Auswahl nimmt keine Körperschaft die Aufgabe wahr.")
    alliances = existing_alliances(task=task, state=state, kinds=kinds, kreise=kreise)
    if not keep_alliances:
        kept: list[int] = []
    elif alliance_ids is None:
        kept = [a.id for a in alliances if a.performs_task]
    else:
        kept = [a.id for a in alliances if a.id in set(alliance_ids)]
    constraints = {
        "max_members": max_members,
        "max_population": max_population,
        "max_distance_km": max_distance_km,
        "contiguous": contiguous,
        "within_kreis": within_kreis,
    }
    state_name = (
        Body.objects.filter(kind=Kind.LAND, state=state).values_list("name", flat=True).first() or state
    )
    scenario = Scenario(
        name=(name.strip() or f"{task.name} – {state_name}")[:200],
        task=task,
        state=state,
        solver=solver,
        parameters={
            "cost_model": cost_model_snapshot(model),
            "constraints": constraints,
            "kreise": sorted(set(kreise)),
            "holder_kinds": kinds or [],
            "task_holder_kinds": list(task.holder_kinds),
            "keep_alliances": keep_alliances,
            "alliances": [a.as_dict() for a in alliances],
            "kept_alliances": kept,
            "bodies": count,
        },
        created_by=acting_user if _is_user(acting_user) else None,
    )
    scenario.full_clean()
    scenario.save()
    audit_record(
        actor=acting_user,
        action="scenario.create",
        target=scenario,
        changes={
            "task": task.slug,
            "state": state,
            "solver": solver,
            "constraints": constraints,
            "kreise": list(kreise),
            "keep_alliances": keep_alliances,
            "kept_alliances": kept,
            "bodies": count,
        },
    )
    return scenario


def runs_in_background(scenario: Scenario) -> bool:
    """Whether :func:`scenario_start` would hand the scenario to a background thread."""
    if not getattr(settings, "PLANNING_RUN_IN_BACKGROUND", True):
        return False
    bodies = int(scenario.parameters.get("bodies", 0))
    return scenario.solver == SolverKind.EXACT or bodies > EAGER_MAX_BODIES


def scenario_start(*, scenario: Scenario, background: bool | None = None) -> Scenario:
    """Run the scenario now (returns it finished) or after the commit in a background thread."""
    if background is None:
        background = runs_in_background(scenario)
    if not background:
        return scenario_run(scenario_id=scenario.pk)
    pk = scenario.pk
    transaction.on_commit(lambda: _start_thread(pk))
    return scenario


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
            scenario_run(scenario_id=pk, background=True)
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
    scenario_id: int,
    progress: Callable[[float, str], None] | None = None,
    background: bool = False,
    reference: bool = True,
) -> Scenario:
    """Solve a queued scenario and store its groups and statistics.

    Planning errors (an exact problem too large, a region without holders) end as status "failed"
    with the German reason; they are not raised. ``reference``: also solve a small heuristic plan
    exactly to report its distance to the optimum.
    """
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
                    str(s) for s in split_cents(saving, [float(instance.standalone[i]) for i in members])
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


@transaction.atomic
def scenario_mark_stale(*, scenario: Scenario) -> Scenario:
    """A queued or running scenario without a sign of life for a while is marked as interrupted."""
    if not scenario.is_stale:
        return scenario
    minutes = int(STALE_AFTER.total_seconds() // 60)
    message = (
        f"Der Lauf wurde abgebrochen (seit über {minutes} Minuten kein Fortschritt, z. B. nach einem "
        "Neustart des Servers). Bitte neu starten."
    )
    _fail(scenario, message)
    scenario.refresh_from_db()
    return scenario


@transaction.atomic
def scenario_restart(*, acting_user: Actor, scenario: Scenario) -> Scenario:
    """Queue a failed (or interrupted) scenario again with the same parameters."""
    if _is_user(acting_user) and not can_plan(acting_user):
        raise PermissionDenied("Nur die Beratungsstelle und der Plattformbetrieb planen landesweit.")
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status == RunStatus.DONE or (not scenario.is_finished and not scenario.is_stale):
        raise ValidationError(
            "Nur ein fehlgeschlagenes oder abgebrochenes Szenario kann neu gestartet werden."
        )
    ScenarioGroup.objects.filter(scenario=scenario).delete()
    scenario.status = RunStatus.QUEUED
    scenario.progress = 0
    scenario.progress_note = ""
    scenario.error = ""
    scenario.heartbeat_at = timezone.now()
    scenario.save(update_fields=["status", "progress", "progress_note", "error", "heartbeat_at"])
    audit_record(actor=acting_user, action="scenario.restart", target=scenario, changes={})
    return scenario


@transaction.atomic
def scenario_delete(*, acting_user: Actor, scenario: Scenario) -> None:
    if _is_user(acting_user) and not can_plan(acting_user):
        raise PermissionDenied("Nur die Beratungsstelle und der Plattformbetrieb planen landesweit.")
    audit_record(
        actor=acting_user,
        action="scenario.delete",
        target=scenario,
        changes={"name": scenario.name, "task": scenario.task.slug, "state": scenario.state},
    )
    scenario.delete()


# --- recommendations -----------------------------------------------------------------------------------


@transaction.atomic
def recommendation_adopt(
    *,
    acting_user: Actor,
    body: Body,
    task: Task,
    partners: Sequence[Body],
    name: str = "",
) -> Alliance:
    """Start an alliance in status "Idee" with ``body`` and the recommended ``partners``.

    The alliance services decide as always (the creator becomes coordinator and adds the members);
    this service checks that the user may act for ``body`` and that every member holds the task,
    and writes the estimate with its parameters into the alliance's description.
    """
    if not can_recommend(acting_user, body):
        raise PermissionDenied("Empfehlungen für diese Körperschaft sind ihrer Verwaltung vorbehalten.")
    members = [body, *[p for p in partners if p.pk != body.pk]]
    if len({m.pk for m in members}) != len(members) or len(members) < 2:
        raise ValidationError("Bitte mindestens einen weiteren, verschiedenen Partner angeben.")
    if len(members) > 10:
        raise ValidationError("Höchstens 10 Mitglieder.")
    others = [
        m for m in members if m.kind not in task.holder_kinds or m.state != body.state or m.dissolved_on
    ]
    if others:
        raise ValidationError(
            f"{', '.join(m.name for m in others)} nimmt die Aufgabe „{task.name}“ nicht wahr (oder liegt in "
            "einem anderen Land)."
        )
    model = effective_cost_model(task, body.state)
    if model is None:
        raise ValidationError(f"Für „{task.name}“ gibt es kein Kostenmodell.")
    problem = build_problem(
        task=task,
        state=body.state,
        params=cost_parameters(model),
        kreise=sorted({m.ars[:5] for m in members}),
    )
    index = [problem.index[m.pk] for m in members if m.pk in problem.index]
    group = problem.instance.group_cost(index) if len(index) == len(members) else None
    estimate = ""
    if group is not None:
        estimate = (
            f"Geschätzte Einsparung: {de_eur(group.saving)} im Jahr gegenüber {de_eur(group.standalone)}, "
            f"wenn {problem.bodies[group.host].name} die Aufgabe für alle übernimmt "
            f"(größte Entfernung {de_num(group.max_distance_km, 1)} km). "
        )
    description = (
        f"Angelegt aus einer Empfehlung der Planung für „{task.name}“. {estimate}"
        f"Kostenmodell: {cost_model_snapshot(model)['source']}, F = {model.fixed_cost} EUR, "
        f"c = {model.unit_cost} EUR, β = {model.scale_exponent}, {model.volume_per_inhabitant} Fälle je "
        f"Einwohner, Koordination {model.overhead_per_member} EUR je weiterem Mitglied, Wege "
        f"{model.travel_cost_per_case_km} EUR je Fall und km × {model.detour_factor}. "
        f"Annahmen: {model.assumptions}"
    )
    field = TASK_FIELDS.get(task.slug)
    fields = [field] if field and FieldOfAction.objects.filter(slug=field).exists() else []
    alliance = alliance_create(
        acting_user=acting_user,
        name=(name.strip() or f"{task.name}: {body.name} und Partner")[:200],
        description=description,
        fields=fields,
        sources="Empfehlung der Planung (Verbund), Schätzung mit den genannten Annahmen",
    )
    for member in members:
        member_add(acting_user=acting_user, alliance=alliance, body=member)
    audit_record(
        actor=acting_user,
        action="recommendation.adopt",
        target=alliance,
        changes={
            "task": task.slug,
            "body": body.ars,
            "members": [m.ars for m in members],
            "estimated_saving": None if group is None else str(cents(group.saving)),
            "cost_model": cost_model_snapshot(model)["source"],
        },
    )
    return alliance
