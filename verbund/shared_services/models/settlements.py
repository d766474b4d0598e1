"""Settlements of a shared service (advances and final settlement) and their lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from verbund.common.errors import Conflict
from verbund.common.principal import Principal

from .services import SharedService


class SettlementKind(models.TextChoices):
    ADVANCE = "advance", _("Abschläge")
    FINAL = "final", _("Spitzabrechnung")


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    FINALIZED = "finalized", _("abgeschlossen")


class SettlementFinalizedError(Conflict):
    """A finalized settlement (or one of its lines) was to be changed; corrections make a new version."""

    status = 409
    code = "settlement_finalized"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            detail
            or gettext(
                "Die Abrechnung ist abgeschlossen und kann nicht mehr geändert werden; "
                "eine Korrektur legt eine neue Fassung an."
            )
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
    year = models.PositiveSmallIntegerField(_("Jahr"))
    kind = models.CharField(_("Art"), max_length=10, choices=SettlementKind.choices)
    version = models.PositiveSmallIntegerField(_("Fassung"), default=1)
    status = models.CharField(
        _("Status"), max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("korrigiert Fassung"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.TextField(_("Grund der Korrektur"), blank=True)
    net_cost = models.DecimalField(
        _("Kosten abzüglich Erlöse (EUR)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(
        _("Verteilter Betrag (EUR)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    key_config = models.JSONField(_("Schlüssel (Stand der Berechnung)"), default=dict)
    key_description = models.TextField(_("Schlüssel (Erläuterung)"), blank=True)
    snapshot = models.JSONField(_("Berechnungsgrundlagen"), default=dict)
    inputs_digest = models.CharField(max_length=64, blank=True)
    instalments = models.PositiveSmallIntegerField(_("Abschläge je Jahr"), default=4)
    computed_at = models.DateTimeField(_("berechnet am"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalized_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[SettlementQuerySet] = SettlementQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Abrechnung")
        verbose_name_plural = _("Abrechnungen")
        ordering = ["service", "-year", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "year", "kind", "version"], name="settlement_version_unique"
            ),
            models.UniqueConstraint(
                fields=["service", "year", "kind"],
                condition=Q(status="draft"),
                name="settlement_one_draft",
                violation_error_message=_("Es gibt bereits einen Entwurf dieser Abrechnung."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="settlement_version_positive"),
        ]

    def __str__(self) -> str:
        with translation.override("de"):  # the name is stored in the audit log: German for every writer
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
        "registry.Body", verbose_name=_("Körperschaft"), on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("Beteiligungstage"))
    population = models.PositiveIntegerField(_("Einwohner"), null=True, blank=True)
    population_date = models.DateField(_("Einwohner-Stichtag"), null=True, blank=True)
    population_source = models.CharField(_("Einwohner-Quelle"), max_length=200, blank=True)
    area_ha = models.PositiveBigIntegerField(_("Fläche (ha)"), null=True, blank=True)
    volume = models.DecimalField(_("Menge"), max_digits=12, decimal_places=2, null=True, blank=True)
    share = models.DecimalField(_("Anteil (EUR)"), max_digits=14, decimal_places=2)
    components = models.JSONField(_("Aufschlüsselung"), default=list)
    advance_paid = models.DecimalField(
        _("Abschläge (EUR)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    balance = models.DecimalField(_("Saldo (EUR)"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    instalments = models.JSONField(_("Abschlagsraten"), default=list)
    standalone_cost = models.DecimalField(
        _("Kosten allein (Schätzung, EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    revenue_share = models.DecimalField(
        _("Anteil an den Erlösen (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    objects: ClassVar[SettlementLineQuerySet] = SettlementLineQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Abrechnungszeile")
        verbose_name_plural = _("Abrechnungszeilen")
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
    def gross_share(self) -> Decimal | None:
        """The member's share of the cost before fee income: its share plus its part of the revenues.

        This is what compares with the stand-alone cost, which is a cost before fees too (the fees of
        the member's cases would be collected alone as well)."""
        if self.revenue_share is None:
            return None
        return self.share + self.revenue_share

    @property
    def saving(self) -> Decimal | None:
        """Stand-alone cost − share of the gross cost: both sides before fee income (``None`` without
        an estimate or when nothing was allocated)."""
        gross = self.gross_share
        if self.standalone_cost is None or gross is None:
            return None
        return self.standalone_cost - gross

    def _settlement_finalized(self) -> bool:
        return Settlement.objects.filter(pk=self.settlement_id, status=SettlementStatus.FINALIZED).exists()
