"""The resource pool of the bodies and mutual aid: request → commitment by a lender → handover and
return (Sahana Eden's request/commit/shipment flow), and the alliance's agreement on reimbursement."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy


class ResourceCategory(models.TextChoices):
    VEHICLE = "fahrzeug", gettext_lazy("Fahrzeug")
    GENERATOR = "stromerzeuger", gettext_lazy("Stromerzeuger")
    PUMP = "pumpe", gettext_lazy("Pumpe")
    SANDBAGS = "sandsaecke", gettext_lazy("Sandsäcke")
    IT = "it", gettext_lazy("IT-Ausstattung")
    PEOPLE = "personal", gettext_lazy("Personal")
    SHELTER = "unterkunft", gettext_lazy("Unterkunft und Betreuung")
    OTHER = "sonstiges", gettext_lazy("Sonstiges")


class Resource(models.Model):
    """What a body can lend: ``quantity`` units of a kind (tactical vocabulary ``symbol`` or the body's
    own ``own_type``), where it is (default the body's centroid), when, on what conditions."""

    owner_body = models.ForeignKey(
        "registry.Body", verbose_name=gettext_lazy("Körperschaft"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(gettext_lazy("Kategorie"), max_length=20, choices=ResourceCategory.choices)
    symbol = models.CharField(gettext_lazy("Art (Taktisches Zeichen)"), max_length=100, blank=True)
    own_type = models.CharField(gettext_lazy("eigene Bezeichnung der Art"), max_length=200, blank=True)
    name = models.CharField(gettext_lazy("Bezeichnung"), max_length=200)
    quantity = models.PositiveIntegerField(gettext_lazy("Anzahl"), default=1)
    unit = models.CharField(gettext_lazy("Einheit"), max_length=30, default="Stück")
    qualifications = models.CharField(gettext_lazy("Qualifikationen"), max_length=500, blank=True)
    location = models.CharField(gettext_lazy("Standort"), max_length=200, blank=True)
    latitude = models.FloatField(gettext_lazy("Breite"), null=True, blank=True)
    longitude = models.FloatField(gettext_lazy("Länge"), null=True, blank=True)
    available_from = models.DateTimeField(gettext_lazy("verfügbar ab"), null=True, blank=True)
    available_until = models.DateTimeField(gettext_lazy("verfügbar bis"), null=True, blank=True)
    conditions = models.TextField(gettext_lazy("Bedingungen"), blank=True)
    hourly_rate = models.DecimalField(
        gettext_lazy("Stundensatz (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    daily_rate = models.DecimalField(
        gettext_lazy("Tagessatz (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    consumable = models.BooleanField(gettext_lazy("Verbrauchsmaterial"), default=False)
    unit_cost = models.DecimalField(
        gettext_lazy("Kosten je Einheit (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField(gettext_lazy("im Pool"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Ressource")
        verbose_name_plural = gettext_lazy("Ressourcen")
        ordering = ["owner_body", "category", "name", "id"]
        indexes = [models.Index(fields=["category", "active"], name="emergency_resource_category")]

    def __str__(self) -> str:
        return self.name


class AidPriority(models.TextChoices):
    URGENT = "dringend", gettext_lazy("dringend")
    HIGH = "hoch", gettext_lazy("hoch")
    NORMAL = "normal", gettext_lazy("normal")


class AidStatus(models.TextChoices):
    OPEN = "offen", gettext_lazy("offen")
    PARTLY = "teilweise", gettext_lazy("teilweise zugesagt")
    COMMITTED = "zugesagt", gettext_lazy("zugesagt")
    FULFILLED = "erfuellt", gettext_lazy("erfüllt")
    CANCELLED = "zurueckgezogen", gettext_lazy("zurückgezogen")


class AidRequest(models.Model):
    """A body in need asks for ``quantity`` of a category (and kind) at a place for a time."""

    requesting_body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("anfragende Körperschaft"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.ForeignKey(
        "emergency.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="aid_requests"
    )
    category = models.CharField(gettext_lazy("Kategorie"), max_length=20, choices=ResourceCategory.choices)
    symbol = models.CharField(gettext_lazy("Art (Taktisches Zeichen)"), max_length=100, blank=True)
    description = models.TextField(gettext_lazy("Was wird gebraucht?"))
    quantity = models.PositiveIntegerField(gettext_lazy("Anzahl"))
    place = models.CharField(gettext_lazy("Einsatzort"), max_length=200)
    latitude = models.FloatField(gettext_lazy("Breite"))
    longitude = models.FloatField(gettext_lazy("Länge"))
    needed_from = models.DateTimeField(gettext_lazy("benötigt ab"))
    needed_until = models.DateTimeField(gettext_lazy("benötigt bis"))
    priority = models.CharField(
        gettext_lazy("Dringlichkeit"), max_length=10, choices=AidPriority.choices, default=AidPriority.NORMAL
    )
    status = models.CharField(
        gettext_lazy("Stand"), max_length=20, choices=AidStatus.choices, default=AidStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Hilfeersuchen")
        verbose_name_plural = gettext_lazy("Hilfeersuchen")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(needed_until__gt=models.F("needed_from")), name="emergency_request_dates"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="emergency_request_quantity"),
        ]

    def __str__(self) -> str:
        return gettext("Hilfeersuchen Nr. %(number)s") % {"number": self.pk}


class CommitmentStatus(models.TextChoices):
    COMMITTED = "zugesagt", gettext_lazy("zugesagt")
    OUT = "uebergeben", gettext_lazy("übergeben")
    RETURNED = "zurueck", gettext_lazy("zurückgegeben")
    CANCELLED = "storniert", gettext_lazy("storniert")


#: commitments that hold units of a resource
HOLDING = (CommitmentStatus.COMMITTED, CommitmentStatus.OUT)


class Commitment(models.Model):
    """A lender commits ``quantity`` units of a resource to a request for the request's time; the
    units are handed over (condition noted) and come back (condition, quantity returned)."""

    request = models.ForeignKey(AidRequest, on_delete=models.PROTECT, related_name="commitments")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="commitments")
    quantity = models.PositiveIntegerField(gettext_lazy("Anzahl"))
    starts_at = models.DateTimeField(gettext_lazy("von"))
    ends_at = models.DateTimeField(gettext_lazy("bis"))
    status = models.CharField(
        gettext_lazy("Stand"),
        max_length=12,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.COMMITTED,
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_at = models.DateTimeField(gettext_lazy("zugesagt am"))
    handed_over_at = models.DateTimeField(gettext_lazy("übergeben am"), null=True, blank=True)
    condition_out = models.CharField(gettext_lazy("Zustand bei Übergabe"), max_length=500, blank=True)
    returned_at = models.DateTimeField(gettext_lazy("zurück am"), null=True, blank=True)
    condition_back = models.CharField(gettext_lazy("Zustand bei Rückgabe"), max_length=500, blank=True)
    returned_quantity = models.PositiveIntegerField(
        gettext_lazy("zurückgegebene Anzahl"), null=True, blank=True
    )
    hours = models.DecimalField(
        gettext_lazy("geleistete Stunden"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = gettext_lazy("Zusage")
        verbose_name_plural = gettext_lazy("Zusagen")
        ordering = ["request", "committed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="emergency_commitment_quantity"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="emergency_commitment_dates"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Zusage Nr. %(number)s") % {"number": self.pk}


class AidAgreement(models.Model):
    """What an alliance agreed on reimbursing mutual aid. Without an agreement nothing is reimbursed
    between public bodies (DOMAIN.md §7); with one: hourly rates for people, daily rates per item
    (the resource's own rate first, else the agreement's rate for its category), consumables at cost."""

    alliance = models.ForeignKey(
        "alliances.Alliance", verbose_name=gettext_lazy("Verbund"), on_delete=models.PROTECT, related_name="+"
    )
    reimburse = models.BooleanField(gettext_lazy("Hilfe wird erstattet"), default=False)
    hourly_rate = models.DecimalField(
        gettext_lazy("Stundensatz Personal (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    #: category → daily rate in EUR as a string with two decimals
    daily_rates = models.JSONField(gettext_lazy("Tagessätze je Kategorie"), default=dict, blank=True)
    consumables_at_cost = models.BooleanField(
        gettext_lazy("Verbrauchsmaterial zum Selbstkostenpreis"), default=True
    )
    valid_from = models.DateField(gettext_lazy("gültig ab"))
    valid_until = models.DateField(gettext_lazy("gültig bis"), null=True, blank=True)
    #: how the alliance's members share the reimbursement (an allocation-key configuration of the
    #: shared-services engine, e.g. ``{"type": "population"}``); empty: the body in need bears it alone
    cost_sharing = models.JSONField(gettext_lazy("Kostenteilung im Verbund"), null=True, blank=True)
    note = models.TextField(gettext_lazy("Grundlage"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Vereinbarung über gegenseitige Hilfe")
        verbose_name_plural = gettext_lazy("Vereinbarungen über gegenseitige Hilfe")
        ordering = ["alliance", "-valid_from"]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
