"""The exact re-cuts of neighbouring groups: wide sets, their dynamic programme and the work budget
(pure, no database; time is injected, nothing depends on the machine's speed)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from scipy.spatial import Delaunay

from verbund.planning.model import CostParameters
from verbund.planning.solvers import Constraints, plan_exact, plan_heuristic, plan_problems
from verbund.planning.solvers import recut as recut_module
from verbund.planning.solvers.core import RECUT_WORK_BASE, RECUT_WORK_PER_BODY, group_problems
from verbund.planning.solvers.recut import _best_partition, _recut_neighbours, _subsets, _union_groups
from verbund.planning.solvers.state import _State, candidate_edges

from .helpers import PARAMS, grid, instance


def frozen() -> float:
    """A clock that never advances: no seconds budget runs out, only the work budget counts."""
    return 0.0


def _distance_population(seed: int) -> tuple[Any, Constraints]:
    """26 bodies in a 50 km square, non-contiguous groups within 15 km of the host, population cap."""
    params = CostParameters(
        **PARAMS.as_dict()
        | {"fixed_cost": 150_000, "unit_cost": 90, "scale_exponent": 0.85, "travel_cost_per_case_km": 0.5}
    )
    rng = np.random.default_rng(seed)
    points = rng.random((26, 2)) * 50
    population = rng.lognormal(9.3, 0.6, 26).astype(int).tolist()
    cap = int(rng.choice([50_000, 70_000]))
    inst = instance([(float(x), float(y)) for x, y in points], population=population, params=params, edges=[])
    return inst, Constraints(max_distance_km=15.0, max_population=cap)


def _beta05(seed: int) -> tuple[Any, Constraints]:
    """26 bodies with Delaunay neighbours, β = 0.5 (large groups cheap), contiguous groups of ≤ 5."""
    params = CostParameters(
        **PARAMS.as_dict()
        | {"fixed_cost": 60_000, "unit_cost": 4_000, "scale_exponent": 0.5, "overhead_per_member": 6_000}
    )
    rng = np.random.default_rng(seed)
    points = rng.random((26, 2)) * 50
    edges = sorted(
        {
            (int(min(a, b)), int(max(a, b)))
            for tri in Delaunay(points).simplices
            for a, b in itertools.combinations(tri.tolist(), 2)
        }
    )
    population = rng.lognormal(9.8, 0.7, 26).astype(int).tolist()
    inst = instance(
        [(float(x), float(y)) for x, y in points], population=population, params=params, edges=edges
    )
    return inst, Constraints(max_members=5, contiguous=True)


#: Instances where re-cutting at most 12 bodies in at most 4 groups left the search at 0.950, 0.949
#: and 0.983 of the optimum: the better cut needs 13–16 bodies in four or five groups.
@pytest.mark.parametrize(
    ("make", "seed"), [(_distance_population, 2), (_distance_population, 3), (_beta05, 9)]
)
def test_wide_recuts_reach_the_optimum_where_narrow_ones_stop(make, seed):
    inst, constraints = make(seed)
    result = plan_heuristic(inst, constraints, window_size=0, clock=frozen)
    optimum = plan_exact(inst, constraints)
    assert optimum.proven_optimal
    assert plan_problems(inst, constraints, result.groups) == []
    assert result.total_saving / optimum.total_saving >= 0.99


def test_the_recuts_keep_a_work_budget_that_makes_the_search_reproducible():
    inst, constraints = _distance_population(3)
    result = plan_heuristic(inst, constraints, window_size=0, clock=frozen)
    assert 0 < result.details["recut_sets"] <= RECUT_WORK_BASE + RECUT_WORK_PER_BODY * inst.n
    # A clock that moves (but never reaches a budget) gives the very same plan: the work decides.
    ticks = iter(range(10**9))
    slow = plan_heuristic(inst, constraints, window_size=0, clock=lambda: next(ticks) * 1e-9)
    assert [g.members for g in slow.groups] == [g.members for g in result.groups]
    assert slow.details["recut_sets"] == result.details["recut_sets"]
    # A small work budget stops the re-cuts after that many sets, whatever the clock says.
    state = _State(inst, constraints)
    a_edges, b_edges = candidate_edges(inst, constraints)
    adjacency: list[list[int]] = [[] for _ in range(inst.n)]
    for a, b in zip(a_edges.tolist(), b_edges.tolist(), strict=True):
        adjacency[a].append(b)
        adjacency[b].append(a)
    for a, b in zip(range(0, inst.n - 1, 2), range(1, inst.n, 2), strict=True):
        merged = state.merged(a, b)
        if merged is not None:
            state.merge(a, b, merged[1], merged[2], merged[3])
    _improved, _touched, work = _recut_neighbours(state, adjacency, float("inf"), max_work=3, clock=frozen)
    assert work == 3


def test_best_partition_of_sixteen_bodies_is_the_exact_optimum():
    population = [8_000, 12_000, 9_000, 15_000, 7_000, 11_000, 10_000, 6_000] * 2
    inst = grid(4, 4, population=population)
    constraints = Constraints(max_members=4, contiguous=True)
    value, groups = _best_partition(_State(inst, constraints), list(range(inst.n)))
    optimum = plan_exact(inst, constraints)
    assert optimum.proven_optimal
    assert value == pytest.approx(optimum.total_saving, rel=1e-9)
    costs = [inst.group_cost(g) for g in groups]
    assert all(
        cost is not None and not constraints_problems(inst, g) for g, cost in zip(groups, costs, strict=True)
    )
    assert sum(cost.saving for cost in costs if cost is not None) == pytest.approx(value, rel=1e-9)


def constraints_problems(inst: Any, members: list[int]) -> list[str]:
    from verbund.planning.solvers.core import group_problems

    return group_problems(inst, members, Constraints(max_members=4, contiguous=True))


@pytest.mark.parametrize("mask", [0, 1, 0b1011, 0xFF, 0x1F0F, 0b1010_0000_0001_0110])
def test_subsets_of_a_mask_are_all_and_only_its_subsets(mask):
    expected = sorted(s for s in range(1 << 16) if not s & ~mask)
    assert sorted(_subsets(mask).tolist()) == expected


# --- cheap re-cuts: bulk costs, a branch and bound, the dynamic programme as a fallback -------------


def _brute_force_groups(state: _State, union: list[int], within_kreis: bool) -> dict[int, float]:
    """Every feasible group of 2+ bodies of ``union`` that saves money, costed one by one."""
    found: dict[int, float] = {}
    for mask in range(1, 1 << len(union)):
        members = [union[i] for i in range(len(union)) if mask >> i & 1]
        if len(members) < 2:
            continue
        if within_kreis and len({state.inst.kreis[b] for b in members}) > 1:
            continue
        cost = state.cost_of(members)
        if cost is not None and cost.standalone - cost.cost > 1e-6:
            found[mask] = cost.standalone - cost.cost
    return found


def _twelve(constraints: Constraints) -> Any:
    rng = np.random.default_rng(5)
    points = [(float(x), float(y)) for x, y in rng.random((12, 2)) * 30]
    edges = sorted(
        {
            (int(min(a, b)), int(max(a, b)))
            for tri in Delaunay(np.array(points)).simplices
            for a, b in itertools.combinations(tri.tolist(), 2)
        }
    )
    population = rng.lognormal(9.3, 0.6, 12).astype(int).tolist()
    kreis = ["07131" if x < 15 else "07132" for x, _ in points]
    return instance(points, population=population, edges=edges, kreis=kreis)


CONSTRAINT_CASES = [
    Constraints(max_members=4, max_distance_km=12.0, max_population=60_000),
    Constraints(max_members=5, contiguous=True),
    Constraints(max_population=70_000, contiguous=True),
    Constraints(max_distance_km=15.0, within_kreis=True),
]


@pytest.mark.parametrize("constraints", CONSTRAINT_CASES)
def test_bulk_costs_of_a_union_are_those_of_group_cost(constraints):
    inst = _twelve(constraints)
    state = _State(inst, constraints)
    union = list(range(inst.n))
    masks, savings, members = _union_groups(state, union)
    expected = _brute_force_groups(state, union, constraints.within_kreis)
    assert expected
    assert sorted(masks.tolist()) == sorted(expected)
    for mask, saving, row in zip(masks.tolist(), savings.tolist(), members.tolist(), strict=True):
        assert saving == pytest.approx(expected[mask], rel=1e-9)
        assert [i for i in row if i < len(union)] == [i for i in range(len(union)) if mask >> i & 1]


def test_a_recut_costs_no_group_one_by_one(monkeypatch):
    """The costs of a union's groups come in bulk: not one call of ``group_cost`` (thousands before,
    10–15 ms a re-cut on wide non-contiguous unions, so the seconds cap ended the step early)."""
    inst, constraints = _distance_population(3)
    calls = []
    original = type(inst).group_cost

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(inst), "group_cost", counting)
    value, groups = _best_partition(_State(inst, constraints), list(range(16)))
    assert value > 0 and groups
    assert calls == []


def _saving(inst: Any, constraints: Constraints, groups: list[list[int]]) -> float:
    """What feasible ``groups`` save together (each checked against the limits)."""
    assert all(not group_problems(inst, g, constraints) for g in groups)
    costs = [inst.group_cost(g, max_distance_km=constraints.max_distance_km) for g in groups]
    return sum(cost.saving for cost in costs if cost is not None)


@pytest.mark.parametrize("constraints", CONSTRAINT_CASES)
def test_branch_and_bound_and_dynamic_programme_find_the_same_optimum(constraints, monkeypatch):
    inst = _twelve(constraints)
    union = list(range(inst.n))
    value, groups = _best_partition(_State(inst, constraints), union)
    optimum = plan_exact(inst, constraints)
    assert optimum.proven_optimal
    assert value == pytest.approx(optimum.total_saving, rel=1e-9)
    assert _saving(inst, constraints, groups) == pytest.approx(value, rel=1e-9)
    # Nothing beats the optimum itself: the current cut stays.
    assert _best_partition(_State(inst, constraints), union, value) == (value, [])
    # Without nodes for the branch and bound the dynamic programme over all subsets decides.
    monkeypatch.setattr(recut_module, "RECUT_SEARCH_NODES", 0)
    dp_value, dp_groups = _best_partition(_State(inst, constraints), union)
    assert dp_value == pytest.approx(value, rel=1e-9)
    assert _saving(inst, constraints, dp_groups) == pytest.approx(value, rel=1e-9)
    assert _best_partition(_State(inst, constraints), union, value) == (value, [])
