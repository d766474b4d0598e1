"""Case numbers stay unique per year when the office opens cases at the same moment (real
transactions on PostgreSQL, threads with their own connections released together)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from verbund.advisory.models import Case
from verbund.advisory.services import cases as svc

from .test_cases_services import office_user

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent inserts need PostgreSQL"),
]


def test_parallel_openings_get_gapless_unique_numbers() -> None:
    office = office_user()
    count = 8
    barrier = threading.Barrier(count)
    errors: list[Any] = []

    def open_one(n: int) -> None:
        try:
            barrier.wait()
            svc.open_case(actor=office, title=f"Fall {n}", origin="initiative")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [f"B-{year}-{n:04d}" for n in range(1, count + 1)]
