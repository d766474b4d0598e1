"""Shared officers: one information security officer (or data-protection officer) serving several
bodies, with a deputy, each body's share of the working time and its cost in the settlement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy


class OfficerKind(models.TextChoices):
    ISB = "isb", gettext_lazy("Informationssicherheitsbeauftragte/r (ISB)")
    DSB = "dsb", gettext_lazy("Datenschutzbeauftragte/r (DSB)")


class SharedOfficer(models.Model):
    kind = models.CharField(gettext_lazy("Funktion"), max_length=10, choices=OfficerKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("Person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("Vertretung"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Anstellungskörperschaft"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=gettext_lazy("Verbund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: the shared service whose settlement carries the cost of the shares
    service = models.ForeignKey(
        "shared_services.SharedService",
        verbose_name=gettext_lazy("abgerechnet über den Dienst"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_on = models.DateField(gettext_lazy("ab"))
    ends_on = models.DateField(gettext_lazy("bis"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("gemeinsame/r Beauftragte/r")
        verbose_name_plural = gettext_lazy("gemeinsame Beauftragte")
        ordering = ["kind", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="security_officer_period",
            ),
            models.CheckConstraint(condition=~Q(deputy=F("person")), name="security_officer_deputy_other"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person}"


class OfficerShare(models.Model):
    officer = models.ForeignKey(SharedOfficer, on_delete=models.CASCADE, related_name="shares")
    body = models.ForeignKey(
        "registry.Body", verbose_name=gettext_lazy("Körperschaft"), on_delete=models.PROTECT, related_name="+"
    )
    percent = models.DecimalField(gettext_lazy("Anteil der Arbeitszeit (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = gettext_lazy("Anteil")
        verbose_name_plural = gettext_lazy("Anteile")
        ordering = ["officer", "body"]
        constraints = [
            models.UniqueConstraint(fields=["officer", "body"], name="security_officer_share_unique"),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="security_officer_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.percent} %"
