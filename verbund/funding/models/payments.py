"""Paying out and settling grants: drawdowns and proofs of use.

* :class:`Drawdown` — a request to pay out part of a grant year (Mittelabruf), approved or
  returned by the authority.
* :class:`UseProof` (Verwendungsnachweis) with the actual costs (:class:`UseProofCost`) settles
  the grant.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from verbund.common.german import format_money

from .applications import Application
from .common import ZERO, CostCategory
from .grants import GrantYear


class DrawdownStatus(models.TextChoices):
    REQUESTED = "beantragt", "beantragt"
    APPROVED = "freigegeben", "freigegeben"
    RETURNED = "zurueckgegeben", "zurückgegeben"


class Drawdown(models.Model):
    """A request to pay out part of a grant year (Mittelabruf), approved or returned by the authority."""

    grant_year = models.ForeignKey(GrantYear, on_delete=models.PROTECT, related_name="drawdowns")
    amount = models.DecimalField("Betrag (EUR)", max_digits=14, decimal_places=2)
    status = models.CharField(
        "Status",
        max_length=20,
        choices=DrawdownStatus.choices,
        default=DrawdownStatus.REQUESTED,
        db_index=True,
    )
    note = models.TextField("Begründung / Verwendungszweck", blank=True)
    requested_at = models.DateTimeField("abgerufen am", default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("entschieden am", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField("Bemerkung der Bewilligungsbehörde", blank=True)

    class Meta:
        verbose_name = "Mittelabruf"
        verbose_name_plural = "Mittelabrufe"
        ordering = ["requested_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="drawdown_amount_positive")]

    def __str__(self) -> str:
        return f"Abruf {self.pk} über {format_money(self.amount)}"


class UseProofStatus(models.TextChoices):
    SUBMITTED = "eingereicht", "eingereicht"
    RETURNED = "zurueckgegeben", "zurückgegeben"
    ACCEPTED = "angenommen", "angenommen"


class UseProof(models.Model):
    """A proof of use (Verwendungsnachweis): actual costs per category, report, and the settlement."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="proofs")
    status = models.CharField(
        "Status",
        max_length=20,
        choices=UseProofStatus.choices,
        default=UseProofStatus.SUBMITTED,
        db_index=True,
    )
    report = models.TextField("Sachbericht")
    submitted_at = models.DateTimeField("eingereicht am", default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actual_eligible_costs = models.DecimalField(
        "tatsächliche zuwendungsfähige Ausgaben (EUR)", max_digits=14, decimal_places=2
    )
    entitled_amount = models.DecimalField("Zuwendung nach Nachweis (EUR)", max_digits=14, decimal_places=2)
    repayment_amount = models.DecimalField(
        "Rückforderung (EUR)", max_digits=14, decimal_places=2, default=ZERO
    )
    outstanding_amount = models.DecimalField(
        "noch auszuzahlen (EUR)", max_digits=14, decimal_places=2, default=ZERO
    )
    explanation = models.TextField("Berechnung", blank=True)
    decided_at = models.DateTimeField("entschieden am", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField("Bemerkung der Bewilligungsbehörde", blank=True)

    class Meta:
        verbose_name = "Verwendungsnachweis"
        verbose_name_plural = "Verwendungsnachweise"
        ordering = ["application", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"Verwendungsnachweis zu {self.application} ({self.get_status_display()})"


class UseProofCost(models.Model):
    """Actual costs of one category in a proof of use."""

    proof = models.ForeignKey(UseProof, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField("Kostenart", max_length=30, choices=CostCategory.choices)
    amount = models.DecimalField(
        "tatsächliche Ausgaben (EUR)", max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        verbose_name = "Ist-Ausgabe"
        verbose_name_plural = "Ist-Ausgaben"
        ordering = ["proof", "category"]
        constraints = [
            models.UniqueConstraint(fields=["proof", "category"], name="use_proof_cost_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="use_proof_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {format_money(self.amount)}"
