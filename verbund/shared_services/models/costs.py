"""The cost plans of a shared service and the volumes its members caused."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .services import SharedService

# --- cost plans -------------------------------------------------------------------------------------


class PlanKind(models.TextChoices):
    PLAN = "plan", _("Plan (Grundlage der Abschläge)")
    ACTUAL = "actual", _("Ist (Grundlage der Spitzabrechnung)")


class CostPlan(models.Model):
    """The costs of a service in one year: planned (for the advances) or actual (final settlement)."""

    service = models.ForeignKey(SharedService, on_delete=models.CASCADE, related_name="cost_plans")
    year = models.PositiveSmallIntegerField(_("Jahr"))
    kind = models.CharField(_("Art"), max_length=10, choices=PlanKind.choices, default=PlanKind.PLAN)
    is_example = models.BooleanField(
        _("Beispielzahlen"),
        default=False,
        help_text=_("Demo- oder Schätzwerte, keine echten Haushaltszahlen."),
    )
    note = models.TextField(_("Erläuterung"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Kostenplan")
        verbose_name_plural = _("Kostenpläne")
        ordering = ["service", "-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["service", "year", "kind"], name="cost_plan_unique"),
        ]

    def __str__(self) -> str:
        with translation.override("de"):  # the name is stored in the audit log: German for every writer
            return f"{self.get_kind_display().split(' ')[0]} {self.year}: {self.service}"


class CostCategory(models.TextChoices):
    STAFF = "staff", _("Personal")
    MATERIAL = "material", _("Sachkosten")
    IT = "it", _("IT")
    OTHER = "other", _("Sonstige Kosten")
    OVERHEAD = "overhead", _("Gemeinkosten (% der Personalkosten)")
    REVENUE = "revenue", _("Erlöse / Gebühren")


class CostItem(models.Model):
    """One line of a cost plan; which fields it uses depends on ``category`` (see :meth:`clean`)."""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(_("Kostenart"), max_length=10, choices=CostCategory.choices)
    description = models.CharField(_("Bezeichnung"), max_length=200)
    fte = models.DecimalField(_("Stellenanteil (VZÄ)"), max_digits=6, decimal_places=2, null=True, blank=True)
    pay_grade = models.CharField(_("Entgelt-/Besoldungsgruppe"), max_length=10, blank=True)
    amount = models.DecimalField(_("Betrag (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(_("Prozentsatz"), max_digits=5, decimal_places=2, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("Kostenposition")
        verbose_name_plural = _("Kostenpositionen")
        ordering = ["plan", "sort_order", "id"]

    def __str__(self) -> str:
        with translation.override("de"):  # the name is stored in the audit log: German for every writer
            return f"{self.get_category_display()}: {self.description}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.category == CostCategory.STAFF:
            if self.fte is None or self.fte <= 0:
                errors["fte"] = _("Bitte den Stellenanteil angeben (z. B. 0,5 oder 1,25).")
            if not self.pay_grade:
                errors["pay_grade"] = _("Bitte die Entgelt- oder Besoldungsgruppe angeben.")
            self.amount = None
            self.percent = None
        elif self.category == CostCategory.OVERHEAD:
            if self.percent is None or self.percent < 0:
                errors["percent"] = _("Bitte den Gemeinkostenzuschlag in Prozent angeben.")
            self.amount = None
            self.fte = None
            self.pay_grade = ""
        else:
            if self.amount is None or self.amount < 0:
                errors["amount"] = _("Bitte einen Betrag von mindestens 0 EUR angeben.")
            self.fte = None
            self.pay_grade = ""
            self.percent = None
        if errors:
            raise ValidationError(errors)


# --- volumes ----------------------------------------------------------------------------------------


class VolumeRecord(models.Model):
    """The volume (cases, hours …) a member caused in one period (within one calendar year)."""

    service = models.ForeignKey(SharedService, on_delete=models.CASCADE, related_name="volumes")
    body = models.ForeignKey(
        "registry.Body", verbose_name=_("Körperschaft"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("von"))
    period_end = models.DateField(_("bis einschließlich"))
    quantity = models.DecimalField(_("Menge"), max_digits=12, decimal_places=2)
    note = models.CharField(_("Bemerkung"), max_length=200, blank=True)
    source = models.CharField(_("Herkunft"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Menge")
        verbose_name_plural = _("Mengen")
        ordering = ["service", "period_start", "body__name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "body", "period_start"], name="volume_unique_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="volume_period_order"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="volume_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.quantity} ({self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.period_start and self.period_end:
            if self.period_end < self.period_start:
                errors["period_end"] = _("Das Ende des Zeitraums liegt vor seinem Beginn.")
            elif self.period_end.year != self.period_start.year:
                errors["period_end"] = _("Ein Zeitraum liegt innerhalb eines Kalenderjahres.")
        if self.quantity is not None and self.quantity < 0:
            errors["quantity"] = _("Die Menge darf nicht negativ sein.")
        if errors:
            raise ValidationError(errors)
