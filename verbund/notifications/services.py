"""Publishing events, the inbox, preferences, webhook subscriptions and redelivery.

**Publishing** (every part, in its service after the audit record)::

    from verbund.notifications.services import Audience, publish, register_event_type

    QUERY_ANSWERED = register_event_type(
        "funding.query_answered", label=gettext_lazy("Rückfrage beantwortet")
    )

    publish(QUERY_ANSWERED, actor=actor, title=application.reference, text="…",
            path=application.get_absolute_url(), audience=Audience.role(Role.BEWILLIGUNGSBEHOERDE),
            alliance_id=application.alliance_id)

:func:`publish` stores the :class:`~.models.Event` in the caller's transaction and, **after commit**,
queues the fan-out task (:mod:`.tasks`): a rolled-back step publishes nothing. The fan-out writes one
inbox row per recipient (never the actor), an e-mail per the recipient's preference (at once, in the
daily digest, or none) and a webhook delivery per matching subscription; each mail and delivery is
sent by its own task with retries and back-off (:mod:`.delivery`).

**Recipients** are an :class:`Audience` (platform role, body and roles in it, alliance, grant, users),
resolved by what the higher parts register (:func:`register_audience_resolver`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor, actor_label, check_actor
from verbund.common.errors import Conflict, Invalid, NotFound

from . import audit_actions, policies
from .audience import Audience, register_audience_resolver
from .models import (
    DeliveryStatus,
    Event,
    Mode,
    Notification,
    OutboxMail,
    Preference,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "EVENT_TYPES",
    "Audience",
    "EventType",
    "event_type_label",
    "notification_mark_read",
    "notifications_mark_all_read",
    "outbox_redeliver",
    "preferences_set",
    "publish",
    "register_alliance_choices",
    "register_audience_resolver",
    "register_event_type",
    "webhook_create",
    "webhook_delete",
    "webhook_redeliver",
    "webhook_update",
]


# --- event types ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    """A kind of event a part publishes: ``funding.query_answered`` with its (translatable) label."""

    name: str
    label: str | Promise
    part: str
    #: False for events about confidential data (TLP:AMBER and RED of the security part): they reach
    #: the people the publishing part resolved, never an outside system through a webhook.
    webhooks: bool = True

    def __str__(self) -> str:
        return self.name


EVENT_TYPES: dict[str, EventType] = {}


def register_event_type(name: str, *, label: str | Promise, webhooks: bool = True) -> EventType:
    """Declare an event type (idempotent for the same name). ``name`` is ``<part>.<what>``;
    ``webhooks=False`` keeps its events out of every webhook subscription."""
    if "." not in name:
        raise ValueError(f"event type {name!r} must be '<part>.<what>'")
    kind = EventType(name=name, label=label, part=name.split(".", 1)[0], webhooks=webhooks)
    EVENT_TYPES.setdefault(name, kind)
    return EVENT_TYPES[name]


def event_type_label(name: str) -> str:
    kind = EVENT_TYPES.get(name)
    return str(kind.label) if kind is not None else name


# --- the alliances a subscription may be limited to (the alliances part registers the list) ---------

_ALLIANCE_CHOICES: list[Callable[[], Iterable[tuple[int, str]]]] = []


def register_alliance_choices(provider: Callable[[], Iterable[tuple[int, str]]]) -> None:
    """``provider()`` gives ``(id, name)`` of every alliance (for the webhook form)."""
    _ALLIANCE_CHOICES[:] = [provider]


def alliance_choices() -> list[tuple[int, str]]:
    return [(int(i), str(n)) for i, n in _ALLIANCE_CHOICES[0]()] if _ALLIANCE_CHOICES else []


# --- publishing -----------------------------------------------------------------------------------


def publish(
    event_type: EventType | str,
    *,
    actor: Actor,
    title: str,
    text: str = "",
    text_params: Mapping[str, Any] | None = None,
    path: str = "",
    audience: Audience,
    alliance_id: int | None = None,
    body_id: int | None = None,
    payload: Mapping[str, Any] | None = None,
) -> Event:
    """Store an event and fan it out after commit (see the module doc). Returns the stored event."""
    check_actor(actor)
    name = str(event_type)
    if name not in EVENT_TYPES:
        raise ValueError(f"event type {name!r} is not registered (register_event_type first)")
    if path and not path.startswith("/"):
        raise ValueError("path must be site-relative (start with '/')")
    event = Event.objects.create(
        event_type=name,
        actor=actor if isinstance(actor, AbstractBaseUser) else None,  # type: ignore[misc]
        actor_name=actor_label(actor)[:150],
        title=title[:300],
        text=str(text),
        text_params={key: str(value) for key, value in (text_params or {}).items()},
        path=path,
        alliance_id=alliance_id,
        body_id=body_id,
        audience=audience.as_json(),
        payload=dict(payload or {}),
    )
    transaction.on_commit(lambda: _enqueue_fan_out(event.pk), robust=True)
    return event


def _enqueue_fan_out(event_id: int) -> None:
    from .tasks import fan_out

    fan_out.delay(event_id)


# --- the inbox ------------------------------------------------------------------------------------


def _own(actor: Actor, notification_id: int) -> Notification:
    principal = authorize(actor, policies.may_use_inbox)
    notification = (
        Notification.objects.for_user(principal.user_id)
        .select_for_update()
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        raise NotFound(_("Diese Benachrichtigung gibt es nicht."))
    return notification


@transaction.atomic
def notification_mark_read(*, actor: Actor, notification_id: int) -> Notification:
    """Mark one's own notification read (idempotent). Another user's is "not found".

    Reading is personal state, like a read mark in a mail client: not audited."""
    notification = _own(actor, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Actor) -> int:
    """Mark all of one's unread notifications read; returns how many."""
    principal = authorize(actor, policies.may_use_inbox)
    return Notification.objects.for_user(principal.user_id).unread().update(read_at=timezone.now())


# --- preferences ----------------------------------------------------------------------------------


def mode_for(preferences: Mapping[str, str], event_type: str) -> str:
    """The e-mail mode for ``event_type``: its own choice, else the global one, else at once."""
    return preferences.get(event_type) or preferences.get("") or Mode.IMMEDIATE


@transaction.atomic
def preferences_set(*, actor: Actor, modes: Mapping[str, str]) -> dict[str, str]:
    """Set one's own e-mail preferences: ``{"": global mode, event_type: mode or "" (as global)}``."""
    principal = authorize(actor, policies.may_use_inbox)
    user_id = int(principal.user_id or 0)
    valid = set(Mode.values)
    changes: dict[str, str] = {}
    for event_type, mode in modes.items():
        if event_type and event_type not in EVENT_TYPES:
            raise Invalid(_("Unbekannte Ereignisart: %(name)s") % {"name": event_type})
        if mode and mode not in valid:
            raise Invalid(_("Unbekannte Einstellung: %(mode)s") % {"mode": mode})
        if not event_type and not mode:
            mode = Mode.IMMEDIATE
        current = Preference.objects.filter(user_id=user_id, event_type=event_type).first()
        if not mode:
            if current is not None:
                current.delete()
                changes[event_type] = ""
            continue
        if current is None or current.mode != mode:
            Preference.objects.update_or_create(
                user_id=user_id, event_type=event_type, defaults={"mode": mode}
            )
            changes[event_type] = mode
    if changes:
        audit_record(
            actor=actor,
            action=audit_actions.PREFERENCES_SET,
            object_type="notifications.preference",
            object_id=str(principal.user_id),
            object_repr="",
            changes={"preferences": {k or "alle": v or "wie allgemein" for k, v in changes.items()}},
        )
    return preferences_of(principal.user_id)


def preferences_of(user_id: int | None) -> dict[str, str]:
    if user_id is None:
        return {}
    return dict(Preference.objects.filter(user_id=user_id).values_list("event_type", "mode"))


# --- webhook subscriptions ------------------------------------------------------------------------


def _clean_subscription(subscription: WebhookSubscription) -> None:
    unknown = [t for t in subscription.event_types if t not in EVENT_TYPES]
    if unknown:
        message = _("Unbekannte Ereignisart: %(name)s") % {"name": ", ".join(unknown)}
        raise Invalid(message, fields={"event_types": [message]})
    subscription.full_clean()  # a ValidationError is a refusal (Invalid) with the fields at fault


def _subscription_changes(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "name": subscription.name,
        "target_url": subscription.target_url,
        "event_types": list(subscription.event_types),
        "alliance_id": subscription.alliance_id,
        "active": subscription.active,
    }


@transaction.atomic
def webhook_create(
    *,
    actor: Actor,
    name: str,
    target_url: str,
    event_types: list[str] | None = None,
    alliance_id: int | None = None,
    secret: str = "",
    active: bool = True,
) -> WebhookSubscription:
    """A new subscription (Plattformbetrieb). Without ``secret`` a random one is generated."""
    authorize(actor, policies.may_manage_webhooks, _("Webhooks verwaltet der Plattformbetrieb."))
    subscription = WebhookSubscription(
        name=name.strip(),
        target_url=target_url.strip(),
        secret=secret.strip() or secrets.token_urlsafe(32),
        event_types=sorted(set(event_types or [])),
        alliance_id=alliance_id,
        active=active,
        created_by=actor if isinstance(actor, AbstractBaseUser) else None,  # type: ignore[misc]
    )
    _clean_subscription(subscription)
    subscription.save()
    audit_record(
        actor=actor,
        action=audit_actions.WEBHOOK_CREATE,
        target=subscription,
        changes=_subscription_changes(subscription),
        alliance=alliance_id,
    )
    return subscription


@transaction.atomic
def webhook_update(*, actor: Actor, subscription: WebhookSubscription, **fields: Any) -> WebhookSubscription:
    """Change ``name``, ``target_url``, ``event_types``, ``alliance_id``, ``active`` or ``secret``."""
    authorize(actor, policies.may_manage_webhooks, _("Webhooks verwaltet der Plattformbetrieb."))
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = _subscription_changes(subscription)
    allowed = {"name", "target_url", "event_types", "alliance_id", "active", "secret"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    secret_changed = False
    for key, value in fields.items():
        if key == "secret":
            if value and value != subscription.secret:
                subscription.secret = value.strip()
                secret_changed = True
            continue
        if key == "event_types":
            value = sorted(set(value or []))
        if isinstance(value, str):
            value = value.strip()
        setattr(subscription, key, value)
    _clean_subscription(subscription)
    subscription.save()
    after = _subscription_changes(subscription)
    changes: dict[str, Any] = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if secret_changed:
        changes["secret_changed"] = True
    if changes:
        audit_record(
            actor=actor,
            action=audit_actions.WEBHOOK_UPDATE,
            target=subscription,
            changes=changes,
            alliance=subscription.alliance_id,
        )
    return subscription


@transaction.atomic
def webhook_delete(*, actor: Actor, subscription: WebhookSubscription) -> None:
    """Delete a subscription and its delivery log."""
    authorize(actor, policies.may_manage_webhooks, _("Webhooks verwaltet der Plattformbetrieb."))
    audit_record(
        actor=actor,
        action=audit_actions.WEBHOOK_DELETE,
        target=subscription,
        changes=_subscription_changes(subscription),
        alliance=subscription.alliance_id,
    )
    subscription.delete()


# --- redelivery (the operator's failure view) -----------------------------------------------------


@transaction.atomic
def outbox_redeliver(*, actor: Actor, mail: OutboxMail) -> OutboxMail:
    """Send a failed e-mail again (attempts start anew)."""
    authorize(actor, policies.may_see_failures, _("Erneut senden kann nur der Plattformbetrieb."))
    mail = OutboxMail.objects.select_for_update().get(pk=mail.pk)
    if mail.status != DeliveryStatus.FAILED:
        raise Conflict(_("Nur fehlgeschlagene E-Mails können erneut gesendet werden."))
    previous = mail.last_error
    mail.status, mail.attempts, mail.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    mail.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action=audit_actions.MAIL_REDELIVER,
        target=mail,
        object_repr=mail.subject,
        changes={"previous_error": previous[:500]},
    )
    transaction.on_commit(lambda: _enqueue("deliver_mail", mail.pk), robust=True)
    return mail


@transaction.atomic
def webhook_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Deliver a failed webhook call again (attempts start anew)."""
    authorize(actor, policies.may_see_failures, _("Erneut senden kann nur der Plattformbetrieb."))
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(_("Nur fehlgeschlagene Zustellungen können erneut gesendet werden."))
    previous = delivery.last_error
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        action=audit_actions.WEBHOOK_REDELIVER,
        target=delivery,
        changes={"previous_error": previous[:500]},
        alliance=delivery.event.alliance_id,
    )
    transaction.on_commit(lambda: _enqueue("deliver_webhook", delivery.pk), robust=True)
    return delivery


def _enqueue(task_name: str, pk: int) -> None:
    from . import tasks

    getattr(tasks, task_name).delay(pk)


#: The system actor of the scheduled jobs (digest, retries), for completeness of the audit log.
NOTIFIER = SystemActor(name="Benachrichtigungen", capabilities=frozenset({policies.MANAGE}))
