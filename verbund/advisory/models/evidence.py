"""Evidence per alliance: before/after figures entered per year with their source, and the yearly
programme report generated on the queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class Metric(models.TextChoices):
    """What is measured (the issue's list; "Sonstiges" with its own label)."""

    COST_PER_CASE = "kosten_je_fall", gettext_lazy("Kosten je Fall (EUR)")
    PROCESSING_DAYS = "bearbeitungszeit", gettext_lazy("Bearbeitungszeit (Tage)")
    SERVICE_HOURS = "servicezeiten", gettext_lazy("Servicezeiten (Stunden je Woche)")
    VACANCIES_COVERED = "vakanzen", gettext_lazy("abgedeckte Vakanzen (Stellen)")
    CASES = "fallzahl", gettext_lazy("Fallzahl (je Jahr)")
    COST_TOTAL = "kosten_gesamt", gettext_lazy("Kosten der Aufgabe (EUR je Jahr)")
    OTHER = "sonstiges", gettext_lazy("Sonstige Kennzahl")


class EvidenceFigure(models.Model):
    """A figure of ``alliance`` for ``year``: the value before the cooperation and the value in that
    year, each with its source. One row per alliance, year and metric (and label for "Sonstiges")."""

    alliance = models.ForeignKey(
        "alliances.Alliance", verbose_name=gettext_lazy("Verbund"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("Jahr"))
    metric = models.CharField(gettext_lazy("Kennzahl"), max_length=30, choices=Metric.choices)
    label = models.CharField(gettext_lazy("Bezeichnung"), max_length=200, blank=True)
    unit = models.CharField(gettext_lazy("Einheit"), max_length=30, blank=True)
    before = models.DecimalField(
        gettext_lazy("vorher"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    after = models.DecimalField(
        gettext_lazy("im Jahr"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(gettext_lazy("Quelle"), max_length=500)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Kennzahl")
        verbose_name_plural = gettext_lazy("Kennzahlen")
        ordering = ["alliance", "-year", "metric", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "year", "metric", "label"], name="advisory_evidence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.year}"


class ReportStatus(models.TextChoices):
    QUEUED = "wartet", gettext_lazy("wartet")
    RUNNING = "laeuft", gettext_lazy("wird erstellt")
    DONE = "fertig", gettext_lazy("fertig")
    FAILED = "fehler", gettext_lazy("Fehler")


def report_upload_to(instance: ProgrammeReport, filename: str) -> str:
    return f"advisory/reports/{instance.year}/{filename}"


class ProgrammeReport(models.Model):
    """The yearly programme report (PDF and XLSX), generated on the queue."""

    year = models.PositiveSmallIntegerField(gettext_lazy("Berichtsjahr"))
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    pdf = models.FileField(upload_to=report_upload_to, max_length=300, blank=True)
    xlsx = models.FileField(upload_to=report_upload_to, max_length=300, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Programmbericht")
        verbose_name_plural = gettext_lazy("Programmberichte")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year}"
