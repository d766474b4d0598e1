"""Staffs (Verwaltungsstab of a body, joint staff of an alliance), the functions people hold in them
and the duty roster across the member bodies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy


class StaffKind(models.TextChoices):
    ADMINISTRATIVE = "verwaltungsstab", gettext_lazy("Verwaltungsstab")
    OPERATIONAL = "fuehrungsstab", gettext_lazy("Führungsstab")


class StaffFunction(models.TextChoices):
    """Functions after the IMK guidance for administrative staffs and FwDV 100 for the operational
    side (``VERBUND_DATA_DIR/crisis/staff_roles.json``; a catalogue compiled from public sources)."""

    HVB = "HVB", gettext_lazy("Hauptverwaltungsbeamter/-in")
    LDS = "LdS", gettext_lazy("Leitung des Stabes")
    KGS = "KGS", gettext_lazy("Koordinierungsgruppe des Stabes")
    SMS = "SMS", gettext_lazy("Ständiges Mitglied des Stabes")
    EMS = "EMS", gettext_lazy("Ereignisspezifisches Mitglied des Stabes")
    BUMA = "BuMA", gettext_lazy("Bürgerinformation und Medienarbeit")
    IUK = "IuK", gettext_lazy("Informations- und Kommunikationsunterstützung")
    S1 = "S1", gettext_lazy("S1 Personal/Innerer Dienst")
    S2 = "S2", gettext_lazy("S2 Lage")
    S3 = "S3", gettext_lazy("S3 Einsatz")
    S4 = "S4", gettext_lazy("S4 Versorgung")
    S5 = "S5", gettext_lazy("S5 Presse- und Medienarbeit")
    S6 = "S6", gettext_lazy("S6 Information und Kommunikation")


#: Functions that screen messages (Sichter) and keep the staff's routine.
SCREENING_FUNCTIONS = frozenset({StaffFunction.KGS, StaffFunction.LDS})
#: Functions that lead the staff (open and close events, change the staff's positions).
LEADING_FUNCTIONS = frozenset({StaffFunction.HVB, StaffFunction.LDS})


class Staff(models.Model):
    """The Verwaltungsstab of one body, or the joint staff of an alliance (exactly one of the two)."""

    name = models.CharField(gettext_lazy("Bezeichnung"), max_length=200)
    kind = models.CharField(
        gettext_lazy("Art"), max_length=20, choices=StaffKind.choices, default=StaffKind.ADMINISTRATIVE
    )
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Körperschaft"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=gettext_lazy("Verbund (gemeinsamer Stab)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Stab")
        verbose_name_plural = gettext_lazy("Stäbe")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(body__isnull=False) & Q(alliance__isnull=True))
                | (Q(body__isnull=True) & Q(alliance__isnull=False)),
                name="emergency_staff_body_xor_alliance",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_joint(self) -> bool:
        return self.alliance_id is not None


class PositionRole(models.TextChoices):
    HOLDER = "inhaber", gettext_lazy("Inhaber/in")
    DEPUTY = "vertretung", gettext_lazy("Vertretung")


class Position(models.Model):
    """A person holds a function in a staff (standing, ``event`` empty) or in the staff of one event.

    The person works for ``body`` (one of the Kreise of a joint staff): the roster shows where people
    come from, and a substitute from a neighbouring Kreis is a position with that Kreis as its body."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="positions")
    event = models.ForeignKey(
        "emergency.Event",
        verbose_name=gettext_lazy("nur für die Lage"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="positions",
    )
    function = models.CharField(gettext_lazy("Funktion"), max_length=10, choices=StaffFunction.choices)
    role = models.CharField(
        gettext_lazy("als"), max_length=12, choices=PositionRole.choices, default=PositionRole.HOLDER
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("Person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("entsendet von"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField(gettext_lazy("erreichbar unter"), max_length=100, blank=True)
    starts_on = models.DateField(gettext_lazy("ab"))
    ends_on = models.DateField(gettext_lazy("bis"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Stabsfunktion")
        verbose_name_plural = gettext_lazy("Stabsfunktionen")
        ordering = ["staff", "function", "role", "id"]
        indexes = [models.Index(fields=["person", "staff"], name="emergency_position_person")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="emergency_position_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()} ({self.get_role_display()})"


class Shift(models.Model):
    """A shift of the duty roster: who holds a function from when to when, and how to reach them.

    ``substitutes`` names the position whose holder is absent (a person of a neighbouring Kreis
    stands in)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="shifts")
    event = models.ForeignKey(
        "emergency.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="shifts"
    )
    function = models.CharField(gettext_lazy("Funktion"), max_length=10, choices=StaffFunction.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("Person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("entsendet von"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_at = models.DateTimeField(gettext_lazy("Beginn"))
    ends_at = models.DateTimeField(gettext_lazy("Ende"))
    reachable = models.CharField(gettext_lazy("erreichbar unter"), max_length=100, blank=True)
    substitutes = models.ForeignKey(
        Position,
        verbose_name=gettext_lazy("vertritt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="substitute_shifts",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Schicht")
        verbose_name_plural = gettext_lazy("Dienstplan")
        ordering = ["starts_at", "function", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="emergency_shift_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()} {self.starts_at:%d.%m.%Y %H:%M}"
