"""The solvers, pure (no database): two equal bodies with β < 1 and no travel always merge; a huge
travel cost merges nothing; the heuristic never returns an infeasible group (hypothesis on random
small graphs and constraints); the exact solver matches brute force over all set partitions on tiny
instances; constraints and fixed groups are respected; recommendations rank and explain."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verbund.planning.model import CostParameters, Instance
from verbund.planning.solvers import (
    Constraints,
    ExactTooLarge,
    group_problems,
    is_connected,
    plan_exact,
    plan_heuristic,
    plan_problems,
    recommend,
)

from .helpers import PARAMS, grid, instance

NO_TRAVEL = CostParameters(**(PARAMS.as_dict() | {"travel_cost_per_case_km": 0.0}))
HUGE_TRAVEL = CostParameters(**(PARAMS.as_dict() | {"travel_cost_per_case_km": 1_000.0}))


# --- the obvious cases ------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [0.5, 0.8, 0.99])
def test_two_equal_bodies_with_economies_of_scale_and_no_travel_merge(beta):
    params = CostParameters(**(NO_TRAVEL.as_dict() | {"scale_exponent": beta, "overhead_per_member": 0.0}))
    inst = instance([(0, 0), (50, 0)], population=8_000, params=params)
    for result in (plan_heuristic(inst), plan_exact(inst, Constraints(max_members=2))):
        assert [g.members for g in result.cooperating] == [(0, 1)]
        assert result.total_saving > 0
    assert recommend(inst, 0)[0].group.members == (0, 1)


def test_huge_travel_cost_merges_nothing():
    inst = grid(3, 2, params=HUGE_TRAVEL)
    for result in (plan_heuristic(inst), plan_exact(inst, Constraints(max_members=3))):
        assert result.cooperating == []
        assert result.total_saving == 0
        assert len(result.groups) == inst.n
    assert recommend(inst, 0) == []


def test_max_members_one_keeps_everyone_alone():
    inst = grid(2, 2)
    assert plan_heuristic(inst, Constraints(max_members=1)).cooperating == []


def test_fixed_groups_stay_as_they_are_even_beyond_the_limits():
    inst = grid(3, 3)
    fixed = (0, 2, 8)  # not contiguous, three members
    constraints = Constraints(max_members=2, contiguous=True, fixed_groups=(fixed,))
    for result in (plan_heuristic(inst, constraints), plan_exact(inst, constraints)):
        kept = [g for g in result.groups if g.fixed]
        assert [g.members for g in kept] == [fixed]
        assert plan_problems(inst, constraints, result.groups) == []
        assert all(g.size <= 2 for g in result.groups if not g.fixed)


def test_overlapping_fixed_groups_are_refused():
    with pytest.raises(ValueError):
        Constraints(fixed_groups=((0, 1), (1, 2)))


def test_exact_refuses_unbounded_regions():
    inst = grid(5, 5)
    with pytest.raises(ExactTooLarge):
        plan_exact(inst, Constraints())
    with pytest.raises(ExactTooLarge):
        plan_exact(inst, Constraints(max_members=5), max_groups=10)


def test_grid_is_tiled_perfectly():
    # 4 × 4 bodies in groups of at most 4: the optimum needs exactly four groups.
    inst = grid(4, 4, params=NO_TRAVEL)
    constraints = Constraints(max_members=4, contiguous=True)
    exact = plan_exact(inst, constraints, mip_rel_gap=1e-9)
    heuristic = plan_heuristic(inst, constraints)
    assert exact.proven_optimal
    assert len(exact.cooperating) == 4
    assert heuristic.total_saving == pytest.approx(exact.total_saving, rel=1e-9)


def test_summary_and_gap_of_an_exact_plan():
    inst = grid(3, 3)
    result = plan_exact(inst, Constraints(max_members=3, contiguous=True), mip_rel_gap=1e-9)
    summary = result.summary()
    assert summary["proven_optimal"] is True
    assert summary["bodies"] == 9
    assert summary["bodies_in_groups"] + summary["alone"] == 9
    assert result.gap == pytest.approx(0, abs=1e-6)
    assert summary["total_saving"] == pytest.approx(result.total_saving, abs=0.01)


# --- constraints --------------------------------------------------------------------------------------


def test_group_problems_name_each_broken_limit():
    inst = instance(
        [(0, 0), (10, 0), (100, 0)], population=[10_000, 20_000, 30_000], kreis=["07111", "07111", "07222"]
    )
    c = Constraints(
        max_members=2, max_population=25_000, max_distance_km=5, contiguous=True, within_kreis=True
    )
    problems = group_problems(inst, [0, 1, 2], c)
    text = " ".join(problems)
    assert "3 Mitglieder" in text
    assert "60.000 Einwohner" in text
    assert "verschiedenen Kreisen" in text
    assert "kein Mitglied liegt höchstens 5,0 km" in text
    assert group_problems(inst, [0], c) == []


@pytest.mark.parametrize(
    "constraints",
    [
        Constraints(max_members=3, contiguous=True),
        Constraints(max_members=4, max_population=35_000),
        Constraints(max_members=5, max_distance_km=12),
        Constraints(max_members=4, contiguous=True, within_kreis=True),
    ],
    ids=["members", "population", "distance", "kreis"],
)
def test_both_solvers_respect_the_constraints(constraints):
    inst = grid(4, 3, population=12_000, kreis=["07111"] * 6 + ["07222"] * 6)
    for result in (plan_heuristic(inst, constraints), plan_exact(inst, constraints)):
        assert plan_problems(inst, constraints, result.groups) == []
        assert result.total_saving > 0


def test_is_connected():
    inst = grid(3, 1)
    assert is_connected(inst, [0, 1, 2])
    assert not is_connected(inst, [0, 2])


# --- random instances ---------------------------------------------------------------------------------


@st.composite
def problems(draw: st.DrawFn, max_n: int = 9) -> tuple[Instance, Constraints]:
    n = draw(st.integers(2, max_n))
    coords = st.floats(0, 60, allow_nan=False, allow_infinity=False)
    points = [(draw(coords), draw(coords)) for _ in range(n)]
    pairs = list(itertools.combinations(range(n), 2))
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    population = draw(st.lists(st.integers(200, 60_000), min_size=n, max_size=n))
    kreis = draw(st.lists(st.sampled_from(["07111", "07222"]), min_size=n, max_size=n))
    travel = draw(st.sampled_from([0.0, 0.2, 2.0, 20.0]))
    params = CostParameters(**(PARAMS.as_dict() | {"travel_cost_per_case_km": travel}))
    inst = instance(points, population=population, edges=edges, kreis=kreis, params=params)
    fixed: tuple[tuple[int, ...], ...] = ()
    if draw(st.booleans()):
        size = draw(st.integers(2, min(3, n)))
        fixed = (tuple(sorted(draw(st.permutations(range(n)))[:size])),)
    constraints = Constraints(
        max_members=draw(st.sampled_from([None, 2, 3, 4])),
        max_population=draw(st.sampled_from([None, 30_000, 80_000])),
        max_distance_km=draw(st.sampled_from([None, 15.0, 40.0])),
        contiguous=draw(st.booleans()),
        within_kreis=draw(st.booleans()),
        fixed_groups=fixed,
    )
    return inst, constraints


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_n=12))
def test_heuristic_never_returns_an_infeasible_group(problem):
    inst, constraints = problem
    result = plan_heuristic(inst, constraints)
    assert plan_problems(inst, constraints, result.groups) == []
    assert result.total_saving >= sum(g.saving for g in result.groups if g.fixed) - 1e-6
    assert all(g.saving > -1e-6 for g in result.groups if not g.fixed)


def set_partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def brute_force(inst: Instance, constraints: Constraints) -> float:
    """The best total saving over every set partition that satisfies the constraints."""
    fixed = [sorted(g) for g in constraints.fixed_groups]
    free = [i for i in range(inst.n) if i not in constraints.fixed_members]
    base = 0.0
    for group in fixed:
        cost = inst.group_cost(group, fixed=True)
        assert cost is not None
        base += cost.saving
    best = 0.0
    for partition in set_partitions(free):
        total = 0.0
        for group in partition:
            if len(group) == 1:
                continue
            if group_problems(inst, group, constraints):
                break
            cost = inst.group_cost(group, max_distance_km=constraints.max_distance_km)
            assert cost is not None
            total += cost.saving
        else:
            best = max(best, total)
    return base + best


def test_set_partitions_counts_bell_numbers():
    assert [sum(1 for _ in set_partitions(list(range(n)))) for n in range(1, 7)] == [1, 2, 5, 15, 52, 203]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_n=7))
def test_exact_solver_matches_brute_force(problem):
    inst, constraints = problem
    result = plan_exact(inst, constraints, mip_rel_gap=1e-9)
    assert result.proven_optimal
    assert plan_problems(inst, constraints, result.groups) == []
    expected = brute_force(inst, constraints)
    assert result.total_saving == pytest.approx(expected, rel=1e-7, abs=1e-4)
    heuristic = plan_heuristic(inst, constraints)
    assert heuristic.total_saving <= result.total_saving + 1e-4


# --- recommendations ------------------------------------------------------------------------------------


def test_recommendations_are_ranked_and_explained():
    alliances = [frozenset({"Cyber"}), frozenset({"Cyber"}), frozenset(), frozenset(), frozenset()]
    inst = instance(
        [(0, 0), (8, 0), (16, 0), (0, 9), (60, 60)],
        population=[12_000, 30_000, 9_000, 7_000, 50_000],
        edges=[(0, 1), (1, 2), (0, 3)],
        alliances=alliances,
    )
    recs = recommend(inst, 0, max_size=3, limit=20)
    assert recs, "cooperation pays here"
    savings = [r.group.saving for r in recs]
    assert savings == sorted(savings, reverse=True)
    assert all(0 in r.group.members and 2 <= r.group.size <= 3 for r in recs)
    assert all(r.partners == tuple(i for i in r.group.members if i != 0) for r in recs)
    with_1 = next(r for r in recs if r.group.members == (0, 1))
    text = " ".join(with_1.reasons)
    assert "Gemeinsame Grenze mit Gemeinde 1" in text
    assert "Bereits gemeinsam im Verbund „Cyber“ mit Gemeinde 1" in text
    assert "Am günstigsten übernimmt Gemeinde 1 die Aufgabe" in text  # the larger one hosts
    assert "Kreisverwaltung" in text
    assert with_1.own_saving == pytest.approx(inst.member_savings(with_1.group)[0])


def test_recommendations_respect_constraints():
    inst = instance(
        [(0, 0), (8, 0), (16, 0), (0, 9)],
        population=[12_000, 30_000, 9_000, 7_000],
        edges=[(0, 1), (1, 2)],
        kreis=["07111", "07111", "07222", "07111"],
    )
    contiguous = recommend(inst, 0, max_size=4, constraints=Constraints(contiguous=True))
    assert contiguous and all(is_connected(inst, r.group.members) for r in contiguous)
    kreis = recommend(inst, 0, max_size=4, constraints=Constraints(within_kreis=True))
    assert kreis and all(2 not in r.group.members for r in kreis)
    small = recommend(inst, 0, max_size=4, constraints=Constraints(max_population=20_000))
    assert small and all(inst.population[list(r.group.members)].sum() <= 20_000 for r in small)
    assert recommend(inst, 0, max_size=1) == []


def test_heuristic_reports_progress():
    notes: list[tuple[float, str]] = []
    plan_heuristic(grid(3, 3), Constraints(max_members=3), progress=lambda f, n: notes.append((f, n)))
    fractions = [f for f, _ in notes]
    assert fractions[0] == 0 and fractions[-1] == 1
    assert fractions == sorted(fractions)
    assert np.all(np.diff(fractions) >= 0)
