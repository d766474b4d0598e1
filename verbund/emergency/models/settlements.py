"""The booked reimbursement of a mutual-aid request (Erstattungsabrechnung) and its lines.

:func:`verbund.emergency.services.aid.statement` computes what is owed at any moment; a settlement
books it: computed as a draft (recomputing replaces the lines), then set (``festgesetzt``) with a
confirmation, from when on the row and its lines cannot change. A correction is a new version whose
``previous`` is the set one. Amounts come from the shared-services allocation engine: each line is a
charge (price × units, half up to the cent); when the alliance's agreement shares the cost among its
members (``AidAgreement.cost_sharing``), the engine splits the total by that key, exact to the cent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from verbund.common.errors import Conflict

from .resources import AidAgreement, AidRequest, Commitment

ZERO = Decimal("0.00")


class AidSettlementStatus(models.TextChoices):
    DRAFT = "entwurf", gettext_lazy("Entwurf")
    FINAL = "festgesetzt", gettext_lazy("festgesetzt")


class AidSettlementFinalError(Conflict):
    """A set settlement (or a line of it) was to be changed; a correction makes a new version."""

    status = 409
    code = "aid_settlement_final"

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            detail
            or gettext(
                "Die Erstattungsabrechnung ist festgesetzt und kann nicht mehr geändert werden; "
                "eine Berichtigung legt eine neue Fassung an."
            )
        )


class _FinalGuardQuerySet(models.QuerySet[Any]):
    final_lookup = "status"

    def _touches_final(self) -> bool:
        return self.filter(**{self.final_lookup: AidSettlementStatus.FINAL}).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_final():
            raise AidSettlementFinalError()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_final():
            raise AidSettlementFinalError()
        return super().delete()


class AidSettlementQuerySet(_FinalGuardQuerySet):
    final_lookup = "status"


class AidSettlement(models.Model):
    """One version of the reimbursement of a request. ``snapshot`` keeps the agreement's terms and the
    key the figures came from, so a set settlement explains itself after the agreement changed."""

    request = models.ForeignKey(AidRequest, on_delete=models.PROTECT, related_name="settlements")
    version = models.PositiveSmallIntegerField(gettext_lazy("Fassung"), default=1)
    status = models.CharField(
        gettext_lazy("Stand"),
        max_length=12,
        choices=AidSettlementStatus.choices,
        default=AidSettlementStatus.DRAFT,
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("berichtigt Fassung"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.TextField(gettext_lazy("Grund der Berichtigung"), blank=True)
    agreement = models.ForeignKey(
        AidAgreement,
        verbose_name=gettext_lazy("Vereinbarung"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    total = models.DecimalField(
        gettext_lazy("Erstattung gesamt (EUR)"), max_digits=14, decimal_places=2, default=ZERO
    )
    #: the agreement's terms, the cost-sharing key and its description as computed
    snapshot = models.JSONField(gettext_lazy("Berechnungsgrundlagen"), default=dict)
    computed_at = models.DateTimeField(gettext_lazy("berechnet am"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalized_at = models.DateTimeField(gettext_lazy("festgesetzt am"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[AidSettlementQuerySet] = AidSettlementQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Erstattungsabrechnung")
        verbose_name_plural = gettext_lazy("Erstattungsabrechnungen")
        ordering = ["request", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="emergency_settlement_version"),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="entwurf"),
                name="emergency_settlement_one_draft",
                violation_error_message=gettext_lazy("Es gibt bereits einen Entwurf dieser Abrechnung."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="emergency_settlement_version_positive"),
        ]

    def __str__(self) -> str:
        with translation.override("de"):  # stored in the audit log: German for every writer
            return f"Erstattungsabrechnung zum Hilfeersuchen Nr. {self.request_id} (Fassung {self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_final():
            raise AidSettlementFinalError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_final():
            raise AidSettlementFinalError()
        return super().delete(*args, **kwargs)

    def _stored_final(self) -> bool:
        return (
            bool(self.pk)
            and AidSettlement.objects.filter(pk=self.pk, status=AidSettlementStatus.FINAL).exists()
        )

    @property
    def is_final(self) -> bool:
        return self.status == AidSettlementStatus.FINAL


class AidSettlementLineQuerySet(_FinalGuardQuerySet):
    final_lookup = "settlement__status"


class AidSettlementLine(models.Model):
    """What one commitment earns its lender: ``units`` × ``rate`` (half up to the cent), or nothing."""

    settlement = models.ForeignKey(AidSettlement, on_delete=models.CASCADE, related_name="lines")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="+")
    lender = models.ForeignKey(
        "registry.Body", verbose_name=gettext_lazy("Leihgeber"), on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(gettext_lazy("Grundlage"), max_length=300)
    units = models.DecimalField(gettext_lazy("Menge"), max_digits=14, decimal_places=2, default=ZERO)
    unit_label = models.CharField(gettext_lazy("Einheit"), max_length=30, blank=True)
    rate = models.DecimalField(
        gettext_lazy("Satz (EUR)"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    amount = models.DecimalField(gettext_lazy("Betrag (EUR)"), max_digits=14, decimal_places=2, default=ZERO)
    provisional = models.BooleanField(gettext_lazy("vorläufig"), default=False)

    objects: ClassVar[AidSettlementLineQuerySet] = AidSettlementLineQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Zeile der Erstattungsabrechnung")
        verbose_name_plural = gettext_lazy("Zeilen der Erstattungsabrechnung")
        ordering = ["settlement", "lender__name", "commitment_id"]

    def __str__(self) -> str:
        return self.basis


class AidSettlementShare(models.Model):
    """A body's position in a settlement: what it is owed as lender (``claim``), what it bears
    (``share``: the body in need alone, or its part under the agreement's cost-sharing key) and the
    balance ``net = share − claim`` (positive: it pays, negative: it receives). The nets sum to zero."""

    settlement = models.ForeignKey(AidSettlement, on_delete=models.CASCADE, related_name="shares")
    body = models.ForeignKey(
        "registry.Body", verbose_name=gettext_lazy("Körperschaft"), on_delete=models.PROTECT, related_name="+"
    )
    claim = models.DecimalField(gettext_lazy("Anspruch (EUR)"), max_digits=14, decimal_places=2, default=ZERO)
    share = models.DecimalField(
        gettext_lazy("Kostenanteil (EUR)"), max_digits=14, decimal_places=2, default=ZERO
    )
    net = models.DecimalField(gettext_lazy("Saldo (EUR)"), max_digits=14, decimal_places=2, default=ZERO)

    objects: ClassVar[AidSettlementLineQuerySet] = AidSettlementLineQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Position einer Körperschaft")
        verbose_name_plural = gettext_lazy("Positionen der Körperschaften")
        ordering = ["settlement", "body__name"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "body"], name="emergency_settlement_share_once")
        ]

    def __str__(self) -> str:
        return str(self.body_id)
