"""The offline PDF pack of an event with 2,000 log entries (issue 13): roster, contact list, duty
roster, open tasks, the latest situation report, the last 50 log entries and three blank message
forms, rendered through WeasyPrint as a tagged PDF.

Figures: ``pack_build_s`` (median of 3 builds of :func:`verbund.emergency.services.packs.build_pack`,
wall time with the CPU time beside it), the pages and bytes of the PDF; ``pack_write_s`` (one
:func:`~verbund.emergency.services.packs.write_pack`: build and store).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Iterator
from typing import Any

ENTRIES = 2_000
TASKS = 40


def run() -> Iterator[dict[str, Any]]:
    import io

    from django.utils import timezone
    from pypdf import PdfReader

    from verbund.emergency.models import Task
    from verbund.emergency.services import log, packs, situation
    from verbund.emergency.tests.factories import event, joint_staff_world

    world = joint_staff_world()
    the_event = event(world.staff)
    entries = (
        {"text": f"Lagemeldung {n}: Pegel {n % 300} cm, Straße {n % 17} gesperrt"} for n in range(ENTRIES)
    )
    log.append_many(actor=world.s2, event_id=the_event.pk, entries=entries)
    due = timezone.now() + dt.timedelta(hours=2)
    Task.objects.bulk_create(
        Task(event=the_event, title=f"Auftrag {n}: Sandsäcke an Stelle {n}", owner_function="S4", due_at=due)
        for n in range(TASKS)
    )
    situation.write_report(actor=world.s2, event_id=the_event.pk)

    times, cpus = [], []
    pdf = b""
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = packs.build_pack(the_event)
        times.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    yield {
        "metric": "pack_build_s",
        "value": round(statistics.median(times), 3),
        "cpu_s": round(statistics.median(cpus), 3),
        "log_entries": ENTRIES,
        "open_tasks": TASKS,
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "bytes": len(pdf),
    }
    wall = time.perf_counter()
    path = packs.write_pack(the_event)
    yield {"metric": "pack_write_s", "value": round(time.perf_counter() - wall, 3), "stored": bool(path)}
