"""The pure ranking of offers for a request: distance order, exclusion by window, quantity still free,
kind and own body, ties broken by availability and cost, and the explanation."""

from __future__ import annotations

import math
from typing import Any

from verbund.emergency import ranking
from verbund.emergency.ranking import Hold, Need, Offer, OfferIndex, rank_offers

H = 3600.0
# Kaiserslautern-ish place of need
LAT, LON = 49.44, 7.77


def offer(id: int, lat: float | None, lon: float | None, **extra: Any) -> Offer:
    values: dict[str, Any] = {"body_id": 100 + id, "category": "pumpe", "quantity": 2}
    values.update(extra)
    return Offer(id=id, latitude=lat, longitude=lon, **values)


def need(**extra: Any) -> Need:
    values: dict[str, Any] = {
        "category": "pumpe",
        "quantity": 2,
        "latitude": LAT,
        "longitude": LON,
        "starts": 10 * H,
        "ends": 20 * H,
        "body_id": 1,
    }
    values.update(extra)
    return Need(**values)


def test_haversine_and_road_estimate() -> None:
    # one degree of latitude is about 111.2 km
    assert math.isclose(ranking.haversine_km(49.0, 7.0, 50.0, 7.0), 111.2, abs_tol=0.2)
    road, minutes = ranking.road_estimate(100.0)
    assert road == 130.0 and minutes == 130.0


def test_nearest_first_and_unknown_place_last() -> None:
    offers = [
        offer(1, LAT + 0.5, LON),  # ~55 km
        offer(2, None, None),
        offer(3, LAT + 0.1, LON),  # ~11 km
        offer(4, LAT, LON + 0.3),  # ~22 km
    ]
    result = rank_offers(need(), offers)
    assert [r.offer_id for r in result] == [3, 4, 1, 2]
    assert [r.rank for r in result] == [1, 2, 3, 4]
    first = result[0]
    assert first.air_km is not None and math.isclose(first.air_km, 11.12, abs_tol=0.05)
    assert first.road_km is not None and math.isclose(first.road_km, first.air_km * 1.3)
    assert first.minutes is not None and math.isclose(first.minutes, first.road_km)  # at 60 km/h
    assert result[-1].air_km is None


def test_window_category_kind_and_own_body_exclude() -> None:
    offers = [
        offer(1, LAT, LON, available_from=11 * H),  # starts too late
        offer(2, LAT, LON, available_until=19 * H),  # ends too early
        offer(3, LAT, LON, category="fahrzeug"),
        offer(4, LAT, LON, body_id=1),  # the body in need itself
        offer(5, LAT, LON, symbol="fachaufgaben/beleuchtung"),
        offer(6, LAT + 0.2, LON, available_from=10 * H, available_until=20 * H, symbol="fachaufgaben/pumpen"),
    ]
    assert [r.offer_id for r in rank_offers(need(), offers)] == [5, 6]
    assert [r.offer_id for r in rank_offers(need(symbol="fachaufgaben/pumpen"), offers)] == [6]
    assert rank_offers(need(symbol="fachaufgaben/iuk"), offers) == []
    assert rank_offers(need(category="it"), offers) == []


def test_holding_commitments_that_overlap_reduce_what_is_free() -> None:
    offers = [offer(1, LAT, LON, quantity=3), offer(2, LAT + 0.3, LON, quantity=3)]
    holds = [
        Hold(resource_id=1, quantity=2, starts=15 * H, ends=25 * H),  # overlaps
        Hold(resource_id=1, quantity=1, starts=0, ends=10 * H),  # ends when the need starts: no overlap
        Hold(resource_id=2, quantity=3, starts=5 * H, ends=11 * H),  # overlaps: nothing free
    ]
    result = rank_offers(need(quantity=2), offers, holds)
    assert [(r.offer_id, r.free, r.usable) for r in result] == [(1, 1, 1)]
    # outside the held time both are free
    later = rank_offers(need(starts=30 * H, ends=40 * H), offers, holds)
    assert [(r.offer_id, r.free) for r in later] == [(1, 3), (2, 3)]


def test_same_place_ties_broken_by_availability_then_cost() -> None:
    offers = [
        offer(1, LAT, LON, quantity=1),
        offer(2, LAT, LON, quantity=5, daily_rate=200.0),
        offer(3, LAT, LON, quantity=5, daily_rate=100.0),
        offer(4, LAT, LON, quantity=5),
    ]
    result = rank_offers(need(quantity=4), offers)
    assert [r.offer_id for r in result] == [4, 3, 2, 1]
    # 10 hours are one begun day: 4 units × 1 day × 100 EUR
    assert result[1].cost == 400.0


def test_limit_and_index_reuse() -> None:
    offers = [offer(i, LAT + i * 0.01, LON) for i in range(1, 51)]
    index = OfferIndex(offers)
    assert len(index) == 50
    assert [r.offer_id for r in index.rank(need(), limit=3)] == [1, 2, 3]
    assert len(index.rank(need(), limit=None)) == 50
    assert index.rank(need(starts=5 * H, ends=5 * H)) == []


def test_cost_estimate_rules() -> None:
    pump = offer(1, LAT, LON, hourly_rate=10.0)
    assert ranking.window_cost(pump, 2, 0, 5 * H) == 100.0
    bags = offer(2, LAT, LON, consumable=True, unit_cost=0.5, daily_rate=9.0)
    assert ranking.window_cost(bags, 100, 0, 5 * H) == 50.0
    assert ranking.window_cost(offer(3, LAT, LON), 3, 0, 5 * H) == 0.0


def test_explanation_names_distance_availability_and_cost() -> None:
    result = rank_offers(need(quantity=4), [offer(1, LAT + 0.1, LON, quantity=3, daily_rate=50.0)])
    text = ranking.explain(result[0])
    assert text.startswith("Platz 1:")
    assert "km Luftlinie" in text and "Umwegfaktor 1,3" in text and "min Fahrt" in text
    assert "deckt 3 von 4" in text
    assert "150,00 EUR" in text
    unknown = ranking.explain(rank_offers(need(), [offer(2, None, None)])[0])
    assert "Entfernung unbekannt" in unknown and "keine Sätze" in unknown
