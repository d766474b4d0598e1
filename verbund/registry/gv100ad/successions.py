"""Who succeeded the bodies that disappeared between two issues of the GV100AD (pure, no Django).

GV100AD says nothing about successors; :func:`find_successions` infers them from areas within one
Kreis (a merger, an incorporation, or a Gemeindeverband replaced by one body of the same territory).
The importer (:mod:`verbund.registry.importer`) feeds it :class:`AreaUnit` objects built from the
registry before and after an import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Areas in ha are rounded per Gemeinde, and a merger often comes with small boundary corrections:
#: a successor's area within 1 % of the sum of its predecessors' counts as the same territory.
AREA_TOLERANCE = 0.01
#: Above this many candidates in one Kreis the subset search keeps only one subset per area sum.
_MAX_EXHAUSTIVE = 16


@dataclass(frozen=True, slots=True)
class AreaUnit:
    """A body as the successor search sees it.

    ``region`` is where successors are looked for: the Kreis part of the ARS (5 digits), for the
    Kreis level the Land. ``area_ha`` is the last known area of a dissolved body, the area of a new
    body, or the growth of a continuing one. ``parent`` is the (former) parent's key.
    """

    key: str
    name: str
    level: str
    region: str
    area_ha: int
    parent: str = ""


@dataclass(frozen=True, slots=True)
class Succession:
    """``successor`` took over the territory of ``predecessors``.

    ``how``: ``"neubildung"`` (a new body formed from them), ``"eingliederung"`` (an existing body
    grew by their area) or ``"nachfolge"`` (a dissolved Gemeindeverband replaced by one body of the
    same territory, e.g. a Verwaltungsgemeinschaft whose members merged into one Gemeinde).
    """

    successor: str
    predecessors: tuple[str, ...]
    how: str


def find_successions(
    *,
    dissolved: Iterable[AreaUnit],
    created: Iterable[AreaUnit],
    grown: Iterable[AreaUnit],
    current: Iterable[AreaUnit],
) -> list[Succession]:
    """Match the bodies that disappeared to the bodies that took over their territory.

    GV100AD says nothing about successors, so they are inferred from area: a new body whose area
    equals (within :data:`AREA_TOLERANCE`) the sum of the areas of dissolved bodies of the same level
    in the same Kreis is their merger; an existing body that grew by such a sum absorbed them. Exact
    sums are matched first (over all new bodies), then near ones. A Gemeindeverband left without
    successor is matched to one current body of the same territory. ``current`` are all bodies of
    the new issue with their new area.
    """
    remaining = {unit.key: unit for unit in dissolved}
    results: list[Succession] = []
    targets = [("neubildung", unit) for unit in created] + [
        ("eingliederung", unit) for unit in grown if unit.area_ha > 0
    ]
    for exact in (True, False):
        for how, target in targets:
            if any(result.successor == target.key for result in results):
                continue
            candidates = [
                unit
                for unit in remaining.values()
                if unit.level == target.level and unit.region == target.region and unit.area_ha > 0
            ]
            subset = _best_subset(candidates, target, exact=exact)
            if subset:
                results.append(Succession(target.key, tuple(sorted(u.key for u in subset)), how))
                for unit in subset:
                    del remaining[unit.key]

    current_units = list(current)
    for unit in list(remaining.values()):
        if unit.level not in ("gemeindeverband", "kreis") or unit.area_ha <= 0:
            continue
        matches = [
            other
            for other in current_units
            if other.region == unit.region
            and other.level in ("gemeinde", unit.level)
            and abs(other.area_ha - unit.area_ha) <= unit.area_ha * AREA_TOLERANCE
        ]
        if len(matches) > 1:
            matches = [m for m in matches if _same_name(m.name, unit.name)] or matches
        if len(matches) == 1:
            results.append(Succession(matches[0].key, (unit.key,), "nachfolge"))
            del remaining[unit.key]
    return results


def _best_subset(candidates: list[AreaUnit], target: AreaUnit, *, exact: bool) -> list[AreaUnit] | None:
    """The subset of ``candidates`` whose area sum is closest to the target's (None if too far).

    Ties prefer subsets containing a body of the target's name (Niedergeckler and Obergeckler into
    the new Obergeckler), then subsets from fewer former parents (the members of one dissolved
    Verwaltungsgemeinschaft rather than a mix that happens to add up as well), then fewer members.
    """
    goal = target.area_ha
    slack = 0 if exact else max(1, int(goal * AREA_TOLERANCE))
    candidates = [c for c in candidates if c.area_ha <= goal + slack]
    if not candidates:
        return None
    best: tuple[tuple[int, int, int, int], tuple[AreaUnit, ...]] | None = None
    if len(candidates) <= _MAX_EXHAUSTIVE:
        subsets: Iterable[tuple[AreaUnit, ...]] = _all_subsets(candidates)
    else:
        # Dynamic programming over the reachable sums (one subset per sum) keeps the search linear
        # in the number of sums when a Kreis loses many bodies at once.
        reachable: dict[int, tuple[AreaUnit, ...]] = {0: ()}
        for candidate in candidates:
            for total, members in list(reachable.items()):
                new_total = total + candidate.area_ha
                if new_total <= goal + slack and new_total not in reachable:
                    reachable[new_total] = (*members, candidate)
        subsets = (members for members in reachable.values() if members)
    for members in subsets:
        diff = abs(sum(m.area_ha for m in members) - goal)
        if diff > slack:
            continue
        named = 0 if any(_same_name(m.name, target.name) for m in members) else 1
        rank = (diff, named, len({m.parent for m in members}), len(members))
        if best is None or rank < best[0]:
            best = (rank, members)
    return list(best[1]) if best else None


def _all_subsets(items: list[AreaUnit]) -> Iterable[tuple[AreaUnit, ...]]:
    for mask in range(1, 1 << len(items)):
        yield tuple(item for bit, item in enumerate(items) if mask >> bit & 1)


def _same_name(a: str, b: str) -> bool:
    """Names equal apart from the suffix after the comma ("Berga/Elster, Stadt") and case."""
    return a.split(",")[0].strip().casefold() == b.split(",")[0].strip().casefold()
