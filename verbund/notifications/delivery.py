"""The work behind the tasks: fan-out, e-mail, webhooks, the daily digest and the retry sweep.

Every function here is called by a task in :mod:`.tasks` (eagerly in tests) and is safe to run twice:

* :func:`fan_out` marks the event as distributed and does nothing for an event already distributed.
* :func:`deliver_mail` / :func:`deliver_webhook` first *claim* the row (attempts + 1 and a lease on
  ``next_attempt_at``, in one conditional UPDATE), so two workers never send the same attempt. A
  failure sets ``next_attempt_at`` to ``now + base · 2^(attempts-1)`` (at most six hours); after
  ``NOTIFICATIONS_MAX_ATTEMPTS`` attempts the row is ``failed`` and shows in the operator's failure view.
* :func:`retry_due` (every minute, django-celery-beat) queues every pending row whose time has come:
  the retries, and anything a lost broker message left behind.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import signing
from .audience import Audience
from .models import (
    DeliveryStatus,
    Event,
    MailState,
    Mode,
    Notification,
    OutboxMail,
    Preference,
    WebhookDelivery,
    WebhookSubscription,
)
from .services import EVENT_TYPES, event_type_label, mode_for

logger = logging.getLogger(__name__)

#: how long a claimed row is left alone by the sweep while it is being sent
LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: base · 2^(attempts-1)."""
    base = int(getattr(settings, "NOTIFICATIONS_RETRY_SECONDS", 60))
    return min(dt.timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def absolute_url(path: str) -> str:
    """``SITE_URL`` + a site-relative path (links in e-mails and webhook payloads)."""
    if not path:
        return ""
    return settings.SITE_URL.rstrip("/") + path


def language_of(user: Any) -> str:
    """The recipient's language (``User.language`` once accounts has it), German by default."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _on_commit_delay(task_name: str, pk: int) -> None:
    def run() -> None:
        from . import tasks

        getattr(tasks, task_name).delay(pk)

    transaction.on_commit(run, robust=True)


# --- fan-out --------------------------------------------------------------------------------------


def render_event_mail(event: Event, user: Any) -> tuple[str, str]:
    """Subject and text of the e-mail about ``event`` to ``user``, in the user's language."""
    with translation.override(language_of(user)):
        label = event_type_label(event.event_type)
        subject = _("[Verbund] %(label)s: %(title)s") % {"label": label, "title": event.title}
        body = render_to_string(
            "notifications/mail/event.txt",
            {
                "user": user,
                "event": event,
                "text": event.display_text,
                "label": label,
                "url": absolute_url(event.path),
                "inbox_url": absolute_url("/benachrichtigungen/"),
                "settings_url": absolute_url("/benachrichtigungen/einstellungen/"),
            },
        )
    return subject[:300], body


@transaction.atomic
def fan_out(event_id: int) -> int:
    """Inbox rows, e-mails and webhook deliveries of one event; returns the number of recipients."""
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None or event.fanned_out_at is not None:
        return 0
    ids = Audience.from_json(event.audience).resolve()
    if event.actor_id is not None:
        ids.discard(event.actor_id)  # never the actor themself
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    preferences: dict[int, dict[str, str]] = {}
    for user_id, event_type, mode in Preference.objects.filter(user_id__in=[u.pk for u in users]).values_list(
        "user_id", "event_type", "mode"
    ):
        preferences.setdefault(user_id, {})[event_type] = mode
    rows = []
    for user in users:
        mode = mode_for(preferences.get(user.pk, {}), event.event_type)
        state = MailState.NONE
        if user.email and mode == Mode.IMMEDIATE:
            subject, body = render_event_mail(event, user)
            mail = OutboxMail.objects.create(
                recipient=user,
                to=user.email,
                subject=subject,
                body=body,
                event=event,
                next_attempt_at=timezone.now(),
            )
            _on_commit_delay("deliver_mail", mail.pk)
            state = MailState.QUEUED
        elif user.email and mode == Mode.DIGEST:
            state = MailState.DIGEST
        rows.append(Notification(recipient=user, event=event, mail_state=state))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    kind = EVENT_TYPES.get(event.event_type)
    subscriptions = WebhookSubscription.objects.filter(active=True).filter(
        Q(alliance_id__isnull=True) | Q(alliance_id=event.alliance_id)
    )
    if kind is not None and not kind.webhooks:
        subscriptions = subscriptions.none()  # confidential events never leave through a webhook
    for subscription in subscriptions:
        if subscription.matches(event):
            delivery = WebhookDelivery.objects.create(
                subscription=subscription, event=event, next_attempt_at=timezone.now()
            )
            _on_commit_delay("deliver_webhook", delivery.pk)
    event.fanned_out_at = timezone.now()
    event.save(update_fields=["fanned_out_at"])
    return len(rows)


# --- claiming and finishing an attempt ------------------------------------------------------------


def _claim(model: type[OutboxMail] | type[WebhookDelivery], pk: int, now: dt.datetime) -> Any:
    """Take the next attempt of a pending row whose time has come; ``None`` if there is none."""
    row = model.objects.filter(pk=pk, status=DeliveryStatus.PENDING).first()
    if row is None or (row.next_attempt_at is not None and row.next_attempt_at > now):
        return None
    claimed = model.objects.filter(pk=pk, status=DeliveryStatus.PENDING, attempts=row.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE
    )
    if not claimed:
        return None
    row.refresh_from_db()
    return row


def _failed(row: Any, error: str, now: dt.datetime, **extra: Any) -> None:
    fields = {"last_error": error[:2000], **extra}
    if row.attempts >= max_attempts():
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        logger.warning("Zustellung endgültig fehlgeschlagen (%s %s): %s", type(row).__name__, row.pk, error)
    else:
        fields.update(next_attempt_at=now + backoff(row.attempts))
    type(row).objects.filter(pk=row.pk).update(**fields)


# --- e-mail ---------------------------------------------------------------------------------------


def deliver_mail(mail_id: int, *, now: dt.datetime | None = None) -> str:
    """One attempt to send an outbox mail; returns its status afterwards ("" if it was not due)."""
    now = now or timezone.now()
    mail = _claim(OutboxMail, mail_id, now)
    if mail is None:
        return ""
    try:
        EmailMessage(
            subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.to]
        ).send()
    except Exception as error:  # any backend error: retried later, never raised into the worker
        _failed(mail, f"{type(error).__name__}: {error}", now)
        return str(OutboxMail.objects.values_list("status", flat=True).get(pk=mail.pk))
    OutboxMail.objects.filter(pk=mail.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return DeliveryStatus.SENT


# --- the daily digest -----------------------------------------------------------------------------


@transaction.atomic
def send_digests() -> int:
    """One e-mail per user with the notifications waiting for the digest; returns how many mails."""
    waiting = (
        Notification.objects.select_for_update()
        .filter(mail_state=MailState.DIGEST)
        .select_related("event", "recipient")
        .order_by("recipient_id", "created_at", "id")
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in waiting:
        by_user.setdefault(notification.recipient_id, []).append(notification)
    sent = 0
    for items in by_user.values():
        user = items[0].recipient
        if user.email and user.is_active:
            with translation.override(language_of(user)):
                entries = [
                    {
                        "label": event_type_label(n.event.event_type),
                        "event": n.event,
                        "url": absolute_url(n.event.path),
                    }
                    for n in items
                ]
                subject = _("[Verbund] Ihre Benachrichtigungen: %(count)s neue") % {"count": len(items)}
                body = render_to_string(
                    "notifications/mail/digest.txt",
                    {
                        "user": user,
                        "entries": entries,
                        "inbox_url": absolute_url("/benachrichtigungen/"),
                        "settings_url": absolute_url("/benachrichtigungen/einstellungen/"),
                    },
                )
            mail = OutboxMail.objects.create(
                recipient=user,
                to=user.email,
                subject=subject,
                body=body,
                is_digest=True,
                next_attempt_at=timezone.now(),
            )
            _on_commit_delay("deliver_mail", mail.pk)
            sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(mail_state=MailState.DIGESTED)
    return sent


# --- webhooks -------------------------------------------------------------------------------------


def webhook_payload(event: Event, delivery: WebhookDelivery) -> dict[str, Any]:
    """The JSON body of a webhook call (documented in docs/notifications.md)."""
    with translation.override(settings.LANGUAGE_CODE):
        label = event_type_label(event.event_type)
        text = event.display_text
    return {
        "id": delivery.pk,
        "event": {
            "id": event.pk,
            "type": event.event_type,
            "label": label,
            "title": event.title,
            "text": text,
            "url": absolute_url(event.path),
            "alliance_id": event.alliance_id,
            "body_id": event.body_id,
            "actor": event.actor_name,
            "created_at": event.created_at.isoformat(),
            "data": event.payload,
        },
        "subscription": delivery.subscription.name,
        "attempt": delivery.attempts,
    }


def deliver_webhook(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """One attempt to POST a signed payload; returns the delivery's status afterwards."""
    now = now or timezone.now()
    delivery = _claim(WebhookDelivery, delivery_id, now)
    if delivery is None:
        return ""
    delivery = WebhookDelivery.objects.select_related("subscription", "event").get(pk=delivery.pk)
    subscription = delivery.subscription
    body = json.dumps(webhook_payload(delivery.event, delivery), ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        subscription.target_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Verbund-Webhooks/1",
            signing.TIMESTAMP_HEADER: timestamp,
            signing.SIGNATURE_HEADER: signing.signature(subscription.secret, timestamp, body),
            signing.EVENT_HEADER: delivery.event.event_type,
            signing.DELIVERY_HEADER: str(delivery.pk),
        },
    )
    timeout = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, excerpt = response.status, response.read(1000).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        excerpt = error.read(1000).decode("utf-8", "replace") if error.fp else ""
        _failed(delivery, f"HTTP {error.code}", now, status_code=error.code, response_excerpt=excerpt[:1000])
        return str(WebhookDelivery.objects.values_list("status", flat=True).get(pk=delivery.pk))
    except Exception as error:  # connection refused, timeout, DNS: retried later
        _failed(delivery, f"{type(error).__name__}: {error}", now, status_code=None, response_excerpt="")
        return str(WebhookDelivery.objects.values_list("status", flat=True).get(pk=delivery.pk))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT,
        status_code=status,
        response_excerpt=excerpt[:1000],
        delivered_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
    )
    return DeliveryStatus.SENT


# --- the sweep ------------------------------------------------------------------------------------


def retry_due(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Queue every pending mail and webhook delivery whose next attempt is due; returns the counts.

    Also picks up events whose fan-out never ran (a lost broker message), after a minute."""
    now = now or timezone.now()
    from . import tasks

    due = Q(status=DeliveryStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    mails = list(OutboxMail.objects.filter(due).values_list("pk", flat=True)[:500])
    deliveries = list(WebhookDelivery.objects.filter(due).values_list("pk", flat=True)[:500])
    stale = Event.objects.filter(fanned_out_at__isnull=True, created_at__lte=now - dt.timedelta(minutes=1))
    for event_id in stale.values_list("pk", flat=True)[:500]:
        tasks.fan_out.delay(event_id)
    for pk in mails:
        tasks.deliver_mail.apply_async((pk,), kwargs={"now": now.isoformat()})
    for pk in deliveries:
        tasks.deliver_webhook.apply_async((pk,), kwargs={"now": now.isoformat()})
    return len(mails), len(deliveries)
