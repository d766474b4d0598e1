"""Funding applications and what belongs to them until the decision.

* :class:`Application` — an alliance's application, filed by one member body (the applicant) on
  behalf of the alliance, with its cost plan (:class:`ApplicationCost`, by category and year), the
  grant requested per budget year (:class:`ApplicationYear`), attachments
  (:class:`ApplicationAttachment`), queries of the authority (:class:`InfoRequest`) and its timeline
  (:class:`ApplicationEvent`).
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.common.documents import StoredFileMixin
from verbund.common.german import format_money
from verbund.common.principal import Principal

from .. import policies, workflow
from .common import ZERO, CostCategory
from .programmes import Programme


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
    ENTWURF = workflow.ENTWURF, gettext_lazy(workflow.STATUS_LABELS[workflow.ENTWURF])
    EINGEREICHT = workflow.EINGEREICHT, gettext_lazy(workflow.STATUS_LABELS[workflow.EINGEREICHT])
    IN_PRUEFUNG = workflow.IN_PRUEFUNG, gettext_lazy(workflow.STATUS_LABELS[workflow.IN_PRUEFUNG])
    RUECKFRAGE = workflow.RUECKFRAGE, gettext_lazy(workflow.STATUS_LABELS[workflow.RUECKFRAGE])
    BEWILLIGT = workflow.BEWILLIGT, gettext_lazy(workflow.STATUS_LABELS[workflow.BEWILLIGT])
    ABGELEHNT = workflow.ABGELEHNT, gettext_lazy(workflow.STATUS_LABELS[workflow.ABGELEHNT])
    ZURUECKGEZOGEN = workflow.ZURUECKGEZOGEN, gettext_lazy(workflow.STATUS_LABELS[workflow.ZURUECKGEZOGEN])
    NACHWEIS = workflow.NACHWEIS, gettext_lazy(workflow.STATUS_LABELS[workflow.NACHWEIS])
    ABGESCHLOSSEN = workflow.ABGESCHLOSSEN, gettext_lazy(workflow.STATUS_LABELS[workflow.ABGESCHLOSSEN])


class Application(models.Model):
    """A funding application of an alliance, filed by one member body on its behalf."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=gettext_lazy("Programm"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    number = models.PositiveIntegerField(gettext_lazy("laufende Nummer"))
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=gettext_lazy("Verbund"),
        on_delete=models.PROTECT,
        related_name="funding_applications",
    )
    applicant = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("antragstellendes Mitglied"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(gettext_lazy("Vorhaben"), max_length=200)
    description = models.TextField(gettext_lazy("Beschreibung des Vorhabens"), blank=True)
    fields = models.ManyToManyField(
        "alliances.FieldOfAction", verbose_name=gettext_lazy("Handlungsfelder"), blank=True, related_name="+"
    )
    participants = models.ManyToManyField(
        "registry.Body", verbose_name=gettext_lazy("beteiligte Mitglieder"), blank=True, related_name="+"
    )
    period_start = models.DateField(gettext_lazy("Beginn"), null=True, blank=True)
    period_end = models.DateField(gettext_lazy("Ende"), null=True, blank=True)
    requested_amount = models.DecimalField(
        gettext_lazy("beantragte Zuwendung (EUR)"),
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    special_need_region = models.BooleanField(
        gettext_lazy("Raum mit besonderem Handlungsbedarf"), default=False
    )
    baseline_annual_costs = models.DecimalField(
        gettext_lazy("jährliche Kosten ohne Kooperation (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    expected_annual_costs = models.DecimalField(
        gettext_lazy("jährliche Kosten mit Kooperation (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    commitment_years = models.PositiveSmallIntegerField(
        gettext_lazy("geplante Dauer der Zusammenarbeit (Jahre)"), null=True, blank=True
    )
    premature_start_approved_on = models.DateField(
        gettext_lazy("vorzeitigem Maßnahmebeginn zugestimmt am"), null=True, blank=True
    )
    premature_start_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("Zustimmung zum vorzeitigen Maßnahmebeginn durch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    premature_start_note = models.TextField(
        gettext_lazy("Bemerkung zum vorzeitigen Maßnahmebeginn"), blank=True
    )
    deviation_reason = models.TextField(
        gettext_lazy("Begründung für Abweichungen von den Förderregeln"),
        blank=True,
        help_text=gettext_lazy(
            "Nötig, wenn eine Prüfung mit Begründung abweichen darf (z. B. Höchstbetrag)."
        ),
    )
    status = models.CharField(
        gettext_lazy("Status"), max_length=20, choices=Status.choices, default=Status.ENTWURF, db_index=True
    )
    #: The check results at the last submission or decision (``CheckResult.as_dict`` each).
    checks = models.JSONField(gettext_lazy("Prüfergebnis"), default=list, blank=True)
    submitted_at = models.DateTimeField(gettext_lazy("eingereicht am"), null=True, blank=True)
    decided_at = models.DateTimeField(gettext_lazy("entschieden am"), null=True, blank=True)
    rejection_reason = models.TextField(gettext_lazy("Ablehnungsgründe"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("geändert"), auto_now=True)

    objects: ClassVar[ApplicationQuerySet] = ApplicationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Förderantrag")
        verbose_name_plural = gettext_lazy("Förderanträge")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "status"], name="application_programme_status")]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="application_number_unique"),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="application_period_order",
                violation_error_message=gettext_lazy("Das Ende des Vorhabens liegt vor seinem Beginn."),
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
            raise ValidationError({"period_end": _("Das Ende des Vorhabens liegt vor seinem Beginn.")})


class ApplicationCost(models.Model):
    """One row of the cost plan: planned costs of a category in a year."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField(gettext_lazy("Kostenart"), max_length=30, choices=CostCategory.choices)
    year = models.PositiveSmallIntegerField(gettext_lazy("Jahr"))
    amount = models.DecimalField(
        gettext_lazy("Betrag (EUR)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    note = models.CharField(gettext_lazy("Erläuterung"), max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Kostenplanzeile")
        verbose_name_plural = gettext_lazy("Kostenplan")
        ordering = ["application", "year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "category", "year"], name="application_cost_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="application_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.year}: {format_money(self.amount)}"


class ApplicationYear(models.Model):
    """The grant requested for one budget year of the programme (Mittelbedarf je Haushaltsjahr)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="requested_years")
    year = models.PositiveSmallIntegerField(gettext_lazy("Haushaltsjahr"))
    amount = models.DecimalField(
        gettext_lazy("beantragt (EUR)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        verbose_name = gettext_lazy("Mittelbedarf je Haushaltsjahr")
        verbose_name_plural = gettext_lazy("Mittelbedarf je Haushaltsjahr")
        ordering = ["application", "year"]
        constraints = [
            models.UniqueConstraint(fields=["application", "year"], name="application_year_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="application_year_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {format_money(self.amount)}"


def attachment_upload_to(instance: Any, filename: str) -> str:
    # Random stored name, as for alliance documents: names of uploads may carry personal data.
    return f"funding/{instance.application_id}/anlagen/{secrets.token_urlsafe(18)}.pdf"


class ApplicationAttachment(StoredFileMixin):
    """A PDF attached to an application (checked like alliance documents)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(gettext_lazy("Bezeichnung"), max_length=200)
    file = models.FileField(gettext_lazy("Datei"), upload_to=attachment_upload_to, max_length=255)

    class Meta:
        verbose_name = gettext_lazy("Anlage")
        verbose_name_plural = gettext_lazy("Anlagen")
        ordering = ["application", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class ApplicationEvent(models.Model):
    """One step in the life of an application (its timeline): who did what, when, with which note."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(gettext_lazy("Aktion"), max_length=30)
    from_status = models.CharField(gettext_lazy("von"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(gettext_lazy("nach"), max_length=20, choices=Status.choices)
    at = models.DateTimeField(gettext_lazy("am"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("durch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(gettext_lazy("Bemerkung"), blank=True)

    class Meta:
        verbose_name = gettext_lazy("Verlaufseintrag")
        verbose_name_plural = gettext_lazy("Verlauf")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status or '-'} → {self.to_status}"


class InfoRequest(models.Model):
    """A query of the funding authority (Rückfrage) and the alliance's answer."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="info_requests")
    question = models.TextField(gettext_lazy("Rückfrage"))
    asked_at = models.DateTimeField(gettext_lazy("gestellt am"), default=timezone.now)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(gettext_lazy("Antwort"), blank=True)
    answered_at = models.DateTimeField(gettext_lazy("beantwortet am"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = gettext_lazy("Rückfrage")
        verbose_name_plural = gettext_lazy("Rückfragen")
        ordering = ["application", "asked_at", "id"]

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
