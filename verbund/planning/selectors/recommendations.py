"""Partner recommendations for one body: access and the ranked groups with their reasons."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from verbund.common.access import access_object
from verbund.common.errors import NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body, Kind
from verbund.shared_services.models import Task, TaskCostModel

from .. import policies
from ..model import GroupCost
from ..solvers import Constraints, recommend
from .costs import cost_model_snapshot, cost_parameters, effective_cost_model
from .problem import BodyRow, alliance_names_of, build_problem, holders

# --- recommendations ---------------------------------------------------------------------------------


@dataclasses.dataclass
class RecommendationView:
    """A recommended group for the page and the API: bodies resolved, figures, reasons."""

    rank: int
    members: list[BodyRow]
    host: BodyRow
    cost: GroupCost
    own_saving: float
    reasons: tuple[str, ...]

    @property
    def partners(self) -> list[BodyRow]:
        return self.members[1:]

    @property
    def saving_share(self) -> float:
        return self.cost.saving / self.cost.standalone if self.cost.standalone else 0.0


@dataclasses.dataclass
class Recommendations:
    body: Body
    task: Task
    cost_model: TaskCostModel
    items: list[RecommendationView]
    candidates: int  # bodies holding the task in the Land

    @property
    def parameters(self) -> dict[str, Any]:
        return cost_model_snapshot(self.cost_model)


def holds_task(body: Body, task: Task) -> bool:
    return body.kind in task.holder_kinds and body.dissolved_on is None


def body_recommendations(
    *,
    principal: Principal,
    body: Body,
    task: Task,
    max_size: int = 4,
    limit: int = 10,
    constraints: Constraints | None = None,
) -> Recommendations:
    """The best partner groups for ``body`` and ``task`` (a handful of queries, whatever the Land's size).

    Raises ``ValidationError`` when the body does not hold the task or no cost model exists.
    """

    if not holds_task(body, task):
        kinds = ", ".join(str(Kind(k).label) for k in task.holder_kinds if k in Kind.values)
        raise ValidationError(
            _("%(body)s nimmt die Aufgabe „%(task)s“ nicht wahr (zuständig: %(kinds)s).")
            % {"body": body.name, "task": task.name, "kinds": kinds}
        )
    model = effective_cost_model(task, body.state)
    if model is None:
        raise ValidationError(_("Für „%(task)s“ gibt es kein Kostenmodell.") % {"task": task.name})
    qs = holders(task=task, state=body.state)
    names = alliance_names_of(principal, qs.values_list("pk", flat=True))
    problem = build_problem(task=task, state=body.state, params=cost_parameters(model), alliance_names=names)
    index = problem.index[body.pk]
    found = recommend(problem.instance, index, max_size=max_size, limit=limit, constraints=constraints)
    items = []
    for rank, rec in enumerate(found, start=1):
        order = [index, *rec.partners]
        items.append(
            RecommendationView(
                rank=rank,
                members=[problem.bodies[i] for i in order],
                host=problem.bodies[rec.group.host],
                cost=rec.group,
                own_saving=rec.own_saving,
                reasons=rec.reasons,
            )
        )
    return Recommendations(body=body, task=task, cost_model=model, items=items, candidates=problem.instance.n)


def tasks_of_body(body: Body) -> list[Task]:
    """The catalogue's tasks that ``body`` holds (by its kind)."""
    return [t for t in Task.objects.order_by("sort_order", "name") if body.kind in t.holder_kinds]


def access_recommendation_body(principal: Principal, ars: str) -> Body:
    """The body whose recommendations ``principal`` may see (planners: any; staff: their own),
    else 404: another body's recommendations look as if they did not exist."""
    body = access_object(Body.objects.select_related("parent"), principal, ars=ars)
    if not policies.recommends_for(principal, body.pk):
        raise NotFound()
    return body


def own_bodies(principal: Principal) -> list[Body]:
    """The bodies the principal works for (Sachbearbeitung, Verwaltungsleitung), by name."""
    ids = policies.own_body_ids(principal)
    return list(Body.objects.filter(pk__in=ids).order_by("name")) if ids else []
