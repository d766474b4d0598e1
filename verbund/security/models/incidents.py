"""Security incidents of a member, the NIS2-style reporting deadlines and mutual help in the alliance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from .assets import Asset
from .sharing import Shared


class IncidentStatus(models.TextChoices):
    OPEN = "offen", gettext_lazy("offen")
    CONTAINED = "eingedaemmt", gettext_lazy("eingedämmt")
    CLOSED = "abgeschlossen", gettext_lazy("abgeschlossen")


class Incident(Shared):
    """A security incident a member reports (``owner_body``); TLP:AMBER to its alliance by default.

    The three reports of the NIS2 scheme (early warning 24 h, report 72 h, final report one month after
    the report) are recorded when the member has made them; municipal administrations are not bound by
    NIS2 (DOMAIN.md §6), municipal companies can be (``nis2_binding``)."""

    title = models.CharField(gettext_lazy("Kurzbeschreibung"), max_length=300)
    description = models.TextField(gettext_lazy("Was ist geschehen?"), blank=True)
    started_at = models.DateTimeField(gettext_lazy("seit"))
    detected_at = models.DateTimeField(gettext_lazy("bemerkt am"))
    status = models.CharField(
        gettext_lazy("Stand"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    nis2_binding = models.BooleanField(gettext_lazy("NIS2-Meldepflicht besteht"), default=False)
    early_warning_at = models.DateTimeField(gettext_lazy("Frühwarnung abgegeben am"), null=True, blank=True)
    notification_at = models.DateTimeField(gettext_lazy("Meldung abgegeben am"), null=True, blank=True)
    final_report_at = models.DateTimeField(
        gettext_lazy("Abschlussbericht abgegeben am"), null=True, blank=True
    )
    assets = models.ManyToManyField(
        Asset, verbose_name=gettext_lazy("betroffene Komponenten"), blank=True, related_name="incidents"
    )
    closed_at = models.DateTimeField(gettext_lazy("abgeschlossen am"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Sicherheitsvorfall")
        verbose_name_plural = gettext_lazy("Sicherheitsvorfälle")
        ordering = ["-detected_at", "-id"]

    def __str__(self) -> str:
        # Audit entries and read-log rows name the incident by number only: its title may be
        # confidential, and the audit log is read by people outside its distribution.
        return gettext("Sicherheitsvorfall Nr. %(number)s") % {"number": self.pk}


class HelpStatus(models.TextChoices):
    OPEN = "offen", gettext_lazy("offen")
    COVERED = "gedeckt", gettext_lazy("Hilfe zugesagt")
    CLOSED = "abgeschlossen", gettext_lazy("abgeschlossen")


class HelpRequest(models.Model):
    """A member asks the others of its alliance for help with an incident (mutual-help agreement).
    As confidential as its incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="help_requests")
    alliance = models.ForeignKey(
        "alliances.Alliance", verbose_name=gettext_lazy("Verbund"), on_delete=models.PROTECT, related_name="+"
    )
    needed = models.TextField(gettext_lazy("Was wird gebraucht?"))
    people = models.PositiveIntegerField(gettext_lazy("Personen"), default=0)
    devices = models.CharField(gettext_lazy("Geräte"), max_length=500, blank=True)
    hours = models.DecimalField(
        gettext_lazy("Stunden (geschätzt)"), max_digits=8, decimal_places=2, default=0
    )
    status = models.CharField(
        gettext_lazy("Stand"), max_length=20, choices=HelpStatus.choices, default=HelpStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Hilfeersuchen")
        verbose_name_plural = gettext_lazy("Hilfeersuchen")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("Hilfeersuchen Nr. %(number)s") % {"number": self.pk}


class HelpContribution(models.Model):
    """What a helping member gave: hours and costs, settled through the shared-services engine."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="contributions")
    helper_body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("helfende Körperschaft"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    people = models.PositiveIntegerField(gettext_lazy("Personen"), default=1)
    hours = models.DecimalField(gettext_lazy("Stunden"), max_digits=8, decimal_places=2, default=0)
    costs = models.DecimalField(gettext_lazy("Sachkosten (EUR)"), max_digits=12, decimal_places=2, default=0)
    hourly_rate = models.DecimalField(
        gettext_lazy("Stundensatz (EUR)"), max_digits=8, decimal_places=2, default=0
    )
    note = models.CharField(gettext_lazy("Bemerkung"), max_length=1000, blank=True)
    #: the settlement that charged it (empty until settled)
    settlement = models.ForeignKey(
        "shared_services.Settlement",
        verbose_name=gettext_lazy("abgerechnet in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Hilfeleistung")
        verbose_name_plural = gettext_lazy("Hilfeleistungen")
        ordering = ["request", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.helper_body}: {self.hours} h"


class Attachment(Shared):
    """A file of the security part (incident evidence, WiBA evidence), TLP-labelled itself."""

    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    wiba_answer = models.ForeignKey(
        "security.WibaAnswer", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(gettext_lazy("Datei"), upload_to="security/%Y/%m/")
    name = models.CharField(gettext_lazy("Dateiname"), max_length=300)
    size = models.PositiveBigIntegerField(gettext_lazy("Größe (Byte)"), default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Datei")
        verbose_name_plural = gettext_lazy("Dateien")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return gettext("Datei Nr. %(number)s") % {"number": self.pk}
