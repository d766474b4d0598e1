"""A lender's committed resource cannot be committed twice: clerks of the lender committing the same
units to different requests at the same moment (threads with their own connections released together,
real transactions on PostgreSQL) never commit more than the resource has; the resource's row lock
serialises them and the count inside the transaction refuses the rest.

SQLite has no row locks (its in-memory test database fails at once instead of waiting), so this runs
on PostgreSQL only; the same rule sequentially is tested on every database in ``test_resources.py``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Sum

from verbund.common.errors import Conflict, Invalid
from verbund.emergency.models import HOLDING, AidStatus, Commitment
from verbund.emergency.services import resources as svc

from .test_resources import aid_world, ask, pump

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def race(workers: list[Callable[[], Any]]) -> list[Any]:
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


def test_the_same_units_are_never_committed_twice() -> None:
    world = aid_world()
    resource = pump(world, quantity=2)
    requests = [ask(world, quantity=2) for _ in range(8)]

    def commit_to(aid_request: Any) -> Callable[[], Any]:
        return lambda: svc.commit(actor=world.kgs, aid_request=aid_request, resource=resource, quantity=2)

    results = race([commit_to(r) for r in requests])

    made = [r for r in results if isinstance(r, Commitment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 7, results
    assert {r.code for r in refused} == {"not_enough_free"}
    held = Commitment.objects.filter(resource=resource, status__in=HOLDING).aggregate(n=Sum("quantity"))["n"]
    assert held == 2
    statuses = sorted(type(r).objects.get(pk=r.pk).status for r in requests)
    assert statuses.count(AidStatus.COMMITTED) == 1 and statuses.count(AidStatus.OPEN) == 7


def test_one_request_is_never_over_committed_by_two_lenders() -> None:
    world = aid_world()
    request = ask(world, quantity=3)
    lenders = [(world.kgs, pump(world, quantity=3)), (world.s2, pump(world, world.sued, quantity=3))] * 3

    def lend(actor: Any, resource: Any) -> Callable[[], Any]:
        return lambda: svc.commit(actor=actor, aid_request=request, resource=resource, quantity=2)

    results = race([lend(a, res) for a, res in lenders])

    made = [r for r in results if isinstance(r, Commitment)]
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Invalid | Conflict)]
    assert unexpected == []
    assert len(made) == 1
    total = Commitment.objects.filter(request=request, status__in=HOLDING).aggregate(n=Sum("quantity"))["n"]
    assert total == 2
