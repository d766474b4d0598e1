"""Scenarios: access, lists, results (groups, map, comparison, status quo)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from verbund.common.access import access_object
from verbund.common.german import format_number
from verbund.common.money import cents
from verbund.common.principal import Principal
from verbund.registry.models import Body

from ..model import GroupCost
from ..models import Scenario, ScenarioGroup
from .costs import cost_parameters
from .describe import cost_model_text, holders_text, region_text
from .problem import (
    BODY_FIELDS,
    BodyRow,
    ExistingAlliance,
    _body_row,
    build_problem,
    existing_alliances,
    fixed_groups,
)

# --- access ------------------------------------------------------------------------------------------


def visible_scenarios(principal: Principal) -> Any:
    """The scenarios ``principal`` may see, newest first, with task and author."""
    return Scenario.objects.visible_to(principal).select_related("task", "created_by")


def access_scenario(principal: Principal, pk: int | str) -> Scenario:
    """A scenario the principal may see (planners), else 404 as for one that does not exist."""
    return access_object(Scenario.objects.select_related("task", "created_by"), principal, pk=pk)


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


@dataclasses.dataclass(frozen=True)
class MovedBody:
    """A body that has other partners in plan b than in plan a."""

    ars: str
    name: str
    partners_a: list[str]
    partners_b: list[str]


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two plans side by side (the page and the API read the same object)."""

    a: Scenario
    b: Scenario
    saving_a: Decimal
    saving_b: Decimal
    difference: Decimal
    groups_a: int
    groups_b: int
    groups_in_both: int
    bodies: int
    only_a: int
    only_b: int
    moved_count: int
    moved: list[MovedBody]
    #: German warnings when the two plans are not like for like (regions, holders, cost models)
    warnings: list[str] = dataclasses.field(default_factory=list)


_MODEL_KEYS = (
    "fixed_cost",
    "unit_cost",
    "scale_exponent",
    "volume_per_inhabitant",
    "overhead_per_member",
    "travel_cost_per_case_km",
    "detour_factor",
)


def comparison_warnings(a: Scenario, b: Scenario, *, only_a: int, only_b: int, common: int) -> list[str]:
    """Why two plans may not be comparable: different regions (Kreise), different holders of the
    task, different cost models; and bodies that only one of them plans (German sentences)."""
    pa, pb = a.parameters or {}, b.parameters or {}
    warnings = []
    if sorted(pa.get("kreise") or []) != sorted(pb.get("kreise") or []):
        warnings.append(
            _(
                "Die beiden Szenarien planen verschiedene Regionen: „%(a)s“ %(region_a)s, „%(b)s“ "
                "%(region_b)s. Ihre Einsparungen beziehen sich auf verschiedene Körperschaften und sind "
                "nicht unmittelbar vergleichbar; die Partner werden nur für die %(common)s Körperschaften "
                "verglichen, die in beiden vorkommen."
            )
            % {
                "a": a.name,
                "b": b.name,
                "region_a": region_text(a.state, pa),
                "region_b": region_text(b.state, pb),
                "common": format_number(common),
            }
        )
    elif only_a or only_b:
        warnings.append(
            _(
                "%(only_a)s Körperschaften kommen nur in „%(a)s“ vor, %(only_b)s nur in „%(b)s“ (das "
                "Gemeindeverzeichnis hat sich zwischen den Berechnungen geändert, oder die Träger der "
                "Aufgabe sind verschieden); verglichen werden die %(common)s Körperschaften in beiden."
            )
            % {
                "a": a.name,
                "b": b.name,
                "only_a": format_number(only_a),
                "only_b": format_number(only_b),
                "common": format_number(common),
            }
        )
    if sorted(pa.get("holder_kinds") or []) != sorted(pb.get("holder_kinds") or []):
        warnings.append(
            _("Die Träger der Aufgabe sind verschieden: „%(a)s“ %(holders_a)s, „%(b)s“ %(holders_b)s.")
            % {"a": a.name, "b": b.name, "holders_a": holders_text(pa), "holders_b": holders_text(pb)}
        )
    model_a, model_b = pa.get("cost_model") or {}, pb.get("cost_model") or {}
    if any(str(model_a.get(k)) != str(model_b.get(k)) for k in _MODEL_KEYS):
        label = a.task.volume_unit_label or a.task.get_volume_unit_display()
        warnings.append(
            _(
                "Die beiden Szenarien rechnen mit verschiedenen Kostenmodellen; ein Unterschied der "
                "Einsparung kann auch daher kommen. „%(a)s“: %(model_a)s. „%(b)s“: %(model_b)s."
            )
            % {
                "a": a.name,
                "b": b.name,
                "model_a": cost_model_text(model_a, label),
                "model_b": cost_model_text(model_b, label),
            }
        )
    return warnings


def scenario_compare(a: Scenario, b: Scenario, *, limit: int = 200) -> Comparison:
    """Two plans of the same task and Land side by side: savings, groups in both, bodies that move,
    and warnings where they are not like for like (:func:`comparison_warnings`)."""
    if a.task_id != b.task_id or a.state != b.state:
        raise ValidationError(_("Vergleichbar sind nur Szenarien derselben Aufgabe im selben Land."))
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
    return Comparison(
        a=a,
        b=b,
        saving_a=saving_a,
        saving_b=saving_b,
        difference=saving_b - saving_a,
        groups_a=len(groups_a),
        groups_b=len(groups_b),
        groups_in_both=len(groups_a & groups_b),
        bodies=len(common),
        only_a=len(set(part_a) - set(part_b)),
        only_b=len(set(part_b) - set(part_a)),
        moved_count=len(moved),
        warnings=comparison_warnings(
            a,
            b,
            only_a=len(set(part_a) - set(part_b)),
            only_b=len(set(part_b) - set(part_a)),
            common=len(common),
        ),
        moved=[
            MovedBody(
                ars=ars,
                name=names.get(ars, ars),
                partners_a=sorted(names.get(x, x) for x in part_a[ars] if x != ars),
                partners_b=sorted(names.get(x, x) for x in part_b[ars] if x != ars),
            )
            for ars in moved[:limit]
        ],
    )


@dataclasses.dataclass
class StatusQuoRow:
    alliances: list[Mapping[str, Any]]
    members: list[str]
    cost: GroupCost
    kept: bool  # the scenario has exactly this group

    @property
    def names(self) -> str:
        return " + ".join(a["name"] for a in self.alliances)

    @property
    def alliance_names(self) -> list[str]:
        return [a["name"] for a in self.alliances]

    @property
    def saving(self) -> Decimal:
        return cents(self.cost.saving)


@dataclasses.dataclass(frozen=True)
class StatusQuo:
    """The status quo costed with a scenario's parameters, next to the scenario."""

    rows: list[StatusQuoRow]
    candidates: list[ExistingAlliance]
    warnings: list[str]
    saving: Decimal
    scenario_saving: Decimal
    difference: Decimal
    bodies_in_alliances: int
    kept: int
    summary: str

    @property
    def candidate_names(self) -> list[str]:
        return [a.name for a in self.candidates]


def scenario_status_quo(scenario: Scenario) -> StatusQuo:
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
    total = sum((r.saving for r in rows), Decimal(0))
    scenario_saving = scenario.total_saving or Decimal(0)
    in_alliances = sum(len(r.members) for r in rows)
    return StatusQuo(
        rows=rows,
        candidates=candidates,
        warnings=warnings,
        saving=total,
        scenario_saving=scenario_saving,
        difference=scenario_saving - total,
        bodies_in_alliances=in_alliances,
        kept=sum(1 for r in rows if r.kept),
        summary=_(
            "%(count)s bestehende Verbünde teilen die Aufgabe (geteilter Dienst) "
            "mit %(bodies)s Körperschaften"
        )
        % {"count": len(rows), "bodies": format_number(in_alliances)},
    )
