"""The notifications part's background jobs (Celery tasks, found by ``autodiscover_tasks``).

* :func:`fan_out` — queued by :func:`verbund.notifications.services.publish` after the publisher's
  commit: inbox rows, e-mails and webhook deliveries of one event.
* :func:`deliver_mail`, :func:`deliver_webhook` — one attempt each; a failure waits for the sweep.
* :func:`retry_due` — every minute (beat): queues the due retries.
* :func:`send_digests` — daily (beat, ``NOTIFICATIONS_DIGEST_HOUR``): the digest e-mails.

The beat entries are added to the Celery app's ``beat_schedule`` by
:class:`verbund.notifications.apps.NotificationsConfig`; django-celery-beat's database scheduler
copies them into its tables when the scheduler starts.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import delivery


def _when(now: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(now) if now else None


@shared_task(name="notifications.fan_out", acks_late=True, ignore_result=True)
def fan_out(event_id: int) -> int:
    return delivery.fan_out(event_id)


@shared_task(name="notifications.deliver_mail", acks_late=True, ignore_result=True)
def deliver_mail(mail_id: int, now: str | None = None) -> str:
    return delivery.deliver_mail(mail_id, now=_when(now))


@shared_task(name="notifications.deliver_webhook", acks_late=True, ignore_result=True)
def deliver_webhook(delivery_id: int, now: str | None = None) -> str:
    return delivery.deliver_webhook(delivery_id, now=_when(now))


@shared_task(name="notifications.retry_due", ignore_result=True)
def retry_due(now: str | None = None) -> tuple[int, int]:
    return delivery.retry_due(now=_when(now))


@shared_task(name="notifications.send_digests", ignore_result=True)
def send_digests() -> int:
    return delivery.send_digests()
