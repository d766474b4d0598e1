"""Data of the planning part: stored plans (scenarios) and their groups.

The cost models themselves are :class:`verbund.shared_services.models.TaskCostModel` rows (the task
catalogue is shared); planning edits them through :func:`verbund.planning.services.cost_model_update`.
A :class:`Scenario` keeps a snapshot of everything it used (cost parameters, constraints, region,
existing alliances kept fixed), so that a result always says which parameters produced it, even
after the cost model was edited.

Members of a group are stored compactly on the :class:`ScenarioGroup` row (body ids, ARS and each
member's share of the saving as JSON lists): a Land-wide plan has up to 2,300 bodies, and a page
of groups then needs one query for the groups and one for the bodies on the page, whatever their
number.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verbund.common.principal import Principal

from .policies import scenario_filter

#: A running scenario whose progress has not moved for this long is considered dead (the process
#: that ran it ended, e.g. a restarted server); it is then shown as failed.
STALE_AFTER = dt.timedelta(minutes=10)


class SolverKind(models.TextChoices):
    HEURISTIC = "heuristic", _("Heuristik (schnell)")
    EXACT = "exact", _("Exakt (HiGHS, kleine Regionen)")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("läuft")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


class ScenarioQuerySet(models.QuerySet["Scenario"]):
    def visible_to(self, principal: Principal) -> ScenarioQuerySet:
        """Scenarios are the advisory office's working material: planners see all, others none
        (:func:`verbund.planning.policies.scenario_filter`)."""
        return self.filter(scenario_filter(principal))

    def done(self) -> ScenarioQuerySet:
        return self.filter(status=RunStatus.DONE)


class Scenario(models.Model):
    """One plan for a task in a Land (or some of its Kreise): parameters, status, statistics."""

    name = models.CharField(_("Bezeichnung"), max_length=200)
    task = models.ForeignKey(
        "shared_services.Task", verbose_name=_("Aufgabe"), on_delete=models.PROTECT, related_name="scenarios"
    )
    state = models.CharField(_("Land"), max_length=2)
    solver = models.CharField(_("Verfahren"), max_length=20, choices=SolverKind.choices)
    # {"cost_model": {...}, "constraints": {...}, "kreise": [...], "holder_kinds": [...],
    #  "alliances": [{"id", "slug", "name", "members": [ars, ...]}], "keep_alliances": bool}
    parameters = models.JSONField(_("Parameter"), default=dict)
    status = models.CharField(
        _("Status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    progress_note = models.CharField(_("Arbeitsschritt"), max_length=200, blank=True)
    error = models.TextField(_("Fehler"), blank=True)
    # seconds, bodies, groups, total saving, distance to the exact optimum where known …
    # (solvers.PlanResult.summary and the reference run)
    statistics = models.JSONField(_("Kennzahlen"), default=dict, blank=True)
    total_saving = models.DecimalField(
        _("Einsparung gesamt (EUR/Jahr)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestartet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("letztes Lebenszeichen"), null=True, blank=True)

    objects: ClassVar[ScenarioQuerySet] = ScenarioQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Planungsszenario")
        verbose_name_plural = _("Planungsszenarien")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="scenario_progress_percent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:scenario_detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def is_stale(self) -> bool:
        """Running (or queued) but without a sign of life for :data:`STALE_AFTER`."""
        if self.is_finished:
            return False
        last = self.heartbeat_at or self.created_at
        return last is not None and timezone.now() - last > STALE_AFTER


class ScenarioGroup(models.Model):
    """One group of a scenario (a body alone is a group of one), with its host and its figures."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveIntegerField(_("Nr."))
    host = models.ForeignKey(
        "registry.Body", verbose_name=_("Gastgeber"), on_delete=models.PROTECT, related_name="+"
    )
    member_ids = models.JSONField(_("Mitglieder (ids)"), default=list)
    member_ars = models.JSONField(_("Mitglieder (ARS)"), default=list)
    # Each member's share of the saving (EUR/year, strings with 2 decimals), proportional to its
    # stand-alone cost; the shares add up to ``saving`` exactly.
    member_savings = models.JSONField(_("Einsparung je Mitglied"), default=list)
    size = models.PositiveSmallIntegerField(_("Mitglieder"))
    population = models.PositiveIntegerField(_("Einwohner"))
    volume = models.DecimalField(_("Menge je Jahr"), max_digits=14, decimal_places=2)
    standalone_cost = models.DecimalField(_("Kosten allein (EUR/Jahr)"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("Kosten gemeinsam (EUR/Jahr)"), max_digits=14, decimal_places=2)
    office_cost = models.DecimalField(_("davon Dienststelle"), max_digits=14, decimal_places=2)
    overhead_cost = models.DecimalField(_("davon Koordination"), max_digits=14, decimal_places=2)
    travel_cost = models.DecimalField(_("davon Wege"), max_digits=14, decimal_places=2)
    saving = models.DecimalField(_("Einsparung (EUR/Jahr)"), max_digits=14, decimal_places=2)
    max_distance_km = models.FloatField(_("größte Entfernung zum Gastgeber (km)"))
    fixed = models.BooleanField(_("bestehender Verbund"), default=False)
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=_("Verbund"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Gruppe eines Szenarios")
        verbose_name_plural = _("Gruppen eines Szenarios")
        ordering = ["scenario", "number"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "number"], name="scenario_group_number_unique"),
        ]
        indexes = [models.Index(fields=["scenario", "size"], name="scenario_group_size")]

    def __str__(self) -> str:
        return f"Gruppe {self.number} ({self.scenario})"
