"""Two people racing for the last place of an event: one gets it, the other waits (real transactions
on PostgreSQL, threads with their own connections released together)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from verbund.accounts.tests.factories import UserFactory
from verbund.advisory.models.events import Registration, RegistrationStatus
from verbund.advisory.services import events as svc
from verbund.registry.tests.factories import BodyFactory

from .test_events_services import make_event, office

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_people_racing_for_the_last_place() -> None:
    event = make_event(office(), capacity=1)
    body = BodyFactory.create()
    people = [UserFactory.create(staff_of=body) for _ in range(6)]
    barrier = threading.Barrier(len(people))
    errors: list[Any] = []

    def go(person: Any) -> None:
        try:
            barrier.wait()
            svc.register(actor=person, event_id=event.pk)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.REGISTERED) == 1
    assert statuses.count(RegistrationStatus.WAITING) == len(people) - 1
    positions = sorted(
        Registration.objects.filter(event=event, status=RegistrationStatus.WAITING).values_list(
            "position", flat=True
        )
    )
    assert positions == list(range(1, len(people)))
