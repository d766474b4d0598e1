"""Properties of the allocation engine over generated members and keys (hypothesis): the shares
always add up to the total exactly, no share is negative, reordering the members changes nothing,
each share is within one cent per key component of its exact value, a member that takes part on
fewer days never pays more than an otherwise equal member, and charges are never redistributed."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verbund.shared_services.allocation import (
    EQUAL,
    Member,
    allocate,
    fixed_share,
    largest_remainder,
    mix,
)

PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys_strategy = st.text(alphabet="0123456789", min_size=5, max_size=12)


@st.composite
def member_lists(draw, min_size=1, max_size=30):
    keys = draw(st.lists(keys_strategy, min_size=min_size, max_size=max_size, unique=True))
    return [
        Member(
            key=key,
            population=draw(st.integers(min_value=1, max_value=4_000_000)),
            area_ha=draw(st.integers(min_value=1, max_value=500_000)),
            volume=Decimal(draw(st.integers(min_value=1, max_value=10_000_000))) / 100,
            days=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=365))),
        )
        for key in keys
    ]


simple_keys = st.sampled_from(
    [EQUAL, {"type": "population"}, {"type": "area"}, {"type": "volume"}],
)


@st.composite
def share_keys(draw, members):
    kind = draw(st.sampled_from(["simple", "mix", "fixed", "fixed_mix"]))
    if kind == "simple":
        return draw(simple_keys)
    weight = draw(st.integers(min_value=1, max_value=9999))
    a, b = draw(simple_keys), draw(simple_keys)
    mixed = mix((Decimal(weight) / 100, a), (Decimal(10000 - weight) / 100, b))
    if kind == "mix":
        return mixed
    fixed_member = draw(st.sampled_from(members)).key
    percent = Decimal(draw(st.integers(min_value=0, max_value=9999))) / 100
    if len(members) == 1:
        return fixed_share({fixed_member: "100"}, None)
    return fixed_share({fixed_member: percent}, mixed if kind == "fixed_mix" else a)


totals = st.integers(min_value=0, max_value=10**11).map(lambda c: Decimal(c) / 100)


@PROFILE
@given(data=st.data(), members=member_lists(), total=totals)
def test_shares_sum_to_the_total_and_are_never_negative(data, members, total):
    key = data.draw(share_keys(members))
    result = allocate(key, total, members)

    assert sum(result.shares.values()) == total
    assert all(share >= 0 for share in result.shares.values())
    assert set(result.shares) == {m.key for m in members}


@PROFILE
@given(data=st.data(), members=member_lists(min_size=2), total=totals)
def test_reordering_members_changes_no_share(data, members, total):
    key = data.draw(share_keys(members))
    shuffled = data.draw(st.permutations(members))

    assert allocate(key, total, shuffled).shares == allocate(key, total, members).shares


@PROFILE
@given(members=member_lists(), total=totals, weight=st.integers(min_value=1, max_value=9999))
def test_each_share_is_within_a_cent_per_component_of_the_exact_value(members, total, weight):
    key = mix((Decimal(weight) / 100, EQUAL), (Decimal(10000 - weight) / 100, {"type": "population"}))
    result = allocate(key, total, members)
    cents = Fraction(total * 100)
    days = [365 if m.days is None else m.days for m in members]
    population = [m.population * d for m, d in zip(members, days, strict=True)]
    for member, d, p in zip(members, days, population, strict=True):
        exact = cents * weight / 10000 * Fraction(d, sum(days)) + cents * (10000 - weight) / 10000 * Fraction(
            p, sum(population)
        )
        # one cent for the split between the parts, one per part
        assert abs(Fraction(result.share(member.key) * 100) - exact) <= 3


@PROFILE
@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=50),
)
def test_largest_remainder_is_exact_and_off_by_less_than_a_cent(total, weights):
    if sum(weights) == 0:
        return
    cents = largest_remainder(total, np.array(weights, dtype=np.int64))
    assert int(cents.sum()) == total
    for c, w in zip(cents.tolist(), weights, strict=True):
        assert abs(Fraction(c) - Fraction(total * w, sum(weights))) < 1
        assert c >= 0


@PROFILE
@given(members=member_lists(min_size=2), total=totals, fewer=st.integers(min_value=0, max_value=364))
def test_fewer_days_never_pay_more(members, total, fewer):
    twin_full = Member(key="00000000001", population=1000, area_ha=1000, volume=Decimal(10), days=365)
    twin_part = Member(key="00000000002", population=1000, area_ha=1000, volume=Decimal(10), days=fewer)
    others = [m for m in members if m.key not in {twin_full.key, twin_part.key}]
    key = mix(("50", EQUAL), ("50", {"type": "population"}))
    result = allocate(key, total, [twin_full, twin_part, *others])
    assert result.share(twin_part.key) <= result.share(twin_full.key)


@PROFILE
@given(
    members=member_lists(), price=st.integers(min_value=0, max_value=10**6).map(lambda p: Decimal(p) / 10000)
)
def test_charges_are_price_times_units_rounded_half_up(members, price):
    result = allocate({"type": "price_per_unit", "price": str(price), "unit": "population"}, None, members)
    for m in members:
        days = 365 if m.days is None else m.days
        exact = Fraction(price) * m.population * days / 365 * 100
        assert abs(Fraction(result.share(m.key) * 100) - exact) <= Fraction(1, 2)
    assert result.total == sum(result.shares.values())
