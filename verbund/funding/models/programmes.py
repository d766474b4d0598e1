"""Funding programmes and their budget years.

* :class:`Programme` — a funding programme (e.g. the RLP IKZ-Pilotförderung) with its rule set as
  JSON (validated by :meth:`verbund.funding.rules.RuleSet.from_dict`), application window and
  eligible cost categories; :class:`ProgrammeYear` — a budget year with its budget and what grants
  have ``committed`` of it.

The database refuses a budget year whose commitments exceed its budget (check constraint
committed ≤ budget); the services lock the programme years they count against
(``select_for_update``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.common.principal import Principal

from .. import rules
from .common import ZERO


class Preset(models.TextChoices):
    RLP_PILOT = "rlp_pilot", gettext_lazy(rules.PRESETS["rlp_pilot"][0])
    NRW = "nrw", gettext_lazy(rules.PRESETS["nrw"][0])
    BAYERN = "bayern", gettext_lazy(rules.PRESETS["bayern"][0])
    HESSEN = "hessen", gettext_lazy(rules.PRESETS["hessen"][0])
    OWN = "eigen", gettext_lazy("eigenes Regelwerk")


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def visible_to(self, principal: Principal) -> ProgrammeQuerySet:
        """Programmes, their rules and budgets are public information (a call for applications)."""
        return self


class Programme(models.Model):
    """A funding programme: budget years, application window, eligible costs and a rule set."""

    slug = models.SlugField(gettext_lazy("Kürzel (URL)"), max_length=60, unique=True)
    code = models.CharField(
        gettext_lazy("Aktenzeichen-Präfix"),
        max_length=20,
        help_text=gettext_lazy("Vorangestellt an die Nummer jedes Antrags, z. B. IKZ-RLP."),
    )
    name = models.CharField(gettext_lazy("Name"), max_length=200)
    description = models.TextField(gettext_lazy("Beschreibung"), blank=True)
    state = models.CharField(gettext_lazy("Land"), max_length=2, default="07")
    preset = models.CharField(
        gettext_lazy("Vorlage"), max_length=20, choices=Preset.choices, default=Preset.OWN
    )
    rule_set = models.JSONField(gettext_lazy("Regelwerk"))
    eligible_categories = models.JSONField(
        gettext_lazy("förderfähige Kostenarten"),
        default=list,
        help_text=gettext_lazy("Kürzel der Kostenarten (CostCategory)."),
    )
    window_opens = models.DateField(gettext_lazy("Antragsfrist ab"), null=True, blank=True)
    window_closes = models.DateField(gettext_lazy("Antragsfrist bis"), null=True, blank=True)
    second_approval_above = models.DecimalField(
        gettext_lazy("Zweite Freigabe ab Betrag (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=gettext_lazy(
            "Vier-Augen-Prinzip: Bewilligungen und Mittelfreigaben über diesem Betrag braucht eine "
            "zweite, andere Person der Bewilligungsbehörde. Leer: aus."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ProgrammeQuerySet] = ProgrammeQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Förderprogramm")
        verbose_name_plural = gettext_lazy("Förderprogramme")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_closes__isnull=True)
                | Q(window_opens__isnull=True)
                | Q(window_closes__gte=F("window_opens")),
                name="programme_window_order",
                violation_error_message=gettext_lazy("Das Ende der Antragsfrist liegt vor ihrem Beginn."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funding:programme_detail", kwargs={"slug": self.slug})

    def needs_second_approval(self, amount: Decimal) -> bool:
        """Whether a grant or release of ``amount`` needs a second, different approver."""
        return self.second_approval_above is not None and amount > self.second_approval_above

    @cached_property
    def rules(self) -> rules.RuleSet:
        """The validated rule set (``rules.RuleSetError`` if the stored JSON is broken)."""
        return rules.RuleSet.from_dict(self.rule_set)

    @property
    def category_codes(self) -> frozenset[str]:
        return frozenset(self.eligible_categories or rules.COST_CATEGORIES)

    def category_labels(self) -> list[str]:
        return [
            str(gettext_lazy(label))
            for code, label in rules.COST_CATEGORIES.items()
            if code in self.category_codes
        ]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            rules.RuleSet.from_dict(self.rule_set)
        except rules.RuleSetError as exc:
            errors["rule_set"] = exc.messages
        unknown = sorted(set(self.eligible_categories or []) - set(rules.COST_CATEGORIES))
        if unknown:
            errors["eligible_categories"] = _("Unbekannte Kostenart: %(join)s.") % {
                "join": ", ".join(unknown)
            }
        if self.window_opens and self.window_closes and self.window_closes < self.window_opens:
            errors["window_closes"] = _("Das Ende der Antragsfrist liegt vor ihrem Beginn.")
        if errors:
            raise ValidationError(errors)


class ProgrammeYear(models.Model):
    """A budget year (Haushaltsjahr) of a programme. ``committed`` = sum of the grants of this year."""

    programme = models.ForeignKey(
        Programme, verbose_name=gettext_lazy("Programm"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(gettext_lazy("Haushaltsjahr"))
    budget = models.DecimalField(
        gettext_lazy("Haushaltsmittel (EUR)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    # Kept by the services under a row lock; the check constraint makes over-commitment impossible.
    committed = models.DecimalField(
        gettext_lazy("bewilligt (EUR)"), max_digits=14, decimal_places=2, default=ZERO, editable=False
    )

    class Meta:
        verbose_name = gettext_lazy("Haushaltsjahr")
        verbose_name_plural = gettext_lazy("Haushaltsjahre")
        ordering = ["programme", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year"],
                name="programme_year_unique",
                violation_error_message=gettext_lazy("Dieses Haushaltsjahr hat das Programm bereits."),
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="programme_year_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("budget")),
                name="programme_year_committed_within_budget",
                violation_error_message=gettext_lazy(
                    "Die Bewilligungen eines Jahres übersteigen seine Mittel."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}"

    @property
    def free(self) -> Decimal:
        return self.budget - self.committed
