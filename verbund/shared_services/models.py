"""Data of the shared-services part.

The task catalogue (:class:`Task`) and the task cost models (:class:`TaskCostModel`) are shared with
the planning part, which imports them (planning → shared_services, never the other way round).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from verbund.common.errors import Conflict
from verbund.common.principal import Principal


class VolumeUnit(models.TextChoices):
    CASES = "cases", "Fälle"
    HOURS = "hours", "Stunden"
    INHABITANTS = "inhabitants", "Einwohner"


class Task(models.Model):
    """A municipal task that one body can perform for others (Kfz-Zulassung, Standesamt, …)."""

    slug = models.SlugField(unique=True)
    name = models.CharField("Aufgabe", max_length=120)
    description = models.TextField("Beschreibung", blank=True)
    # registry.Kind values of the bodies that normally hold the task (DOMAIN.md §4, GemO § 67).
    holder_kinds = models.JSONField("zuständige Arten von Körperschaften", default=list)
    legal_basis = models.CharField("Rechtsgrundlage der Zuständigkeit", max_length=200, blank=True)
    volume_unit = models.CharField("Mengeneinheit", max_length=20, choices=VolumeUnit.choices)
    volume_unit_label = models.CharField("Mengeneinheit (Bezeichnung)", max_length=60, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "Aufgabe"
        verbose_name_plural = "Aufgaben"
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
    state = models.CharField("Land", max_length=2, blank=True, help_text="leer = Standard für alle Länder")
    fixed_cost = models.DecimalField("Fixkosten F (EUR/Jahr)", max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField("Kosten je Einheit c (EUR)", max_digits=12, decimal_places=4)
    scale_exponent = models.DecimalField(
        "Größenexponent β",
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.100")), MaxValueValidator(Decimal("1.000"))],
    )
    volume_per_inhabitant = models.DecimalField(
        "Menge je Einwohner und Jahr", max_digits=10, decimal_places=5
    )
    overhead_per_member = models.DecimalField(
        "Koordinationsaufwand je weiterem Mitglied (EUR/Jahr)", max_digits=12, decimal_places=2
    )
    travel_cost_per_case_km = models.DecimalField(
        "Wegekosten je Fall und km (EUR)", max_digits=8, decimal_places=4
    )
    detour_factor = models.DecimalField(
        "Umwegfaktor", max_digits=4, decimal_places=2, default=Decimal("1.30"),
        validators=[MinValueValidator(Decimal("1.00"))],
    )  # fmt: skip
    assumptions = models.TextField("Annahmen und Quellen")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Kostenmodell"
        verbose_name_plural = "Kostenmodelle"
        constraints = [
            models.UniqueConstraint(fields=["task", "state"], name="cost_model_unique_per_state"),
            models.CheckConstraint(
                condition=Q(scale_exponent__gt=0) & Q(scale_exponent__lte=1), name="cost_model_beta_range"
            ),
        ]

    def __str__(self) -> str:
        where = f"Land {self.state}" if self.state else "Standard"
        return f"Kostenmodell {self.task} ({where})"

    def clean(self) -> None:
        for name in ("fixed_cost", "unit_cost", "volume_per_inhabitant", "overhead_per_member"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise ValidationError({name: "Der Wert darf nicht negativ sein."})

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
    TVOED = "tvoed", "TVöD (VKA), Beschäftigte"
    BESOLDUNG = "besoldung", "Besoldung (LBesG RLP), Beamtinnen und Beamte"


class PayGrade(models.Model):
    """The yearly cost of one full-time position in a pay grade (Personalkostensatz), per year.

    The seeded rates are the platform's ASSUMPTIONS in the style of the KGSt report "Kosten eines
    Arbeitsplatzes" (salary or pay plus employer contributions, for civil servants a pension
    supplement); ``is_assumption`` says so, and every cost plan shows which rate it used.
    """

    code = models.CharField("Entgelt-/Besoldungsgruppe", max_length=10)
    scheme = models.CharField("Tarif", max_length=20, choices=PayScheme.choices)
    year = models.PositiveSmallIntegerField("Jahr")
    annual_cost = models.DecimalField(
        "Personalkosten je Vollzeitstelle (EUR/Jahr)", max_digits=10, decimal_places=2
    )
    is_assumption = models.BooleanField("Annahme (kein amtlicher Satz)", default=True)
    source = models.CharField("Quelle / Herleitung", max_length=300)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "Personalkostensatz"
        verbose_name_plural = "Personalkostensätze"
        ordering = ["year", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year"], name="pay_grade_unique_per_year"),
            models.CheckConstraint(condition=Q(annual_cost__gt=0), name="pay_grade_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.year})"


# --- shared services --------------------------------------------------------------------------------


class SharedServiceQuerySet(models.QuerySet["SharedService"]):
    def visible_to(self, principal: Principal) -> SharedServiceQuerySet:
        """The services ``principal`` may see (rules in :mod:`verbund.shared_services.policies`)."""
        from .policies import visibility_filter

        return self.filter(visibility_filter(principal))

    def of_alliance(self, alliance: Any) -> SharedServiceQuerySet:
        return self.filter(alliance=alliance)


class SharedService(models.Model):
    """One body (``provider``) performs ``task`` for members of ``alliance`` and shares the cost.

    The allocation key is stored as the JSON configuration of :mod:`verbund.shared_services.allocation`
    (validated by ``parse_key`` in :meth:`clean`). Receiving members are :class:`ServiceRecipient`
    rows with from/until dates (history kept); the cost plans, volumes and settlements hang off it.
    """

    alliance = models.ForeignKey(
        "alliances.Alliance", verbose_name="Verbund", on_delete=models.PROTECT, related_name="shared_services"
    )
    task = models.ForeignKey(Task, verbose_name="Aufgabe", on_delete=models.PROTECT, related_name="services")
    name = models.CharField("Bezeichnung", max_length=200)
    description = models.TextField("Beschreibung", blank=True)
    provider = models.ForeignKey(
        "registry.Body",
        verbose_name="Erbringende Körperschaft",
        on_delete=models.PROTECT,
        related_name="provided_services",
    )
    legal_basis = models.ForeignKey(
        "alliances.AgreementDocument",
        verbose_name="Rechtsgrundlage (Vereinbarung)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_services",
    )
    legal_basis_note = models.CharField(
        "Fundstelle", max_length=200, blank=True, help_text="z. B. „§ 5 Kostenerstattung“"
    )
    allocation_key = models.JSONField("Verteilungsschlüssel", default=dict)
    advance_instalments = models.PositiveSmallIntegerField(
        "Abschläge je Jahr",
        default=4,
        choices=[(1, "jährlich"), (2, "halbjährlich"), (4, "vierteljährlich"), (12, "monatlich")],
    )
    start_date = models.DateField("Beginn")
    end_date = models.DateField("Ende", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[SharedServiceQuerySet] = SharedServiceQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "Geteilter Dienst"
        verbose_name_plural = "Geteilte Dienste"
        ordering = ["alliance", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "name"],
                name="shared_service_name_unique",
                violation_error_message="Der Verbund hat bereits einen Dienst mit dieser Bezeichnung.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="shared_service_end_after_start",
                violation_error_message="Das Ende darf nicht vor dem Beginn liegen.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shared_services:service_detail", kwargs={"service_id": self.pk})

    def clean(self) -> None:
        from .allocation import KeyConfigError, parse_key

        errors = {}
        try:
            self.allocation_key = parse_key(self.allocation_key).to_config()
        except KeyConfigError as exc:
            errors["allocation_key"] = f"Ungültiger Verteilungsschlüssel: {exc}"
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "Das Ende darf nicht vor dem Beginn liegen."
        legal_basis = self.legal_basis if self.legal_basis_id else None
        if legal_basis is not None and self.alliance_id and legal_basis.alliance_id != self.alliance_id:
            errors["legal_basis"] = "Die Rechtsgrundlage muss eine Vereinbarung dieses Verbunds sein."
        if errors:
            raise ValidationError(errors)


class ServiceRecipientQuerySet(models.QuerySet["ServiceRecipient"]):
    def current(self) -> ServiceRecipientQuerySet:
        return self.filter(until_date__isnull=True)

    def in_year(self, year: int) -> ServiceRecipientQuerySet:
        """Periods that overlap the calendar year."""
        import datetime as dt

        return self.filter(from_date__lte=dt.date(year, 12, 31)).filter(
            Q(until_date__isnull=True) | Q(until_date__gte=dt.date(year, 1, 1))
        )


class ServiceRecipient(models.Model):
    """A body receives the service from ``from_date`` to ``until_date`` (inclusive; open: ``None``).

    Never overwritten: ending sets ``until_date``, receiving again adds a row, so who paid for which
    part of which year stays reproducible.
    """

    service = models.ForeignKey(SharedService, on_delete=models.CASCADE, related_name="recipients")
    body = models.ForeignKey(
        "registry.Body",
        verbose_name="Körperschaft",
        on_delete=models.PROTECT,
        related_name="received_services",
    )
    from_date = models.DateField("ab")
    until_date = models.DateField("bis einschließlich", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ServiceRecipientQuerySet] = ServiceRecipientQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "Empfänger"
        verbose_name_plural = "Empfänger"
        ordering = ["service", "from_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "body"],
                condition=Q(until_date__isnull=True),
                name="recipient_one_open_per_body",
                violation_error_message="Diese Körperschaft erhält den Dienst bereits.",
            ),
            models.CheckConstraint(
                condition=Q(until_date__isnull=True) | Q(until_date__gte=F("from_date")),
                name="recipient_until_after_from",
                violation_error_message="Das Ende darf nicht vor dem Beginn liegen.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} ← {self.service}"

    def clean(self) -> None:
        if self.until_date is not None and self.until_date < self.from_date:
            raise ValidationError({"until_date": "Das Ende darf nicht vor dem Beginn liegen."})


class PopulationFigure(models.Model):
    """The population of a member at the reference date the key names, entered for one year.

    The registry holds one population per issue (its ``population_date``, e.g. 31.12.2024); keys
    such as LK Traunstein's use another date (30 June of the previous year). The coordinator enters
    the figure of that date here; without it the settlement uses the registry and says so.
    """

    service = models.ForeignKey(SharedService, on_delete=models.CASCADE, related_name="population_figures")
    year = models.PositiveSmallIntegerField("Abrechnungsjahr")
    body = models.ForeignKey(
        "registry.Body", verbose_name="Körperschaft", on_delete=models.PROTECT, related_name="+"
    )
    population = models.PositiveIntegerField("Einwohner")
    reference_date = models.DateField("Stichtag")
    source = models.CharField("Quelle", max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Einwohnerzahl zum Stichtag"
        verbose_name_plural = "Einwohnerzahlen zum Stichtag"
        ordering = ["service", "year", "body__name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "year", "body"], name="population_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.population} ({self.reference_date:%d.%m.%Y})"


# --- cost plans -------------------------------------------------------------------------------------


class PlanKind(models.TextChoices):
    PLAN = "plan", "Plan (Grundlage der Abschläge)"
    ACTUAL = "actual", "Ist (Grundlage der Spitzabrechnung)"


class CostPlan(models.Model):
    """The costs of a service in one year: planned (for the advances) or actual (final settlement)."""

    service = models.ForeignKey(SharedService, on_delete=models.CASCADE, related_name="cost_plans")
    year = models.PositiveSmallIntegerField("Jahr")
    kind = models.CharField("Art", max_length=10, choices=PlanKind.choices, default=PlanKind.PLAN)
    is_example = models.BooleanField(
        "Beispielzahlen", default=False, help_text="Demo- oder Schätzwerte, keine echten Haushaltszahlen."
    )
    note = models.TextField("Erläuterung", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Kostenplan"
        verbose_name_plural = "Kostenpläne"
        ordering = ["service", "-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["service", "year", "kind"], name="cost_plan_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display().split(' ')[0]} {self.year}: {self.service}"


class CostCategory(models.TextChoices):
    STAFF = "staff", "Personal"
    MATERIAL = "material", "Sachkosten"
    IT = "it", "IT"
    OTHER = "other", "Sonstige Kosten"
    OVERHEAD = "overhead", "Gemeinkosten (% der Personalkosten)"
    REVENUE = "revenue", "Erlöse / Gebühren"


class CostItem(models.Model):
    """One line of a cost plan; which fields it uses depends on ``category`` (see :meth:`clean`)."""

    plan = models.ForeignKey(CostPlan, on_delete=models.CASCADE, related_name="items")
    category = models.CharField("Kostenart", max_length=10, choices=CostCategory.choices)
    description = models.CharField("Bezeichnung", max_length=200)
    fte = models.DecimalField("Stellenanteil (VZÄ)", max_digits=6, decimal_places=2, null=True, blank=True)
    pay_grade = models.CharField("Entgelt-/Besoldungsgruppe", max_length=10, blank=True)
    amount = models.DecimalField("Betrag (EUR)", max_digits=12, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField("Prozentsatz", max_digits=5, decimal_places=2, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "Kostenposition"
        verbose_name_plural = "Kostenpositionen"
        ordering = ["plan", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.category == CostCategory.STAFF:
            if self.fte is None or self.fte <= 0:
                errors["fte"] = "Bitte den Stellenanteil angeben (z. B. 0,5 oder 1,25)."
            if not self.pay_grade:
                errors["pay_grade"] = "Bitte die Entgelt- oder Besoldungsgruppe angeben."
            self.amount = None
            self.percent = None
        elif self.category == CostCategory.OVERHEAD:
            if self.percent is None or self.percent < 0:
                errors["percent"] = "Bitte den Gemeinkostenzuschlag in Prozent angeben."
            self.amount = None
            self.fte = None
            self.pay_grade = ""
        else:
            if self.amount is None or self.amount < 0:
                errors["amount"] = "Bitte einen Betrag von mindestens 0 EUR angeben."
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
        "registry.Body", verbose_name="Körperschaft", on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField("von")
    period_end = models.DateField("bis einschließlich")
    quantity = models.DecimalField("Menge", max_digits=12, decimal_places=2)
    note = models.CharField("Bemerkung", max_length=200, blank=True)
    source = models.CharField("Herkunft", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Menge"
        verbose_name_plural = "Mengen"
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
        errors = {}
        if self.period_start and self.period_end:
            if self.period_end < self.period_start:
                errors["period_end"] = "Das Ende des Zeitraums liegt vor seinem Beginn."
            elif self.period_end.year != self.period_start.year:
                errors["period_end"] = "Ein Zeitraum liegt innerhalb eines Kalenderjahres."
        if self.quantity is not None and self.quantity < 0:
            errors["quantity"] = "Die Menge darf nicht negativ sein."
        if errors:
            raise ValidationError(errors)


# --- settlements ------------------------------------------------------------------------------------


class SettlementKind(models.TextChoices):
    ADVANCE = "advance", "Abschläge"
    FINAL = "final", "Spitzabrechnung"


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", "Entwurf"
    FINALIZED = "finalized", "abgeschlossen"


class SettlementFinalizedError(Conflict):
    """A finalized settlement (or one of its lines) was to be changed; corrections make a new version."""

    status = 409
    code = "settlement_finalized"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            detail
            or "Die Abrechnung ist abgeschlossen und kann nicht mehr geändert werden; "
            "eine Korrektur legt eine neue Fassung an."
        )


class SettlementQuerySet(models.QuerySet["Settlement"]):
    def visible_to(self, principal: Principal) -> SettlementQuerySet:
        return self.filter(service__in=SharedService.objects.visible_to(principal).values("pk"))

    def finalized(self) -> SettlementQuerySet:
        return self.filter(status=SettlementStatus.FINALIZED)

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=SettlementStatus.FINALIZED).exists():
            raise SettlementFinalizedError()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=SettlementStatus.FINALIZED).exists():
            raise SettlementFinalizedError()
        return super().delete()


class Settlement(models.Model):
    """One version of the advances or the final settlement of a service for a year.

    Computed as a draft (recomputing replaces the lines), then finalized by the coordinator: from then
    on the row and its lines cannot change (:meth:`save`, :meth:`delete` and the QuerySets refuse).
    A correction is a new version whose ``previous`` is the finalized one; the page shows the
    differences. ``snapshot`` keeps everything the figures came from (cost plan totals, the key,
    population sources, cost model of the savings estimate), so a finalized settlement explains
    itself even after the inputs changed.
    """

    service = models.ForeignKey(SharedService, on_delete=models.PROTECT, related_name="settlements")
    year = models.PositiveSmallIntegerField("Jahr")
    kind = models.CharField("Art", max_length=10, choices=SettlementKind.choices)
    version = models.PositiveSmallIntegerField("Fassung", default=1)
    status = models.CharField(
        "Status", max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    previous = models.ForeignKey(
        "self",
        verbose_name="korrigiert Fassung",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.TextField("Grund der Korrektur", blank=True)
    net_cost = models.DecimalField(
        "Kosten abzüglich Erlöse (EUR)", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(
        "Verteilter Betrag (EUR)", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    key_config = models.JSONField("Schlüssel (Stand der Berechnung)", default=dict)
    key_description = models.TextField("Schlüssel (Erläuterung)", blank=True)
    snapshot = models.JSONField("Berechnungsgrundlagen", default=dict)
    inputs_digest = models.CharField(max_length=64, blank=True)
    instalments = models.PositiveSmallIntegerField("Abschläge je Jahr", default=4)
    computed_at = models.DateTimeField("berechnet am", null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalized_at = models.DateTimeField("abgeschlossen am", null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[SettlementQuerySet] = SettlementQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "Abrechnung"
        verbose_name_plural = "Abrechnungen"
        ordering = ["service", "-year", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "year", "kind", "version"], name="settlement_version_unique"
            ),
            models.UniqueConstraint(
                fields=["service", "year", "kind"],
                condition=Q(status="draft"),
                name="settlement_one_draft",
                violation_error_message="Es gibt bereits einen Entwurf dieser Abrechnung.",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="settlement_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} (Fassung {self.version}): {self.service}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Immutability is an invariant of the row, not a business step: it holds for every writer.
        if self._stored_finalized():
            raise SettlementFinalizedError()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("shared_services:settlement_detail", kwargs={"settlement_id": self.pk})

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_finalized():
            raise SettlementFinalizedError()
        return super().delete(*args, **kwargs)

    @property
    def is_finalized(self) -> bool:
        return self.status == SettlementStatus.FINALIZED

    def _stored_finalized(self) -> bool:
        return (
            bool(self.pk)
            and Settlement.objects.filter(pk=self.pk, status=SettlementStatus.FINALIZED).exists()
        )


class SettlementLineQuerySet(models.QuerySet["SettlementLine"]):
    def _touches_finalized(self) -> bool:
        return self.filter(settlement__status=SettlementStatus.FINALIZED).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_finalized():
            raise SettlementFinalizedError()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_finalized():
            raise SettlementFinalizedError()
        return super().delete()


class SettlementLine(models.Model):
    """A member's line of a settlement: its basis, its share, advances paid and the balance.

    ``balance = share − advance_paid``: positive is owed to the provider (Nachzahlung), negative is
    refunded (Erstattung). ``components`` is the breakdown of the share by the parts of the key.
    """

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    body = models.ForeignKey(
        "registry.Body", verbose_name="Körperschaft", on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField("Beteiligungstage")
    population = models.PositiveIntegerField("Einwohner", null=True, blank=True)
    population_date = models.DateField("Einwohner-Stichtag", null=True, blank=True)
    population_source = models.CharField("Einwohner-Quelle", max_length=200, blank=True)
    area_ha = models.PositiveBigIntegerField("Fläche (ha)", null=True, blank=True)
    volume = models.DecimalField("Menge", max_digits=12, decimal_places=2, null=True, blank=True)
    share = models.DecimalField("Anteil (EUR)", max_digits=14, decimal_places=2)
    components = models.JSONField("Aufschlüsselung", default=list)
    advance_paid = models.DecimalField(
        "Abschläge (EUR)", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    balance = models.DecimalField("Saldo (EUR)", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    instalments = models.JSONField("Abschlagsraten", default=list)
    standalone_cost = models.DecimalField(
        "Kosten allein (Schätzung, EUR)", max_digits=14, decimal_places=2, null=True, blank=True
    )

    objects: ClassVar[SettlementLineQuerySet] = SettlementLineQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "Abrechnungszeile"
        verbose_name_plural = "Abrechnungszeilen"
        ordering = ["settlement", "body__name", "body__ars"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "body"], name="settlement_line_unique"),
            models.CheckConstraint(condition=Q(share__gte=0), name="settlement_line_share_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.share}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._settlement_finalized():
            raise SettlementFinalizedError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._settlement_finalized():
            raise SettlementFinalizedError()
        return super().delete(*args, **kwargs)

    @property
    def saving(self) -> Decimal | None:
        return None if self.standalone_cost is None else self.standalone_cost - self.share

    def _settlement_finalized(self) -> bool:
        return Settlement.objects.filter(pk=self.settlement_id, status=SettlementStatus.FINALIZED).exists()
