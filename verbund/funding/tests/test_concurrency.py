"""Budget integrity under concurrent decisions, with real concurrent transactions on PostgreSQL
(threads with their own connections, started together by a barrier): grants decided at the same
moment never exceed a year's budget; drawdown requests and approvals racing on one grant never pay
out more than granted and lose none; the counters equal the sums of the rows they stand for.

SQLite has no row locks; its test database lives in memory with a shared cache, whose table locks
fail at once instead of waiting, so these tests run on PostgreSQL only. On SQLite files the same
services are serialised by the database-level write lock (``transaction_mode`` IMMEDIATE in the
settings): ``test_concurrency_sqlite.py`` races 200 drawdown requests on a temporary SQLite file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Sum
from django.utils import timezone

from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.errors import Refusal
from verbund.funding import services, workflow
from verbund.funding.models import Application, Drawdown, DrawdownStatus, GrantYear, ProgrammeYear
from verbund.registry.tests.factories import BodyFactory

from .factories import draft_application, fill_draft

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

D = Decimal


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run each worker in its own thread (own connection), all released at once; results or exceptions."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int, worker: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = worker()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def in_review(programme: Any, requested: str, *, kreis: Any) -> Application:
    members = [BodyFactory.create(verbandsgemeinde=True, parent=kreis) for _ in range(3)]
    alliance = AllianceFactory.create(members=members)
    application = fill_draft(
        draft_application(programme=programme, alliance=alliance, applicant=members[0]),
        requested=requested,
        years={2025: requested},
    )
    Application.objects.filter(pk=application.pk).update(
        status=workflow.IN_PRUEFUNG, submitted_at=timezone.now()
    )
    application.refresh_from_db()
    return application


def test_concurrent_grants_never_exceed_the_budget(world: SimpleNamespace, programme: Any) -> None:
    ProgrammeYear.objects.filter(programme=programme, year=2025).update(budget=D("300000.00"))
    applications = [in_review(programme, "100000.00", kreis=world.kreis) for _ in range(6)]

    def decide(application: Application) -> Callable[[], Any]:
        return lambda: services.application_grant(
            actor=world.authority, application=application, amounts_by_year={2025: "100000.00"}
        )

    results = race([decide(a) for a in applications])

    refused = [r for r in results if isinstance(r, Refusal)]
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Refusal)]
    assert unexpected == []
    assert len(refused) == 3 and {r.code for r in refused} == {"budget_exceeded"}
    year = ProgrammeYear.objects.get(programme=programme, year=2025)
    granted = GrantYear.objects.filter(programme_year=year).aggregate(total=Sum("amount"))["total"]
    assert year.committed == granted == D("300000.00")
    assert Application.objects.filter(status=workflow.BEWILLIGT).count() == 3


def test_concurrent_drawdowns_never_exceed_the_grant_and_none_is_lost(
    world: SimpleNamespace, programme: Any
) -> None:
    application = in_review(programme, "10000.00", kreis=world.kreis)
    services.application_grant(
        actor=world.authority, application=application, amounts_by_year={2025: "10000.00"}
    )
    clerk = world.clerk_a
    from verbund.alliances.models import AllianceRole, AllianceRoleKind

    AllianceRole.objects.create(user=clerk, alliance=application.alliance, role=AllianceRoleKind.KOORDINATION)

    results = race(
        [
            lambda: services.drawdown_request(
                actor=clerk, application=application, year=2025, amount="333.33"
            )
            for _ in range(40)
        ]
    )
    made = [r for r in results if isinstance(r, Drawdown)]
    refused = [r for r in results if isinstance(r, Refusal)]
    assert len(made) + len(refused) == 40, [r for r in results if not isinstance(r, Drawdown | Refusal)]
    assert len(made) == 30  # 30 × 333.33 = 9,999.90 ≤ 10,000.00 < 31 × 333.33
    assert {r.code for r in refused} == {"drawdown_exceeds_grant"}
    year = GrantYear.objects.get(grant__application=application)
    assert (
        year.pending
        == D("9999.90")
        == Drawdown.objects.filter(grant_year=year).aggregate(s=Sum("amount"))["s"]
    )

    def approver(drawdown: Drawdown) -> Callable[[], Any]:
        return lambda: services.drawdown_approve(actor=world.authority, drawdown=drawdown)

    decisions = race([approver(d) for d in made])
    assert all(isinstance(r, Drawdown) for r in decisions), decisions
    year.refresh_from_db()
    assert (year.drawn, year.pending) == (D("9999.90"), D("0.00"))
    assert Drawdown.objects.filter(grant_year=year, status=DrawdownStatus.APPROVED).count() == 30


def test_approving_the_same_drawdown_twice_at_once_pays_once(world: SimpleNamespace, programme: Any) -> None:
    application = in_review(programme, "1000.00", kreis=world.kreis)
    services.application_grant(
        actor=world.authority, application=application, amounts_by_year={2025: "1000.00"}
    )
    from verbund.alliances.models import AllianceRole, AllianceRoleKind

    AllianceRole.objects.create(
        user=world.clerk_a, alliance=application.alliance, role=AllianceRoleKind.KOORDINATION
    )
    drawdown = services.drawdown_request(
        actor=world.clerk_a, application=application, year=2025, amount="600.00"
    )

    results = race(
        [lambda: services.drawdown_approve(actor=world.authority, drawdown=drawdown) for _ in range(8)]
    )

    assert sum(isinstance(r, Drawdown) for r in results) == 1
    assert all(r.code == "invalid_status" for r in results if isinstance(r, Refusal))
    year = GrantYear.objects.get(grant__application=application)
    assert (year.drawn, year.pending) == (D("600.00"), D("0.00"))
