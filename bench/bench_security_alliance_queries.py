"""The security view of an alliance (``/sicherheit/verbund/<slug>/``): its query count must not grow
with the data.

Three alliances — 2 members × 2 advisories, 10 × 50, 50 × 200 (10,000 affected matches) — each
member running one asset that every advisory affects (rows written with ``bulk_create``, no
matcher). For the head of a member, the coordinator and the alliance's shared ISB (serving every
member) it measures, with ``django.test.Client`` (full middleware, no network), the queries of one
request and the median latency of ``REQUESTS`` requests. ``equal`` is 1 when every size gives the
same number of queries for the same kind of viewer.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

SIZES = ((2, 2), (10, 50), (50, 200))
REQUESTS = 10


def _alliance(members: int, advisories: int, slug: str) -> dict[str, Any]:
    from verbund.accounts.tests.factories import UserFactory
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.registry.tests.factories import BodyFactory
    from verbund.security.models import (
        Advisory,
        Asset,
        Match,
        OfficerKind,
        OfficerShare,
        RemediationState,
        SharedOfficer,
        Vulnerability,
    )

    bodies = [BodyFactory.create(verbandsgemeinde=True) for _ in range(members)]
    coordinator = UserFactory.create()
    alliance = AllianceFactory.create(slug=slug, members=bodies, coordinator=coordinator)
    head = UserFactory.create(head_of=bodies[0])
    isb = UserFactory.create()
    officer = SharedOfficer.objects.create(
        kind=OfficerKind.ISB,
        person=isb,
        employer=bodies[0],
        alliance=alliance,
        starts_on=timezone.localdate() - dt.timedelta(days=1),
    )
    OfficerShare.objects.bulk_create(
        OfficerShare(officer=officer, body=b, percent=Decimal(1)) for b in bodies
    )
    now = timezone.now()
    rows = Advisory.objects.bulk_create(
        Advisory(
            tlp="clear",
            distribution="all",
            publisher_name="Bench",
            publisher_namespace="https://bench.example",
            tracking_id=f"{slug}-{n}",
            title=f"Hinweis {n}",
            category="csaf_base",
            version="1",
            tracking_status="final",
            initial_release_date=now,
            current_release_date=now,
            max_score=Decimal(n % 10),
            exploited=n % 7 == 0,
        )
        for n in range(advisories)
    )
    vulnerabilities = Vulnerability.objects.bulk_create(
        Vulnerability(advisory=a, key=f"CVE-{a.pk}", position=0, cve=f"CVE-2026-{a.pk}") for a in rows
    )
    assets = Asset.objects.bulk_create(
        Asset(owner_body=b, name="Firewall X", vendor="Beispiel", version="2.4.0") for b in bodies
    )
    Match.objects.bulk_create(
        (
            Match(
                advisory=v.advisory,
                vulnerability=v,
                asset=asset,
                product_id="P",
                status="known_affected",
                confidence="hoch",
                reason="Bench",
                state=RemediationState.DONE if (v.pk + asset.pk) % 3 == 0 else RemediationState.OPEN,
            )
            for v in vulnerabilities
            for asset in assets
        ),
        batch_size=2000,
    )
    return {"slug": slug, "head": head, "coordinator": coordinator, "isb": isb}


def run() -> Iterator[dict[str, Any]]:
    worlds = [(m, a, _alliance(m, a, f"bench-{m}-{a}")) for m, a in SIZES]
    counts: dict[str, set[int]] = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for members, advisories, world in worlds:
            for who in ("head", "coordinator", "isb"):
                client = Client()
                client.force_login(world[who])
                url = f"/sicherheit/verbund/{world['slug']}/"
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
                yield {"metric": "queries", "viewer": who, "size": size, "value": queries}
                yield {
                    "metric": "p50_ms",
                    "viewer": who,
                    "size": size,
                    "value": round(1000 * statistics.median(timings), 1),
                }
    yield {"metric": "equal", "value": int(all(len(v) == 1 for v in counts.values()))}
