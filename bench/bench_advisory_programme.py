"""Advisory: the programme dashboard's summary with 2,300 bodies in 400 alliances, 3,000 applications
and 10 years of settlements (all written with ``bulk_create``).

Yields the p50/p95 of :func:`verbund.advisory.services.programme.programme_summary` over 20 runs, the
p50/p95 of ``GET /api/v1/programme/summary`` and the number of SQL statements of one summary, which
must not depend on the number of alliances (counted again after 100 more alliances are added).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bench import percentile

RUNS = 20
KREISE = 24
VGS_PER_KREIS = 5
GEMEINDEN_PER_VG = 18  # 24 + 120 + 2,160 ≈ 2,300 bodies
ALLIANCES = 400
APPLICATIONS = 3_000
YEARS = list(range(2016, 2026))


def _number(vg: Any, g: int) -> int:
    """The ``g``-th Gemeinde of a VG, numbered within the Kreis (VG keys end in 5001, 5002, …)."""
    return (int(vg.key[5:]) - 5001) * GEMEINDEN_PER_VG + g


def _registry() -> list[Any]:
    from verbund.registry.models import Body, Kind
    from verbund.registry.tests.factories import LandFactory

    land = LandFactory.create(state="07")
    stand = dt.date(2025, 11, 30)
    Body.objects.bulk_create(
        [
            Body(
                key=f"071{k:02d}",
                ars=f"071{k:02d}0000000",
                name=f"Landkreis Bench {k}",
                kind=Kind.LANDKREIS,
                state="07",
                parent=land,
                gebietsstand=stand,
                centroid_lat=49.0 + k * 0.05,
                centroid_lon=6.5 + k * 0.05,
            )
            for k in range(1, KREISE + 1)
        ]
    )
    kreise = list(Body.objects.filter(kind=Kind.LANDKREIS).order_by("key"))
    Body.objects.bulk_create(
        [
            Body(
                key=f"{kr.key}{5000 + v:04d}",
                ars=f"{kr.key}{5000 + v:04d}000",
                name=f"VG Bench {kr.key}-{v}",
                kind=Kind.VERBANDSGEMEINDE,
                state="07",
                parent=kr,
                gebietsstand=stand,
            )
            for kr in kreise
            for v in range(1, VGS_PER_KREIS + 1)
        ]
    )
    vgs = list(Body.objects.filter(kind=Kind.VERBANDSGEMEINDE).order_by("key"))
    Body.objects.bulk_create(
        [
            Body(
                # key = AGS (8 digits, unique): the Gemeinde's number is unique within its Kreis
                key=f"{vg.key[:5]}{_number(vg, g):03d}",
                ars=f"{vg.key}{_number(vg, g):03d}",
                ags=f"{vg.key[:5]}{_number(vg, g):03d}",
                name=f"Ortsgemeinde {vg.key}-{g}",
                kind=Kind.ORTSGEMEINDE,
                state="07",
                parent=vg,
                gebietsstand=stand,
                population=300 + (g * 97) % 4000,
            )
            for vg in vgs
            for g in range(1, GEMEINDEN_PER_VG + 1)
        ],
        batch_size=2000,
    )
    return kreise + vgs


def _alliances(members: list[Any], count: int, start: int = 0) -> list[Any]:
    from verbund.alliances.models import Alliance, Membership

    Alliance.objects.bulk_create(
        [
            Alliance(
                name=f"Bench-Verbund {n}",
                slug=f"bench-{n}",
                status=("umsetzung", "regelbetrieb", "anbahnung")[n % 3],
                legal_form=("zweckvereinbarung", "zweckverband", "arbeitsgemeinschaft")[n % 3],
                start_date=dt.date(2016 + n % 8, 1, 1),
            )
            for n in range(start, start + count)
        ]
    )
    alliances = list(
        Alliance.objects.filter(slug__in=[f"bench-{n}" for n in range(start, start + count)]).order_by("pk")
    )
    Membership.objects.bulk_create(
        [
            Membership(
                alliance=a,
                body=members[(i * 5 + j) % len(members)],
                joined_on=dt.date(2016 + i % 9, 3, 1),
                left_on=dt.date(2024, 6, 30) if (i + j) % 17 == 0 else None,
            )
            for i, a in enumerate(alliances)
            for j in range(4)
        ]
    )
    return alliances


def _funding(alliances: list[Any]) -> None:
    from django.utils import timezone

    from verbund.alliances.models import Membership
    from verbund.funding import rules, workflow
    from verbund.funding.models import Application, GrantNotice, GrantYear, ProgrammeYear
    from verbund.funding.tests.factories import ProgrammeFactory

    programme = ProgrammeFactory.create(
        slug="bench", code="BENCH", budgets=dict.fromkeys(YEARS, "900000000.00")
    )
    first = {m.alliance_id: m.body_id for m in Membership.objects.order_by("alliance_id", "-id")}
    statuses = (
        workflow.BEWILLIGT,
        workflow.NACHWEIS,
        workflow.ABGESCHLOSSEN,
        workflow.BEWILLIGT,
        workflow.EINGEREICHT,
        workflow.ABGELEHNT,
        workflow.BEWILLIGT,
    )
    now = timezone.now()
    Application.objects.bulk_create(
        [
            Application(
                programme=programme,
                number=n + 1,
                alliance=alliances[n % len(alliances)],
                applicant_id=first[alliances[n % len(alliances)].pk],
                title=f"Vorhaben {n}",
                status=statuses[n % len(statuses)],
                requested_amount=Decimal(20_000 + n * 37 % 200_000),
                baseline_annual_costs=Decimal(100_000),
                expected_annual_costs=Decimal(80_000 + n % 30_000),
                commitment_years=2 + n % 5,
                submitted_at=now,
            )
            for n in range(APPLICATIONS)
        ],
        batch_size=2000,
    )
    granted = list(Application.objects.filter(status__in=workflow.GRANTED).order_by("pk"))
    GrantNotice.objects.bulk_create(
        [
            GrantNotice(
                application=a,
                amount=a.requested_amount,
                planned_eligible_costs=a.requested_amount,
                period_start=dt.date(2016 + i % 9, 1, 1),
                period_end=dt.date(2017 + i % 9, 12, 31),
                conditions="Bench",
            )
            for i, a in enumerate(granted)
        ],
        batch_size=2000,
    )
    years = {y.year: y for y in ProgrammeYear.objects.filter(programme=programme)}
    parts = []
    for notice in GrantNotice.objects.order_by("pk"):
        y = notice.period_start.year
        for year, amount in rules.split_evenly(notice.amount, [y, y + 1]).items():
            parts.append(GrantYear(grant=notice, programme_year=years[year], amount=amount, drawn=amount / 2))
    GrantYear.objects.bulk_create(parts, batch_size=5000)


def _settlements(alliances: list[Any]) -> None:
    from django.utils import timezone

    from verbund.alliances.models import Membership
    from verbund.shared_services.models import Settlement, SettlementLine, SharedService
    from verbund.shared_services.tests.factories import _default_task

    task = _default_task()
    members: dict[int, list[int]] = {}
    for m in Membership.objects.filter(alliance__in=alliances).order_by("pk"):
        members.setdefault(m.alliance_id, []).append(m.body_id)
    SharedService.objects.bulk_create(
        [
            SharedService(
                alliance=a,
                task=task,
                name=f"Dienst {a.pk}",
                provider_id=members[a.pk][0],
                allocation_key={"type": "equal"},
                start_date=dt.date(2016, 1, 1),
            )
            for a in alliances
        ]
    )
    services = list(SharedService.objects.filter(alliance__in=alliances).order_by("pk"))
    now = timezone.now()
    Settlement.objects.bulk_create(
        [
            Settlement(
                service=s,
                year=y,
                kind=kind,
                version=1,
                status="finalized",
                finalized_at=now,
                total=Decimal(40_000),
            )
            for s in services
            for y in YEARS
            for kind in ("advance", "final")
        ],
        batch_size=5000,
    )
    lines = []
    for settlement in (
        Settlement.objects.filter(service__in=services).select_related("service").order_by("pk")
    ):
        for body_id in members[settlement.service.alliance_id]:
            lines.append(
                SettlementLine(
                    settlement=settlement,
                    body_id=body_id,
                    days=365,
                    share=Decimal(10_000),
                    standalone_cost=Decimal(13_000),
                    revenue_share=Decimal(1_000),
                )
            )
    SettlementLine.objects.bulk_create(lines, batch_size=5000)


def _queries(fn: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def run() -> Iterator[dict[str, Any]]:
    from django.test import Client, override_settings

    from verbund.accounts.models import Role
    from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
    from verbund.advisory.services.programme import programme_summary

    started = time.perf_counter()
    members = _registry()
    alliances = _alliances(members, ALLIANCES)
    _funding(alliances)
    _settlements(alliances)
    yield {"metric": "setup_s", "value": round(time.perf_counter() - started, 2)}

    today = dt.date(2026, 6, 30)
    timings = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        summary = programme_summary(today=today)
        timings.append((time.perf_counter() - t0) * 1000)
    yield {"metric": "summary_p50_ms", "value": round(percentile(timings, 0.5), 1), "runs": RUNS}
    yield {"metric": "summary_p95_ms", "value": round(percentile(timings, 0.95), 1), "runs": RUNS}
    yield {
        "metric": "summary_figures",
        "bodies": summary.participation["bodies"],
        "alliances": summary.participation["alliances"],
        "inhabitants": summary.participation["inhabitants"],
        "granted": summary.money["granted"],
        "saving": summary.savings["measured"]["saving"],
        "at_risk": len(summary.conditions["at_risk"]),
    }
    before = _queries(lambda: programme_summary(today=today))
    _alliances(members, 100, start=ALLIANCES)
    after = _queries(lambda: programme_summary(today=today))
    yield {
        "metric": "summary_queries",
        "value": before,
        "after_100_more_alliances": after,
        "constant": before == after,
    }

    user = UserFactory.create(username="bench-office")
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    client = Client()
    client.force_login(user)
    api_timings = []
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for _ in range(RUNS):
            t0 = time.perf_counter()
            response = client.get("/api/v1/programme/summary")
            api_timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
    yield {"metric": "api_summary_p50_ms", "value": round(percentile(api_timings, 0.5), 1), "runs": RUNS}
    yield {"metric": "api_summary_p95_ms", "value": round(percentile(api_timings, 0.95), 1), "runs": RUNS}
