"""The working state of the heuristic: the groups while they change, and the candidate graph of
pairs it may bring together (pure)."""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.spatial import cKDTree

from ..model import FloatArray, GroupCost, Instance, chord_to_km
from .core import NEAREST_CANDIDATES, Constraints, is_connected

# --- candidate graph --------------------------------------------------------------------------------


def candidate_edges(instance: Instance, constraints: Constraints) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of bodies the heuristic may bring together directly (``a < b``).

    Contiguous groups: the neighbour graph. Otherwise also each body's nearest bodies (a body
    rarely gains from a partner that is farther away than its eight nearest), within twice the
    distance limit. Always within a Kreis when asked, never with a body without a location or a
    member of a fixed group.
    """
    pairs: set[tuple[int, int]] = set()
    for i, nbrs in enumerate(instance.adjacency):
        pairs.update((i, j) for j in nbrs if i < j)
    if not constraints.contiguous:
        located = np.flatnonzero(instance.located)
        if located.size > 1:
            k = min(NEAREST_CANDIDATES + 1, located.size)
            tree = cKDTree(instance.xyz[located])
            _, nearest = tree.query(instance.xyz[located], k=k)
            for row, origin in zip(nearest.tolist(), located.tolist(), strict=True):
                for j in row[1:]:
                    other = int(located[j])
                    pairs.add((min(origin, other), max(origin, other)))
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    edges = np.array(sorted(pairs), dtype=np.int64)
    a, b = edges[:, 0], edges[:, 1]
    keep = instance.located[a] & instance.located[b]
    if constraints.within_kreis:
        keep &= instance.kreis_code[a] == instance.kreis_code[b]
    if constraints.max_distance_km is not None:
        d = chord_to_km(np.linalg.norm(instance.xyz[a] - instance.xyz[b], axis=1))
        keep &= d <= 2 * constraints.max_distance_km + 1e-9
    fixed = np.zeros(instance.n, dtype=bool)
    fixed[list(constraints.fixed_members)] = True
    keep &= ~fixed[a] & ~fixed[b]
    return a[keep], b[keep]


# --- heuristic --------------------------------------------------------------------------------------


class _State:
    """The groups of the heuristic while it works: members, host sums and farthest distances.

    Group ids are body indices at the start (each body alone) and fresh numbers from ``n`` upwards
    for groups made later; ``version`` changes whenever a group changes, so that queued merge gains
    of an old version are recognised as stale.
    """

    def __init__(self, instance: Instance, constraints: Constraints) -> None:
        self.inst = instance
        self.c = constraints
        n = instance.n
        self.of = np.arange(n, dtype=np.int64)  # group id of each body
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.volume: dict[int, float] = {i: float(instance.volume[i]) for i in range(n)}
        self.population: dict[int, int] = {i: int(instance.population[i]) for i in range(n)}
        self.sums: dict[int, FloatArray] = {i: np.zeros(1) for i in range(n)}
        self.far: dict[int, FloatArray] = {i: np.zeros(1) for i in range(n)}
        self.cost: dict[int, float] = {i: float(instance.standalone[i]) for i in range(n)}
        self.version: dict[int, int] = dict.fromkeys(range(n), 0)
        self._counter = itertools.count(1)
        self._memo: dict[tuple[int, ...], GroupCost | None] = {}
        self._pop: list[int] = instance.population.tolist()
        self._next_id = n
        self.locked: set[int] = set()
        for group in constraints.fixed_groups:
            members = sorted(group)
            gid = members[0]
            for i in members[1:]:
                self._drop(i)
            cost = instance.group_cost(members, fixed=True)
            assert cost is not None
            self.set_group(gid, members, cost)
            self.locked.add(gid)

    def fits(self, size: int, population: int) -> bool:
        c = self.c
        if c.max_members is not None and size > c.max_members:
            return False
        return c.max_population is None or population <= c.max_population

    def merged(self, a: int, b: int) -> tuple[float, float, FloatArray, FloatArray] | None:
        """Gain (EUR/year), cost, host sums and farthest distances of ``a ∪ b``; ``None`` if infeasible."""
        ma, mb = self.members[a], self.members[b]
        if not self.fits(len(ma) + len(mb), self.population[a] + self.population[b]):
            return None
        inst = self.inst
        cross = inst.cross_distances(ma, mb)
        sums = np.concatenate(
            [self.sums[a] + cross @ inst.volume[mb], self.sums[b] + cross.T @ inst.volume[ma]]
        )
        far = np.concatenate(
            [np.maximum(self.far[a], cross.max(axis=1)), np.maximum(self.far[b], cross.max(axis=0))]
        )
        candidates = sums
        if self.c.max_distance_km is not None:
            candidates = np.where(far <= self.c.max_distance_km + 1e-9, sums, np.inf)
        best = float(candidates.min())
        if not math.isfinite(best):
            return None
        p = inst.params
        cost = (
            float(p.office_cost(self.volume[a] + self.volume[b]))
            + (len(ma) + len(mb) - 1) * p.overhead_per_member
            + p.travel_rate * best
        )
        return self.cost[a] + self.cost[b] - cost, cost, sums, far

    def merge(self, a: int, b: int, cost: float, sums: FloatArray, far: FloatArray) -> None:
        members = self.members[a] + self.members[b]
        volume = self.volume[a] + self.volume[b]
        population = self.population[a] + self.population[b]
        self._drop(b)
        self.members[a] = members
        self.of[members] = a
        self.volume[a], self.population[a] = volume, population
        self.sums[a], self.far[a], self.cost[a] = sums, far, cost
        self.version[a] = next(self._counter)

    def set_group(self, gid: int, members: list[int], cost: GroupCost) -> None:
        """Give group ``gid`` these members (after a move or swap) and recompute its arrays."""
        inst = self.inst
        self.members[gid] = members
        self.of[members] = gid
        self.volume[gid] = float(inst.volume[members].sum())
        self.population[gid] = int(inst.population[members].sum())
        dist = inst.distance_matrix(members)
        self.sums[gid] = dist @ inst.volume[members]
        self.far[gid] = dist.max(axis=1)
        self.cost[gid] = cost.cost
        self.version[gid] = next(self._counter)

    def new_group(self, i: int) -> int:
        """Body ``i`` (already taken out of its group) forms a group on its own; returns its id."""
        gid = self._next_id
        self._next_id += 1
        self.set_group(gid, [i], self.inst.singleton(i))
        return gid

    def _drop(self, gid: int) -> None:
        for table in (self.members, self.volume, self.population, self.sums, self.far, self.cost):
            table.pop(gid, None)
        self.version[gid] = -1

    def remove_group(self, gid: int) -> None:
        """Forget group ``gid`` (its bodies are given to other groups by the caller)."""
        self._drop(gid)

    def cost_of(self, members: list[int]) -> GroupCost | None:
        """Cost of a would-be group if it is feasible (limits and contiguity), else ``None``.

        Memoised: the local search and the chains ask for the same few thousand groups again and again.
        """
        key = tuple(sorted(members))
        try:
            return self._memo[key]
        except KeyError:
            pass
        inst, c = self.inst, self.c
        result: GroupCost | None
        if len(key) > 1 and (
            not self.fits(len(key), sum(self._pop[i] for i in key))
            or (c.contiguous and not is_connected(inst, key))
        ):
            result = None
        else:
            result = inst.group_cost(key, max_distance_km=c.max_distance_km)
        if len(self._memo) > 500_000:
            self._memo.clear()
        self._memo[key] = result
        return result
