"""Grants: the grant notice and what it grants per budget year.

* :class:`GrantNotice` — the Bewilligungsbescheid, with the amount per budget year
  (:class:`GrantYear`), from which drawdowns (Mittelabrufe,
  :class:`~verbund.funding.models.payments.Drawdown`) are paid.

The database refuses a grant year from which more is drawn or requested than granted (check
constraint drawn + pending ≤ granted); the services lock the grant years they count against
(``select_for_update``).
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .. import rules
from .applications import Application
from .common import ZERO
from .notices import NoticeTemplate
from .programmes import ProgrammeYear


def notice_upload_to(instance: Any, filename: str) -> str:
    return f"funding/{instance.application_id}/bescheid/{secrets.token_urlsafe(18)}.pdf"


class GrantNotice(models.Model):
    """The grant notice (Zuwendungsbescheid). Immutable once issued; the PDF is stored with it."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="grant")
    amount = models.DecimalField(gettext_lazy("bewilligte Zuwendung (EUR)"), max_digits=14, decimal_places=2)
    planned_eligible_costs = models.DecimalField(
        gettext_lazy("zuwendungsfähige Ausgaben (EUR)"), max_digits=14, decimal_places=2
    )
    financing = models.CharField(
        gettext_lazy("Finanzierungsart"),
        max_length=20,
        choices=[(code, gettext_lazy(label)) for code, label in rules.FINANCING.items()],
        default=rules.FINANCING_SHARE,
    )
    period_start = models.DateField(gettext_lazy("Bewilligungszeitraum ab"))
    period_end = models.DateField(gettext_lazy("Bewilligungszeitraum bis"))
    conditions = models.TextField(gettext_lazy("Nebenbestimmungen"))
    override_reason = models.TextField(
        gettext_lazy("Begründung der Abweichung"),
        blank=True,
        help_text=gettext_lazy("Warum trotz nicht erfüllter Prüfung bewilligt wurde."),
    )
    #: The version of the programme's notice template the notice was issued with.
    template = models.ForeignKey(
        NoticeTemplate,
        verbose_name=gettext_lazy("Bescheidvorlage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    issued_at = models.DateTimeField(gettext_lazy("erlassen am"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField(
        gettext_lazy("Bescheid (PDF)"), upload_to=notice_upload_to, max_length=255, blank=True
    )
    pdf_sha256 = models.CharField(gettext_lazy("SHA-256 des Bescheids"), max_length=64, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Zuwendungsbescheid")
        verbose_name_plural = gettext_lazy("Zuwendungsbescheide")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="grant_period_order"),
        ]

    def __str__(self) -> str:
        return f"Bescheid {self.reference}"

    @property
    def reference(self) -> str:
        return f"{self.application.reference}-B"


class GrantYear(models.Model):
    """The part of a grant charged to one budget year, and what has been drawn (or is requested) of it."""

    grant = models.ForeignKey(GrantNotice, on_delete=models.CASCADE, related_name="years")
    programme_year = models.ForeignKey(ProgrammeYear, on_delete=models.PROTECT, related_name="grant_years")
    amount = models.DecimalField(gettext_lazy("bewilligt (EUR)"), max_digits=14, decimal_places=2)
    # Kept by the services under a row lock; the constraint forbids drawing more than granted.
    drawn = models.DecimalField(
        gettext_lazy("ausgezahlt (EUR)"), max_digits=14, decimal_places=2, default=ZERO, editable=False
    )
    pending = models.DecimalField(
        gettext_lazy("abgerufen, noch nicht entschieden (EUR)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        editable=False,
    )

    class Meta:
        verbose_name = gettext_lazy("Bewilligung je Haushaltsjahr")
        verbose_name_plural = gettext_lazy("Bewilligungen je Haushaltsjahr")
        ordering = ["grant", "programme_year__year"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "programme_year"], name="grant_year_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_year_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(drawn__gte=0) & Q(pending__gte=0) & Q(drawn__lte=F("amount") - F("pending")),
                name="grant_year_drawn_within_grant",
                violation_error_message=gettext_lazy("Abrufe dürfen die Bewilligung nicht übersteigen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} {self.programme_year.year}"

    @property
    def available(self) -> Decimal:
        """Granted, neither paid nor requested: the most a new drawdown may ask for."""
        return self.amount - self.drawn - self.pending
