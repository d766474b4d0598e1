"""Concurrent writers on one event's log get gapless sequence numbers and one unbroken chain (real
transactions on PostgreSQL, threads with their own connections released together)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from verbund.emergency.models import LogEntry
from verbund.emergency.services import log

from .factories import event, joint_staff_world

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_parallel_appends_keep_the_chain() -> None:
    world = joint_staff_world()
    the_event = event(world.staff)
    writers = [world.s2, world.kgs, world.lead] * 4
    barrier = threading.Barrier(len(writers))
    errors: list[Any] = []

    def write(person: Any, n: int) -> None:
        try:
            barrier.wait()
            log.append(actor=person, event_id=the_event.pk, text=f"Meldung {n}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(p, n)) for n, p in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(LogEntry.objects.filter(event=the_event).values_list("seq", flat=True)) == list(
        range(1, len(writers) + 1)
    )
    result = log.verify_chain(the_event.pk)
    assert result.ok and result.checked == len(writers)
