"""The message flow of staff work (Nachrichtenvordruck): written, screened by the Koordinierungsgruppe,
assigned to functions, answered; a message can become a task with an owner and a deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from .events import Event
from .staffs import StaffFunction


class Priority(models.TextChoices):
    FLASH = "blitz", gettext_lazy("Blitz")
    IMMEDIATE = "sofort", gettext_lazy("sofort")
    ROUTINE = "einfach", gettext_lazy("einfach")


#: order of the priorities in lists (Blitz first)
PRIORITY_RANK = {Priority.FLASH: 0, Priority.IMMEDIATE: 1, Priority.ROUTINE: 2}


class Direction(models.TextChoices):
    INCOMING = "eingang", gettext_lazy("Eingang")
    OUTGOING = "ausgang", gettext_lazy("Ausgang")
    INTERNAL = "intern", gettext_lazy("stabsintern")


class MessageState(models.TextChoices):
    WRITTEN = "erfasst", gettext_lazy("erfasst")
    SCREENED = "gesichtet", gettext_lazy("gesichtet")
    ASSIGNED = "zugewiesen", gettext_lazy("zugewiesen")
    ANSWERED = "beantwortet", gettext_lazy("beantwortet")
    CLOSED = "erledigt", gettext_lazy("erledigt")


class Message(models.Model):
    """A message of an event; every step is timed here and written to the log."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="messages")
    number = models.PositiveIntegerField(gettext_lazy("Nachrichten-Nr."))
    direction = models.CharField(
        gettext_lazy("Richtung"), max_length=10, choices=Direction.choices, default=Direction.INCOMING
    )
    priority = models.CharField(
        gettext_lazy("Vorrang"), max_length=10, choices=Priority.choices, default=Priority.ROUTINE
    )
    sender = models.CharField(gettext_lazy("Absender/in"), max_length=200)
    recipient = models.CharField(gettext_lazy("Empfänger/in"), max_length=200, blank=True)
    subject = models.CharField(gettext_lazy("Betreff"), max_length=300)
    text = models.TextField(gettext_lazy("Inhalt"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_function = models.CharField(
        gettext_lazy("aufgenommen von Funktion"), max_length=10, choices=StaffFunction.choices, blank=True
    )
    #: where the message is about (optional): a screened message with coordinates is on the map
    place = models.CharField(gettext_lazy("Ort"), max_length=200, blank=True)
    latitude = models.FloatField(gettext_lazy("Breite"), null=True, blank=True)
    longitude = models.FloatField(gettext_lazy("Länge"), null=True, blank=True)
    written_at = models.DateTimeField(gettext_lazy("aufgenommen am"))
    state = models.CharField(
        gettext_lazy("Stand"), max_length=12, choices=MessageState.choices, default=MessageState.WRITTEN
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_at = models.DateTimeField(gettext_lazy("gesichtet am"), null=True, blank=True)
    screening_note = models.TextField(gettext_lazy("Vermerk der Sichtung"), blank=True)
    #: staff functions the message is assigned to (codes of :class:`StaffFunction`)
    assigned_to = models.JSONField(gettext_lazy("zugewiesen an"), default=list, blank=True)
    assigned_at = models.DateTimeField(gettext_lazy("zugewiesen am"), null=True, blank=True)
    answer = models.TextField(gettext_lazy("Antwort"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(gettext_lazy("beantwortet am"), null=True, blank=True)
    closed_at = models.DateTimeField(gettext_lazy("erledigt am"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Nachricht")
        verbose_name_plural = gettext_lazy("Nachrichten")
        ordering = ["event", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="emergency_message_number_per_event")
        ]

    def __str__(self) -> str:
        return gettext("Nachricht Nr. %(number)s") % {"number": self.number}


class TaskState(models.TextChoices):
    OPEN = "offen", gettext_lazy("offen")
    DONE = "erledigt", gettext_lazy("erledigt")
    CANCELLED = "entfallen", gettext_lazy("entfallen")


class Task(models.Model):
    """A task (Auftrag) of an event with an owner function (and person) and a deadline."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="tasks")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title = models.CharField(gettext_lazy("Auftrag"), max_length=300)
    details = models.TextField(gettext_lazy("Einzelheiten"), blank=True)
    owner_function = models.CharField(
        gettext_lazy("zuständige Funktion"), max_length=10, choices=StaffFunction.choices
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("zuständige Person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_at = models.DateTimeField(gettext_lazy("zu erledigen bis"))
    state = models.CharField(
        gettext_lazy("Stand"), max_length=10, choices=TaskState.choices, default=TaskState.OPEN
    )
    done_at = models.DateTimeField(gettext_lazy("erledigt am"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Auftrag")
        verbose_name_plural = gettext_lazy("Aufträge")
        ordering = ["state", "due_at", "id"]

    def __str__(self) -> str:
        return self.title
