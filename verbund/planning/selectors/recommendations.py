"""Partner recommendations for one body: access and the ranked groups with their reasons."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances.models import Status
from verbund.common.access import access_object
from verbund.common.errors import NotFound
from verbund.common.principal import Principal
from verbund.registry.models import Body, Kind
from verbund.registry.selectors import body_label
from verbund.shared_services.models import ServiceRecipient, SharedService, Task, TaskCostModel

from .. import policies
from ..model import GroupCost
from ..solvers import Constraints, recommend
from .costs import cost_model_snapshot, cost_parameters, effective_cost_model
from .describe import source_text
from .problem import BodyRow, alliance_names_of, build_problem, holders

# --- recommendations ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Cooperation:
    """A shared service for the task in which the body already takes part (as provider or recipient)."""

    service_id: int
    service: str
    alliance: str
    alliance_slug: str
    provider: str  # the provider's label ("Donnersbergkreis"), whether or not it holds the task itself
    members: list[str]  # the labels of the provider and the current recipients
    #: the group as the cost model sees it (the members holding the task), ``None`` when it has one
    cost: GroupCost | None

    @property
    def url(self) -> str:
        return reverse("shared_services:service_detail", kwargs={"service_id": self.service_id})

    @property
    def alliance_url(self) -> str:
        return reverse("alliances:detail", kwargs={"slug": self.alliance_slug})


@dataclasses.dataclass
class RecommendationView:
    """A recommended group for the page and the API: bodies resolved, figures, reasons.

    ``added_saving``: the saving over today (equal to the group's saving when the body has no
    cooperation yet); ``new_partners``: the members that are not yet in the body's cooperation.
    """

    rank: int
    members: list[BodyRow]
    host: BodyRow
    cost: GroupCost
    own_saving: float
    reasons: tuple[str, ...]
    added_saving: float = 0.0
    new_partners: list[BodyRow] = dataclasses.field(default_factory=list)
    extends: bool = False

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
    #: the shared services for the task the body already takes part in (shown first)
    existing: list[Cooperation] = dataclasses.field(default_factory=list)

    @property
    def parameters(self) -> dict[str, Any]:
        return cost_model_snapshot(self.cost_model)

    @property
    def source(self) -> str:
        """Which cost model, in the reader's language ("Standard", "eigenes Modell für …")."""
        return source_text(self.parameters)


def _cooperations(
    principal: Principal, *, body: Body, task: Task, index: Mapping[int, int]
) -> tuple[list[tuple[int, str, str, str, str, list[str], list[int]]], list[list[int]]]:
    """The shared services for ``task`` that ``principal`` may see: those ``body`` takes part in
    (service id, name, alliance name and slug, provider label, member labels, instance indices), and
    every service's members as instance indices (overlapping ones joined: they form one block)."""
    today = timezone.localdate()
    services = list(
        SharedService.objects.visible_to(principal)
        .filter(task=task)
        .exclude(alliance__status=Status.BEENDET)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("id", "name", "alliance__name", "alliance__slug", "provider_id")
        .order_by("alliance__name", "id")
    )
    taking_part: dict[int, set[int]] = {row[0]: {row[4]} for row in services}
    for service_id, body_id in (
        ServiceRecipient.objects.current()
        .filter(service_id__in=list(taking_part))
        .values_list("service_id", "body_id")
    ):
        taking_part[service_id].add(body_id)
    labels = {
        pk: body_label(kind, name)
        for pk, kind, name in Body.objects.filter(
            pk__in={b for ids in taking_part.values() for b in ids}
        ).values_list("pk", "kind", "name")
    }
    own = []
    blocks: list[set[int]] = []
    for service_id, name, alliance, slug, provider_id in services:
        ids = taking_part[service_id]
        members = {index[b] for b in ids if b in index}
        if body.pk in ids:
            names = sorted(labels.get(b, "") for b in ids)
            own.append(
                (service_id, name, alliance, slug, labels.get(provider_id, ""), names, sorted(members))
            )
        if len(members) < 2 and body.pk not in ids:
            continue
        joined = [b for b in blocks if b & members]
        for b in joined:
            blocks.remove(b)
            members |= b
        blocks.append(members)
    return own, [sorted(b) for b in blocks]


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
    own, blocks = _cooperations(principal, body=body, task=task, index=problem.index)
    own_block = next((b for b in blocks if index in b), [index])
    existing = [
        Cooperation(
            service_id=service_id,
            service=name,
            alliance=alliance,
            alliance_slug=slug,
            provider=provider,
            members=members,
            cost=problem.instance.group_cost(own_block, fixed=True) if len(own_block) > 1 else None,
        )
        for service_id, name, alliance, slug, provider, members, _indices in own
    ]
    found = recommend(
        problem.instance,
        index,
        max_size=max_size,
        limit=limit,
        constraints=constraints,
        blocks=[b for b in blocks if len(b) > 1],
    )
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
                added_saving=rec.added_saving,
                new_partners=[problem.bodies[i] for i in rec.new_partners],
                extends=len(rec.base) > 1,
            )
        )
    return Recommendations(
        body=body,
        task=task,
        cost_model=model,
        items=items,
        candidates=problem.instance.n,
        existing=existing,
    )


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
