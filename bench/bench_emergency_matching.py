"""Mutual aid: ranking the resource pool for requests (pure, :mod:`verbund.emergency.ranking`).

20,000 seeded offers of 8 categories across Rhineland-Palatinate (rates, windows, 5,000 holding
commitments), then ``one_request_ms`` (median of 200 single requests against them, index built once;
target ≤ 50 ms) and ``thousand_requests_s`` (1,000 requests including the index build; target ≤ 5 s).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

from verbund.emergency.ranking import Hold, Need, Offer, OfferIndex

SEED = 20261204
OFFERS = 20_000
HOLDS = 5_000
REQUESTS = 1_000
CATEGORIES = ("fahrzeug", "stromerzeuger", "pumpe", "sandsaecke", "it", "personal", "unterkunft", "sonstiges")
DAY = 86400.0


def synthetic(rnd: random.Random) -> tuple[list[Offer], list[Hold], list[Need]]:
    offers = []
    for i in range(1, OFFERS + 1):
        start = None if rnd.random() < 0.6 else rnd.uniform(0, 10 * DAY)
        offers.append(
            Offer(
                id=i,
                body_id=rnd.randrange(1, 400),
                category=rnd.choice(CATEGORIES),
                quantity=rnd.randint(1, 20),
                latitude=rnd.uniform(48.95, 50.95),
                longitude=rnd.uniform(6.1, 8.5),
                symbol=rnd.choice(("", "fachaufgaben/pumpen", "fachaufgaben/transport")),
                available_from=start,
                available_until=None if start is None else start + rnd.uniform(5, 60) * DAY,
                daily_rate=rnd.choice((None, 80.0, 150.0)),
                hourly_rate=rnd.choice((None, 35.0)),
            )
        )
    holds = []
    for _ in range(HOLDS):
        start = rnd.uniform(0, 30 * DAY)
        holds.append(
            Hold(rnd.randrange(1, OFFERS + 1), rnd.randint(1, 3), start, start + rnd.uniform(0.5, 5) * DAY)
        )
    needs = []
    for _ in range(REQUESTS):
        start = rnd.uniform(0, 30 * DAY)
        needs.append(
            Need(
                category=rnd.choice(CATEGORIES),
                quantity=rnd.randint(1, 30),
                latitude=rnd.uniform(49.0, 50.9),
                longitude=rnd.uniform(6.2, 8.4),
                starts=start,
                ends=start + rnd.uniform(0.25, 4) * DAY,
                symbol="" if rnd.random() < 0.8 else "fachaufgaben/pumpen",
                body_id=rnd.randrange(1, 400),
            )
        )
    return offers, holds, needs


def run() -> Iterator[dict[str, Any]]:
    offers, holds, needs = synthetic(random.Random(SEED))
    yield {"metric": "data", "offers": len(offers), "holds": len(holds), "requests": len(needs)}
    started = time.perf_counter()
    index = OfferIndex(offers, holds)
    build = time.perf_counter() - started
    yield {"metric": "index_build_ms", "value": round(build * 1000, 2)}
    samples = []
    for need in needs[:200]:
        t = time.perf_counter()
        index.rank(need)
        samples.append((time.perf_counter() - t) * 1000)
    one = statistics.median(samples)
    yield {
        "metric": "one_request_ms",
        "value": round(one, 3),
        "p95": round(sorted(samples)[int(len(samples) * 0.95)], 3),
        "target": 50,
        "ok": one <= 50,
    }
    t0, c0 = time.perf_counter(), time.process_time()
    fresh = OfferIndex(offers, holds)
    found = sum(len(fresh.rank(need)) for need in needs)
    seconds = time.perf_counter() - t0
    yield {
        "metric": "thousand_requests_s",
        "value": round(seconds, 3),
        "cpu_s": round(time.process_time() - c0, 3),
        "ranked_offers": found,
        "target": 5,
        "ok": seconds <= 5,
    }
