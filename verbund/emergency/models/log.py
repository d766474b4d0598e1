"""The staff log (Einsatztagebuch): append-only, each entry chained to the one before by its hash."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from verbund.common.models import AppendOnlyModel

from ..chain import ChainFields
from .events import Event
from .staffs import StaffFunction


class LogCategory(models.TextChoices):
    SITUATION = "lage", gettext_lazy("Lage")
    DECISION = "entscheidung", gettext_lazy("Entscheidung")
    MEASURE = "massnahme", gettext_lazy("Maßnahme")
    ORDER = "auftrag", gettext_lazy("Auftrag")
    MESSAGE = "nachricht", gettext_lazy("Nachricht")
    STAFF = "personal", gettext_lazy("Personal und Stab")
    RESOURCE = "ressource", gettext_lazy("Ressourcen und Hilfe")
    PRESS = "presse", gettext_lazy("Presse und Bürgerinformation")
    CORRECTION = "berichtigung", gettext_lazy("Berichtigung")
    OTHER = "sonstiges", gettext_lazy("Sonstiges")


class LogEntry(AppendOnlyModel):
    """One entry of an event's log. Nothing edits or deletes it (:class:`AppendOnlyModel`); a
    correction is a new entry that names the old one in ``corrects``. ``seq`` counts per event from 1;
    ``hash`` is :func:`verbund.emergency.chain.entry_hash` over ``prev_hash`` and the content."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="log_entries")
    seq = models.PositiveIntegerField(gettext_lazy("lfd. Nr."))
    occurred_at = models.DateTimeField(gettext_lazy("Zeitpunkt des Ereignisses"))
    entered_at = models.DateTimeField(gettext_lazy("eingetragen am"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: the author's name as it was when writing (the chain covers it; users may be renamed later)
    author_name = models.CharField(gettext_lazy("Verfasser/in"), max_length=200)
    function = models.CharField(
        gettext_lazy("Funktion"), max_length=10, choices=StaffFunction.choices, blank=True
    )
    category = models.CharField(gettext_lazy("Kategorie"), max_length=20, choices=LogCategory.choices)
    text = models.TextField(gettext_lazy("Eintrag"))
    corrects = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("berichtigt Eintrag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = gettext_lazy("Einsatztagebuch-Eintrag")
        verbose_name_plural = gettext_lazy("Einsatztagebuch")
        ordering = ["event", "seq"]
        constraints = [models.UniqueConstraint(fields=["event", "seq"], name="emergency_log_seq_per_event")]

    def __str__(self) -> str:
        return gettext("Eintrag %(seq)s") % {"seq": self.seq}

    def chain_fields(self) -> ChainFields:
        corrects_seq = None
        if self.corrects_id is not None:
            corrects_seq = self.corrects.seq if self.corrects is not None else None
        return ChainFields(
            event=self.event_id,
            seq=self.seq,
            occurred_at=self.occurred_at,
            entered_at=self.entered_at,
            author=self.author_name,
            function=self.function,
            category=self.category,
            text=self.text,
            corrects=corrects_seq,
        )
