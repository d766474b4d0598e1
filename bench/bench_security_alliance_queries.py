"""The security view of an alliance (``/sicherheit/verbund/<slug>/``): its query count must not grow
with the data.

Three alliances — 2 members × 2 advisories, 10 × 50, 50 × 200 (10,000 affected matches) — each
member running one asset that every advisory affects, built by
:func:`verbund.security.tests.world.alliance_world` (the world of the query-count test; rows written with
``bulk_create``, no matcher). For the head of a member, the coordinator and the alliance's shared ISB
(serving every member) it measures, with ``django.test.Client`` (full middleware, no network), the
queries of one request and the median latency of ``REQUESTS`` requests, on the first and the last
page of the advisories. ``equal`` is 1 when every size and page gives the same number of queries for
the same kind of viewer.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

SIZES = ((2, 2), (10, 50), (50, 200))
REQUESTS = 10


def run() -> Iterator[dict[str, Any]]:
    from verbund.security.tests.world import alliance_world
    from verbund.security.views.alliance import PAGE_SIZE

    worlds = [(m, a, alliance_world(m, a, slug=f"bench-{m}-{a}", staff=False)) for m, a in SIZES]
    counts: dict[str, set[int]] = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for members, advisories, world in worlds:
            last = max(1, math.ceil(advisories / PAGE_SIZE))
            for who in ("head", "coordinator", "isb"):
                client = Client()
                client.force_login(getattr(world, who))
                for page in sorted({1, last}):
                    url = f"/sicherheit/verbund/{world.alliance.slug}/?seite={page}"
                    client.get(url)
                    with CaptureQueriesContext(connection) as captured:
                        response = client.get(url)
                    assert response.status_code == 200, response.status_code
                    queries = len(captured.captured_queries)
                    counts.setdefault(who, set()).add(queries)
                    timings = []
                    for _ in range(REQUESTS):
                        started = time.perf_counter()
                        client.get(url)
                        timings.append(time.perf_counter() - started)
                    size = f"{members} Mitglieder × {advisories} Hinweise"
                    row = {"viewer": who, "size": size, "page": f"{page}/{last}"}
                    yield {"metric": "queries", **row, "value": queries}
                    yield {"metric": "p50_ms", **row, "value": round(1000 * statistics.median(timings), 1)}
    yield {"metric": "equal", "value": int(all(len(v) == 1 for v in counts.values()))}
