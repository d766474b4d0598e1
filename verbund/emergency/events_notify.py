"""How the members of a staff are alerted and told about their event (verbund.notifications).

* **Alert** (:data:`STAFF_ALERT`): a member of the staff is called in for an event.
* **Event changed** (:data:`EVENT_CHANGED`): the level of an event changed, or it was closed.
* **Message assigned** (:data:`MESSAGE_ASSIGNED`): a message of the event was assigned to a function
  the recipient holds (told to the current holders of the assigned functions only).

Channels: each alert goes out through every registered :class:`AlertChannel`. The one registered
here publishes to the notifications part: the inbox (in-app) and e-mail after the recipient's
preference. SMS or a pager gateway are further channels (``register_alert_channel("sms", …)``) that
receive the same :class:`AlertMessage` — nothing else in the part changes.

Confidentiality: recipients are only the alerted people (never an audience by role or body), the
event types never go to webhooks; the text names the event and its level (for a message: its number
and priority, never its content), and the link leads to the event's (or the message's) page, which
only members of the staff can open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.common.actors import Actor
from verbund.notifications.services import Audience, publish, register_event_type

from .models import Event, Message

STAFF_ALERT = register_event_type(
    "emergency.staff_alert", label=gettext_lazy("Alarmierung des Krisenstabs"), webhooks=False
)
EVENT_CHANGED = register_event_type(
    "emergency.event_changed", label=gettext_lazy("Lage des Krisenstabs geändert"), webhooks=False
)
MESSAGE_ASSIGNED = register_event_type(
    "emergency.message_assigned", label=gettext_lazy("Nachricht im Krisenstab zugewiesen"), webhooks=False
)


@dataclass(frozen=True)
class AlertMessage:
    """One alert of one person: what every channel needs to reach them."""

    event_id: int
    alert_id: int
    user_id: int
    title: str
    level: int
    exercise: bool
    function: str
    phone: str
    path: str


class AlertChannel(Protocol):
    """A way to reach alerted people (in-app and e-mail now; SMS or pager later)."""

    def send(self, messages: list[AlertMessage], *, actor: Actor, event: Event) -> None: ...


class NotificationsChannel:
    """In-app and e-mail through verbund.notifications (one event per alerted person)."""

    def send(self, messages: list[AlertMessage], *, actor: Actor, event: Event) -> None:
        for message in messages:
            publish(
                STAFF_ALERT,
                actor=actor,
                title=message.title,
                text=(
                    gettext_noop(
                        "Übung: Sie werden als %(function)s in den Stab gerufen (Stufe %(level)s). "
                        "Bitte bestätigen Sie mit Ihrer voraussichtlichen Ankunftszeit oder sagen Sie ab."
                    )
                    if message.exercise
                    else gettext_noop(
                        "Sie werden als %(function)s in den Stab gerufen (Stufe %(level)s). "
                        "Bitte bestätigen Sie mit Ihrer voraussichtlichen Ankunftszeit oder sagen Sie ab."
                    )
                ),
                text_params={"function": message.function, "level": message.level},
                path=message.path,
                audience=Audience.users(message.user_id),
                payload={"event": message.event_id, "alert": message.alert_id},
            )


_CHANNELS: dict[str, AlertChannel] = {"notifications": NotificationsChannel()}


def register_alert_channel(name: str, channel: AlertChannel) -> None:
    """Add (or replace) a channel through which alerts go out, e.g. an SMS gateway."""
    _CHANNELS[name] = channel


def alert_channels() -> dict[str, AlertChannel]:
    return dict(_CHANNELS)


def event_path(event: Event) -> str:
    return reverse("emergency:event_detail", kwargs={"event_id": event.pk})


def send_alerts(*, actor: Actor, event: Event, alerts: Iterable[object]) -> int:
    """Send ``alerts`` (:class:`~verbund.emergency.models.Alert` rows) through every channel."""
    from .models import Alert

    messages = [
        AlertMessage(
            event_id=event.pk,
            alert_id=alert.pk,
            user_id=alert.person_id,
            title=event.title,
            level=int(event.level),
            exercise=event.exercise,
            function=alert.position.function,
            phone=alert.position.phone,
            path=event_path(event),
        )
        for alert in alerts
        if isinstance(alert, Alert)
    ]
    if messages:
        for channel in _CHANNELS.values():
            channel.send(messages, actor=actor, event=event)
    return len(messages)


def event_changed(*, actor: Actor, event: Event, user_ids: Iterable[int], closed: bool = False) -> None:
    """Tell the alerted members that the level changed or the event was closed."""
    recipients = sorted(set(user_ids))
    if not recipients:
        return
    publish(
        EVENT_CHANGED,
        actor=actor,
        title=event.title,
        text=(
            gettext_noop("Die Lage ist beendet.")
            if closed
            else gettext_noop("Die Lage hat jetzt die Stufe %(level)s.")
        ),
        text_params={} if closed else {"level": int(event.level)},
        path=event_path(event),
        audience=Audience.users(*recipients),
        payload={"event": event.pk, "level": int(event.level), "closed": closed},
    )


def message_assigned(*, actor: Actor, event: Event, message: Message, user_ids: Iterable[int]) -> None:
    """Tell the holders of the functions a message was assigned to (``user_ids``; the actor never
    gets their own notification). The text names the message's number and priority, not its content."""
    recipients = sorted(set(user_ids))
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):  # a term of staff work: Blitz, sofort, einfach
        priority = str(message.get_priority_display())
    publish(
        MESSAGE_ASSIGNED,
        actor=actor,
        title=event.title,
        text=gettext_noop(
            "Nachricht Nr. %(number)s (Vorrang %(priority)s) ist Ihrer Funktion im Stab zugewiesen."
        ),
        text_params={"number": message.number, "priority": priority},
        path=reverse("emergency:message_detail", kwargs={"event_id": event.pk, "number": message.number}),
        audience=Audience.users(*recipients),
        payload={"event": event.pk, "message": message.number, "priority": message.priority},
    )
