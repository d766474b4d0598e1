"""Demo data of the notifications part, for ``manage.py load_demo`` (after every other part).

The other parts' demo data publish their events through their services (a member added, a grant
issued, a drawdown requested, a settlement finalized …). Their fan-out is queued after commit and done
by the worker; this step distributes right away what is not distributed yet, so that the demo users
find notifications in their inbox at the first sign-in even before the worker ran. Idempotent: an
event is distributed once (the worker skips what was done here).
"""

from __future__ import annotations

from typing import Any, TextIO

from .delivery import fan_out
from .models import Event


def load_demo_notifications(*, stdout: TextIO | Any | None = None) -> int:
    """Distribute every event not yet distributed; returns the number of inbox rows written."""
    written = 0
    for event_id in (
        Event.objects.filter(fanned_out_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    ):
        written += fan_out(event_id)
    if stdout is not None:
        stdout.write(f"Benachrichtigungen: {written} im Posteingang der Demo-Konten.\n")
    return written
