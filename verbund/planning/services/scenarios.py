"""Scenarios: create (with the snapshot of everything they use), start, restart, delete (planners)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.errors import Conflict
from verbund.registry.models import Body, Kind
from verbund.registry.selectors import state_name as state_label
from verbund.shared_services.models import Task

from .. import policies
from ..models import RunStatus, Scenario, ScenarioGroup, SolverKind
from ..selectors import (
    constraints_text,
    cost_model_snapshot,
    effective_cost_model,
    existing_alliances,
    holders,
)
from ._common import check_state, checked
from .runs import check_exact_size, enqueue_run, runs_in_background, scenario_run


def _positive(name: str, value: float | int | None, label: str) -> None:
    if value is not None and value <= 0:
        raise ValidationError({name: _("%(what)s muss größer als 0 sein.") % {"what": label}})


def _kreis_names(kreise: Sequence[str]) -> str:
    """The Kreise of a plan by name for the audit log ("Landkreis Mayen-Koblenz, Stadt Koblenz")."""
    names = dict(Body.objects.filter(key__in=list(kreise)).values_list("key", "name"))
    return ", ".join(names.get(k, k) for k in sorted(set(kreise)))


@transaction.atomic
def scenario_create(
    *,
    actor: Actor,
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
    principal = checked(actor, policies.plans, policies.PLANNERS_ONLY)
    check_state(state)
    if solver not in SolverKind.values:
        raise ValidationError({"solver": _("Unbekanntes Verfahren.")})
    if max_members is not None and max_members < 2:
        raise ValidationError({"max_members": _("Eine Gruppe braucht mindestens 2 Mitglieder.")})
    _positive("max_population", max_population, _("Die Höchstzahl an Einwohnern"))
    _positive("max_distance_km", max_distance_km, _("Die Höchstentfernung"))
    bad = [k for k in kreise if not re.fullmatch(r"[0-9]{5}", k) or not k.startswith(state)]
    if bad:
        raise ValidationError({"kreise": _("Kein Kreis dieses Landes: %(keys)s.") % {"keys": ", ".join(bad)}})
    kinds = list(holder_kinds) if holder_kinds else None
    if kinds and set(kinds) - set(Kind.values):
        raise ValidationError({"holder_kinds": _("Unbekannte Art von Körperschaft.")})
    model = effective_cost_model(task, state)
    if model is None:
        raise ValidationError(_("Für „%(task)s“ gibt es kein Kostenmodell.") % {"task": task.name})
    count = holders(task=task, state=state, kinds=kinds, kreise=kreise).count()
    if count == 0:
        raise ValidationError(_("In dieser Auswahl nimmt keine Körperschaft die Aufgabe wahr."))
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
        created_by_id=principal.user_id if principal.is_person else None,
    )
    scenario.full_clean()
    check_exact_size(scenario)  # an exact region that is too large is refused up front
    scenario.save()
    audit_record(
        actor=actor,
        action="scenario.create",
        target=scenario,
        changes={
            "task": task.name,
            "state": state_name,
            "solver": solver,
            "constraints": constraints_text(constraints),
            "kreise": _kreis_names(kreise),
            "keep_alliances": keep_alliances,
            "kept_alliances": ", ".join(a.name for a in alliances if a.id in set(kept)),
            "bodies": count,
        },
    )
    return scenario


def scenario_start(*, actor: Actor, scenario: Scenario, background: bool | None = None) -> Scenario:
    """Run the scenario now (returns it finished) or, after the commit, as a task on the queue
    (returns it queued; a worker runs it, :func:`verbund.planning.tasks.run_scenario`)."""
    checked(actor, policies.plans, policies.PLANNERS_ONLY)
    if background is None:
        background = runs_in_background(scenario)
    if not background:
        return scenario_run(actor=actor, scenario_id=scenario.pk)
    enqueue_run(scenario.pk)
    return scenario


@transaction.atomic
def scenario_restart(*, actor: Actor, scenario: Scenario) -> Scenario:
    """Queue a failed (or interrupted) scenario again with the same parameters."""
    checked(actor, policies.plans, policies.PLANNERS_ONLY)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status == RunStatus.DONE or (not scenario.is_finished and not scenario.is_stale):
        raise Conflict(_("Nur ein fehlgeschlagenes oder abgebrochenes Szenario kann neu gestartet werden."))
    ScenarioGroup.objects.filter(scenario=scenario).delete()
    scenario.status = RunStatus.QUEUED
    scenario.progress = 0
    scenario.progress_note = ""
    scenario.error = ""
    scenario.heartbeat_at = timezone.now()
    scenario.save(update_fields=["status", "progress", "progress_note", "error", "heartbeat_at"])
    audit_record(actor=actor, action="scenario.restart", target=scenario, changes={})
    return scenario


@transaction.atomic
def scenario_delete(*, actor: Actor, scenario: Scenario) -> None:
    checked(actor, policies.plans, policies.PLANNERS_ONLY)
    audit_record(
        actor=actor,
        action="scenario.delete",
        target=scenario,
        changes={"name": scenario.name, "task": scenario.task.name, "state": state_label(scenario.state)},
    )
    scenario.delete()
