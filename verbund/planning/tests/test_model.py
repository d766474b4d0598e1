"""The cost model, pure: C(v) = F + c·v^β, a group's cost with the best host (office, overhead per
extra member, travel by volume and distance), its saving, member shares that add up, distances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verbund.planning.model import CostParameters, evaluate_partition, haversine_km

from .helpers import PARAMS, instance


def test_office_cost_has_economies_of_scale():
    p = PARAMS
    assert p.office_cost(0) == pytest.approx(100_000)
    assert p.office_cost(1000) == pytest.approx(100_000 + 150 * 1000**0.8)
    # Two offices of 500 cost more than one of 1000 (β < 1 and F twice).
    assert 2 * p.office_cost(500) > p.office_cost(1000)


@pytest.mark.parametrize("field", ["fixed_cost", "unit_cost", "overhead_per_member"])
def test_parameters_refuse_negative_values(field):
    values = PARAMS.as_dict() | {field: -1}
    with pytest.raises(ValueError):
        CostParameters(**values)


def test_parameters_refuse_beta_above_one():
    with pytest.raises(ValueError):
        CostParameters(**(PARAMS.as_dict() | {"scale_exponent": 1.2}))


def test_distances_are_great_circle_km():
    inst = instance([(0, 0), (30, 40)])
    assert inst.distance_km(0, 1) == pytest.approx(50, rel=2e-3)
    assert haversine_km(50, 7, 51, 7) == pytest.approx(111.2, rel=1e-3)
    assert inst.distance_km(0, 1) == pytest.approx(
        haversine_km(inst.lat[0], inst.lon[0], inst.lat[1], inst.lon[1]), rel=1e-9
    )


def test_group_cost_formula_and_best_host():
    # A big body in the middle and two small ones 10 km left and right: the big one hosts.
    inst = instance([(-10, 0), (0, 0), (10, 0)], population=[5_000, 40_000, 5_000])
    g = inst.group_cost([0, 1, 2])
    assert g is not None
    assert g.host == 1
    p = PARAMS
    volume = inst.volume.sum()
    travel = (
        p.travel_cost_per_case_km
        * p.detour_factor
        * (100 * inst.distance_km(0, 1) + 100 * inst.distance_km(2, 1))
    )
    assert g.office == pytest.approx(p.office_cost(volume))
    assert g.overhead == pytest.approx(2 * p.overhead_per_member)
    assert g.travel == pytest.approx(travel)
    assert g.cost == pytest.approx(g.office + g.overhead + g.travel)
    assert g.saving == pytest.approx(float(inst.standalone.sum()) - g.cost)


def test_host_minimises_volume_weighted_distance():
    # On a line, the weighted median is the host: most cases sit at the right end.
    inst = instance([(0, 0), (10, 0), (20, 0)], population=[1_000, 1_000, 30_000])
    g = inst.group_cost([0, 1, 2])
    assert g is not None and g.host == 2
    costs = []
    for host in range(3):
        travel = sum(inst.volume[i] * inst.distance_km(i, host) for i in range(3))
        costs.append(travel)
    assert int(np.argmin(costs)) == g.host


def test_distance_limit_needs_a_host_close_to_everyone():
    inst = instance([(0, 0), (20, 0), (40, 0)])
    assert inst.group_cost([0, 1, 2], max_distance_km=25) is not None  # the middle one hosts
    assert inst.group_cost([0, 2], max_distance_km=25) is None
    assert inst.group_cost([0, 2], max_distance_km=25, fixed=True) is not None  # fixed groups are kept


def test_large_groups_cost_the_same_in_numpy():
    points = [(x * 3.0, (x * 7) % 11) for x in range(20)]
    inst = instance(points, population=[1000 + 500 * i for i in range(20)])
    small = inst.group_cost(range(16))  # plain Python path
    large = inst.group_cost(range(20))  # NumPy path
    assert small is not None and large is not None
    idx = list(range(20))
    dist = inst.distance_matrix(idx)
    sums = dist @ inst.volume[idx]
    assert large.host == int(np.argmin(sums))
    assert large.travel == pytest.approx(PARAMS.travel_rate * sums.min())
    dist16 = inst.distance_matrix(list(range(16)))
    assert small.travel == pytest.approx(PARAMS.travel_rate * (dist16 @ inst.volume[:16]).min())


def test_member_savings_add_up_and_are_proportional():
    inst = instance([(0, 0), (5, 0), (10, 0)], population=[5_000, 10_000, 20_000])
    g = inst.group_cost([0, 1, 2])
    assert g is not None
    shares = inst.member_savings(g)
    assert shares.sum() == pytest.approx(g.saving)
    rates = shares / inst.standalone[[0, 1, 2]]
    assert rates == pytest.approx(np.full(3, rates[0]))


def test_evaluate_partition_adds_missing_bodies_alone_and_refuses_overlaps():
    inst = instance([(0, 0), (5, 0), (10, 0)])
    groups = evaluate_partition(inst, [[0, 1]])
    assert sorted(g.members for g in groups) == [(0, 1), (2,)]
    assert groups[1].saving == 0
    with pytest.raises(ValueError):
        evaluate_partition(inst, [[0, 1], [1, 2]])


def test_body_without_centroid_has_no_distance():
    inst = instance([(0, 0), (5, 0)])
    inst2 = type(inst)(
        keys=inst.keys,
        names=inst.names,
        population=inst.population,
        lat=np.array([inst.lat[0], math.nan]),
        lon=np.array([inst.lon[0], math.nan]),
        kreis=inst.kreis,
        edges=inst.edges,
        params=inst.params,
    )
    assert not inst2.located[1]
    assert inst2.distance_km(0, 1) == 0.0
