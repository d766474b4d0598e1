"""Cost models: the one in force for a task and Land, its snapshot, access for reading and editing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from verbund.common.errors import Forbidden, NotFound
from verbund.common.german import public_text
from verbund.common.principal import Principal
from verbund.registry.models import Kind
from verbund.registry.selectors import state_name
from verbund.shared_services.models import Task, TaskCostModel

from .. import policies
from ..model import CostParameters

HOLDER_KIND_CHOICES = [(k.value, k.label) for k in Kind if k not in (Kind.LAND, Kind.REGIERUNGSBEZIRK)]
#: Numeric cost parameters, in the order the forms and the API show them.
COST_FIELDS = (
    "fixed_cost",
    "unit_cost",
    "scale_exponent",
    "volume_per_inhabitant",
    "overhead_per_member",
    "travel_cost_per_case_km",
    "detour_factor",
)


# --- cost models ------------------------------------------------------------------------------------


def effective_cost_model(task: Task, state: str) -> TaskCostModel | None:
    """The cost model used for ``task`` in Land ``state``: the Land's own row, else the default."""
    rows = {m.state: m for m in TaskCostModel.objects.filter(task=task, state__in=[state, ""])}
    return rows.get(state) or rows.get("")


def cost_models_for_state(state: str) -> list[tuple[Task, TaskCostModel | None]]:
    """Every task with the cost model in force in ``state`` (two queries)."""
    tasks = list(Task.objects.order_by("sort_order", "name"))
    models: dict[tuple[int, str], TaskCostModel] = {
        (m.task_id, m.state): m for m in TaskCostModel.objects.filter(state__in=[state, ""])
    }
    return [(t, models.get((t.pk, state)) or models.get((t.pk, ""))) for t in tasks]


def cost_model_snapshot(model: TaskCostModel) -> dict[str, Any]:
    """Everything a result must say about the cost model it used (stored with each scenario)."""
    return {
        **model.as_parameters(),
        # German whoever reads it (stored with the scenario and named in the audit log)
        "source": f"eigenes Modell für {state_name(model.state)}" if model.state else "Standard",
        "assumptions": public_text(model.assumptions),
        "updated_at": model.updated_at.isoformat() if model.updated_at else None,
    }


def cost_parameters(values: TaskCostModel | Mapping[str, Any]) -> CostParameters:
    """The pure cost parameters of a cost model row or of a stored snapshot."""
    if isinstance(values, TaskCostModel):
        values = values.as_parameters()
    return CostParameters(**{name: float(values[name]) for name in COST_FIELDS})


def access_cost_model(
    principal: Principal, slug: str, state: str, *, need: str = "view"
) -> tuple[Task, TaskCostModel]:
    """The task ``slug`` and the cost model in force for it in Land ``state``.

    404 for principals without planning (and for a missing task, Land key or model); ``need="edit"``:
    403 for those who read cost models but may not edit them (the staff of a body).
    """
    if not policies.reads_cost_models(principal) or not (state.isdigit() and len(state) == 2):
        raise NotFound()
    task = Task.objects.filter(slug=slug).first()
    model = effective_cost_model(task, state) if task is not None else None
    if task is None or model is None:
        raise NotFound()
    if need == "edit" and not policies.edits_cost_models(principal):
        raise Forbidden(_(policies.COST_MODELS_REFUSAL))
    return task, model


def task_by_slug(slug: str) -> Task:
    """A task of the catalogue (public reference data), else 404."""
    task = Task.objects.filter(slug=slug).first()
    if task is None:
        raise NotFound()
    return task
