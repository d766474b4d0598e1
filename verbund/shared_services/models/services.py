"""Shared services, their recipients and the population figures their keys use."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from verbund.common.principal import Principal

from .catalogue import Task


class SharedServiceQuerySet(models.QuerySet["SharedService"]):
    def visible_to(self, principal: Principal) -> SharedServiceQuerySet:
        """The services ``principal`` may see (rules in :mod:`verbund.shared_services.policies`)."""
        from ..policies import visibility_filter

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
        "alliances.Alliance",
        verbose_name=_("Verbund"),
        on_delete=models.PROTECT,
        related_name="shared_services",
    )
    task = models.ForeignKey(
        Task, verbose_name=_("Aufgabe"), on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    provider = models.ForeignKey(
        "registry.Body",
        verbose_name=_("Erbringende Körperschaft"),
        on_delete=models.PROTECT,
        related_name="provided_services",
    )
    legal_basis = models.ForeignKey(
        "alliances.AgreementDocument",
        verbose_name=_("Rechtsgrundlage (Vereinbarung)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_services",
    )
    legal_basis_note = models.CharField(
        _("Fundstelle"), max_length=200, blank=True, help_text=_("z. B. „§ 5 Kostenerstattung“")
    )
    allocation_key = models.JSONField(_("Verteilungsschlüssel"), default=dict)
    advance_instalments = models.PositiveSmallIntegerField(
        _("Abschläge je Jahr"),
        default=4,
        choices=[(1, _("jährlich")), (2, _("halbjährlich")), (4, _("vierteljährlich")), (12, _("monatlich"))],
    )
    start_date = models.DateField(_("Beginn"))
    end_date = models.DateField(_("Ende"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[SharedServiceQuerySet] = SharedServiceQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Geteilter Dienst")
        verbose_name_plural = _("Geteilte Dienste")
        ordering = ["alliance", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "name"],
                name="shared_service_name_unique",
                violation_error_message=_("Der Verbund hat bereits einen Dienst mit dieser Bezeichnung."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="shared_service_end_after_start",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("shared_services:service_detail", kwargs={"service_id": self.pk})

    def clean(self) -> None:
        from ..allocation import KeyConfigError, parse_key

        errors: dict[str, Any] = {}
        try:
            self.allocation_key = parse_key(self.allocation_key).to_config()
        except KeyConfigError as exc:
            errors["allocation_key"] = _("Ungültiger Verteilungsschlüssel: %(error)s") % {"error": exc}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("Das Ende darf nicht vor dem Beginn liegen.")
        legal_basis = self.legal_basis if self.legal_basis_id else None
        if legal_basis is not None and self.alliance_id and legal_basis.alliance_id != self.alliance_id:
            errors["legal_basis"] = _("Die Rechtsgrundlage muss eine Vereinbarung dieses Verbunds sein.")
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
        verbose_name=_("Körperschaft"),
        on_delete=models.PROTECT,
        related_name="received_services",
    )
    from_date = models.DateField(_("ab"))
    until_date = models.DateField(_("bis einschließlich"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ServiceRecipientQuerySet] = ServiceRecipientQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Empfänger")
        verbose_name_plural = _("Empfänger")
        ordering = ["service", "from_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "body"],
                condition=Q(until_date__isnull=True),
                name="recipient_one_open_per_body",
                violation_error_message=_("Diese Körperschaft erhält den Dienst bereits."),
            ),
            models.CheckConstraint(
                condition=Q(until_date__isnull=True) | Q(until_date__gte=F("from_date")),
                name="recipient_until_after_from",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} ← {self.service}"

    def clean(self) -> None:
        if self.until_date is not None and self.until_date < self.from_date:
            raise ValidationError({"until_date": _("Das Ende darf nicht vor dem Beginn liegen.")})


class PopulationFigure(models.Model):
    """The population of a member at the reference date the key names, entered for one year.

    The registry holds one population per issue (its ``population_date``, e.g. 31.12.2024); keys
    such as LK Traunstein's use another date (30 June of the previous year). The coordinator enters
    the figure of that date here; without it the settlement uses the registry and says so.
    """

    service = models.ForeignKey(SharedService, on_delete=models.CASCADE, related_name="population_figures")
    year = models.PositiveSmallIntegerField(_("Abrechnungsjahr"))
    body = models.ForeignKey(
        "registry.Body", verbose_name=_("Körperschaft"), on_delete=models.PROTECT, related_name="+"
    )
    population = models.PositiveIntegerField(_("Einwohner"))
    reference_date = models.DateField(_("Stichtag"))
    source = models.CharField(_("Quelle"), max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Einwohnerzahl zum Stichtag")
        verbose_name_plural = _("Einwohnerzahlen zum Stichtag")
        ordering = ["service", "year", "body__name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "year", "body"], name="population_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.population} ({self.reference_date:%d.%m.%Y})"
