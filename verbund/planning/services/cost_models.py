"""Cost models: the Beratungsstelle (and operators, and ``planning.manage``) edit a task's model per Land."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.registry.selectors import state_name
from verbund.shared_services.models import Task, TaskCostModel

from .. import policies
from ..selectors import COST_FIELDS
from ._common import check_state, checked


@transaction.atomic
def cost_model_update(
    *,
    actor: Actor,
    task: Task,
    state: str,
    data: Mapping[str, Any],
    assumptions: str | None = None,
) -> TaskCostModel:
    """Change the cost model of ``task`` in Land ``state`` (``""``: the default for every Land).

    The first change for a Land copies the default into the Land's own row, so that other Länder
    keep the default. ``data`` holds some of :data:`~verbund.planning.selectors.COST_FIELDS`.
    """
    checked(actor, policies.edits_cost_models, policies.COST_MODELS_REFUSAL)
    if state:
        check_state(state)
    unknown = set(data) - set(COST_FIELDS)
    if unknown:
        raise ValueError(f"cost_model_update cannot change {sorted(unknown)}")
    model = TaskCostModel.objects.select_for_update().filter(task=task, state=state).first()
    created = model is None
    if model is None:
        default = TaskCostModel.objects.filter(task=task, state="").first()
        if default is None:
            raise ValidationError(
                _("Für „%(task)s“ gibt es kein Standard-Kostenmodell.") % {"task": task.name}
            )
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
            raise ValidationError({name: _("Bitte eine Zahl angeben.")}) from exc
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
        actor=actor,
        action="cost_model.update",
        target=model,
        changes={"task": task.name, "state": state_name(state), "created": created, **changes},
    )
    return model


@transaction.atomic
def cost_model_reset(*, actor: Actor, task: Task, state: str) -> None:
    """Remove the Land's own cost model of ``task``; the default applies again."""
    checked(actor, policies.edits_cost_models, policies.COST_MODELS_REFUSAL)
    check_state(state)
    model = TaskCostModel.objects.filter(task=task, state=state).first()
    if model is None:
        return
    snapshot = {name: str(getattr(model, name)) for name in COST_FIELDS}
    model.delete()
    audit_record(
        actor=actor,
        action="cost_model.reset",
        object_type="shared_services.taskcostmodel",
        object_id=str(task.pk),
        object_repr=f"Kostenmodell {task} ({state_name(state)})",
        changes={"task": task.name, "state": state_name(state), "removed": snapshot},
    )
