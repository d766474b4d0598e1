"""Reads of the notifications part: one's inbox, the unread count, the operator's failures."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from verbund.common.principal import Principal

from .models import DeliveryStatus, Notification, NotificationQuerySet, OutboxMail, WebhookDelivery


def inbox(principal: Principal, *, unread_only: bool = False) -> NotificationQuerySet:
    """One's own notifications, unread first, newest first (with their events, one query a page)."""
    rows = Notification.objects.visible_to(principal).select_related("event")
    if unread_only:
        rows = rows.unread()
    return rows.annotate(
        _unread=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("_unread", "-created_at", "-id")


def unread_count(user_id: int | None) -> int:
    """The header's badge: one COUNT query on an index."""
    if user_id is None:
        return 0
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def failed_mails() -> list[OutboxMail]:
    return list(OutboxMail.objects.filter(status=DeliveryStatus.FAILED).order_by("-created_at")[:200])


def failed_deliveries() -> list[WebhookDelivery]:
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED)
        .select_related("subscription", "event")
        .order_by("-created_at")[:200]
    )
