"""Funding: the portfolio page with 10,000 applications, and 200 concurrent drawdown requests against
one grant on PostgreSQL.

1. **Portfolio** (on the harness database): 10,000 applications of 400 alliances (about 70 % granted,
   each with a notice and two budget years), written with ``bulk_create``. Yields the p50/p95 of
   ``GET /foerderung/portfolio/`` (HTML, as the funding authority, in-process Django test client,
   sequential) and of ``GET /api/v1/funding/portfolio``, and the queries of one request, which must
   not depend on the number of applications (they are counted again after adding 2,000 more).
2. **Drawdowns** (PostgreSQL): one grant year of 100,000.00 EUR; 200 requests of 700.00 EUR fired
   at once from a thread pool, each thread with its own connection (the pool is sized below the
   server's ``max_connections``); then every accepted request is approved concurrently. Checks:
   none lost (accepted + refused = 200), none over the grant (pending/drawn ≤ granted and equal to
   the sum of the rows), throughput. When ``DATABASE_URL`` is not PostgreSQL, a temporary database
   is created on ``VERBUND_BENCH_PG_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``),
   migrated and used by a subprocess, and dropped afterwards; without a server the part yields
   ``{"skipped": …}``. On SQLite the same race also runs on the harness's database file, where the
   database-level write lock (``transaction_mode`` IMMEDIATE) serialises the writers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import percentile

APPLICATIONS = 10_000
ALLIANCES = 400
REQUESTS = 30
DRAWDOWNS = 200
DRAWDOWN_AMOUNT = Decimal("700.00")
GRANT = Decimal("100000.00")
PG_URL = os.environ.get("VERBUND_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent


# --- 1. Portfolio ----------------------------------------------------------------------------------------


def _registry() -> list[Any]:
    """24 Landkreise with 5 Verbandsgemeinden each (real key scheme, centroids across RLP)."""
    from verbund.registry.models import Body, Kind
    from verbund.registry.tests.factories import LandFactory

    land = LandFactory.create(state="07")
    stand = dt.date(2025, 11, 30)
    kreise = [
        Body(
            key=f"071{k:02d}",
            ars=f"071{k:02d}0000000",
            name=f"Landkreis Bench {k}",
            kind=Kind.LANDKREIS,
            state="07",
            parent=land,
            gebietsstand=stand,
        )
        for k in range(1, 25)
    ]
    Body.objects.bulk_create(kreise)
    kreise = list(Body.objects.filter(key__in=[k.key for k in kreise]).order_by("key"))
    vgs = [
        Body(
            key=f"{kreis.key}{5000 + v:04d}",
            ars=f"{kreis.key}{5000 + v:04d}000",
            name=f"VG Bench {kreis.key}-{v}",
            kind=Kind.VERBANDSGEMEINDE,
            state="07",
            parent=kreis,
            gebietsstand=stand,
            population=10_000 + v,
            centroid_lat=49.0 + (k % 6) * 0.3 + v * 0.02,
            centroid_lon=6.3 + (k // 6) * 0.5 + v * 0.03,
        )
        for k, kreis in enumerate(kreise)
        for v in range(1, 6)
    ]
    Body.objects.bulk_create(vgs)
    return list(Body.objects.filter(kind=Kind.VERBANDSGEMEINDE, key__startswith="071").order_by("key"))


def _portfolio_data(count: int, *, start: int = 0, programme: Any = None) -> Any:
    """``count`` applications (numbers from ``start`` + 1), about 70 % granted; returns the programme."""
    from django.utils import timezone

    from verbund.alliances.models import Alliance, FieldOfAction, Membership
    from verbund.funding import rules, workflow
    from verbund.funding.models import Application, GrantNotice, GrantYear, ProgrammeYear
    from verbund.funding.tests.factories import ProgrammeFactory

    if programme is None:
        vgs = _registry()
        programme = ProgrammeFactory.create(
            slug="bench", code="BENCH", budgets={2025: "2000000000.00", 2026: "2000000000.00"}
        )
        Alliance.objects.bulk_create(
            [
                Alliance(
                    name=f"Bench-Verbund {n}",
                    slug=f"bench-{n}",
                    status="umsetzung",
                    legal_form="zweckvereinbarung",
                )
                for n in range(ALLIANCES)
            ]
        )
        alliances = list(Alliance.objects.filter(slug__startswith="bench-").order_by("pk"))
        Membership.objects.bulk_create(
            [
                Membership(alliance=a, body=vgs[(i * 3 + j) % len(vgs)], joined_on=dt.date(2025, 1, 1))
                for i, a in enumerate(alliances)
                for j in range(3)
            ]
        )
    alliances = list(Alliance.objects.filter(slug__startswith="bench-").order_by("pk"))
    first_member = {
        m.alliance_id: m.body_id
        for m in Membership.objects.filter(alliance__in=alliances).order_by("alliance_id", "-id")
    }
    fields = list(FieldOfAction.objects.order_by("pk"))
    granted_statuses = (workflow.BEWILLIGT, workflow.BEWILLIGT, workflow.NACHWEIS, workflow.ABGESCHLOSSEN)
    other_statuses = (workflow.EINGEREICHT, workflow.IN_PRUEFUNG, workflow.ENTWURF, workflow.ABGELEHNT)
    now = timezone.now()
    rows = []
    for n in range(start, start + count):
        alliance = alliances[n % len(alliances)]
        granted = n % 10 < 7
        status = granted_statuses[n % 4] if granted else other_statuses[n % 4]
        rows.append(
            Application(
                programme=programme,
                number=n + 1,
                alliance=alliance,
                applicant_id=first_member[alliance.pk],
                title=f"Vorhaben {n + 1}",
                status=status,
                requested_amount=Decimal(20_000 + (n * 37) % 300_000),
                submitted_at=None if status == workflow.ENTWURF else now,
            )
        )
    Application.objects.bulk_create(rows, batch_size=2000)
    created = list(Application.objects.filter(programme=programme, number__gt=start).order_by("number"))
    through = Application.fields.through
    through.objects.bulk_create(
        [through(application_id=a.pk, fieldofaction_id=fields[a.number % len(fields)].pk) for a in created],
        batch_size=5000,
    )
    notices = [
        GrantNotice(
            application=a,
            amount=a.requested_amount,
            planned_eligible_costs=a.requested_amount,
            financing=rules.FINANCING_SHARE,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2027, 12, 31),
            conditions="Bench",
        )
        for a in created
        if a.status in workflow.GRANTED
    ]
    GrantNotice.objects.bulk_create(notices, batch_size=2000)
    notices = list(
        GrantNotice.objects.filter(application__in=[a.pk for a in created]).select_related("application")
    )
    years = {y.year: y for y in ProgrammeYear.objects.filter(programme=programme)}
    parts = []
    for notice in notices:
        split = rules.split_evenly(notice.amount, [2025, 2026])
        parts += [
            GrantYear(grant=notice, programme_year=years[y], amount=a, drawn=a / 2) for y, a in split.items()
        ]
    GrantYear.objects.bulk_create(parts, batch_size=5000)
    for row in years.values():
        total = sum((p.amount for p in parts if p.programme_year_id == row.pk), Decimal("0"))
        ProgrammeYear.objects.filter(pk=row.pk).update(committed=row.committed + total)
    return programme


def _timed(client: Any, url: str, n: int) -> tuple[list[float], int]:
    """``n`` timed GETs of ``url`` after one untimed GET whose SQL statements are counted."""
    from django.db import connection

    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return timings, count


def _portfolio() -> Iterator[dict[str, Any]]:
    from django.test import Client, override_settings

    from verbund.accounts.models import Role
    from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
    from verbund.funding.models import Application, GrantNotice

    started = time.perf_counter()
    programme = _portfolio_data(APPLICATIONS)
    yield {
        "metric": "portfolio_setup_s",
        "value": round(time.perf_counter() - started, 2),
        "applications": Application.objects.count(),
        "grants": GrantNotice.objects.count(),
    }
    authority = UserFactory.create(username="bench.bewilligung")
    RoleAssignmentFactory.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    client = Client()
    client.force_login(authority)
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for name, url in (
            ("portfolio_page", "/foerderung/portfolio/"),
            ("portfolio_api", "/api/v1/funding/portfolio"),
            ("portfolio_page_kreis", "/foerderung/portfolio/?kreis=07101"),
        ):
            timings, queries = _timed(client, url, REQUESTS)
            yield {
                "metric": f"{name}_p95_ms",
                "value": round(percentile(timings, 0.95) * 1000, 1),
                "p50_ms": round(statistics.median(timings) * 1000, 1),
                "queries": queries,
                "requests": REQUESTS,
                "applications": APPLICATIONS,
            }
        _before, queries_10k = _timed(client, "/foerderung/portfolio/", 1)
        _portfolio_data(2_000, start=APPLICATIONS, programme=programme)
        _after, queries_12k = _timed(client, "/foerderung/portfolio/", 1)
        yield {
            "metric": "portfolio_queries_constant",
            "value": queries_12k == queries_10k,
            "queries_10000": queries_10k,
            "queries_12000": queries_12k,
        }


# --- 2. Drawdowns ------------------------------------------------------------------------------------------


def _race_setup() -> tuple[Any, Any, Any]:
    """A granted application with 100,000.00 EUR in 2025, a coordinator who draws, the authority."""
    from django.db import transaction
    from django.utils import timezone

    from verbund.accounts.models import Role
    from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.funding import services, workflow
    from verbund.funding.models import Application
    from verbund.funding.tests.factories import ProgrammeFactory, draft_application, fill_draft
    from verbund.registry.tests.factories import BodyFactory

    kreis = BodyFactory.create(landkreis=True, ars="071980000000", key="07198", name="Landkreis Bench-Abruf")
    members = [
        BodyFactory.create(
            verbandsgemeinde=True, parent=kreis, ars=f"07198{5001 + i:04d}000", key=f"07198{5001 + i:04d}"
        )
        for i in range(3)
    ]
    coordinator = UserFactory.create(username=f"bench.koordination.{time.time_ns()}")
    alliance = AllianceFactory.create(members=members, coordinator=coordinator)
    authority = UserFactory.create(username=f"bench.behoerde.{time.time_ns()}")
    RoleAssignmentFactory.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)
    programme = ProgrammeFactory.create()
    application = fill_draft(
        draft_application(programme=programme, alliance=alliance, applicant=members[0]),
        requested=str(GRANT),
        years={2025: str(GRANT)},
    )
    Application.objects.filter(pk=application.pk).update(
        status=workflow.IN_PRUEFUNG, submitted_at=timezone.now()
    )
    application.refresh_from_db()
    with transaction.atomic():
        services.application_grant(actor=authority, application=application, amounts_by_year={2025: GRANT})
    return application, coordinator, authority


def _pool_size() -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 32
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    return max(4, min(DRAWDOWNS, limit - 20))


def _in_thread(fn: Any) -> Any:
    from django.db import connections

    try:
        return fn()
    except Exception as exc:
        return exc
    finally:
        connections.close_all()


def drawdown_race() -> Iterator[dict[str, Any]]:
    """The race on the current database (see the module docstring)."""
    from django.db import connection
    from django.db.models import Sum

    from verbund.common.errors import DomainError
    from verbund.funding import services
    from verbund.funding.models import Drawdown, DrawdownStatus, GrantYear

    application, coordinator, authority = _race_setup()
    workers = _pool_size()

    def request() -> Any:
        return services.drawdown_request(
            actor=coordinator, application=application, year=2025, amount=DRAWDOWN_AMOUNT
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda _n: _in_thread(request), range(DRAWDOWNS)))
    request_s = time.perf_counter() - started
    made = [r for r in results if isinstance(r, Drawdown)]
    refused = [r for r in results if isinstance(r, DomainError) and r.code == "drawdown_exceeds_grant"]
    errors = [repr(r) for r in results if not isinstance(r, Drawdown) and r not in refused]
    year = GrantYear.objects.get(grant__application=application)
    rows = Drawdown.objects.filter(grant_year=year).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    expected = int(GRANT // DRAWDOWN_AMOUNT)
    yield {
        "metric": "drawdown_requests_concurrent",
        "database": connection.vendor,
        "value": len(made),
        "requests": DRAWDOWNS,
        "threads": workers,
        "accepted": len(made),
        "refused": len(refused),
        "errors": len(errors),
        "error_examples": errors[:3],
        "none_lost": len(made) + len(refused) == DRAWDOWNS
        and Drawdown.objects.filter(grant_year=year).count() == len(made),
        "none_over_grant": year.pending <= year.amount and year.pending == rows,
        "expected_accepted": expected,
        "pending": str(year.pending),
        "granted": str(year.amount),
        "requests_per_s": round(DRAWDOWNS / request_s, 1),
        "ok": len(made) == expected and not errors and year.pending == rows,
    }

    def approve(drawdown: Drawdown) -> Any:
        return services.drawdown_approve(actor=authority, drawdown=drawdown)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        decisions = list(pool.map(lambda d: _in_thread(lambda: approve(d)), made))
    approve_s = time.perf_counter() - started
    year.refresh_from_db()
    approved = Drawdown.objects.filter(grant_year=year, status=DrawdownStatus.APPROVED).aggregate(
        s=Sum("amount")
    )["s"]
    failures = [repr(d) for d in decisions if not isinstance(d, Drawdown)]
    yield {
        "metric": "drawdown_approvals_concurrent",
        "database": connection.vendor,
        "value": len(made) - len(failures),
        "threads": workers,
        "errors": len(failures),
        "drawn": str(year.drawn),
        "pending": str(year.pending),
        "none_over_grant": year.drawn <= year.amount and year.drawn == approved and year.pending == 0,
        "approvals_per_s": round(len(made) / approve_s, 1) if made else None,
        "ok": not failures and year.drawn == approved == DRAWDOWN_AMOUNT * expected,
    }


def _temporary_postgres() -> Iterator[dict[str, Any]]:
    """Create a PostgreSQL database, run :func:`drawdown_race` there in a subprocess, drop it."""
    try:
        import psycopg
        from psycopg import sql

        name = f"verbund_bench_funding_{os.getpid()}"
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:
        yield {"metric": "drawdown_requests_concurrent", "skipped": f"needs PostgreSQL ({PG_URL}): {exc}"}
        return
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_funding"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            yield {"metric": "drawdown_requests_concurrent", "error": done.stderr[-2000:]}
        for line in lines:
            result = json.loads(line)
            result["temporary_database"] = True
            yield result
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run() -> Iterator[dict[str, Any]]:
    from django.db import connection

    yield from _portfolio()
    if connection.vendor == "postgresql":
        yield from drawdown_race()
        return
    yield from drawdown_race()  # the harness database (SQLite: serialised by the database write lock)
    yield from _temporary_postgres()


def _main() -> None:
    """Subprocess entry: migrate the (temporary PostgreSQL) database and run the drawdown race."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for result in drawdown_race():
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    _main()
