"""How large an exact problem is before it is solved: the number of candidate groups (pure).

:func:`count_candidate_groups` walks the same connected subgraphs as
:func:`verbund.planning.solvers.exact.enumerate_groups` (ESU over the same graph, cut by the same
monotone limits) but only counts them, without storing a group, and stops as soon as the count
exceeds ``limit``. A region that is too large is therefore refused after ``limit`` steps, in about a
second, instead of after the solver's time limit.
"""

from __future__ import annotations

import numpy as np

from ..model import Instance, chord_to_km
from .core import Constraints
from .exact import _exact_graph

#: Candidate groups up to which the exact method is offered for a scenario. Above it HiGHS rarely
#: finds a plan within its time limit (179 Ortsgemeinden with 176,708 groups end at the limit with a
#: plan the heuristic beats by a factor of 2.3; the 37,056 groups of the whole VG level of RLP are
#: proven in about 26 s, docs/planning.md), so a planner is sent to the heuristic up front.
EXACT_SCENARIO_MAX_GROUPS = 150_000


def unbounded(instance: Instance, constraints: Constraints) -> bool:
    """Every subset is a candidate: no member limit, no distance limit, no contiguity, > 20 bodies."""
    c = constraints
    located = sum(1 for i in range(instance.n) if instance.located[i] and i not in c.fixed_members)
    return not c.contiguous and c.max_distance_km is None and c.max_members is None and located > 20


def count_candidate_groups(instance: Instance, constraints: Constraints, *, limit: int) -> int:
    """The number of candidate groups of at least two members, or ``limit + 1`` if there are more."""
    c = constraints
    fixed = c.fixed_members
    allowed = np.array(
        [i for i in range(instance.n) if instance.located[i] and i not in fixed], dtype=np.int64
    )
    if unbounded(instance, constraints):
        return limit + 1
    k = c.max_members if c.max_members is not None else int(allowed.size)
    if k < 2 or allowed.size < 2:
        return 0
    adjacency = _exact_graph(instance, c, allowed)
    population = instance.population
    max_pop = c.max_population
    pair_limit = 2 * c.max_distance_km + 1e-9 if c.max_distance_km is not None else None
    xyz = instance.xyz
    count = 0

    class _Enough(Exception):
        pass

    def far_from(sub: list[int], w: int) -> bool:
        if pair_limit is None:
            return False
        d = chord_to_km(np.linalg.norm(xyz[sub] - xyz[w], axis=1))
        return bool((d > pair_limit).any())

    def extend(sub: list[int], pop: int, ext: list[int], closed: set[int], root: int) -> None:
        nonlocal count
        if len(sub) >= 2:
            count += 1
            if count > limit:
                raise _Enough
        if len(sub) == k:
            return
        ext = list(ext)
        while ext:
            w = ext.pop()
            new_pop = pop + int(population[w])
            if max_pop is not None and new_pop > max_pop:
                continue
            if far_from(sub, w):
                continue
            new_ext = ext + [u for u in adjacency[w] if u > root and u not in closed]
            extend([*sub, w], new_pop, new_ext, closed.union(adjacency[w]), root)

    try:
        for v in allowed.tolist():
            extend([v], int(population[v]), [u for u in adjacency[v] if u > v], {v, *adjacency[v]}, v)
    except _Enough:
        return limit + 1
    return count
