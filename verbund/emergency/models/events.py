"""An event (Schadenslage) a staff works on, and the alerting of its members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from .staffs import Position, Staff


class EventLevel(models.IntegerChoices):
    WATCH = 1, gettext_lazy("Stufe 1 – Vorwarnung, Stab in Bereitschaft")
    PARTIAL = 2, gettext_lazy("Stufe 2 – Stab teilweise aufgerufen")
    FULL = 3, gettext_lazy("Stufe 3 – Stab vollständig aufgerufen")
    DISASTER = 4, gettext_lazy("Stufe 4 – Katastrophenfall")


class EventStatus(models.TextChoices):
    OPEN = "offen", gettext_lazy("laufend")
    CLOSED = "beendet", gettext_lazy("beendet")


class Event(models.Model):
    """A Schadenslage (or an exercise) opened for a staff with a level; the situation report is due
    every ``report_interval_minutes`` (the LfBK's statewide picture comes every 3 hours)."""

    staff = models.ForeignKey(
        Staff, verbose_name=gettext_lazy("Stab"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(gettext_lazy("Bezeichnung"), max_length=200)
    description = models.TextField(gettext_lazy("Lage bei Eröffnung"), blank=True)
    exercise = models.BooleanField(gettext_lazy("Übung"), default=False)
    level = models.PositiveSmallIntegerField(
        gettext_lazy("Stufe"), choices=EventLevel.choices, default=EventLevel.PARTIAL
    )
    status = models.CharField(
        gettext_lazy("Stand"), max_length=10, choices=EventStatus.choices, default=EventStatus.OPEN
    )
    opened_at = models.DateTimeField(gettext_lazy("eröffnet am"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(gettext_lazy("beendet am"), null=True, blank=True)
    center_lat = models.FloatField(gettext_lazy("Mittelpunkt Breite"), null=True, blank=True)
    center_lon = models.FloatField(gettext_lazy("Mittelpunkt Länge"), null=True, blank=True)
    report_interval_minutes = models.PositiveIntegerField(
        gettext_lazy("Lagemeldung alle (Minuten)"), default=180
    )
    #: where an imported event came from: instance, event id, title, exported at, entries and the last
    #: hash of the source's chain (checked on import); empty for an event opened here
    source = models.JSONField(gettext_lazy("Herkunft"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Schadenslage")
        verbose_name_plural = gettext_lazy("Schadenslagen")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Alert(models.Model):
    """A member of the staff alerted for an event: confirmation, expected arrival, presence."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="alerts")
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="alerts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    alerted_at = models.DateTimeField(gettext_lazy("alarmiert am"))
    confirmed_at = models.DateTimeField(gettext_lazy("bestätigt am"), null=True, blank=True)
    arrival_at = models.DateTimeField(gettext_lazy("Eintreffen voraussichtlich"), null=True, blank=True)
    declined = models.BooleanField(gettext_lazy("nicht verfügbar"), default=False)
    present_at = models.DateTimeField(gettext_lazy("anwesend seit"), null=True, blank=True)
    left_at = models.DateTimeField(gettext_lazy("gegangen um"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Alarmierung")
        verbose_name_plural = gettext_lazy("Alarmierungen")
        ordering = ["alerted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "position"], name="emergency_alert_once_per_position")
        ]

    def __str__(self) -> str:
        return str(self.position)
