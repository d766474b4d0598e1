"""The situation picture: map features of an event (areas, damage points, resources, facilities) with
their validity in time, so the picture of any past moment can be shown, and the situation reports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from .events import Event


class FeatureKind(models.TextChoices):
    AREA = "gebiet", gettext_lazy("Gebiet")
    DAMAGE = "schaden", gettext_lazy("Schadensstelle")
    RESOURCE = "kraft", gettext_lazy("Einsatzmittel")
    FACILITY = "einrichtung", gettext_lazy("Einrichtung")
    OTHER = "sonstiges", gettext_lazy("Sonstiges")


class MapFeature(models.Model):
    """One version of a feature of the map. A change closes the current version (``valid_to``) and
    adds a new one with the same ``uid``; removing closes it. The picture at moment *t* is every
    version with ``valid_from <= t < valid_to`` (or no ``valid_to``).

    ``symbol`` is an id of the tactical vocabulary (DV 102, ``crisis/taktische_zeichen_taxonomy.json``:
    ``<group>/<id>``, e.g. ``fachaufgaben/wasserversorgung``); ``geometry`` a GeoJSON geometry (WGS 84)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="features")
    uid = models.UUIDField(default=uuid.uuid4, db_index=True)
    kind = models.CharField(gettext_lazy("Art"), max_length=12, choices=FeatureKind.choices)
    symbol = models.CharField(gettext_lazy("Taktisches Zeichen"), max_length=100, blank=True)
    label = models.CharField(gettext_lazy("Beschriftung"), max_length=200)
    note = models.TextField(gettext_lazy("Bemerkung"), blank=True)
    geometry = models.JSONField(gettext_lazy("Geometrie"))
    valid_from = models.DateTimeField(gettext_lazy("gültig ab"))
    valid_to = models.DateTimeField(gettext_lazy("gültig bis"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = gettext_lazy("Lagekarten-Objekt")
        verbose_name_plural = gettext_lazy("Lagekarte")
        ordering = ["event", "valid_from", "id"]
        indexes = [models.Index(fields=["event", "valid_from"], name="emergency_feature_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="emergency_feature_validity",
            ),
            models.UniqueConstraint(
                fields=["uid"], condition=Q(valid_to__isnull=True), name="emergency_feature_one_current"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SituationReport(models.Model):
    """A Lagemeldung: generated from the log and the map as of ``as_of`` (at the event's interval or on
    demand); ``content`` keeps the figures, ``text`` the wording sent out."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="reports")
    number = models.PositiveIntegerField(gettext_lazy("Nr."))
    as_of = models.DateTimeField(gettext_lazy("Stand"))
    generated_at = models.DateTimeField(gettext_lazy("erstellt am"))
    content = models.JSONField(default=dict)
    text = models.TextField(gettext_lazy("Lagemeldung"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = gettext_lazy("Lagemeldung")
        verbose_name_plural = gettext_lazy("Lagemeldungen")
        ordering = ["event", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="emergency_report_number_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.number}"
