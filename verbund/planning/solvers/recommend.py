"""Partner groups for one body, ranked by their saving, with German reasons (pure).

Existing cooperations count: ``blocks`` are groups that already share the task (the members of a
shared service for it). The body's own block is the starting point — every recommendation contains
it whole and is ranked by what it *adds* to it (the saving over today: the block's cost plus what
the new partners pay alone, minus the cost of the larger group) —, and another block can only be
joined whole (never split up to take one of its members away).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from verbund.common.german import format_number
from verbund.common.i18n import _, gettext_noop

from ..model import GroupCost, Instance
from .core import EPS, Constraints, is_connected
from .exact import group_costs
from .explain import explain

#: The reason that leads a recommendation which extends an existing cooperation (German in the code).
EXTENDS = gettext_noop(
    "Ergänzt die bestehende Zusammenarbeit um %(names)s: zusätzlich %(saving)s EUR im Jahr gegenüber "
    "heute (die bestehende Gruppe und die neuen Partner jeweils wie bisher)."
)
#: The reason for a recommendation that joins another body's existing cooperation.
JOINS = gettext_noop("Schließt sich der bestehenden Zusammenarbeit von %(names)s an (als Ganzes).")

# --- recommendations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A partner group for one body: the group, the body's own share of the saving, the reasons.

    ``added_saving``: what the group saves over today (the existing cooperations it contains as they
    are, everybody else alone); equal to ``group.saving`` when it contains no existing cooperation.
    ``base``: the body's existing cooperation (itself alone when it has none).
    """

    group: GroupCost
    body: int
    own_saving: float
    reasons: tuple[str, ...]
    added_saving: float = 0.0
    base: tuple[int, ...] = field(default=())

    @property
    def partners(self) -> tuple[int, ...]:
        return tuple(i for i in self.group.members if i != self.body)

    @property
    def new_partners(self) -> tuple[int, ...]:
        """The members that are not yet in the body's cooperation."""
        return tuple(i for i in self.group.members if i not in self.base and i != self.body)


def _today_cost(instance: Instance, block: Sequence[int]) -> float:
    """What a block costs today: its group cost as it is (every member alone for a single body)."""
    if len(block) == 1:
        return float(instance.standalone[block[0]])
    cost = instance.group_cost(block, fixed=True)
    return float(cost.cost) if cost is not None else float(instance.standalone[list(block)].sum())


def recommend(
    instance: Instance,
    body: int,
    *,
    max_size: int = 4,
    candidates: int = 12,
    limit: int = 10,
    constraints: Constraints | None = None,
    blocks: Sequence[Sequence[int]] = (),
) -> list[Recommendation]:
    """The best groups of 2 to ``max_size`` members that include ``body``, ranked by their saving.

    Partners are drawn from the body's neighbours and its ``candidates`` nearest bodies holding the
    same task; every subset of them up to the size limit is costed (a few thousand at most), the
    constraints (population, distance, contiguity, Kreis) are respected, and each group that saves
    money comes with its reasons in German.

    ``blocks``: existing cooperations (see the module doc). When ``body`` is in one, every group
    contains that block and holds up to ``max_size`` members, or one more than the block.
    """
    c = constraints or Constraints()
    if not instance.located[body] or max_size < 2:
        return []
    block_of: dict[int, tuple[int, ...]] = {}
    for block in blocks:
        members = tuple(sorted({int(i) for i in block}))
        if len(members) > 1:
            for i in members:
                block_of[i] = members
    base = block_of.get(body, (body,))
    if not all(instance.located[i] for i in base):
        return []
    others = np.array([i for i in range(instance.n) if i not in base and instance.located[i]], dtype=np.int64)
    if c.within_kreis:
        others = others[instance.kreis_code[others] == instance.kreis_code[body]]
    if others.size == 0:
        return []
    dist = instance.distances_from(body, others)
    if c.max_distance_km is not None:
        near = dist <= 2 * c.max_distance_km + 1e-9
        others, dist = others[near], dist[near]
    order = np.argsort(dist, kind="stable")[:candidates]
    allowed = {int(o) for o in others}
    adjacent = set().union(*(instance.adjacency[i] for i in base)) & allowed
    pool = sorted({int(others[j]) for j in order} | adjacent)
    # a member of another cooperation comes with its whole block (only when all of it may join)
    units: list[tuple[int, ...]] = []
    for i in pool:
        unit = block_of.get(i, (i,))
        if unit not in units and all(m in allowed for m in unit):
            units.append(unit)
    size_limit = max(max_size, len(base) + 1) if len(base) > 1 else max_size
    if c.max_members is not None:
        size_limit = min(size_limit, c.max_members)
    today = {unit: _today_cost(instance, unit) for unit in [base, *units]}
    found: dict[tuple[int, ...], tuple[float, tuple[tuple[int, ...], ...]]] = {}
    for count in range(1, size_limit - len(base) + 1):
        combos = [
            chosen
            for chosen in itertools.combinations(units, count)
            if len(base) + sum(len(u) for u in chosen) <= size_limit
        ]
        if not combos:
            continue
        width = max(len(base) + sum(len(u) for u in chosen) for chosen in combos)
        for size in range(len(base) + count, width + 1):
            same = [ch for ch in combos if len(base) + sum(len(u) for u in ch) == size]
            if not same:
                continue
            groups = np.array([sorted([*base, *itertools.chain(*ch)]) for ch in same], dtype=np.int64)
            keep = np.ones(len(groups), dtype=bool)
            if c.max_population is not None:
                keep &= instance.population[groups].sum(axis=1) <= c.max_population
            if c.contiguous:
                keep &= np.array(
                    [
                        bool(k) and is_connected(instance, g.tolist())
                        for k, g in zip(keep, groups, strict=True)
                    ]
                )
            if not keep.any():
                continue
            groups = groups[keep]
            same = [ch for ch, k in zip(same, keep, strict=True) if k]
            costs, _hosts = group_costs(instance, groups, max_distance_km=c.max_distance_km)
            for j in np.flatnonzero(np.isfinite(costs)):
                before = today[base] + sum(today[u] for u in same[j])
                added = before - float(costs[j])
                if added > EPS:
                    found[tuple(groups[j].tolist())] = (added, same[j])
    ranked = sorted(found.items(), key=lambda item: (-item[1][0], len(item[0]), item[0]))
    result = []
    for members, (added, joined) in ranked[:limit]:
        group = instance.group_cost(members, max_distance_km=c.max_distance_km)
        assert group is not None
        reasons = list(explain(instance, group, body))
        if len(base) > 1:
            alone = instance.standalone[list(members)]
            share = added * float(instance.standalone[body]) / float(alone.sum()) if alone.sum() > 0 else 0.0
            new = [instance.names[i] for i in members if i not in base]
            reasons.insert(0, _(EXTENDS) % {"names": ", ".join(new), "saving": format_number(round(added))})
        else:
            share = float(instance.member_savings(group)[group.members.index(body)])
        for unit in joined:
            if len(unit) > 1:
                names = ", ".join(instance.names[i] for i in unit)
                reasons.insert(1 if len(base) > 1 else 0, _(JOINS) % {"names": names})
        result.append(Recommendation(group, body, float(share), tuple(reasons), float(added), base))
    return result
