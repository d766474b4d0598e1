"""Events, the inbox, the e-mail outbox, preferences and webhooks (in the manner of Open Notificaties).

* :class:`Event`: what a part published (``funding.query_answered`` …), with the site-relative path of
  the object, its alliance/body (plain ids: this part sits below alliances and the registry's users)
  and the audience it was meant for.
* :class:`Notification`: one row per recipient and event: the inbox. ``mail_state`` says whether it
  went out at once, waits for the daily digest, or was not mailed.
* :class:`OutboxMail`: one row per e-mail, delivered by a task with retries and back-off.
* :class:`Preference`: a user's choice per event type, or globally (``event_type`` empty).
* :class:`WebhookSubscription` and :class:`WebhookDelivery`: other systems' subscriptions and the
  delivery log.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from verbund.common.principal import Principal


class Mode(models.TextChoices):
    IMMEDIATE = "sofort", _("sofort per E-Mail")
    DIGEST = "taeglich", _("täglich gesammelt")
    OFF = "aus", _("keine E-Mail")


class Event(models.Model):
    """One published event. Written in the publisher's transaction, fanned out after commit."""

    event_type = models.CharField(_("Ereignisart"), max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ausgelöst von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("ausgelöst von (Name)"), max_length=150, blank=True)
    title = models.CharField(_("Titel"), max_length=300)
    #: German; a fixed sentence of the publisher (marked with gettext_noop) with ``%(name)s``
    #: placeholders, translated for each reader; data (names, amounts, a user's words) are ``text_params``.
    text = models.TextField(_("Text"), blank=True)
    text_params = models.JSONField(_("Werte im Text"), default=dict, blank=True)
    path = models.CharField(_("Pfad"), max_length=500, blank=True)
    alliance_id = models.IntegerField(_("Verbund (Kennung)"), null=True, blank=True, db_index=True)
    body_id = models.IntegerField(_("Körperschaft (Kennung)"), null=True, blank=True)
    audience = models.JSONField(_("Empfängerkreis"), default=dict, blank=True)
    payload = models.JSONField(_("Nutzdaten"), default=dict, blank=True)
    created_at = models.DateTimeField(_("veröffentlicht am"), auto_now_add=True, db_index=True)
    fanned_out_at = models.DateTimeField(_("verteilt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Ereignis")
        verbose_name_plural = _("Ereignisse")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type}: {self.title}"

    @property
    def label(self) -> str:
        from .services import event_type_label

        return event_type_label(self.event_type)

    @property
    def display_text(self) -> str:
        """The text in the active language: the publisher's sentence translated, the values inserted
        as they were (a text without a catalogue entry, e.g. a stored reason, stays as written)."""
        if not self.text:
            return ""
        sentence = gettext(self.text)
        if not self.text_params:
            return sentence
        try:
            return (sentence % self.text_params).strip()
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            return (self.text % self.text_params).strip()


class MailState(models.TextChoices):
    NONE = "", _("keine E-Mail")
    QUEUED = "einzeln", _("E-Mail erstellt")
    DIGEST = "sammeln", _("wartet auf die tägliche Zusammenfassung")
    DIGESTED = "gesammelt", _("in der Zusammenfassung versandt")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user_id: int | None) -> NotificationQuerySet:
        """Only ever one's own notifications (nobody, operators included, reads another's inbox)."""
        if user_id is None:
            return self.none()
        return self.filter(recipient_id=user_id)

    def visible_to(self, principal: Principal) -> NotificationQuerySet:
        return self.for_user(principal.user_id if principal.is_person else None)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An event in one user's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Empfänger"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        Event, verbose_name=_("Ereignis"), on_delete=models.CASCADE, related_name="notifications"
    )
    read_at = models.DateTimeField(_("gelesen am"), null=True, blank=True)
    mail_state = models.CharField(
        _("E-Mail"), max_length=10, choices=MailState.choices, default=MailState.NONE, blank=True
    )
    created_at = models.DateTimeField(_("erstellt am"), auto_now_add=True)

    objects: ClassVar[NotificationQuerySet] = NotificationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="notification_once_per_recipient")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["mail_state", "recipient"], name="notification_mail_state"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """How a user wants to hear about an event type by e-mail (empty ``event_type``: every type)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Benutzerkonto"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event_type = models.CharField(_("Ereignisart"), max_length=100, blank=True)
    mode = models.CharField(_("E-Mail"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        verbose_name = _("Benachrichtigungseinstellung")
        verbose_name_plural = _("Benachrichtigungseinstellungen")
        constraints = [
            models.UniqueConstraint(fields=["user", "event_type"], name="preference_once_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event_type or '*'}: {self.mode}"


class DeliveryStatus(models.TextChoices):
    PENDING = "offen", _("wartet")
    SENT = "versandt", _("versandt")
    FAILED = "fehlgeschlagen", _("fehlgeschlagen")


class OutboxMail(models.Model):
    """One e-mail to one recipient. The task tries it with back-off until it is sent or has failed."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Empfänger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to = models.EmailField(_("an"))
    subject = models.CharField(_("Betreff"), max_length=300)
    body = models.TextField(_("Text"))
    event = models.ForeignKey(
        Event, verbose_name=_("Ereignis"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_digest = models.BooleanField(_("Zusammenfassung"), default=False)
    status = models.CharField(
        _("Status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), null=True, blank=True)
    created_at = models.DateTimeField(_("erstellt am"), auto_now_add=True)
    sent_at = models.DateTimeField(_("versandt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("E-Mail im Postausgang")
        verbose_name_plural = _("Postausgang")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class WebhookSubscription(models.Model):
    """Another system subscribes to event types (all when empty), of one alliance or of all."""

    name = models.CharField(_("Bezeichnung"), max_length=200)
    target_url = models.URLField(_("Ziel-URL"), max_length=500)
    secret = models.CharField(_("Geheimnis"), max_length=200)
    event_types = models.JSONField(_("Ereignisarten"), default=list, blank=True)
    alliance_id = models.IntegerField(_("Verbund (Kennung)"), null=True, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook-Abonnement")
        verbose_name_plural = _("Webhook-Abonnements")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def matches(self, event: Event) -> bool:
        if not self.active:
            return False
        if self.event_types and event.event_type not in self.event_types:
            return False
        return self.alliance_id is None or self.alliance_id == event.alliance_id


class WebhookDelivery(models.Model):
    """One event to one subscription: the delivery log (status code, response excerpt, attempts)."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("Abonnement"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(Event, verbose_name=_("Ereignis"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("Status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    status_code = models.PositiveIntegerField(_("HTTP-Status"), null=True, blank=True)
    response_excerpt = models.TextField(_("Antwort (Auszug)"), blank=True)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), null=True, blank=True)
    created_at = models.DateTimeField(_("erstellt am"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("zugestellt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook-Zustellung")
        verbose_name_plural = _("Webhook-Zustellungen")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.subscription} ← {self.event}"


__all__ = [
    "DeliveryStatus",
    "Event",
    "MailState",
    "Mode",
    "Notification",
    "OutboxMail",
    "Preference",
    "WebhookDelivery",
    "WebhookSubscription",
]
