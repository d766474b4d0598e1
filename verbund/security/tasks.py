"""The security part's background jobs (Celery tasks, found by ``autodiscover_tasks``).

* :func:`poll_source` — one poll of a CSAF source
  (:func:`verbund.security.services.sources.csaf_source_poll`).
* :func:`poll_due_sources` — periodic (beat, every ``SECURITY_CSAF_POLL_MINUTES``, default 15): queues a
  poll for each active source whose own interval is over.

:func:`add_beat_schedule` adds the periodic entry to the Celery app's ``beat_schedule`` (called from
:class:`verbund.security.apps.SecurityConfig`); django-celery-beat's database scheduler copies it into
its tables when the scheduler starts.
"""

from __future__ import annotations

from celery import shared_task

from verbund.common.errors import NotFound

from .services.sources import POLLER, csaf_source_poll, csaf_sources_due, poll_interval_minutes

BEAT_ENTRY = "security.poll_due_sources"


@shared_task(name="security.poll_source", acks_late=True, ignore_result=True)
def poll_source(source_id: int, full: bool = False) -> str:
    """Poll source ``source_id``; returns the summary ("" when another poll of it is running or the
    source is gone)."""
    try:
        result = csaf_source_poll(POLLER, source=source_id, full=full)
    except NotFound:  # deleted since it was queued
        return ""
    return "" if result is None else result.summary


@shared_task(name="security.poll_due_sources", ignore_result=True)
def poll_due_sources() -> list[int]:
    """Queue a poll for every due source; returns their ids."""
    due = csaf_sources_due()
    for source_id in due:
        poll_source.delay(source_id)
    return due


@shared_task(name="security.rematch_all", acks_late=True, ignore_result=True)
def rematch_all() -> dict[str, int]:
    """Match every current advisory against every active asset (queued by the "match again" button)."""
    from .services.matching import MATCH_ACTOR
    from .services.matching import rematch_all as run

    return run(actor=MATCH_ACTOR).as_changes()


def add_beat_schedule() -> None:
    """Add :func:`poll_due_sources` to the beat schedule (merged with the other parts' entries)."""
    from celery import current_app

    schedule = dict(current_app.conf.beat_schedule or {})
    schedule[BEAT_ENTRY] = {"task": "security.poll_due_sources", "schedule": poll_interval_minutes() * 60.0}
    current_app.conf.beat_schedule = schedule


# --- incidents: reminders of the NIS2 deadlines (appended by the incidents part) ----------------------

INCIDENT_REMINDER_ENTRY = "security.incident_deadline_reminders"


@shared_task(name="security.incident_deadline_reminders", ignore_result=True)
def incident_deadline_reminders() -> int:
    """Remind the bodies of open incidents of coming and passed NIS2 deadlines (each reminder once)."""
    from .services.incidents import send_deadline_reminders

    return send_deadline_reminders()


def add_incident_beat_schedule() -> None:
    """Add :func:`incident_deadline_reminders` (every 15 minutes) to the beat schedule."""
    from celery import current_app

    schedule = dict(current_app.conf.beat_schedule or {})
    schedule[INCIDENT_REMINDER_ENTRY] = {
        "task": "security.incident_deadline_reminders",
        "schedule": 15 * 60.0,
    }
    current_app.conf.beat_schedule = schedule
