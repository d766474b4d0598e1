"""The planning problem read from the registry: the pure :class:`~verbund.planning.model.Instance`
(two queries: the bodies holding the task, and the neighbour links among them), existing alliances
as fixed groups, and a scenario's problem rebuilt from its stored parameters."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from verbund.alliances.models import Alliance, Membership, Status
from verbund.common.principal import Principal
from verbund.registry.models import Body, BodyNeighbour, BodyQuerySet, Kind
from verbund.shared_services.models import Task

from ..model import CostParameters, Instance
from ..models import Scenario
from ..solvers import Constraints
from .costs import cost_parameters

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


def alliance_names_of(principal: Principal, body_ids: Iterable[int]) -> dict[int, set[str]]:
    """Names of the alliances (visible to ``principal``, not ended) each body currently belongs to."""
    rows = (
        Membership.objects.current()
        .filter(body_id__in=list(body_ids), alliance__in=Alliance.objects.visible_to(principal))
        .exclude(alliance__status=Status.BEENDET)
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
        .exclude(alliance__status=Status.BEENDET)
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
        .exclude(alliance__status=Status.BEENDET)
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


#: A warning stored with a plan (German, whoever started it; shown by verbund.planning.messages).
OVERLAP = gettext_noop("„%(alliance)s“ überschneidet sich mit %(names)s; die Verbünde bilden eine Gruppe.")


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
            warnings.append(OVERLAP % {"alliance": alliance["name"], "names": names})
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
