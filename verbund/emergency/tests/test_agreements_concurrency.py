"""Two coordinators saving overlapping agreements of one alliance at the same moment: the alliance's
row lock lets exactly one through, the other gets the overlap refusal (real transactions on
PostgreSQL, threads with their own connections released together)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections

from verbund.common.errors import Invalid
from verbund.emergency.models import AidAgreement
from verbund.emergency.services import agreements as svc

from .factories import joint_staff_world

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_parallel_overlapping_agreements_one_wins() -> None:
    world = joint_staff_world()
    writers = 6
    barrier = threading.Barrier(writers)
    refused: list[Any] = []
    errors: list[Any] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            svc.agreement_create(
                actor=world.coordinator,
                alliance=world.alliance,
                values={"reimburse": True, "hourly_rate": f"4{n}.00", "valid_from": dt.date(2025, 1, 1 + n)},
            )
        except Invalid as exc:
            refused.append(exc)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert AidAgreement.objects.filter(alliance=world.alliance).count() == 1
    assert len(refused) == writers - 1
    assert all(exc.code == "agreement_overlap" for exc in refused)
