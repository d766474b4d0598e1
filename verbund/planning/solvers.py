"""Solvers of the planning part, pure (NumPy/SciPy, no Django).

* :func:`recommend`: the best partner groups of 2 to k members for one body, with German reasons.
* :func:`plan_heuristic`: a Land-wide partition into groups that maximises the total saving, fast:
  greedy merging along the edges of a candidate graph by the best gain, then local search (moving
  one body to a neighbouring group or out on its own, swapping two bodies), repeated until nothing
  improves; ejection chains that dissolve small groups; and small windows re-optimised exactly.
  Every step keeps every group feasible, so the result is never infeasible.
* :func:`plan_exact`: the exact reference for small regions: every feasible group is enumerated
  (connected subgraphs within the limits, each exactly once: the ESU algorithm of Wernicke, 2006),
  and the set-partitioning problem is solved with HiGHS through ``scipy.optimize.milp``. A body alone
  saves nothing, so the partition problem is a packing problem ("each body in at most one group")
  over the groups that save something, which is much smaller and has the same optimum.

Constraints (:class:`Constraints`): maximum members, maximum population, maximum distance of every
member to the host, contiguous groups (connected in the neighbour graph), staying within a Kreis,
and fixed groups (existing alliances kept as they are, exempt from the other limits).
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csc_array
from scipy.spatial import cKDTree

from .model import FloatArray, GroupCost, Instance, chord_to_km

#: ``progress(fraction 0..1, German note)``; called now and then by the long-running solvers.
Progress = Callable[[float, str], None]

#: Gains below this many EUR per year are noise, not improvements (floating point).
EPS = 1e-6
#: Largest number of groups the exact solver enumerates before it gives up.
EXACT_MAX_GROUPS = 1_000_000
#: The exact solver's default time limit (seconds), enumeration and MILP together.
EXACT_TIME_LIMIT = 60.0
#: Relative gap at which HiGHS stops and calls the plan optimal (HiGHS's default).
EXACT_MIP_GAP = 1e-4
#: Bodies in one window that the heuristic re-optimises exactly (see :func:`_improve_windows`).
WINDOW_SIZE = 24
#: Seconds the windows may take in all: a base plus a little per body (0.13 s for 170 bodies, 0.56 s for
#: 2,300, 2.3 s for 11,000). What the windows improve in that time is kept.
WINDOW_BUDGET_BASE = 0.1
WINDOW_BUDGET_PER_BODY = 0.0002
#: Seconds HiGHS may spend on one window.
WINDOW_TIME_LIMIT = 0.2
#: Nearest bodies that join the candidate graph of the heuristic when groups need not be contiguous.
NEAREST_CANDIDATES = 8


class PlanningError(Exception):
    """A plan cannot be computed (a German message for the user)."""


class ExactTooLarge(PlanningError):
    """The region has too many feasible groups for the exact solver."""


@dataclass(frozen=True)
class Constraints:
    """The limits a planner chooses; ``None`` means no limit. ``fixed_groups`` hold body indices."""

    max_members: int | None = None
    max_population: int | None = None
    max_distance_km: float | None = None
    contiguous: bool = False
    within_kreis: bool = False
    fixed_groups: tuple[tuple[int, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.max_members is not None and self.max_members < 1:
            raise ValueError("max_members must be at least 1")
        if self.max_population is not None and self.max_population < 0:
            raise ValueError("max_population must not be negative")
        if self.max_distance_km is not None and self.max_distance_km < 0:
            raise ValueError("max_distance_km must not be negative")
        seen: set[int] = set()
        for group in self.fixed_groups:
            if seen.intersection(group):
                raise ValueError("fixed groups must not overlap")
            seen.update(group)

    @property
    def fixed_members(self) -> frozenset[int]:
        return frozenset(i for group in self.fixed_groups for i in group)


# --- feasibility ------------------------------------------------------------------------------------


def is_connected(instance: Instance, members: Iterable[int]) -> bool:
    """Whether ``members`` form one connected piece of the neighbour graph."""
    todo = set(members)
    if len(todo) <= 1:
        return True
    stack = [todo.pop()]
    while stack:
        node = stack.pop()
        for other in instance.adjacency[node]:
            if other in todo:
                todo.remove(other)
                stack.append(other)
    return not todo


def group_problems(instance: Instance, members: Sequence[int], constraints: Constraints) -> list[str]:
    """What makes ``members`` an infeasible (non-fixed) group, in German; empty when it is feasible."""
    members = sorted(set(members))
    if len(members) <= 1:
        return []
    problems = []
    c = constraints
    if c.max_members is not None and len(members) > c.max_members:
        problems.append(f"{len(members)} Mitglieder, höchstens {c.max_members} erlaubt")
    population = int(instance.population[members].sum())
    if c.max_population is not None and population > c.max_population:
        problems.append(f"{de_int(population)} Einwohner, höchstens {de_int(c.max_population)} erlaubt")
    if c.within_kreis and len({instance.kreis[i] for i in members}) > 1:
        problems.append("Mitglieder aus verschiedenen Kreisen")
    if c.contiguous and not is_connected(instance, members):
        problems.append("kein zusammenhängendes Gebiet")
    if not instance.located[members].all():
        problems.append("Mitglied ohne Lage (kein Flächenschwerpunkt)")
    elif (
        c.max_distance_km is not None
        and instance.group_cost(members, max_distance_km=c.max_distance_km) is None
    ):
        problems.append(f"kein Mitglied liegt höchstens {de_num(c.max_distance_km, 1)} km von allen anderen")
    if constraints.fixed_members.intersection(members):
        problems.append("enthält Mitglieder eines festen Verbunds")
    return problems


def plan_problems(instance: Instance, constraints: Constraints, groups: Sequence[GroupCost]) -> list[str]:
    """Everything wrong with a plan: bodies missing or twice, infeasible groups, fixed groups broken."""
    problems = []
    counts = np.zeros(instance.n, dtype=np.int64)
    for g in groups:
        counts[list(g.members)] += 1
    if (counts != 1).any():
        problems.append(f"{int((counts != 1).sum())} Körperschaften fehlen oder sind mehrfach verplant")
    fixed = {tuple(sorted(f)) for f in constraints.fixed_groups}
    for g in groups:
        if g.fixed:
            if tuple(sorted(g.members)) not in fixed:
                problems.append(f"Gruppe {g.members} ist als fest markiert, aber kein fester Verbund")
            continue
        for problem in group_problems(instance, g.members, constraints):
            problems.append(f"Gruppe {g.members}: {problem}")
    kept = {tuple(sorted(g.members)) for g in groups if g.fixed}
    for f in fixed - kept:
        problems.append(f"fester Verbund {f} fehlt")
    return problems


# --- results ----------------------------------------------------------------------------------------


@dataclass
class PlanResult:
    """A partition of every body of an instance into groups (singletons included) and how it was found."""

    solver: str
    groups: list[GroupCost]
    seconds: float
    #: Exact solver: whether HiGHS proved the optimum (``None`` for the heuristic).
    proven_optimal: bool | None = None
    #: Exact solver: the best upper bound on the total saving that HiGHS proved.
    upper_bound: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def total_saving(self) -> float:
        return float(sum(g.saving for g in self.groups))

    @property
    def standalone_cost(self) -> float:
        return float(sum(g.standalone for g in self.groups))

    @property
    def planned_cost(self) -> float:
        return float(sum(g.cost for g in self.groups))

    @property
    def cooperating(self) -> list[GroupCost]:
        return [g for g in self.groups if g.size > 1]

    @property
    def gap(self) -> float | None:
        """Relative distance to the proven upper bound (0 = proven optimal), when there is one."""
        if self.upper_bound is None:
            return None
        if self.upper_bound <= EPS:
            return 0.0
        return max(0.0, (self.upper_bound - self.total_saving) / self.upper_bound)

    def summary(self) -> dict[str, Any]:
        """The figures every output (command, page, API) shows."""
        cooperating = self.cooperating
        return {
            "solver": self.solver,
            "seconds": round(self.seconds, 3),
            "bodies": sum(g.size for g in self.groups),
            "groups": len(cooperating),
            "bodies_in_groups": sum(g.size for g in cooperating),
            "alone": sum(1 for g in self.groups if g.size == 1),
            "fixed_groups": sum(1 for g in self.groups if g.fixed),
            "largest_group": max((g.size for g in self.groups), default=0),
            "total_saving": round(self.total_saving, 2),
            "standalone_cost": round(self.standalone_cost, 2),
            "planned_cost": round(self.planned_cost, 2),
            "saving_share": round(self.total_saving / self.standalone_cost, 6)
            if self.standalone_cost
            else 0.0,
            "proven_optimal": self.proven_optimal,
            "upper_bound": None if self.upper_bound is None else round(self.upper_bound, 2),
            "gap": None if self.gap is None else round(self.gap, 6),
            **{k: v for k, v in self.details.items() if isinstance(v, int | float | str | bool)},
        }


def _finish(
    instance: Instance,
    constraints: Constraints,
    solver: str,
    groups: list[list[int]],
    started: float,
    **kwargs: Any,
) -> PlanResult:
    fixed_keys = {tuple(sorted(f)) for f in constraints.fixed_groups}
    costs: list[GroupCost] = []
    for members in groups:
        key = tuple(sorted(members))
        fixed = key in fixed_keys
        cost = instance.group_cost(
            key, max_distance_km=None if fixed else constraints.max_distance_km, fixed=fixed
        )
        assert cost is not None, f"solver returned a group without a feasible host: {key}"
        costs.append(cost)
    costs.sort(key=lambda g: (-g.size, -g.saving, g.members))
    return PlanResult(solver=solver, groups=costs, seconds=time.perf_counter() - started, **kwargs)


def _warnings(instance: Instance) -> list[str]:
    missing = int((~instance.located).sum())
    if not missing:
        return []
    return [f"{de_int(missing)} Körperschaften ohne Flächenschwerpunkt bleiben allein (keine Entfernungen)."]


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


def _greedy_merge(
    state: _State, a_edges: np.ndarray, b_edges: np.ndarray, adjacency: list[list[int]]
) -> tuple[int, set[int]]:
    """Merge the pair of neighbouring groups with the best gain until no merge gains anything."""
    inst, c = state.inst, state.c
    if c.max_members is not None and c.max_members < 2:
        return 0, set()
    heap: list[tuple[float, int, int, int, int]] = []
    # All pairs of different groups along candidate edges: pairs of two bodies still alone are
    # costed at once (vectorised), pairs involving larger groups one by one.
    ga, gb = state.of[a_edges], state.of[b_edges]
    differ = ga != gb
    ga, gb = ga[differ], gb[differ]
    sizes = {gid: len(m) for gid, m in state.members.items()}
    movable = np.array(
        [
            g not in state.locked and h not in state.locked
            for g, h in zip(ga.tolist(), gb.tolist(), strict=True)
        ],
        dtype=bool,
    )
    ga, gb = ga[movable], gb[movable]
    both = np.array(
        [sizes[g] == 1 and sizes[h] == 1 for g, h in zip(ga.tolist(), gb.tolist(), strict=True)], dtype=bool
    )
    if both.any():
        sa, sb = ga[both], gb[both]
        ia = np.array([state.members[g][0] for g in sa.tolist()], dtype=np.int64)
        ib = np.array([state.members[g][0] for g in sb.tolist()], dtype=np.int64)
        p = inst.params
        vol_a, vol_b = inst.volume[ia], inst.volume[ib]
        d = chord_to_km(np.linalg.norm(inst.xyz[ia] - inst.xyz[ib], axis=1))
        pair_cost = (
            p.office_cost(vol_a + vol_b)
            + p.overhead_per_member
            + p.travel_rate * np.minimum(vol_a, vol_b) * d
        )
        gain = inst.standalone[ia] + inst.standalone[ib] - pair_cost
        ok = gain > EPS
        if c.max_population is not None:
            ok &= inst.population[ia] + inst.population[ib] <= c.max_population
        if c.max_distance_km is not None:
            ok &= d <= c.max_distance_km + 1e-9
        for g, x, y in zip(gain[ok].tolist(), sa[ok].tolist(), sb[ok].tolist(), strict=True):
            heap.append((-g, state.version[x], state.version[y], x, y))
    seen: set[tuple[int, int]] = set()
    for x, y in zip(ga[~both].tolist(), gb[~both].tolist(), strict=True):
        key = (min(x, y), max(x, y))
        if key in seen:
            continue
        seen.add(key)
        result = state.merged(*key)
        if result is not None and result[0] > EPS:
            heap.append((-result[0], state.version[key[0]], state.version[key[1]], key[0], key[1]))
    heapq.heapify(heap)
    merges = 0
    changed: set[int] = set()
    while heap:
        _neg_gain, va, vb, a, b = heapq.heappop(heap)
        if state.version.get(a) != va or state.version.get(b) != vb:
            continue  # one of the two groups changed since this gain was computed
        result = state.merged(a, b)
        if result is None:  # cannot happen with current versions; kept as a guard
            continue
        _gain, cost, sums, far = result
        state.merge(a, b, cost, sums, far)
        changed.add(a)
        merges += 1
        others = {int(state.of[o]) for m in state.members[a] for o in adjacency[m]}
        others.discard(a)
        for o in sorted(others - state.locked):
            result = state.merged(a, o)
            if result is not None and result[0] > EPS:
                heapq.heappush(heap, (-result[0], state.version[a], state.version[o], a, o))
    touched = {m for gid in changed if gid in state.members for m in state.members[gid]}
    return merges, touched


def _local_search(
    state: _State, adjacency: list[list[int]], deadline: float, dirty: set[int] | None = None
) -> tuple[int, set[int]]:
    """Move single bodies to a neighbouring group or out alone, or swap two, while that saves money.

    Only bodies in ``dirty`` (default: all) are looked at; a change marks the bodies of the groups
    it touched and their candidate neighbours dirty again. Returns the number of improvements and
    the bodies whose groups changed.
    """
    inst = state.inst
    improvements = 0
    touched: set[int] = set()
    todo = set(range(inst.n)) if dirty is None else set(dirty)

    def mark(gids: Iterable[int]) -> None:
        for gid in gids:
            for m in state.members.get(gid, ()):
                touched.add(m)
                todo.add(m)
                todo.update(adjacency[m])

    while todo and time.perf_counter() < deadline:
        current, todo = sorted(todo), set()
        for v in current:
            g = int(state.of[v])
            if g in state.locked or not adjacency[v]:
                continue
            members = state.members[g]
            rest = [m for m in members if m != v]
            rest_cost = state.cost_of(rest) if rest else None
            alone = float(inst.standalone[v])
            best_delta: float = EPS
            best_move: tuple[Any, ...] | None = None
            if rest_cost is not None:
                delta = state.cost[g] - rest_cost.cost - alone
                if delta > best_delta:
                    best_delta, best_move = delta, ("alone",)
            can_leave = rest_cost is not None or not rest
            base = rest_cost.cost if rest_cost is not None else 0.0
            for h in sorted({int(state.of[o]) for o in adjacency[v]} - {g} - state.locked):
                if can_leave:
                    joined = state.cost_of([*state.members[h], v])
                    if joined is not None:
                        delta = state.cost[g] + state.cost[h] - base - joined.cost
                        if delta > best_delta:
                            best_delta, best_move = delta, ("move", h, joined)
                if rest and len(state.members[h]) > 1:
                    for u in adjacency[v]:
                        if int(state.of[u]) != h:
                            continue
                        cost_g = state.cost_of([*rest, u])
                        if cost_g is None:
                            continue
                        new_h = [m for m in state.members[h] if m != u] + [v]
                        cost_h = state.cost_of(new_h)
                        if cost_h is None:
                            continue
                        delta = state.cost[g] + state.cost[h] - cost_g.cost - cost_h.cost
                        if delta > best_delta:
                            best_delta, best_move = delta, ("swap", h, u, cost_g, new_h, cost_h)
            if best_move is None:
                continue
            if best_move[0] == "alone":
                assert rest_cost is not None
                state.set_group(g, rest, rest_cost)
                mark([g, state.new_group(v)])
            elif best_move[0] == "move":
                _, h, joined = best_move
                if rest_cost is None:
                    state.remove_group(g)
                else:
                    state.set_group(g, rest, rest_cost)
                state.set_group(h, [*state.members[h], v], joined)
                mark([g, h])
            else:
                _, h, u, cost_g, new_h, cost_h = best_move
                state.set_group(g, [*rest, u], cost_g)
                state.set_group(h, new_h, cost_h)
                mark([g, h])
            improvements += 1
    return improvements, touched


def _dissolve_small_groups(
    state: _State, adjacency: list[list[int]], deadline: float, *, max_depth: int = 8
) -> tuple[int, set[int]]:
    """Empty small groups by ejection chains: one group fewer saves roughly one fixed cost.

    With a member limit, greedy merging leaves bodies alone or in small groups between full ones
    (a tiling problem). A body ``e`` of a small group ``E`` can still join a full neighbour group
    ``G1`` if ``G1`` passes one of its bodies to a neighbour ``G2``, which passes one on …, until a
    group with room takes the last one: a chain found by breadth-first search over the groups,
    every intermediate group staying connected and feasible. ``E`` is dissolved when all its bodies
    find such chains; the change is kept only if the total cost falls. Returns the number of groups
    dissolved and the bodies whose groups changed.
    """
    inst, c = state.inst, state.c
    if c.max_members is None or c.max_members < 2:
        return 0, set()
    k = c.max_members
    dissolved = 0
    touched: set[int] = set()
    targets = sorted(
        (gid for gid, m in state.members.items() if len(m) < k and gid not in state.locked),
        key=lambda gid: (len(state.members[gid]), gid),
    )
    for target in targets:
        if time.perf_counter() >= deadline:
            break
        if target not in state.members or not all(adjacency[m] for m in state.members[target]):
            continue
        overlay: dict[int, list[int]] = {}  # group id → members after the chains found so far

        def members_of(gid: int, overlay: dict[int, list[int]] = overlay) -> list[int]:
            return overlay.get(gid, state.members.get(gid, []))

        group_of: dict[int, int] = {}  # body → group id, where the overlay moved it

        def gid_of(body: int, group_of: dict[int, int] = group_of) -> int:
            return group_of.get(body, int(state.of[body]))

        success = True
        while members_of(target):
            remaining = members_of(target)
            # Leave the rest of the target connected: take a body whose removal keeps it so.
            order = [
                e
                for e in remaining
                if len(remaining) == 1 or is_connected(inst, [m for m in remaining if m != e])
            ]
            chain = None
            for e in order:
                chain = _find_chain(state, adjacency, e, target, members_of, gid_of, k, max_depth)
                if chain is not None:
                    break
            if chain is None:
                success = False
                break
            for body, source, dest in chain:
                overlay[source] = [m for m in members_of(source) if m != body]
                overlay[dest] = [*members_of(dest), body]
                group_of[body] = dest
        if not success:
            continue
        before = sum(state.cost[g] for g in overlay)
        new_costs: dict[int, GroupCost] = {}
        for gid, members in overlay.items():
            if not members:
                continue
            cost = state.cost_of(members)
            if cost is None:
                break
            new_costs[gid] = cost
        else:
            after = sum(cost.cost for cost in new_costs.values())
            if after < before - EPS:
                for gid, members in overlay.items():
                    touched.update(state.members.get(gid, []))
                    if members:
                        state.set_group(gid, members, new_costs[gid])
                    else:
                        state.remove_group(gid)
                dissolved += 1
    return dissolved, touched


def _find_chain(
    state: _State,
    adjacency: list[list[int]],
    e: int,
    source: int,
    members_of: Callable[[int], list[int]],
    gid_of: Callable[[int], int],
    k: int,
    max_depth: int,
) -> list[tuple[int, int, int]] | None:
    """Breadth-first search for moves ``(body, from group, to group)`` that bring ``e`` into another
    group, each receiving group passing one body on until one has room (see
    :func:`_dissolve_small_groups`). Every group along the chain stays connected and within the limits."""
    start = [(gid_of(o), e) for o in adjacency[e] if gid_of(o) != source]
    queue: list[tuple[int, int, list[tuple[int, int, int]]]] = []
    seen = {source}
    for gid, body in sorted(set(start)):
        if gid in state.locked or gid in seen:
            continue
        seen.add(gid)
        queue.append((gid, body, [(body, source, gid)]))
    head = 0
    while head < len(queue):
        gid, incoming, path = queue[head]
        head += 1
        members = [*members_of(gid), incoming]
        if len(members) <= k and state.cost_of(members) is not None:
            return path
        if len(path) >= max_depth:
            continue
        for u in members:
            if u == incoming:
                continue
            rest = [m for m in members if m != u]
            if state.cost_of(rest) is None:
                continue  # passing u on would break this group (contiguity, distance, population)
            for o in adjacency[u]:
                nxt = gid_of(o)
                if nxt in seen or nxt in state.locked:
                    continue
                seen.add(nxt)
                queue.append((nxt, u, [*path, (u, gid, nxt)]))
    return None


def _improve_windows(
    state: _State,
    adjacency: list[list[int]],
    deadline: float,
    *,
    window_size: int,
    max_window_groups: int = 20_000,
    passes: int = 2,
) -> tuple[int, set[int]]:
    """Re-optimise small windows of neighbouring groups exactly (large neighbourhood search).

    Greedy merging and single moves leave stranded bodies: a body alone between full groups, two
    groups of three where a better cut gives one of five and one alone. A window is a group that
    could take more members (or any group when there is no member limit) together with the
    neighbouring groups around it, up to ``window_size`` bodies; its bodies are re-partitioned
    optimally (enumeration and HiGHS, as :func:`plan_exact`, on the window only) and the result is
    kept when it saves more. The current groups are a solution of the window problem, so a window
    never gets worse and never infeasible. Windows whose enumeration exceeds ``max_window_groups``
    are skipped.
    """
    inst, c = state.inst, state.c
    improvements = 0
    touched: set[int] = set()
    for _pass in range(passes):
        full = c.max_members
        seeds = sorted(
            gid
            for gid, members in state.members.items()
            if gid not in state.locked and (full is None or len(members) < full) and adjacency[members[0]]
        )
        if not seeds:
            break
        changed = False
        for seed in seeds:
            if time.perf_counter() >= deadline:
                return improvements, touched
            if seed not in state.members:
                continue  # already re-cut in an earlier window of this pass
            window = [seed]
            bodies = list(state.members[seed])
            frontier = [seed]
            while frontier and len(bodies) < window_size:
                next_frontier = []
                for gid in frontier:
                    around = sorted(
                        {int(state.of[o]) for m in state.members[gid] for o in adjacency[m]}
                        - set(window)
                        - state.locked
                    )
                    for other in around:
                        if len(bodies) >= window_size:
                            break
                        window.append(other)
                        bodies.extend(state.members[other])
                        next_frontier.append(other)
                frontier = next_frontier
            if len(window) < 2 and len(bodies) < 2:
                continue
            current = sum(float(inst.standalone[state.members[g]].sum()) - state.cost[g] for g in window)
            try:
                by_size = _enumerate(
                    inst, c, np.array(sorted(bodies), dtype=np.int64), max_groups=max_window_groups
                )
            except ExactTooLarge:
                continue
            try:
                packing = _solve_packing(
                    inst,
                    by_size,
                    c,
                    time_limit=min(WINDOW_TIME_LIMIT, deadline - time.perf_counter()),
                    mip_rel_gap=EXACT_MIP_GAP,
                )
            except PlanningError:
                continue  # HiGHS found nothing in time: the window stays as it is
            if packing.saving <= current + max(EPS, 1e-9 * abs(current)):
                continue
            for gid in window:
                state.remove_group(gid)
            covered: set[int] = set()
            for members in packing.chosen:
                cost = inst.group_cost(members, max_distance_km=c.max_distance_km)
                assert cost is not None
                gid = state.new_group(members[0])
                state.set_group(gid, sorted(members), cost)
                covered.update(members)
            for body in bodies:
                if body not in covered:
                    state.new_group(body)
            touched.update(bodies)
            improvements += 1
            changed = True
        if not changed:
            break
    return improvements, touched


def plan_heuristic(
    instance: Instance,
    constraints: Constraints | None = None,
    *,
    progress: Progress | None = None,
    time_limit: float | None = None,
    rounds: int = 4,
    window_size: int = WINDOW_SIZE,
) -> PlanResult:
    """A good partition fast: greedy merging and local search, alternating until nothing improves,
    then exact re-optimisation of small windows (``window_size`` bodies, 0 = none) and a last local
    search around what the windows changed.

    ``time_limit`` (seconds) bounds the local search and the windows; the greedy phase always
    completes, and whatever is done when time runs out is a feasible plan.
    """
    started = time.perf_counter()
    constraints = constraints or Constraints()
    deadline = started + time_limit if time_limit is not None else math.inf
    report = progress or (lambda fraction, note: None)
    report(0.0, "Kandidaten werden bestimmt")
    a_edges, b_edges = candidate_edges(instance, constraints)
    adjacency: list[list[int]] = [[] for _ in range(instance.n)]
    for a, b in zip(a_edges.tolist(), b_edges.tolist(), strict=True):
        adjacency[a].append(b)
        adjacency[b].append(a)
    state = _State(instance, constraints)
    merges = moves = 0
    dirty: set[int] | None = None
    for round_no in range(rounds):
        report(0.1 + 0.8 * round_no / rounds, f"Runde {round_no + 1}: Gruppen werden zusammengelegt")
        merged, merged_bodies = _greedy_merge(state, a_edges, b_edges, adjacency)
        if round_no and not merged:
            break
        if dirty is not None:
            dirty |= merged_bodies | {o for m in merged_bodies for o in adjacency[m]}
        report(0.1 + 0.8 * (round_no + 0.5) / rounds, f"Runde {round_no + 1}: Gruppen werden verbessert")
        improved, touched = _local_search(state, adjacency, deadline, dirty)
        dirty = touched | {o for m in touched for o in adjacency[m]}
        merges += merged
        moves += improved
        if not improved or time.perf_counter() >= deadline:
            break
    report(0.85, "Kleine Gruppen werden über Ketten aufgelöst")
    dissolved, touched = _dissolve_small_groups(state, adjacency, deadline)
    if touched:
        improved, _ = _local_search(
            state, adjacency, deadline, touched | {o for m in touched for o in adjacency[m]}
        )
        moves += improved
    windows = 0
    if window_size > 1 and time.perf_counter() < deadline:
        report(0.9, "Fenster benachbarter Gruppen werden exakt neu aufgeteilt")
        budget = WINDOW_BUDGET_BASE + WINDOW_BUDGET_PER_BODY * instance.n
        window_deadline = min(deadline, time.perf_counter() + budget)
        windows, touched = _improve_windows(state, adjacency, window_deadline, window_size=window_size)
        if touched:
            improved, _ = _local_search(
                state, adjacency, deadline, touched | {o for m in touched for o in adjacency[m]}
            )
            moves += improved
    report(1.0, "fertig")
    return _finish(
        instance,
        constraints,
        "heuristic",
        list(state.members.values()),
        started,
        details={
            "merges": merges,
            "moves": moves,
            "dissolved": dissolved,
            "windows": windows,
            "candidate_edges": int(a_edges.size),
        },
        warnings=_warnings(instance),
    )


# --- exact ------------------------------------------------------------------------------------------


def _exact_graph(instance: Instance, constraints: Constraints, allowed: np.ndarray) -> dict[int, list[int]]:
    """The graph whose connected subgraphs contain every feasible group (see :func:`enumerate_groups`),
    over the bodies ``allowed``."""
    nodes = allowed.tolist()
    ok = set(nodes)
    c = constraints
    adjacency: dict[int, list[int]] = {}
    if c.contiguous:
        adjacency = {node: [o for o in instance.adjacency[node] if o in ok] for node in nodes}
    elif c.max_distance_km is not None:
        # Every member lies within the limit of the host: the group is a star around the host in
        # the graph of pairs within the limit, so it is connected there.
        adjacency = {node: [] for node in nodes}
        tree = cKDTree(instance.xyz[allowed])
        chord = 2 * math.sin(min(c.max_distance_km, math.pi * 6371.0) / (2 * 6371.0088))
        for x, y in tree.query_pairs(chord + 1e-12, output_type="ndarray").tolist():
            adjacency[nodes[x]].append(nodes[y])
            adjacency[nodes[y]].append(nodes[x])
    else:
        adjacency = {node: [o for o in nodes if o != node] for node in nodes}
    if c.within_kreis:
        code = instance.kreis_code
        adjacency = {a: [b for b in nbrs if code[b] == code[a]] for a, nbrs in adjacency.items()}
    return {node: sorted(set(nbrs)) for node, nbrs in adjacency.items()}


def enumerate_groups(
    instance: Instance,
    constraints: Constraints,
    *,
    max_groups: int = EXACT_MAX_GROUPS,
    deadline: float = math.inf,
    progress: Progress | None = None,
) -> dict[int, np.ndarray]:
    """Every candidate group of at least two members, by size: ``{size: array (count × size)}``.

    Each connected subgraph of :func:`_exact_graph` is produced exactly once (ESU: extend a subgraph
    only by vertices larger than its first vertex that are not already next to it). Branches are cut
    by the monotone limits (members, population, every pair within twice the distance limit); the
    remaining condition, a host within the limit of every member, is checked with the costs.
    Raises :class:`ExactTooLarge` beyond ``max_groups`` groups or when the ``deadline`` passes.
    """
    c = constraints
    fixed = c.fixed_members
    allowed = np.array(
        [i for i in range(instance.n) if instance.located[i] and i not in fixed], dtype=np.int64
    )
    if not c.contiguous and c.max_distance_km is None and c.max_members is None and allowed.size > 20:
        raise ExactTooLarge(
            "Ohne Höchstzahl an Mitgliedern, Entfernungsgrenze oder zusammenhängende Gruppen ist jede "
            "Teilmenge eine mögliche Gruppe; die exakte Lösung braucht mindestens eine dieser Grenzen."
        )
    return _enumerate(instance, c, allowed, max_groups=max_groups, deadline=deadline, progress=progress)


def _enumerate(
    instance: Instance,
    c: Constraints,
    allowed: np.ndarray,
    *,
    max_groups: int,
    deadline: float = math.inf,
    progress: Progress | None = None,
) -> dict[int, np.ndarray]:
    """:func:`enumerate_groups` over the bodies ``allowed`` only (a window of the heuristic, or all)."""
    k = c.max_members if c.max_members is not None else int(allowed.size)
    if k < 2 or allowed.size < 2:
        return {}
    adjacency = _exact_graph(instance, c, allowed)
    population = instance.population
    max_pop = c.max_population
    pair_limit = 2 * c.max_distance_km + 1e-9 if c.max_distance_km is not None else None
    xyz = instance.xyz
    out: dict[int, list[tuple[int, ...]]] = {}
    count = 0
    report = progress or (lambda fraction, note: None)
    ticks = 0

    def far_from(sub: list[int], w: int) -> bool:
        if pair_limit is None:
            return False
        d = chord_to_km(np.linalg.norm(xyz[sub] - xyz[w], axis=1))
        return bool((d > pair_limit).any())

    def extend(sub: list[int], pop: int, ext: list[int], closed: set[int], root: int) -> None:
        nonlocal count, ticks
        if len(sub) >= 2:
            out.setdefault(len(sub), []).append(tuple(sub))
            count += 1
            if count > max_groups:
                raise ExactTooLarge(
                    f"Mehr als {de_int(max_groups)} mögliche Gruppen: für die exakte Lösung ist die Region "
                    "zu groß. Region verkleinern, Grenzen enger fassen oder die Heuristik wählen."
                )
            ticks += 1
            if ticks >= 20000:
                ticks = 0
                if time.perf_counter() > deadline:
                    raise ExactTooLarge("Zeitgrenze beim Aufzählen der möglichen Gruppen erreicht.")
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

    nodes = allowed.tolist()
    for position, v in enumerate(nodes):
        if position % 50 == 0:
            report(0.5 * position / len(nodes), "Mögliche Gruppen werden aufgezählt")
        extend([v], int(population[v]), [u for u in adjacency[v] if u > v], {v, *adjacency[v]}, v)
    return {size: np.array(groups, dtype=np.int64) for size, groups in sorted(out.items())}


@dataclass
class _Packing:
    """The groups HiGHS chose, the proven bound on their saving, and what the solver reported."""

    chosen: list[list[int]]
    saving: float
    upper_bound: float | None
    proven: bool
    details: dict[str, Any]


def _count_cuts(
    rows: np.ndarray, cols: np.ndarray, sizes: np.ndarray, weights: np.ndarray
) -> LinearConstraint | None:
    """Valid inequalities that close most of the gap of the packing LP.

    Any partition of ``m`` bodies into groups of at most ``k`` has at least ``⌈m/k⌉`` groups, so the
    number of merges, ``Σ (|G| − 1) x_G``, is at most ``m − ⌈m/k⌉``. The LP relaxation ignores this
    rounding (26 bodies in groups of 4 make 6.5 groups in the LP, 7 in reality), which leaves HiGHS
    a gap of about one fixed cost that it closes only by long branching. One inequality per
    connected set of bodies (bodies that can share a group, transitively) restores it. The same
    holds for population (``weights``): with groups of at most ``P_max`` inhabitants (the largest
    candidate group, or the largest body alone), ``m`` bodies with ``P`` inhabitants need at least
    ``⌈P/P_max⌉`` groups; the stronger of the two bounds is used.
    """
    n_rows = weights.size
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    # Link the bodies of each group in a chain; components of that graph are the connected sets.
    order = np.argsort(cols, kind="stable")
    r, c = rows[order], cols[order]
    same = c[1:] == c[:-1]
    graph = coo_array((np.ones(int(same.sum())), (r[:-1][same], r[1:][same])), shape=(n_rows, n_rows))
    count, label = connected_components(graph, directed=False)
    start = np.concatenate([[True], ~same])
    comp_of_column = np.empty(sizes.size, dtype=np.int64)
    comp_of_column[c[start]] = label[r[start]]
    members = np.bincount(label, minlength=count)
    largest = np.zeros(count, dtype=np.int64)
    np.maximum.at(largest, comp_of_column, sizes)
    column_weight = np.bincount(c, weights=weights[r], minlength=sizes.size)
    heaviest = np.zeros(count)
    np.maximum.at(heaviest, label, weights.astype(np.float64))
    np.maximum.at(heaviest, comp_of_column, column_weight)
    total = np.bincount(label, weights=weights, minlength=count)
    groups_needed = np.ceil(members / np.maximum(largest, 1)).astype(np.int64)
    by_weight = np.where(heaviest > 0, np.ceil(total / np.where(heaviest > 0, heaviest, 1) - 1e-9), 0)
    groups_needed = np.maximum(groups_needed, by_weight.astype(np.int64))
    bound = members - groups_needed
    # Only bounds below the trivial one (every group as large as the largest) cut anything off.
    useful = [j for j in range(count) if largest[j] >= 2 and bound[j] < members[j] - members[j] / largest[j]]
    if not useful:
        return None
    index = {j: i for i, j in enumerate(useful)}
    pick = np.array([index.get(int(j), -1) for j in comp_of_column], dtype=np.int64)
    keep = pick >= 0
    matrix = csc_array(
        ((sizes - 1)[keep].astype(np.float64), (pick[keep], np.flatnonzero(keep))),
        shape=(len(useful), sizes.size),
    )
    upper = bound[useful].astype(np.float64)
    return LinearConstraint(matrix, -np.inf, upper)


def _solve_packing(
    instance: Instance,
    by_size: dict[int, np.ndarray],
    constraints: Constraints,
    *,
    time_limit: float,
    mip_rel_gap: float,
) -> _Packing:
    """Choose disjoint groups among ``by_size`` with the largest total saving (MILP, HiGHS)."""
    columns: list[np.ndarray] = []
    savings: list[float] = []
    enumerated = 0
    for groups in by_size.values():
        enumerated += len(groups)
        costs, _hosts = group_costs(instance, groups, max_distance_km=constraints.max_distance_km)
        saving = instance.standalone[groups].sum(axis=1) - costs
        good = np.isfinite(costs) & (saving > EPS)
        columns.extend(groups[good])
        savings.extend(saving[good].tolist())
    details: dict[str, Any] = {"enumerated_groups": enumerated, "columns": len(columns)}
    if not columns:
        return _Packing([], 0.0, 0.0, True, details)
    bodies = np.concatenate(columns)
    nodes, rows = np.unique(bodies, return_inverse=True)  # one row per body that occurs at all
    sizes = np.array([len(c) for c in columns], dtype=np.int64)
    cols = np.repeat(np.arange(len(columns)), sizes)
    matrix = csc_array((np.ones(rows.size), (rows, cols)), shape=(nodes.size, len(columns)))
    details["count_cuts"] = 0
    constraints_ = [LinearConstraint(matrix, -np.inf, 1)]
    cuts = _count_cuts(rows, cols, sizes, instance.population[nodes].astype(np.float64))
    if cuts is not None:
        constraints_.append(cuts)
        details["count_cuts"] = int(cuts.A.shape[0])
    res = milp(
        -np.asarray(savings),
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=constraints_,
        options={"time_limit": max(0.5, time_limit), "mip_rel_gap": mip_rel_gap, "disp": False},
    )
    details.update(
        {
            "milp_status": int(res.status),
            "milp_message": str(res.message),
            "milp_nodes": int(getattr(res, "mip_node_count", 0) or 0),
        }
    )
    if res.x is None:
        raise PlanningError(f"HiGHS fand in {de_num(time_limit, 0)} s keine Lösung ({res.message}).")
    picked = np.flatnonzero(res.x > 0.5)
    bound = getattr(res, "mip_dual_bound", None)
    upper = -float(bound) if bound is not None and math.isfinite(bound) else None
    value = float(np.asarray(savings)[picked].sum())
    proven = res.status == 0
    if proven and upper is None:
        upper = value
    return _Packing([columns[j].tolist() for j in picked], value, upper, proven, details)


def group_costs(
    instance: Instance, groups: np.ndarray, *, max_distance_km: float | None = None, chunk: int = 50_000
) -> tuple[FloatArray, np.ndarray]:
    """Cost with the best host and the host for many groups of one size at once (``count × size``).

    An infeasible group (no host within the distance limit of every member) costs ``inf``.
    """
    p = instance.params
    count, size = groups.shape
    costs = np.empty(count)
    hosts = np.empty(count, dtype=np.int64)
    for start in range(0, count, chunk):
        g = groups[start : start + chunk]
        pts = instance.xyz[g]
        dist = chord_to_km(np.linalg.norm(pts[:, :, None, :] - pts[:, None, :, :], axis=-1))
        vol = instance.volume[g]
        sums = np.einsum("nij,nj->ni", dist, vol)
        if max_distance_km is not None:
            sums = np.where(dist.max(axis=2) <= max_distance_km + 1e-9, sums, np.inf)
        best = np.argmin(sums, axis=1)
        rows = np.arange(g.shape[0])
        travel = sums[rows, best]
        feasible = np.isfinite(travel)
        cost = (
            p.office_cost(vol.sum(axis=1))
            + (size - 1) * p.overhead_per_member
            + p.travel_rate * np.where(feasible, travel, 0.0)
        )
        costs[start : start + chunk] = np.where(feasible, cost, np.inf)
        hosts[start : start + chunk] = g[rows, best]
    return costs, hosts


def plan_exact(
    instance: Instance,
    constraints: Constraints | None = None,
    *,
    time_limit: float = EXACT_TIME_LIMIT,
    max_groups: int = EXACT_MAX_GROUPS,
    mip_rel_gap: float = EXACT_MIP_GAP,
    progress: Progress | None = None,
) -> PlanResult:
    """The optimal partition (or the best HiGHS finds within ``time_limit``, with its proven bound).

    "Proven optimal" means that HiGHS closed the gap between the plan and its bound to
    ``mip_rel_gap`` (default 10⁻⁴, HiGHS's own default). Raises :class:`ExactTooLarge` when the
    region has too many feasible groups or their enumeration alone exceeds the time limit.
    """
    started = time.perf_counter()
    constraints = constraints or Constraints()
    report = progress or (lambda fraction, note: None)
    deadline = started + time_limit
    by_size = enumerate_groups(
        instance, constraints, max_groups=max_groups, deadline=deadline, progress=report
    )
    columns = sum(len(g) for g in by_size.values())
    report(0.6, f"HiGHS löst das Aufteilungsproblem ({de_int(columns)} mögliche Gruppen)")
    packing = _solve_packing(
        instance,
        by_size,
        constraints,
        time_limit=deadline - time.perf_counter(),
        mip_rel_gap=mip_rel_gap,
    )
    fixed_saving = _fixed_saving(instance, constraints)
    report(1.0, "fertig")
    return _finish(
        instance,
        constraints,
        "exact",
        _with_singletons(instance, [list(g) for g in constraints.fixed_groups] + packing.chosen),
        started,
        proven_optimal=packing.proven,
        upper_bound=None if packing.upper_bound is None else packing.upper_bound + fixed_saving,
        details=packing.details,
        warnings=_warnings(instance),
    )


def _fixed_saving(instance: Instance, constraints: Constraints) -> float:
    total = 0.0
    for group in constraints.fixed_groups:
        cost = instance.group_cost(group, fixed=True)
        assert cost is not None
        total += cost.saving
    return total


def _with_singletons(instance: Instance, groups: list[list[int]]) -> list[list[int]]:
    covered = {i for g in groups for i in g}
    return groups + [[i] for i in range(instance.n) if i not in covered]


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


def de_int(value: float) -> str:
    return f"{round(value):,}".replace(",", ".")


def de_num(value: float, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def de_eur(value: float) -> str:
    return f"{de_int(value)} EUR"


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " und " + names[-1]


#: Kinds that lie in a Kreis and are supervised by its Kreisverwaltung (KomZG: lowest common authority).
KREISANGEHOERIG = frozenset({"verbandsgemeinde", "verbandsfreie_gemeinde", "ortsgemeinde"})


def explain(instance: Instance, group: GroupCost, body: int) -> list[str]:
    """Why this group is a good idea, in German: saving, host, distances, neighbours, sizes, alliances."""
    names = instance.names
    members = list(group.members)
    partners = [i for i in members if i != body]
    reasons = []
    share = group.saving / group.standalone if group.standalone else 0.0
    reasons.append(
        f"Gemeinsam {de_eur(group.saving)} im Jahr günstiger als allein "
        f"({de_num(100 * share, 1)} % von {de_eur(group.standalone)})."
    )
    if group.host == body:
        reasons.append(
            f"Am günstigsten übernimmt {names[body]} selbst die Aufgabe für alle "
            "(kürzeste Wege, gewichtet nach Fallzahlen)."
        )
    else:
        reasons.append(
            f"Am günstigsten übernimmt {names[group.host]} die Aufgabe für alle "
            "(kürzeste Wege, gewichtet nach Fallzahlen)."
        )
    distances = [
        f"{names[i]} {de_num(instance.distance_km(i, group.host), 1)} km" for i in members if i != group.host
    ]
    reasons.append(f"Entfernung zu {names[group.host]} (Luftlinie): {_join(distances)}.")
    bordering = [names[p] for p in partners if p in instance.neighbour_sets[body]]
    if bordering:
        reasons.append(f"Gemeinsame Grenze mit {_join(bordering)}.")
    if is_connected(instance, members):
        reasons.append("Die Gruppe bildet ein zusammenhängendes Gebiet.")
    else:
        reasons.append("Nicht alle Mitglieder grenzen aneinander.")
    sizes = [f"{names[i]} {de_int(int(instance.population[i]))}" for i in members]
    reasons.append(
        f"Einwohner: {_join(sizes)}; zusammen {de_int(int(instance.population[members].sum()))} "
        f"Einwohner und rund {de_int(float(instance.volume[members].sum()))} {instance.volume_label} im Jahr."
    )
    shared: dict[str, list[str]] = {}
    for p in partners:
        for alliance in sorted(instance.alliances[body] & instance.alliances[p]):
            shared.setdefault(alliance, []).append(names[p])
    for alliance, with_names in shared.items():
        reasons.append(f"Bereits gemeinsam im Verbund „{alliance}“ mit {_join(with_names)}.")
    kinds = instance.kinds
    same_kreis = len({instance.kreis[i] for i in members}) == 1
    if same_kreis and all(kinds[i] in KREISANGEHOERIG for i in members):
        reasons.append(
            "Alle im selben Kreis: eine Zweckvereinbarung genehmigt die Kreisverwaltung (§ 12 KomZG)."
        )
    else:
        reasons.append(
            "Über Kreisgrenzen oder mit Kreisen und kreisfreien Städten: genehmigt die ADD (§ 12 KomZG)."
        )
    return reasons
