"""Partner groups for one body, ranked by their saving, with German reasons (pure)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..model import GroupCost, Instance
from .core import EPS, Constraints, is_connected
from .exact import group_costs
from .explain import explain

# --- recommendations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A partner group for one body: the group, the body's own share of the saving, the reasons."""

    group: GroupCost
    body: int
    own_saving: float
    reasons: tuple[str, ...]

    @property
    def partners(self) -> tuple[int, ...]:
        return tuple(i for i in self.group.members if i != self.body)


def recommend(
    instance: Instance,
    body: int,
    *,
    max_size: int = 4,
    candidates: int = 12,
    limit: int = 10,
    constraints: Constraints | None = None,
) -> list[Recommendation]:
    """The best groups of 2 to ``max_size`` members that include ``body``, ranked by their saving.

    Partners are drawn from the body's neighbours and its ``candidates`` nearest bodies holding the
    same task; every subset of them up to the size limit is costed (a few thousand at most), the
    constraints (population, distance, contiguity, Kreis) are respected, and each group that saves
    money comes with its reasons in German.
    """
    c = constraints or Constraints()
    if not instance.located[body] or max_size < 2:
        return []
    others = np.array([i for i in range(instance.n) if i != body and instance.located[i]], dtype=np.int64)
    if c.within_kreis:
        others = others[instance.kreis_code[others] == instance.kreis_code[body]]
    if others.size == 0:
        return []
    dist = instance.distances_from(body, others)
    if c.max_distance_km is not None:
        near = dist <= 2 * c.max_distance_km + 1e-9
        others, dist = others[near], dist[near]
    order = np.argsort(dist, kind="stable")[:candidates]
    pool = sorted(
        {int(others[j]) for j in order} | (set(instance.adjacency[body]) & {int(o) for o in others})
    )
    found: list[tuple[float, tuple[int, ...], int, float]] = []
    size_limit = max_size if c.max_members is None else min(max_size, c.max_members)
    for size in range(2, size_limit + 1):
        combos = [(body, *rest) for rest in itertools.combinations(pool, size - 1)]
        if not combos:
            break
        groups = np.array(combos, dtype=np.int64)
        if c.max_population is not None:
            groups = groups[instance.population[groups].sum(axis=1) <= c.max_population]
        if c.contiguous and len(groups):
            groups = groups[[is_connected(instance, g.tolist()) for g in groups]]
        if not len(groups):
            continue
        costs, hosts = group_costs(instance, groups, max_distance_km=c.max_distance_km)
        saving = instance.standalone[groups].sum(axis=1) - costs
        for j in np.flatnonzero(np.isfinite(costs) & (saving > EPS)):
            found.append(
                (float(saving[j]), tuple(sorted(groups[j].tolist())), int(hosts[j]), float(costs[j]))
            )
    found.sort(key=lambda item: (-item[0], len(item[1]), item[1]))
    result = []
    for _saving, members, _host, _cost in found[:limit]:
        group = instance.group_cost(members, max_distance_km=c.max_distance_km)
        assert group is not None
        share = instance.member_savings(group)[group.members.index(body)]
        result.append(Recommendation(group, body, float(share), tuple(explain(instance, group, body))))
    return result


# --- German reasons and numbers ---------------------------------------------------------------------
