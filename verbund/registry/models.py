"""The registry of municipal bodies (Gebietskörperschaften) from the Destatis directory GV100AD.

One row per legal entity: a kreisfreie Stadt appears in GV100AD as Kreis (40), Gemeindeverband (50)
and Gemeinde (60) but is one :class:`Body`; a verbandsfreie Gemeinde (50 + 60) likewise. Bodies that
disappear in a newer issue are kept with ``dissolved_on`` set, so nothing that refers to them is lost.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import policies
from .legal_status import is_grosse_kreisangehoerige_stadt

if TYPE_CHECKING:
    from verbund.common.principal import Principal


class Kind(models.TextChoices):
    LAND = "land", _("Land")
    REGIERUNGSBEZIRK = "regierungsbezirk", _("Regierungsbezirk")
    LANDKREIS = "landkreis", _("Landkreis")
    KREIS = "kreis", _("Kreis")
    REGIONALVERBAND = "regionalverband", _("Regionalverband")
    KREISFREIE_STADT = "kreisfreie_stadt", _("Kreisfreie Stadt")
    VERBANDSGEMEINDE = "verbandsgemeinde", _("Verbandsgemeinde")
    AMT = "amt", _("Amt")
    SAMTGEMEINDE = "samtgemeinde", _("Samtgemeinde")
    VERWALTUNGSGEMEINSCHAFT = "verwaltungsgemeinschaft", _("Verwaltungsgemeinschaft")
    KIRCHSPIELSLANDGEMEINDE = "kirchspielslandgemeinde", _("Kirchspielslandgemeinde")
    VERWALTUNGSVERBAND = "verwaltungsverband", _("Verwaltungsverband")
    VG_TRAEGERMODELL = "vg_traegermodell", _("Verbandsgemeinde (Trägermodell)")
    ERFUELLENDE_GEMEINDE = "erfuellende_gemeinde", _("Erfüllende Gemeinde")
    VERBANDSFREIE_GEMEINDE = "verbandsfreie_gemeinde", _("Verbandsfreie Gemeinde")
    ORTSGEMEINDE = "ortsgemeinde", _("Ortsgemeinde")
    GEMEINDEFREIES_GEBIET = "gemeindefreies_gebiet", _("Gemeindefreies Gebiet")


#: Kinds grouped by administrative level (used for filters and for "different levels" checks).
KREIS_KINDS = frozenset({Kind.LANDKREIS, Kind.KREIS, Kind.REGIONALVERBAND})
ASSOCIATION_KINDS = frozenset(
    {
        Kind.VERBANDSGEMEINDE,
        Kind.AMT,
        Kind.SAMTGEMEINDE,
        Kind.VERWALTUNGSGEMEINSCHAFT,
        Kind.KIRCHSPIELSLANDGEMEINDE,
        Kind.VERWALTUNGSVERBAND,
        Kind.VG_TRAEGERMODELL,
        Kind.ERFUELLENDE_GEMEINDE,
    }
)
GEMEINDE_KINDS = frozenset(
    {Kind.KREISFREIE_STADT, Kind.VERBANDSFREIE_GEMEINDE, Kind.ORTSGEMEINDE, Kind.GEMEINDEFREIES_GEBIET}
)


class BodyQuerySet(models.QuerySet["Body"]):
    def current(self) -> BodyQuerySet:
        """Bodies that exist in the latest imported issue (not dissolved)."""
        return self.filter(dissolved_on__isnull=True)

    def in_state(self, state: str) -> BodyQuerySet:
        return self.filter(state=state)

    def of_kind(self, *kinds: str) -> BodyQuerySet:
        return self.filter(kind__in=kinds)

    def gemeinden(self) -> BodyQuerySet:
        """Politische Gemeinden (incl. kreisfreie Städte), without gemeindefreie Gebiete."""
        return self.filter(kind__in=GEMEINDE_KINDS - {Kind.GEMEINDEFREIES_GEBIET})

    def search(self, q: str) -> BodyQuerySet:
        """Name (case-insensitive, contains) or the start of the AGS/ARS."""
        q = q.strip()
        if not q:
            return self
        if q.isdigit():
            return self.filter(Q(ags__startswith=q) | Q(ars__startswith=q))
        return self.filter(name__icontains=q)

    def visible_to(self, principal: Principal) -> BodyQuerySet:
        """The bodies ``principal`` sees: all of them, the registry is official public data
        (:mod:`verbund.registry.policies`)."""
        return self.filter(policies.visibility_filter(principal))


class Body(models.Model):
    """A Gebietskörperschaft (or Regierungsbezirk / gemeindefreies Gebiet) of the directory."""

    # Identity across issues: Land "07", Regierungsbezirk "071", Kreis "07131", Gemeindeverband
    # "071315001", Gemeinde = AGS "07131001". A merged kreisfreie Stadt keeps its AGS, Berlin and
    # Hamburg (Land = Gemeinde) their Land key. The ARS may change (a Gemeinde moving to another
    # Verbandsgemeinde), the key does not.
    key = models.CharField(_("Schlüssel"), max_length=9, unique=True)
    ars = models.CharField(_("Regionalschlüssel (ARS)"), max_length=12, unique=True)
    ags = models.CharField(_("Gemeindeschlüssel (AGS)"), max_length=8, blank=True, db_index=True)
    # For Gemeinden: the 9-digit key of their Gemeindeverband (a verbandsfreie Gemeinde and a
    # kreisfreie Stadt have their own), used to join boundary layers keyed by Gemeindeverband.
    association_key = models.CharField(
        _("Gemeindeverbandsschlüssel"), max_length=9, blank=True, db_index=True
    )
    name = models.CharField(_("Name"), max_length=120, db_index=True)
    kind = models.CharField(_("Art"), max_length=32, choices=Kind.choices, db_index=True)
    textkennzeichen = models.CharField(_("Textkennzeichen"), max_length=2, blank=True)
    is_stadt = models.BooleanField(_("Stadt"), default=False)
    seat = models.CharField(_("Verwaltungssitz"), max_length=120, blank=True)
    state = models.CharField(_("Land"), max_length=2, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Übergeordnet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    population = models.PositiveIntegerField(_("Einwohner"), null=True, blank=True)
    population_male = models.PositiveIntegerField(_("Einwohner männlich"), null=True, blank=True)
    population_date = models.DateField(_("Bevölkerungsstand"), null=True, blank=True)
    area_ha = models.PositiveBigIntegerField(_("Fläche (ha)"), null=True, blank=True)
    postcode = models.CharField(_("Postleitzahl"), max_length=5, blank=True)
    postcode_multiple = models.BooleanField(_("mehrere Postleitzahlen"), default=False)
    gebietsstand = models.DateField(_("Gebietsstand"))
    valid_from = models.DateField(_("erstmals im Verzeichnis"), null=True, blank=True)
    dissolved_on = models.DateField(_("aufgelöst (Gebietsstand)"), null=True, blank=True, db_index=True)
    successors = models.ManyToManyField(
        "self", verbose_name=_("Nachfolger"), symmetrical=False, blank=True, related_name="predecessors"
    )
    centroid_lat = models.FloatField(_("Schwerpunkt Breite"), null=True, blank=True)
    centroid_lon = models.FloatField(_("Schwerpunkt Länge"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[BodyQuerySet] = BodyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Körperschaft")
        verbose_name_plural = _("Körperschaften")
        ordering = ["ars"]
        indexes = [models.Index(fields=["state", "kind", "ars"], name="body_state_kind_ars")]
        constraints = [
            models.CheckConstraint(condition=Q(ars__regex=r"^[0-9]{12}$"), name="body_ars_12_digits"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:body_detail", kwargs={"ars": self.ars})

    @property
    def area_km2(self) -> Decimal | None:
        return None if self.area_ha is None else (Decimal(self.area_ha) / 100).quantize(Decimal("0.01"))

    @property
    def is_current(self) -> bool:
        return self.dissolved_on is None

    @property
    def is_grosse_kreisangehoerige_stadt(self) -> bool:
        """A große kreisangehörige Stadt (supervised by the ADD; :mod:`verbund.registry.legal_status`)."""
        return is_grosse_kreisangehoerige_stadt(self.ags)

    def ancestors(self) -> list[Body]:
        """Parent chain from the direct parent up to the Land (one query per level, at most 4)."""
        chain: list[Body] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class BodyBoundary(models.Model):
    """The boundary of a body as a GeoJSON geometry (WGS84), kept apart from the light Body row."""

    body = models.OneToOneField(Body, on_delete=models.CASCADE, related_name="boundary")
    geometry = models.JSONField(_("Geometrie (GeoJSON)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    source = models.CharField(_("Quelle"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Grenze")
        verbose_name_plural = _("Grenzen")

    def __str__(self) -> str:
        return f"Grenze {self.body}"


class BodyNeighbour(models.Model):
    """Two bodies share a border of at least 5 m (metric projection). Stored in both directions."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="neighbour_links")
    neighbour = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    shared_border_m = models.FloatField(_("gemeinsame Grenze (m)"))

    class Meta:
        verbose_name = _("Nachbarschaft")
        verbose_name_plural = _("Nachbarschaften")
        constraints = [
            models.UniqueConstraint(fields=["body", "neighbour"], name="neighbour_pair_unique"),
            models.CheckConstraint(condition=~Q(body=models.F("neighbour")), name="neighbour_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.body} – {self.neighbour}"


class RegistryImport(models.Model):
    """One run of ``import_registry``: which file, which issue, what it changed."""

    class Source(models.TextChoices):
        GV100AD = "gv100ad", _("Gemeindeverzeichnis GV100AD")
        BOUNDARIES = "boundaries", _("Grenzen (GeoJSON)")

    source = models.CharField(max_length=20, choices=Source.choices)
    file_name = models.CharField(_("Datei"), max_length=300)
    sha256 = models.CharField(max_length=64)
    gebietsstand = models.DateField(_("Gebietsstand"), null=True, blank=True)
    state = models.CharField(_("Land-Filter"), max_length=2, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {"created": n, "updated": n, "unchanged": n, "dissolved": n, ...}
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("Registerimport")
        verbose_name_plural = _("Registerimporte")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.gebietsstand or ''} ({self.file_name})"


class TerritorialChange(models.Model):
    """A change between two issues of the directory, found when a newer issue is imported."""

    class ChangeKind(models.TextChoices):
        NEW = "new", "neu"
        RENAMED = "renamed", "umbenannt"
        DISSOLVED = "dissolved", _("aufgelöst")
        MERGED = "merged", "zusammengeschlossen"
        MOVED = "moved", "umgegliedert"
        KIND_CHANGED = "kind_changed", _("Art geändert")

    registry_import = models.ForeignKey(RegistryImport, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices, db_index=True)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="territorial_changes")
    # For a merger: the dissolved predecessors; renamed/moved: {"old": …, "new": …}.
    details = models.JSONField(default=dict, blank=True)
    effective = models.DateField(_("Gebietsstand"))

    class Meta:
        verbose_name = _("Gebietsänderung")
        verbose_name_plural = _("Gebietsänderungen")
        ordering = ["effective", "kind", "body__ars"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.body}"


def reference_date_for(gebietsstand: dt.date) -> dt.date:
    """Population reference date of a GV100AD issue.

    Destatis publishes with each quarterly issue the population of the last year end (the issue of
    30.11.2025 carries the population of 31.12.2024); the annual issue of 31 December carries the
    population of that same day. ``import_registry --population-date`` overrides this rule.
    """
    if (gebietsstand.month, gebietsstand.day) == (12, 31):
        return gebietsstand
    return dt.date(gebietsstand.year - 1, 12, 31)


def import_upload_to(instance: RegistryImportJob, filename: str) -> str:
    """Each upload in a folder of its own, so that it keeps its name (the import report names it)."""
    import uuid

    from django.utils import timezone

    return f"registry/imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class RegistryImportJob(models.Model):
    """An import started by Plattformbetrieb on the page ``/koerperschaften/import/``: the uploaded
    files, and the state and result of the task that runs the import services on a worker
    (:mod:`verbund.registry.jobs`, :mod:`verbund.registry.tasks`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("läuft")
        DONE = "done", _("fertig")
        FAILED = "failed", _("fehlgeschlagen")

    gv100ad = models.FileField(_("GV100AD-Datei"), upload_to=import_upload_to, max_length=300)
    boundaries = models.FileField(
        _("Grenzen (GeoJSON)"), upload_to=import_upload_to, max_length=300, blank=True
    )
    state = models.CharField(_("Land-Filter"), max_length=2, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    progress_note = models.CharField(_("Arbeitsschritt"), max_length=200, blank=True)
    summary = models.TextField(_("Ergebnis"), blank=True)
    error = models.TextField(_("Fehler"), blank=True)
    task_id = models.CharField(_("Auftragsnummer der Warteschlange"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gestartet von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestartet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("letztes Lebenszeichen"), null=True, blank=True)

    class Meta:
        verbose_name = _("Registerimport-Auftrag")
        verbose_name_plural = _("Registerimport-Aufträge")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.gv100ad.name.rsplit("/", 1)[-1] if self.gv100ad else f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("registry:import_detail", kwargs={"pk": self.pk})

    @property
    def boundaries_name(self) -> str:
        return self.boundaries.name.rsplit("/", 1)[-1] if self.boundaries else ""

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
