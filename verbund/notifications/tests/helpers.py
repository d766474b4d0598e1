"""Helpers of the notifications tests."""

from __future__ import annotations

from typing import Any

from verbund.notifications.models import Notification
from verbund.notifications.services import Audience, publish

from .conftest import SYSTEM, TEST_EVENT


def inbox_of(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("event__title", flat=True))


def recipients(event: Any) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def publish_now(
    capture: Any, audience: Audience, *, actor: Any = SYSTEM, title: str = "Vorgang 1", **kwargs: Any
) -> Any:
    """Publish and run the after-commit fan-out (and the mail/webhook tasks it queues) eagerly."""
    kwargs.setdefault("path", "/verbuende/cyber/")
    with capture(execute=True):
        event = publish(
            kwargs.pop("event_type", TEST_EVENT), actor=actor, title=title, audience=audience, **kwargs
        )
    event.refresh_from_db()
    return event
