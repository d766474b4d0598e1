"""Council documents harvested from OParl 1.1 servers (Ratsinformationssysteme).

Every OParl object is kept as it came (``data``), with the fields the part filters and shows pulled
out: type, name, reference, date, times; the OParl id (its URL) stays its identity. An object the
server reports as ``deleted`` on an incremental run (``modified_since``) is removed from search but
kept as a row with ``deleted`` set, so a link to it explains itself. ``text`` is what search reads:
for a File the text extracted from its download (PDF or text, checked against ``sha512Checksum``),
for a Paper, Meeting or AgendaItem its name and reference.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy


class OParlSource(models.Model):
    """An OParl server harvested (its System URL), with the city it belongs to."""

    url = models.URLField(gettext_lazy("Einstiegspunkt (System)"), max_length=500, unique=True)
    name = models.CharField(gettext_lazy("Bezeichnung"), max_length=200)
    #: the body of the registry whose council this is (a city of an alliance); optional
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Körperschaft"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(gettext_lazy("regelmäßig abrufen"), default=True)
    #: the start of the last complete run: the next run asks for ``modified_since`` this moment
    harvested_until = models.DateTimeField(gettext_lazy("vollständig abgerufen bis"), null=True, blank=True)
    last_run_at = models.DateTimeField(gettext_lazy("letzter Abruf"), null=True, blank=True)
    last_error = models.TextField(gettext_lazy("letzter Fehler"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("OParl-Quelle")
        verbose_name_plural = gettext_lazy("OParl-Quellen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OParlType(models.TextChoices):
    SYSTEM = "System", gettext_lazy("System")
    BODY = "Body", gettext_lazy("Körperschaft")
    LEGISLATIVE_TERM = "LegislativeTerm", gettext_lazy("Wahlperiode")
    ORGANIZATION = "Organization", gettext_lazy("Gremium")
    PERSON = "Person", gettext_lazy("Person")
    MEMBERSHIP = "Membership", gettext_lazy("Mitgliedschaft")
    MEETING = "Meeting", gettext_lazy("Sitzung")
    AGENDA_ITEM = "AgendaItem", gettext_lazy("Tagesordnungspunkt")
    PAPER = "Paper", gettext_lazy("Drucksache")
    CONSULTATION = "Consultation", gettext_lazy("Beratung")
    FILE = "File", gettext_lazy("Datei")
    LOCATION = "Location", gettext_lazy("Ort")


class OParlObject(models.Model):
    """One OParl object of a source."""

    source = models.ForeignKey(OParlSource, on_delete=models.CASCADE, related_name="items")
    oparl_id = models.URLField(gettext_lazy("OParl-ID"), max_length=500)
    type = models.CharField(gettext_lazy("Typ"), max_length=20, choices=OParlType.choices)
    #: the OParl Body (URL) the object belongs to, where the object says so
    body_url = models.URLField(gettext_lazy("OParl-Körperschaft"), max_length=500, blank=True)
    name = models.TextField(gettext_lazy("Bezeichnung"), blank=True)
    reference = models.CharField(gettext_lazy("Aktenzeichen"), max_length=200, blank=True)
    #: the object's own date (a Paper's date, a Meeting's start, a File's date)
    date = models.DateField(gettext_lazy("Datum"), null=True, blank=True)
    created = models.DateTimeField(gettext_lazy("erstellt"), null=True, blank=True)
    modified = models.DateTimeField(gettext_lazy("geändert"), null=True, blank=True)
    deleted = models.BooleanField(gettext_lazy("gelöscht"), default=False)
    data = models.JSONField(gettext_lazy("Daten"), default=dict)
    #: searchable text (see the module docstring)
    text = models.TextField(gettext_lazy("Text"), blank=True)
    #: a File: the SHA-512 of the download the text came from (empty: not downloaded or no text)
    text_sha512 = models.CharField(max_length=128, blank=True)
    harvested_at = models.DateTimeField(gettext_lazy("abgerufen am"))

    class Meta:
        verbose_name = gettext_lazy("OParl-Objekt")
        verbose_name_plural = gettext_lazy("OParl-Objekte")
        ordering = ["source", "type", "-date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "oparl_id"], name="knowledge_oparl_object_once"),
        ]
        indexes = [
            models.Index(fields=["source", "type", "date"], name="knowledge_oparl_type_date"),
        ]

    def __str__(self) -> str:
        return self.name or self.oparl_id
