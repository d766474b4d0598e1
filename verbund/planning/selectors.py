"""Reads of the planning part: cost models, the planning problem from the registry, scenario results.

The registry becomes a pure :class:`~verbund.planning.model.Instance` here (two queries: the bodies
holding the task, and the neighbour links among them); everything after that is pure computation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from verbund.alliances.lifecycle import BEENDET
from verbund.alliances.models import Alliance, Membership
from verbund.registry.models import Body, BodyNeighbour, BodyQuerySet, Kind
from verbund.shared_services.models import Task, TaskCostModel

from .model import CostParameters, GroupCost, Instance
from .models import Scenario, ScenarioGroup
from .solvers import Constraints, de_int

#: Kinds a planner may choose as holders (a task's catalogue entry names the usual ones).
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
        "source": f"Land {model.state}" if model.state else "Standard",
        "assumptions": model.assumptions,
        "updated_at": model.updated_at.isoformat() if model.updated_at else None,
    }


def cost_parameters(values: TaskCostModel | Mapping[str, Any]) -> CostParameters:
    """The pure cost parameters of a cost model row or of a stored snapshot."""
    if isinstance(values, TaskCostModel):
        values = values.as_parameters()
    return CostParameters(**{name: float(values[name]) for name in COST_FIELDS})


# --- the problem --------------------------------------------------------------------------------------


def holders(
    *, task: Task, state: str, kinds: Sequence[str] | None = None, kreise: Sequence[str] = ()
) -> BodyQuerySet:
    """Current bodies of Land ``state`` that hold ``task`` (or the given ``kinds``), optionally only
    those in the Kreise whose 5-digit keys are in ``kreise``."""
    qs = Body.objects.current().in_state(state).of_kind(*(kinds or task.holder_kinds))
    if kreise:
        condition = Q()
        for prefix in kreise:
            condition |= Q(ars__startswith=prefix)
        qs = qs.filter(condition)
    return qs


@dataclasses.dataclass(frozen=True)
class BodyRow:
    """What the planning pages need of a body (read with ``values()``, no model instances)."""

    id: int
    ars: str
    name: str
    kind: str
    population: int
    lat: float | None
    lon: float | None

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label) if self.kind in Kind.values else self.kind


BODY_FIELDS = ("id", "ars", "name", "kind", "population", "centroid_lat", "centroid_lon")


def _body_row(values: Mapping[str, Any]) -> BodyRow:
    return BodyRow(
        id=values["id"],
        ars=values["ars"],
        name=values["name"],
        kind=values["kind"],
        population=values["population"] or 0,
        lat=values["centroid_lat"],
        lon=values["centroid_lon"],
    )


@dataclasses.dataclass
class Problem:
    """A planning problem read from the database: the pure instance and the rows behind it."""

    instance: Instance
    bodies: list[BodyRow]
    index: dict[int, int]  # body id → index in the instance

    def index_of_ars(self) -> dict[str, int]:
        return {b.ars: i for i, b in enumerate(self.bodies)}


def build_problem(
    *,
    task: Task,
    state: str,
    params: CostParameters,
    kinds: Sequence[str] | None = None,
    kreise: Sequence[str] = (),
    alliance_names: Mapping[int, Iterable[str]] | None = None,
) -> Problem:
    """The bodies holding the task, their neighbour graph and the cost parameters (two queries)."""
    qs = holders(task=task, state=state, kinds=kinds, kreise=kreise)
    bodies = [_body_row(v) for v in qs.order_by("ars").values(*BODY_FIELDS)]
    index = {b.id: i for i, b in enumerate(bodies)}
    ids = qs.values("pk")
    links = BodyNeighbour.objects.filter(body__in=ids, neighbour__in=ids).values_list(
        "body_id", "neighbour_id"
    )
    edges = sorted(
        {(index[a], index[b]) for a, b in links if a in index and b in index and index[a] < index[b]}
    )
    names = alliance_names or {}
    nan = float("nan")
    instance = Instance(
        keys=[b.ars for b in bodies],
        names=[b.name for b in bodies],
        population=np.array([b.population for b in bodies], dtype=np.int64),
        lat=np.array([b.lat if b.lat is not None else nan for b in bodies], dtype=np.float64),
        lon=np.array([b.lon if b.lon is not None else nan for b in bodies], dtype=np.float64),
        kreis=[b.ars[:5] for b in bodies],
        edges=edges,
        params=params,
        alliances=[frozenset(names.get(b.id, ())) for b in bodies],
        kinds=[b.kind for b in bodies],
        volume_label=task.volume_unit_label or task.get_volume_unit_display(),
    )
    return Problem(instance=instance, bodies=bodies, index=index)


def alliance_names_of(user: Any, body_ids: Iterable[int]) -> dict[int, set[str]]:
    """Names of the alliances (visible to ``user``, not ended) each body currently belongs to."""
    rows = (
        Membership.objects.current()
        .filter(body_id__in=list(body_ids), alliance__in=Alliance.objects.visible_to(user))
        .exclude(alliance__status=BEENDET)
        .values_list("body_id", "alliance__name")
    )
    names: dict[int, set[str]] = {}
    for body_id, name in rows:
        names.setdefault(body_id, set()).add(name)
    return names


@dataclasses.dataclass(frozen=True)
class ExistingAlliance:
    """An alliance whose members already share the task, or might (the status quo of a plan).

    ``service``: the name of the alliance's shared service for this task (provider and current
    recipients are then the members); empty for an alliance without such a service of which at
    least two current members hold the task: a candidate the planner may choose to keep.
    """

    id: int
    slug: str
    name: str
    status: str
    members: tuple[str, ...]  # ARS of the members holding the task
    service: str = ""

    @property
    def performs_task(self) -> bool:
        return bool(self.service)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "status": self.status,
            "members": list(self.members),
            "service": self.service,
        }


def existing_alliances(
    *, task: Task, state: str, kinds: Sequence[str] | None = None, kreise: Sequence[str] = ()
) -> list[ExistingAlliance]:
    """The alliances that share ``task`` in the region (a shared service for it: provider and current
    recipients), then the other alliances (not ended) of which at least two current members hold
    the task. Members outside the region or not holding the task are left out (four queries).
    """
    from verbund.shared_services.models import ServiceRecipient, SharedService

    region = set(holders(task=task, state=state, kinds=kinds, kreise=kreise).values_list("ars", flat=True))
    today = timezone.localdate()
    services = list(
        SharedService.objects.filter(task=task)
        .exclude(alliance__status=BEENDET)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list(
            "id",
            "name",
            "alliance_id",
            "alliance__slug",
            "alliance__name",
            "alliance__status",
            "provider__ars",
        )
        .order_by("alliance__name", "id")
    )
    recipients: dict[int, set[str]] = {}
    for service_id, ars in (
        ServiceRecipient.objects.current()
        .filter(service_id__in=[row[0] for row in services])
        .values_list("service_id", "body__ars")
    ):
        recipients.setdefault(service_id, set()).add(ars)
    result = []
    with_service: set[int] = set()
    for service_id, service_name, alliance_id, slug, name, status, provider in services:
        members = sorted(({provider} | recipients.get(service_id, set())) & region)
        with_service.add(alliance_id)
        if len(members) >= 2:
            result.append(ExistingAlliance(alliance_id, slug, name, status, tuple(members), service_name))
    rows = (
        Membership.objects.current()
        .filter(body__in=holders(task=task, state=state, kinds=kinds, kreise=kreise).values("pk"))
        .exclude(alliance__status=BEENDET)
        .exclude(alliance_id__in=with_service)
        .values_list("alliance_id", "alliance__slug", "alliance__name", "alliance__status", "body__ars")
        .order_by("alliance__name", "alliance_id", "body__ars")
    )
    found: dict[int, tuple[str, str, str, list[str]]] = {}
    for alliance_id, slug, name, status, ars in rows:
        found.setdefault(alliance_id, (slug, name, status, []))[3].append(ars)
    result.extend(
        ExistingAlliance(alliance_id, slug, name, status, tuple(members))
        for alliance_id, (slug, name, status, members) in found.items()
        if len(members) >= 2
    )
    return result


def fixed_groups(
    problem: Problem, alliances: Sequence[Mapping[str, Any]]
) -> tuple[list[tuple[list[int], list[Mapping[str, Any]]]], list[str]]:
    """Alliances as fixed groups of instance indices; overlapping alliances are joined into one group.

    Returns the groups with the alliances each stands for, and German warnings.
    """
    by_ars = problem.index_of_ars()
    groups: list[tuple[set[int], list[Mapping[str, Any]]]] = []
    warnings = []
    for alliance in alliances:
        members = {by_ars[a] for a in alliance["members"] if a in by_ars}
        if len(members) < 2:
            continue
        joined = [g for g in groups if g[0] & members]
        if joined:
            names = ", ".join(f"„{a['name']}“" for g in joined for a in g[1])
            warnings.append(
                f"„{alliance['name']}“ überschneidet sich mit {names}; die Verbünde bilden eine Gruppe."
            )
            for g in joined:
                groups.remove(g)
                members |= g[0]
            groups.append((members, [a for g in joined for a in g[1]] + [alliance]))
        else:
            groups.append((members, [alliance]))
    return [(sorted(m), a) for m, a in groups], warnings


def constraints_from(parameters: Mapping[str, Any], fixed: Sequence[Sequence[int]] = ()) -> Constraints:
    c = parameters.get("constraints", {})
    return Constraints(
        max_members=c.get("max_members"),
        max_population=c.get("max_population"),
        max_distance_km=c.get("max_distance_km"),
        contiguous=bool(c.get("contiguous")),
        within_kreis=bool(c.get("within_kreis")),
        fixed_groups=tuple(tuple(g) for g in fixed),
    )


def scenario_problem(
    scenario: Scenario,
) -> tuple[Problem, Constraints, list[tuple[list[int], list[Mapping[str, Any]]]], list[str]]:
    """The problem a scenario solves, rebuilt from its stored parameters and the current registry."""
    p = scenario.parameters
    problem = build_problem(
        task=scenario.task,
        state=scenario.state,
        params=cost_parameters(p["cost_model"]),
        kinds=p.get("holder_kinds") or None,
        kreise=p.get("kreise") or (),
    )
    groups: list[tuple[list[int], list[Mapping[str, Any]]]] = []
    warnings: list[str] = []
    if p.get("keep_alliances"):
        kept = set(p.get("kept_alliances", []))
        groups, warnings = fixed_groups(problem, [a for a in p.get("alliances", []) if a["id"] in kept])
    return problem, constraints_from(p, [g for g, _ in groups]), groups, warnings


# --- scenario results ----------------------------------------------------------------------------------


def bodies_by_id(ids: Iterable[int]) -> dict[int, BodyRow]:
    """The rows of the given bodies, one query."""
    return {v["id"]: _body_row(v) for v in Body.objects.filter(pk__in=list(set(ids))).values(*BODY_FIELDS)}


@dataclasses.dataclass
class GroupView:
    group: ScenarioGroup
    members: list[tuple[BodyRow, Decimal]]  # the body and its share of the saving
    host: BodyRow | None

    @property
    def member_names(self) -> str:
        return ", ".join(b.name for b, _ in self.members)


def group_views(groups: Sequence[ScenarioGroup]) -> list[GroupView]:
    """Groups with their member rows resolved (one query for all bodies of all ``groups``)."""
    rows = bodies_by_id(i for g in groups for i in [*g.member_ids, g.host_id])
    views = []
    for g in groups:
        members = [
            (rows[i], Decimal(s)) for i, s in zip(g.member_ids, g.member_savings, strict=True) if i in rows
        ]
        views.append(GroupView(group=g, members=members, host=rows.get(g.host_id)))
    return views


PALETTE = (
    "#1b6ac9", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700", "#5f3dc4",
    "#364fc7", "#a61e4d", "#087f5b", "#5c940d", "#d6336c", "#1864ab", "#9c36b5", "#e8590c",
)  # fmt: skip


def scenario_map_features(scenario: Scenario) -> dict[str, Any]:
    """The plan as a GeoJSON FeatureCollection of points (centroids): one per body, coloured by group,
    hosts marked. Points rather than boundaries: 2,300 Gemeinde polygons would weigh megabytes.
    Two queries (groups, bodies)."""
    groups = list(scenario.groups.order_by("number"))
    rows = bodies_by_id(i for g in groups for i in g.member_ids)
    features = []
    for g in groups:
        colour = PALETTE[(g.number - 1) % len(PALETTE)] if g.size > 1 else "#868e96"
        for body_id, share in zip(g.member_ids, g.member_savings, strict=True):
            body = rows.get(body_id)
            if body is None or body.lat is None or body.lon is None:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(body.lon, 5), round(body.lat, 5)]},
                    "properties": {
                        "ars": body.ars,
                        "name": body.name,
                        "group": g.number,
                        "size": g.size,
                        "host": body_id == g.host_id,
                        "fixed": g.fixed,
                        "colour": colour,
                        "saving": share,
                        "group_saving": str(g.saving),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _partition(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Each body's (ARS) group as a set of ARS."""
    result: dict[str, frozenset[str]] = {}
    for members in scenario.groups.values_list("member_ars", flat=True):
        group = frozenset(members)
        for ars in members:
            result[ars] = group
    return result


def scenario_compare(a: Scenario, b: Scenario, *, limit: int = 200) -> dict[str, Any]:
    """Two plans of the same task and Land side by side: savings, groups in both, bodies that move."""
    if a.task_id != b.task_id or a.state != b.state:
        raise ValidationError("Vergleichbar sind nur Szenarien derselben Aufgabe im selben Land.")
    part_a, part_b = _partition(a), _partition(b)
    common = sorted(set(part_a) & set(part_b))
    groups_a = {g for g in part_a.values() if len(g) > 1}
    groups_b = {g for g in part_b.values() if len(g) > 1}
    moved = [ars for ars in common if part_a[ars] != part_b[ars]]
    names = dict(
        Body.objects.filter(
            ars__in=moved[:limit] + [x for ars in moved[:limit] for x in (*part_a[ars], *part_b[ars])]
        ).values_list("ars", "name")
    )
    saving_a = a.total_saving or Decimal(0)
    saving_b = b.total_saving or Decimal(0)
    return {
        "a": a,
        "b": b,
        "saving_a": saving_a,
        "saving_b": saving_b,
        "difference": saving_b - saving_a,
        "groups_a": len(groups_a),
        "groups_b": len(groups_b),
        "groups_in_both": len(groups_a & groups_b),
        "bodies": len(common),
        "only_a": len(set(part_a) - set(part_b)),
        "only_b": len(set(part_b) - set(part_a)),
        "moved_count": len(moved),
        "moved": [
            {
                "ars": ars,
                "name": names.get(ars, ars),
                "partners_a": sorted(names.get(x, x) for x in part_a[ars] if x != ars),
                "partners_b": sorted(names.get(x, x) for x in part_b[ars] if x != ars),
            }
            for ars in moved[:limit]
        ],
    }


@dataclasses.dataclass
class StatusQuoRow:
    alliances: list[Mapping[str, Any]]
    members: list[str]
    cost: GroupCost
    kept: bool  # the scenario has exactly this group

    @property
    def names(self) -> str:
        return " + ".join(a["name"] for a in self.alliances)


def scenario_status_quo(scenario: Scenario) -> dict[str, Any]:
    """The status quo costed with the scenario's parameters, next to the scenario: the alliances
    that share the task today (a shared service: provider and current recipients), what that
    cooperation saves and what the plan adds; other alliances of bodies holding the task are listed
    as candidates."""
    p = scenario.parameters
    problem = build_problem(
        task=scenario.task,
        state=scenario.state,
        params=cost_parameters(p["cost_model"]),
        kinds=p.get("holder_kinds") or None,
        kreise=p.get("kreise") or (),
    )
    alliances = existing_alliances(
        task=scenario.task,
        state=scenario.state,
        kinds=p.get("holder_kinds") or None,
        kreise=p.get("kreise") or (),
    )
    groups, warnings = fixed_groups(problem, [a.as_dict() for a in alliances if a.performs_task])
    candidates = [a for a in alliances if not a.performs_task]
    planned = {frozenset(g) for g in scenario.groups.filter(size__gt=1).values_list("member_ars", flat=True)}
    rows = []
    for members, alliance_list in groups:
        cost = problem.instance.group_cost(members, fixed=True)
        assert cost is not None
        ars = [problem.bodies[i].ars for i in members]
        rows.append(
            StatusQuoRow(
                alliances=alliance_list,
                members=[problem.bodies[i].name for i in members],
                cost=cost,
                kept=frozenset(ars) in planned,
            )
        )
    total = sum((Decimal(f"{r.cost.saving:.2f}") for r in rows), Decimal(0))
    scenario_saving = scenario.total_saving or Decimal(0)
    return {
        "rows": rows,
        "candidates": candidates,
        "warnings": warnings,
        "saving": total,
        "scenario_saving": scenario_saving,
        "difference": scenario_saving - total,
        "bodies_in_alliances": sum(len(r.members) for r in rows),
        "kept": sum(1 for r in rows if r.kept),
        "summary": (
            f"{len(rows)} bestehende Verbünde teilen die Aufgabe (geteilter Dienst) mit "
            f"{de_int(sum(len(r.members) for r in rows))} Körperschaften"
        ),
    }


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
    user: Any,
    body: Body,
    task: Task,
    max_size: int = 4,
    limit: int = 10,
    constraints: Constraints | None = None,
) -> Recommendations:
    """The best partner groups for ``body`` and ``task`` (a handful of queries, whatever the Land's size).

    Raises ``ValidationError`` when the body does not hold the task or no cost model exists.
    """
    from .solvers import recommend

    if not holds_task(body, task):
        kinds = ", ".join(str(Kind(k).label) for k in task.holder_kinds if k in Kind.values)
        raise ValidationError(f"{body.name} nimmt die Aufgabe „{task.name}“ nicht wahr (zuständig: {kinds}).")
    model = effective_cost_model(task, body.state)
    if model is None:
        raise ValidationError(f"Für „{task.name}“ gibt es kein Kostenmodell.")
    qs = holders(task=task, state=body.state)
    names = alliance_names_of(user, qs.values_list("pk", flat=True))
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
