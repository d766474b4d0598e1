"""The staff log (Einsatztagebuch): appending entries and verifying the hash chain.

Figures (issue 13: "appending 100,000 log entries and verifying the chain"):

- ``log_append_many_100k_s``: 100,000 entries through :func:`verbund.emergency.services.log.append_many`
  (one row lock, the chain computed in order, rows written in batches of 1,000; what bringing in a
  transcript costs), with entries per second;
- ``log_append_one_ms``: the median and p95 of :func:`~verbund.emergency.services.log.append` for one
  entry at a time (what a member writing in the staff room waits for: its own transaction, row lock,
  last hash, insert), over 1,000 entries after the 100,000;
- ``log_verify_100k_s``: :func:`~verbund.emergency.services.log.verify_chain` over all 101,000 entries
  (read in chunks, every hash recomputed), and ``broken_found``: the same after one entry's text was
  changed in the database behind the application's back (the check must name that entry).

Each time is wall-clock time with the process's CPU time beside it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

ENTRIES = 100_000
SINGLE = 1_000


def _world() -> Any:
    from verbund.emergency.tests.factories import event, joint_staff_world

    world = joint_staff_world()
    world.event = event(world.staff)
    return world


def _timed() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def run() -> Iterator[dict[str, Any]]:
    from django.db import connection

    from verbund.emergency.models import LogEntry
    from verbund.emergency.services import log

    world = _world()
    event_id = world.event.pk
    texts = (
        {"text": f"Lagemeldung {n}: Pegel {n % 500} cm, keine neuen Schäden", "function": "S2"}
        for n in range(ENTRIES)
    )
    wall, cpu = _timed()
    written = log.append_many(actor=world.s2, event_id=event_id, entries=texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    yield {
        "metric": "log_append_many_100k_s",
        "value": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "entries": written,
        "entries_per_s": round(written / wall),
    }

    times = []
    for n in range(SINGLE):
        started = time.perf_counter()
        log.append(actor=world.s2, event_id=event_id, text=f"Eintrag {n}", function="S2")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    yield {
        "metric": "log_append_one_ms",
        "value": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95)], 2),
        "runs": SINGLE,
    }

    wall, cpu = _timed()
    result = log.verify_chain(event_id)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    yield {
        "metric": "log_verify_100k_s",
        "value": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "entries": result.checked,
        "chain_ok": result.ok,
    }

    middle = LogEntry.objects.filter(event_id=event_id, seq=ENTRIES // 2).values_list("pk", flat=True).get()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {LogEntry._meta.db_table} SET text = %s WHERE id = %s", ["geändert", middle])
    broken = log.verify_chain(event_id)
    yield {
        "metric": "log_verify_broken",
        "value": broken.broken.seq if broken.broken else None,
        "broken_found": broken.broken is not None and broken.broken.seq == ENTRIES // 2,
    }
