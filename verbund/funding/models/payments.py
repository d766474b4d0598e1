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
from django.utils.translation import gettext_lazy

from verbund.common.german import format_money

from .applications import Application
from .common import ZERO, CostCategory
from .grants import GrantYear


class DrawdownStatus(models.TextChoices):
    REQUESTED = "beantragt", gettext_lazy("beantragt")
    APPROVED = "freigegeben", gettext_lazy("freigegeben")
    RETURNED = "zurueckgegeben", gettext_lazy("zurückgegeben")


class Drawdown(models.Model):
    """A request to pay out part of a grant year (Mittelabruf), approved or returned by the authority."""

    grant_year = models.ForeignKey(GrantYear, on_delete=models.PROTECT, related_name="drawdowns")
    amount = models.DecimalField(gettext_lazy("Betrag (EUR)"), max_digits=14, decimal_places=2)
    status = models.CharField(
        gettext_lazy("Status"),
        max_length=20,
        choices=DrawdownStatus.choices,
        default=DrawdownStatus.REQUESTED,
        db_index=True,
    )
    note = models.TextField(gettext_lazy("Begründung / Verwendungszweck"), blank=True)
    requested_at = models.DateTimeField(gettext_lazy("abgerufen am"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(gettext_lazy("entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(gettext_lazy("Bemerkung der Bewilligungsbehörde"), blank=True)
    #: Four eyes: the first of two approvers (when the programme asks for a second approval).
    first_approved_at = models.DateTimeField(gettext_lazy("erste Freigabe am"), null=True, blank=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("erste Freigabe durch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("Mittelabruf")
        verbose_name_plural = gettext_lazy("Mittelabrufe")
        ordering = ["requested_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="drawdown_amount_positive")]

    def __str__(self) -> str:
        return f"Abruf {self.pk} über {format_money(self.amount)}"


class UseProofStatus(models.TextChoices):
    SUBMITTED = "eingereicht", gettext_lazy("eingereicht")
    RETURNED = "zurueckgegeben", gettext_lazy("zurückgegeben")
    ACCEPTED = "angenommen", gettext_lazy("angenommen")


class UseProof(models.Model):
    """A proof of use (Verwendungsnachweis): actual costs per category, report, and the settlement."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="proofs")
    status = models.CharField(
        gettext_lazy("Status"),
        max_length=20,
        choices=UseProofStatus.choices,
        default=UseProofStatus.SUBMITTED,
        db_index=True,
    )
    report = models.TextField(gettext_lazy("Sachbericht"))
    submitted_at = models.DateTimeField(gettext_lazy("eingereicht am"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actual_eligible_costs = models.DecimalField(
        gettext_lazy("tatsächliche zuwendungsfähige Ausgaben (EUR)"), max_digits=14, decimal_places=2
    )
    entitled_amount = models.DecimalField(
        gettext_lazy("Zuwendung nach Nachweis (EUR)"), max_digits=14, decimal_places=2
    )
    repayment_amount = models.DecimalField(
        gettext_lazy("Rückforderung (EUR)"), max_digits=14, decimal_places=2, default=ZERO
    )
    outstanding_amount = models.DecimalField(
        gettext_lazy("noch auszuzahlen (EUR)"), max_digits=14, decimal_places=2, default=ZERO
    )
    explanation = models.TextField(gettext_lazy("Berechnung"), blank=True)
    decided_at = models.DateTimeField(gettext_lazy("entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(gettext_lazy("Bemerkung der Bewilligungsbehörde"), blank=True)

    class Meta:
        verbose_name = gettext_lazy("Verwendungsnachweis")
        verbose_name_plural = gettext_lazy("Verwendungsnachweise")
        ordering = ["application", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"Verwendungsnachweis zu {self.application} ({self.get_status_display()})"


class UseProofCost(models.Model):
    """Actual costs of one category in a proof of use."""

    proof = models.ForeignKey(UseProof, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField(gettext_lazy("Kostenart"), max_length=30, choices=CostCategory.choices)
    amount = models.DecimalField(
        gettext_lazy("tatsächliche Ausgaben (EUR)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )

    class Meta:
        verbose_name = gettext_lazy("Ist-Ausgabe")
        verbose_name_plural = gettext_lazy("Ist-Ausgaben")
        ordering = ["proof", "category"]
        constraints = [
            models.UniqueConstraint(fields=["proof", "category"], name="use_proof_cost_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="use_proof_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {format_money(self.amount)}"
