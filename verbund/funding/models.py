"""Data of the funding part: programmes with budget years and rule sets, applications and their life.

* :class:`Programme` — a funding programme (e.g. the RLP IKZ-Pilotförderung) with its rule set as
  JSON (validated by :meth:`verbund.funding.rules.RuleSet.from_dict`), application window and
  eligible cost categories; :class:`ProgrammeYear` — a budget year with its budget and what grants
  have ``committed`` of it.
* :class:`Application` — an alliance's application, filed by one member body (the applicant) on
  behalf of the alliance, with its cost plan (:class:`ApplicationCost`, by category and year), the
  grant requested per budget year (:class:`ApplicationYear`), attachments, queries of the authority
  (:class:`InfoRequest`) and its timeline (:class:`ApplicationEvent`).
* :class:`GrantNotice` — the Bewilligungsbescheid, with the amount per budget year
  (:class:`GrantYear`), from which :class:`Drawdown` s (Mittelabrufe) are paid; :class:`UseProof`
  (Verwendungsnachweis) with the actual costs (:class:`UseProofCost`) settles the grant.

Budget integrity is guarded twice: the services lock the rows they count against
(``select_for_update`` on the programme years and grant years) and the database refuses any row
that would break it (check constraints: committed ≤ budget, drawn + pending ≤ granted per year).
Every write goes through :mod:`verbund.funding.services`.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from verbund.common.documents import StoredFileMixin
from verbund.common.principal import Principal

from . import policies, rules, workflow

ZERO = Decimal("0.00")


class CostCategory(models.TextChoices):
    PERSONAL = "personal", rules.COST_CATEGORIES["personal"]
    SACHKOSTEN = "sachkosten", rules.COST_CATEGORIES["sachkosten"]
    LEISTUNGEN_DRITTER = "leistungen_dritter", rules.COST_CATEGORIES["leistungen_dritter"]
    IT_SOFTWARE = "it_software", rules.COST_CATEGORIES["it_software"]
    QUALIFIZIERUNG = "qualifizierung", rules.COST_CATEGORIES["qualifizierung"]


class Preset(models.TextChoices):
    RLP_PILOT = "rlp_pilot", rules.PRESETS["rlp_pilot"][0]
    NRW = "nrw", rules.PRESETS["nrw"][0]
    BAYERN = "bayern", rules.PRESETS["bayern"][0]
    HESSEN = "hessen", rules.PRESETS["hessen"][0]
    OWN = "eigen", "eigenes Regelwerk"


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def visible_to(self, principal: Principal) -> ProgrammeQuerySet:
        """Programmes, their rules and budgets are public information (a call for applications)."""
        return self


class Programme(models.Model):
    """A funding programme: budget years, application window, eligible costs and a rule set."""

    slug = models.SlugField("Kürzel (URL)", max_length=60, unique=True)
    code = models.CharField(
        "Aktenzeichen-Präfix",
        max_length=20,
        help_text="Vorangestellt an die Nummer jedes Antrags, z. B. IKZ-RLP.",
    )
    name = models.CharField("Name", max_length=200)
    description = models.TextField("Beschreibung", blank=True)
    state = models.CharField("Land", max_length=2, default="07")
    preset = models.CharField("Vorlage", max_length=20, choices=Preset.choices, default=Preset.OWN)
    rule_set = models.JSONField("Regelwerk")
    eligible_categories = models.JSONField(
        "förderfähige Kostenarten", default=list, help_text="Kürzel der Kostenarten (CostCategory)."
    )
    window_opens = models.DateField("Antragsfrist ab", null=True, blank=True)
    window_closes = models.DateField("Antragsfrist bis", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ProgrammeQuerySet] = ProgrammeQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "Förderprogramm"
        verbose_name_plural = "Förderprogramme"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_closes__isnull=True)
                | Q(window_opens__isnull=True)
                | Q(window_closes__gte=F("window_opens")),
                name="programme_window_order",
                violation_error_message="Das Ende der Antragsfrist liegt vor ihrem Beginn.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funding:programme_detail", kwargs={"slug": self.slug})

    @cached_property
    def rules(self) -> rules.RuleSet:
        """The validated rule set (``rules.RuleSetError`` if the stored JSON is broken)."""
        return rules.RuleSet.from_dict(self.rule_set)

    @property
    def category_codes(self) -> frozenset[str]:
        return frozenset(self.eligible_categories or rules.COST_CATEGORIES)

    def category_labels(self) -> list[str]:
        return [label for code, label in rules.COST_CATEGORIES.items() if code in self.category_codes]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            rules.RuleSet.from_dict(self.rule_set)
        except rules.RuleSetError as exc:
            errors["rule_set"] = exc.messages
        unknown = sorted(set(self.eligible_categories or []) - set(rules.COST_CATEGORIES))
        if unknown:
            errors["eligible_categories"] = f"Unbekannte Kostenart: {', '.join(unknown)}."
        if self.window_opens and self.window_closes and self.window_closes < self.window_opens:
            errors["window_closes"] = "Das Ende der Antragsfrist liegt vor ihrem Beginn."
        if errors:
            raise ValidationError(errors)


class ProgrammeYear(models.Model):
    """A budget year (Haushaltsjahr) of a programme. ``committed`` = sum of the grants of this year."""

    programme = models.ForeignKey(
        Programme, verbose_name="Programm", on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField("Haushaltsjahr")
    budget = models.DecimalField(
        "Haushaltsmittel (EUR)", max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    # Kept by the services under a row lock; the check constraint makes over-commitment impossible.
    committed = models.DecimalField(
        "bewilligt (EUR)", max_digits=14, decimal_places=2, default=ZERO, editable=False
    )

    class Meta:
        verbose_name = "Haushaltsjahr"
        verbose_name_plural = "Haushaltsjahre"
        ordering = ["programme", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year"],
                name="programme_year_unique",
                violation_error_message="Dieses Haushaltsjahr hat das Programm bereits.",
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="programme_year_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("budget")),
                name="programme_year_committed_within_budget",
                violation_error_message="Die Bewilligungen eines Jahres übersteigen seine Mittel.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}"

    @property
    def free(self) -> Decimal:
        return self.budget - self.committed


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, principal: Principal) -> ApplicationQuerySet:
        """What ``principal`` may see; the rules are in :func:`verbund.funding.policies.visibility_filter`."""
        return self.filter(policies.visibility_filter(principal))

    def with_status(self, *statuses: str) -> ApplicationQuerySet:
        return self.filter(status__in=statuses)

    def granted(self) -> ApplicationQuerySet:
        return self.filter(status__in=workflow.GRANTED)

    def waiting_for_authority(self) -> ApplicationQuerySet:
        return self.filter(status__in=workflow.WAITING_FOR_AUTHORITY)


class Status(models.TextChoices):
    ENTWURF = workflow.ENTWURF, workflow.STATUS_LABELS[workflow.ENTWURF]
    EINGEREICHT = workflow.EINGEREICHT, workflow.STATUS_LABELS[workflow.EINGEREICHT]
    IN_PRUEFUNG = workflow.IN_PRUEFUNG, workflow.STATUS_LABELS[workflow.IN_PRUEFUNG]
    RUECKFRAGE = workflow.RUECKFRAGE, workflow.STATUS_LABELS[workflow.RUECKFRAGE]
    BEWILLIGT = workflow.BEWILLIGT, workflow.STATUS_LABELS[workflow.BEWILLIGT]
    ABGELEHNT = workflow.ABGELEHNT, workflow.STATUS_LABELS[workflow.ABGELEHNT]
    ZURUECKGEZOGEN = workflow.ZURUECKGEZOGEN, workflow.STATUS_LABELS[workflow.ZURUECKGEZOGEN]
    NACHWEIS = workflow.NACHWEIS, workflow.STATUS_LABELS[workflow.NACHWEIS]
    ABGESCHLOSSEN = workflow.ABGESCHLOSSEN, workflow.STATUS_LABELS[workflow.ABGESCHLOSSEN]


class Application(models.Model):
    """A funding application of an alliance, filed by one member body on its behalf."""

    programme = models.ForeignKey(
        Programme, verbose_name="Programm", on_delete=models.PROTECT, related_name="applications"
    )
    number = models.PositiveIntegerField("laufende Nummer")
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name="Verbund",
        on_delete=models.PROTECT,
        related_name="funding_applications",
    )
    applicant = models.ForeignKey(
        "registry.Body", verbose_name="antragstellendes Mitglied", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("Vorhaben", max_length=200)
    description = models.TextField("Beschreibung des Vorhabens", blank=True)
    fields = models.ManyToManyField(
        "alliances.FieldOfAction", verbose_name="Handlungsfelder", blank=True, related_name="+"
    )
    participants = models.ManyToManyField(
        "registry.Body", verbose_name="beteiligte Mitglieder", blank=True, related_name="+"
    )
    period_start = models.DateField("Beginn", null=True, blank=True)
    period_end = models.DateField("Ende", null=True, blank=True)
    requested_amount = models.DecimalField(
        "beantragte Zuwendung (EUR)",
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    special_need_region = models.BooleanField("Raum mit besonderem Handlungsbedarf", default=False)
    baseline_annual_costs = models.DecimalField(
        "jährliche Kosten ohne Kooperation (EUR)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    expected_annual_costs = models.DecimalField(
        "jährliche Kosten mit Kooperation (EUR)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    commitment_years = models.PositiveSmallIntegerField(
        "geplante Dauer der Zusammenarbeit (Jahre)", null=True, blank=True
    )
    deviation_reason = models.TextField(
        "Begründung für Abweichungen von den Förderregeln",
        blank=True,
        help_text="Nötig, wenn eine Prüfung mit Begründung abweichen darf (z. B. Höchstbetrag).",
    )
    status = models.CharField(
        "Status", max_length=20, choices=Status.choices, default=Status.ENTWURF, db_index=True
    )
    #: The check results at the last submission or decision (``CheckResult.as_dict`` each).
    checks = models.JSONField("Prüfergebnis", default=list, blank=True)
    submitted_at = models.DateTimeField("eingereicht am", null=True, blank=True)
    decided_at = models.DateTimeField("entschieden am", null=True, blank=True)
    rejection_reason = models.TextField("Ablehnungsgründe", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="angelegt von",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("angelegt", auto_now_add=True)
    updated_at = models.DateTimeField("geändert", auto_now=True)

    objects: ClassVar[ApplicationQuerySet] = ApplicationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "Förderantrag"
        verbose_name_plural = "Förderanträge"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "status"], name="application_programme_status")]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="application_number_unique"),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="application_period_order",
                violation_error_message="Das Ende des Vorhabens liegt vor seinem Beginn.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("funding:application_detail", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        """Aktenzeichen: programme prefix and running number, e.g. ``IKZ-RLP-0007``."""
        return f"{self.programme.code}-{self.number:04d}"

    @property
    def is_editable(self) -> bool:
        return self.status in workflow.EDITABLE

    @property
    def is_granted(self) -> bool:
        return self.status in workflow.GRANTED

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "Das Ende des Vorhabens liegt vor seinem Beginn."})


class ApplicationCost(models.Model):
    """One row of the cost plan: planned costs of a category in a year."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField("Kostenart", max_length=30, choices=CostCategory.choices)
    year = models.PositiveSmallIntegerField("Jahr")
    amount = models.DecimalField(
        "Betrag (EUR)", max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    note = models.CharField("Erläuterung", max_length=300, blank=True)

    class Meta:
        verbose_name = "Kostenplanzeile"
        verbose_name_plural = "Kostenplan"
        ordering = ["application", "year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "category", "year"], name="application_cost_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="application_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.year}: {self.amount}"


class ApplicationYear(models.Model):
    """The grant requested for one budget year of the programme (Mittelbedarf je Haushaltsjahr)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="requested_years")
    year = models.PositiveSmallIntegerField("Haushaltsjahr")
    amount = models.DecimalField(
        "beantragt (EUR)", max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        verbose_name = "Mittelbedarf je Haushaltsjahr"
        verbose_name_plural = "Mittelbedarf je Haushaltsjahr"
        ordering = ["application", "year"]
        constraints = [
            models.UniqueConstraint(fields=["application", "year"], name="application_year_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="application_year_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.amount}"


def attachment_upload_to(instance: Any, filename: str) -> str:
    # Random stored name, as for alliance documents: names of uploads may carry personal data.
    return f"funding/{instance.application_id}/anlagen/{secrets.token_urlsafe(18)}.pdf"


def notice_upload_to(instance: Any, filename: str) -> str:
    return f"funding/{instance.application_id}/bescheid/{secrets.token_urlsafe(18)}.pdf"


class ApplicationAttachment(StoredFileMixin):
    """A PDF attached to an application (checked like alliance documents)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField("Bezeichnung", max_length=200)
    file = models.FileField("Datei", upload_to=attachment_upload_to, max_length=255)

    class Meta:
        verbose_name = "Anlage"
        verbose_name_plural = "Anlagen"
        ordering = ["application", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class ApplicationEvent(models.Model):
    """One step in the life of an application (its timeline): who did what, when, with which note."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("Aktion", max_length=30)
    from_status = models.CharField("von", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("nach", max_length=20, choices=Status.choices)
    at = models.DateTimeField("am", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="durch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("Bemerkung", blank=True)

    class Meta:
        verbose_name = "Verlaufseintrag"
        verbose_name_plural = "Verlauf"
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status or '-'} → {self.to_status}"


class InfoRequest(models.Model):
    """A query of the funding authority (Rückfrage) and the alliance's answer."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="info_requests")
    question = models.TextField("Rückfrage")
    asked_at = models.DateTimeField("gestellt am", default=timezone.now)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField("Antwort", blank=True)
    answered_at = models.DateTimeField("beantwortet am", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "Rückfrage"
        verbose_name_plural = "Rückfragen"
        ordering = ["application", "asked_at", "id"]

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class GrantNotice(models.Model):
    """The grant notice (Zuwendungsbescheid). Immutable once issued; the PDF is stored with it."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="grant")
    amount = models.DecimalField("bewilligte Zuwendung (EUR)", max_digits=14, decimal_places=2)
    planned_eligible_costs = models.DecimalField(
        "zuwendungsfähige Ausgaben (EUR)", max_digits=14, decimal_places=2
    )
    financing = models.CharField(
        "Finanzierungsart",
        max_length=20,
        choices=list(rules.FINANCING.items()),
        default=rules.FINANCING_SHARE,
    )
    period_start = models.DateField("Bewilligungszeitraum ab")
    period_end = models.DateField("Bewilligungszeitraum bis")
    conditions = models.TextField("Nebenbestimmungen")
    override_reason = models.TextField(
        "Begründung der Abweichung",
        blank=True,
        help_text="Warum trotz nicht erfüllter Prüfung bewilligt wurde.",
    )
    issued_at = models.DateTimeField("erlassen am", default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField("Bescheid (PDF)", upload_to=notice_upload_to, max_length=255, blank=True)
    pdf_sha256 = models.CharField("SHA-256 des Bescheids", max_length=64, blank=True)

    class Meta:
        verbose_name = "Zuwendungsbescheid"
        verbose_name_plural = "Zuwendungsbescheide"
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
    amount = models.DecimalField("bewilligt (EUR)", max_digits=14, decimal_places=2)
    # Kept by the services under a row lock; the constraint forbids drawing more than granted.
    drawn = models.DecimalField(
        "ausgezahlt (EUR)", max_digits=14, decimal_places=2, default=ZERO, editable=False
    )
    pending = models.DecimalField(
        "abgerufen, noch nicht entschieden (EUR)",
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        editable=False,
    )

    class Meta:
        verbose_name = "Bewilligung je Haushaltsjahr"
        verbose_name_plural = "Bewilligungen je Haushaltsjahr"
        ordering = ["grant", "programme_year__year"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "programme_year"], name="grant_year_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_year_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(drawn__gte=0) & Q(pending__gte=0) & Q(drawn__lte=F("amount") - F("pending")),
                name="grant_year_drawn_within_grant",
                violation_error_message="Abrufe dürfen die Bewilligung nicht übersteigen.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} {self.programme_year.year}"

    @property
    def available(self) -> Decimal:
        """Granted, neither paid nor requested: the most a new drawdown may ask for."""
        return self.amount - self.drawn - self.pending


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
        return f"Abruf {self.pk} über {self.amount}"


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
        return f"Verwendungsnachweis {self.application_id} ({self.get_status_display()})"


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
        return f"{self.get_category_display()}: {self.amount}"
