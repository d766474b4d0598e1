"""Export and import of a whole event with 20,000 log entries (issue 13): the JSON document written
through :func:`verbund.emergency.services.transfer.event_export`, then read in as a new event of
another staff through :func:`~verbund.emergency.services.transfer.event_import` (check of format,
schema and the source's hash chain, all rows written in batches under a new chain).

Figures: ``transfer_export_s`` (wall time, CPU time beside it, and the bytes of the document, plain
and gzip-compressed), ``transfer_import_s`` (wall and CPU time), ``transfer_verify_s`` (the new chain
recomputed by :func:`~verbund.emergency.services.log.verify_chain`) and the peak of Python's memory
(``tracemalloc``) during the export.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

ENTRIES = 20_000
MESSAGES = 200
FEATURES = 500


def run() -> Iterator[dict[str, Any]]:
    import datetime as dt
    import uuid

    from django.utils import timezone

    from verbund.emergency.models import MapFeature, Message, Staff, StaffFunction
    from verbund.emergency.services import log, transfer
    from verbund.emergency.tests.factories import event, joint_staff_world, position

    world = joint_staff_world()
    source = event(world.staff, title="Hochwasser Bench")
    entries = (
        {"text": f"Lagemeldung {n}: Pegel {n % 300} cm, Straße {n % 17} gesperrt", "function": "S2"}
        for n in range(ENTRIES)
    )
    log.append_many(actor=world.s2, event_id=source.pk, entries=entries)
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            event=source,
            number=n,
            sender="Feuerwehr",
            subject=f"Meldung {n}",
            text="Keller voll",
            written_at=now,
        )
        for n in range(1, MESSAGES + 1)
    )
    MapFeature.objects.bulk_create(
        MapFeature(
            event=source,
            uid=uuid.uuid4(),
            kind="schaden",
            label=f"Schaden {n}",
            geometry={"type": "Point", "coordinates": [7.7 + n / 10_000, 49.4]},
            valid_from=now - dt.timedelta(hours=1),
        )
        for n in range(FEATURES)
    )
    target = Staff.objects.create(name="Verwaltungsstab Nord", body=world.kreise[0])
    position(target, world.lead, StaffFunction.LDS, body=world.kreise[0])

    out = io.BytesIO()
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    transfer.event_export(actor=world.s2, event_id=source.pk, out=out)
    export_s, export_cpu = time.perf_counter() - wall, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    data = out.getvalue()
    packed = io.BytesIO()
    transfer.event_export(actor=world.s2, event_id=source.pk, out=packed, compressed=True)
    yield {
        "metric": "transfer_export_s",
        "value": round(export_s, 3),
        "cpu_s": round(export_cpu, 3),
        "log_entries": ENTRIES,
        "bytes": len(data),
        "bytes_gzip": len(packed.getvalue()),
        "python_peak_mb_without_document": round((peak - len(data)) / 1e6, 1),
    }

    wall, cpu = time.perf_counter(), time.process_time()
    done = transfer.event_import(actor=world.lead, staff_id=target.pk, data=data, name="bench.json")
    yield {
        "metric": "transfer_import_s",
        "value": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "log_entries": done.entries,
        "messages": done.messages,
        "features": done.features,
    }

    wall = time.perf_counter()
    result = log.verify_chain(done.event.pk)
    assert result.ok and result.checked == ENTRIES + 1
    yield {
        "metric": "transfer_verify_s",
        "value": round(time.perf_counter() - wall, 3),
        "checked": result.checked,
    }
