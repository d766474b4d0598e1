"""The advisory part's background jobs (Celery tasks, found by ``autodiscover_tasks``).

* :func:`send_event_reminders` — periodic (every 15 minutes, :func:`add_beat_schedule`): one reminder
  per registration 24 hours before its event (``reminded_at`` makes a second run send nothing).
"""

from __future__ import annotations

from celery import shared_task

ENTRY = "advisory.event_reminders"
EVERY_SECONDS = 15 * 60.0


@shared_task(name="advisory.event_reminders", ignore_result=True)
def send_event_reminders() -> int:
    """Send the due reminders; the number sent."""
    from .services.events import send_reminders

    return send_reminders()


def add_beat_schedule() -> None:
    """Add :func:`send_event_reminders` to the beat schedule (merged with the other entries)."""
    from celery import current_app

    schedule = dict(current_app.conf.beat_schedule or {})
    schedule[ENTRY] = {"task": "advisory.event_reminders", "schedule": EVERY_SECONDS}
    current_app.conf.beat_schedule = schedule
