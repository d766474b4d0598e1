"""Workshops and the annual conference: dates, place or online link, agenda, registration of
participants from bodies with a waiting list, reminders, attendance, material and minutes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy


class EventKind(models.TextChoices):
    WORKSHOP = "workshop", gettext_lazy("Workshop")
    CONFERENCE = "jahreskonferenz", gettext_lazy("Jahreskonferenz")
    WEBINAR = "webinar", gettext_lazy("Online-Seminar")
    NETWORK = "netzwerktreffen", gettext_lazy("Netzwerktreffen")


class Event(models.Model):
    """An event of the office. Published events are listed for everyone who is logged in and in the
    public iCalendar feed; registration is open to people who work for a body."""

    slug = models.SlugField(gettext_lazy("Kennung"), max_length=80, unique=True)
    kind = models.CharField(gettext_lazy("Art"), max_length=20, choices=EventKind.choices)
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    description = models.TextField(gettext_lazy("Beschreibung"), blank=True)
    agenda = models.TextField(gettext_lazy("Tagesordnung"), blank=True)
    starts_at = models.DateTimeField(gettext_lazy("Beginn"))
    ends_at = models.DateTimeField(gettext_lazy("Ende"))
    place = models.CharField(gettext_lazy("Ort"), max_length=300, blank=True)
    online_url = models.URLField(gettext_lazy("Online-Link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(gettext_lazy("Plätze"), null=True, blank=True)
    registration_deadline = models.DateTimeField(gettext_lazy("Anmeldeschluss"), null=True, blank=True)
    field_of_action = models.ForeignKey(
        "alliances.FieldOfAction",
        verbose_name=gettext_lazy("Handlungsfeld"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published = models.BooleanField(gettext_lazy("veröffentlicht"), default=False)
    cancelled_at = models.DateTimeField(gettext_lazy("abgesagt am"), null=True, blank=True)
    minutes = models.TextField(gettext_lazy("Protokoll"), blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: the iCalendar SEQUENCE: raised on every change of date, place or cancellation
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("Veranstaltung")
        verbose_name_plural = gettext_lazy("Veranstaltungen")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="advisory_event_ends_after_start",
                violation_error_message=gettext_lazy("Das Ende liegt vor dem Beginn."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class RegistrationStatus(models.TextChoices):
    REGISTERED = "angemeldet", gettext_lazy("angemeldet")
    WAITING = "warteliste", gettext_lazy("Warteliste")
    CANCELLED = "abgemeldet", gettext_lazy("abgemeldet")


class Registration(models.Model):
    """A person's registration for an event, for the body they come from. A place freed by a
    cancellation goes to the first on the waiting list (``position`` orders the list)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Körperschaft"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        gettext_lazy("Stand"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    position = models.PositiveIntegerField(default=0)
    remark = models.CharField(
        gettext_lazy("Hinweis (z. B. Barrierefreiheit, Essen)"), max_length=300, blank=True
    )
    attended = models.BooleanField(gettext_lazy("teilgenommen"), null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Anmeldung")
        verbose_name_plural = gettext_lazy("Anmeldungen")
        ordering = ["event", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="advisory_registration_once")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.user_id}"


def event_material_upload_to(instance: EventMaterial, filename: str) -> str:
    return f"advisory/events/{instance.event_id}/{filename}"


class EventMaterial(models.Model):
    """Material of an event (slides, hand-outs) and its minutes as a file; ``public`` material is
    also offered to people who did not register."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    file = models.FileField(gettext_lazy("Datei"), upload_to=event_material_upload_to, max_length=300)
    is_minutes = models.BooleanField(gettext_lazy("Protokoll"), default=False)
    public = models.BooleanField(gettext_lazy("für alle Angemeldeten der Plattform"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title
