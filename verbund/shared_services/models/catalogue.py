"""The task catalogue, the task cost models and the pay grades of the shared-services part.

The task catalogue (:class:`Task`) and the task cost models (:class:`TaskCostModel`) are shared with
the planning part, which imports them (planning → shared_services, never the other way round).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from verbund.registry.labels import state_name


class VolumeUnit(models.TextChoices):
    CASES = "cases", _("Fälle")
    HOURS = "hours", _("Stunden")
    INHABITANTS = "inhabitants", _("Einwohner")


class Task(models.Model):
    """A municipal task that one body can perform for others (Kfz-Zulassung, Standesamt, …)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("Aufgabe"), max_length=120)
    description = models.TextField(_("Beschreibung"), blank=True)
    # registry.Kind values of the bodies that normally hold the task (DOMAIN.md §4, GemO § 67).
    holder_kinds = models.JSONField(_("zuständige Arten von Körperschaften"), default=list)
    legal_basis = models.CharField(_("Rechtsgrundlage der Zuständigkeit"), max_length=200, blank=True)
    volume_unit = models.CharField(_("Mengeneinheit"), max_length=20, choices=VolumeUnit.choices)
    volume_unit_label = models.CharField(_("Mengeneinheit (Bezeichnung)"), max_length=60, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("Aufgabe")
        verbose_name_plural = _("Aufgaben")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class TaskCostModel(models.Model):
    """Cost of one office performing ``task`` for a yearly volume ``v``: ``C(v) = F + c · v^β``.

    ``state`` empty: the default for every Land; a row with a Land key overrides it there. Every
    figure is an assumption unless ``assumptions`` names an official source; results that use a
    cost model say which one (``__str__`` and ``as_parameters``).
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="cost_models")
    state = models.CharField(
        _("Land"), max_length=2, blank=True, help_text=_("leer = Standard für alle Länder")
    )
    fixed_cost = models.DecimalField(_("Fixkosten F (EUR/Jahr)"), max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(_("Kosten je Einheit c (EUR)"), max_digits=12, decimal_places=4)
    scale_exponent = models.DecimalField(
        _("Größenexponent β"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.100")), MaxValueValidator(Decimal("1.000"))],
    )
    volume_per_inhabitant = models.DecimalField(
        _("Menge je Einwohner und Jahr"), max_digits=10, decimal_places=5
    )
    overhead_per_member = models.DecimalField(
        _("Koordinationsaufwand je weiterem Mitglied (EUR/Jahr)"), max_digits=12, decimal_places=2
    )
    travel_cost_per_case_km = models.DecimalField(
        _("Wegekosten je Fall und km (EUR)"), max_digits=8, decimal_places=4
    )
    detour_factor = models.DecimalField(
        _("Umwegfaktor"), max_digits=4, decimal_places=2, default=Decimal("1.30"),
        validators=[MinValueValidator(Decimal("1.00"))],
    )  # fmt: skip
    assumptions = models.TextField(_("Annahmen und Quellen"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Kostenmodell")
        verbose_name_plural = _("Kostenmodelle")
        constraints = [
            models.UniqueConstraint(fields=["task", "state"], name="cost_model_unique_per_state"),
            models.CheckConstraint(
                condition=Q(scale_exponent__gt=0) & Q(scale_exponent__lte=1), name="cost_model_beta_range"
            ),
        ]

    def __str__(self) -> str:
        where = state_name(self.state) if self.state else "Standard"
        return f"Kostenmodell {self.task} ({where})"

    def clean(self) -> None:
        for name in ("fixed_cost", "unit_cost", "volume_per_inhabitant", "overhead_per_member"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise ValidationError({name: _("Der Wert darf nicht negativ sein.")})

    def as_parameters(self) -> dict[str, str]:
        """The parameters as strings, for results that must say which parameters they used."""
        return {
            "task": self.task.slug,
            "state": self.state,
            "fixed_cost": str(self.fixed_cost),
            "unit_cost": str(self.unit_cost),
            "scale_exponent": str(self.scale_exponent),
            "volume_per_inhabitant": str(self.volume_per_inhabitant),
            "overhead_per_member": str(self.overhead_per_member),
            "travel_cost_per_case_km": str(self.travel_cost_per_case_km),
            "detour_factor": str(self.detour_factor),
        }


# --- pay grades -------------------------------------------------------------------------------------


class PayScheme(models.TextChoices):
    TVOED = "tvoed", _("TVöD (VKA), Beschäftigte")
    BESOLDUNG = "besoldung", _("Besoldung (LBesG RLP), Beamtinnen und Beamte")


class PayGrade(models.Model):
    """The yearly cost of one full-time position in a pay grade (Personalkostensatz), per year.

    The seeded rates are the platform's ASSUMPTIONS in the style of the KGSt report "Kosten eines
    Arbeitsplatzes" (salary or pay plus employer contributions, for civil servants a pension
    supplement); ``is_assumption`` says so, and every cost plan shows which rate it used.
    """

    code = models.CharField(_("Entgelt-/Besoldungsgruppe"), max_length=10)
    scheme = models.CharField(_("Tarif"), max_length=20, choices=PayScheme.choices)
    year = models.PositiveSmallIntegerField(_("Jahr"))
    annual_cost = models.DecimalField(
        _("Personalkosten je Vollzeitstelle (EUR/Jahr)"), max_digits=10, decimal_places=2
    )
    is_assumption = models.BooleanField(_("Annahme (kein amtlicher Satz)"), default=True)
    source = models.CharField(_("Quelle / Herleitung"), max_length=300)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("Personalkostensatz")
        verbose_name_plural = _("Personalkostensätze")
        ordering = ["year", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year"], name="pay_grade_unique_per_year"),
            models.CheckConstraint(condition=Q(annual_cost__gt=0), name="pay_grade_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.year})"
