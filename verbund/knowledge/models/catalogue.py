"""The service catalogue (Leistungen with their LeiKa keys) and the rules saying which level of
administration holds a service in a Land.

A catalogue is imported from a file (JSON lines, one service per line: ``id``, ``name``, ``leika``,
``keywords``, ``description`` …); the catalogue's own ``id`` stays the service's id (``external_id``)
in the API. Services missing from a later import of the same catalogue are marked inactive, never
deleted (corrections and routes refer to them).

Who holds a service (:class:`HolderRule`): per Land, a LeiKa key prefix (the longest matching prefix
wins; a rule for one service overrides the prefixes) names the kinds of bodies of the registry that
hold it, e.g. in Rhineland-Palatinate the Meldebehörde (LeiKa ``99115``) is the administration of the
Verbandsgemeinde, verbandsfreie Gemeinde or kreisfreie Stadt. A rule is ``verified`` when someone
confirmed it against the law and names the source; unverified rules are shown as such.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy

leika_validator = RegexValidator(
    r"^99\d{1,12}$", gettext_lazy("Ein LeiKa-Schlüssel beginnt mit 99 und hat höchstens 14 Ziffern.")
)


class Catalogue(models.Model):
    """A service catalogue imported from a file (e.g. a city's Dienstleistungsdatenbank)."""

    slug = models.SlugField(gettext_lazy("Kennung"), unique=True)
    name = models.CharField(gettext_lazy("Bezeichnung"), max_length=200)
    source = models.CharField(gettext_lazy("Quelle"), max_length=500, blank=True)
    licence = models.CharField(gettext_lazy("Lizenz"), max_length=100, blank=True)
    imported_at = models.DateTimeField(gettext_lazy("eingelesen am"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Leistungskatalog")
        verbose_name_plural = gettext_lazy("Leistungskataloge")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """One service (Leistung) of a catalogue. ``keywords`` come from the file; ``synonyms`` are
    added by the Beratungsstelle (words citizens use) and survive a new import."""

    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="services")
    external_id = models.CharField(gettext_lazy("Kennung im Katalog"), max_length=64, unique=True)
    name = models.CharField(gettext_lazy("Bezeichnung"), max_length=300)
    #: LeiKa keys (14 digits each); a service may carry several
    leika = models.JSONField(gettext_lazy("LeiKa-Schlüssel"), default=list, blank=True)
    keywords = models.JSONField(gettext_lazy("Schlagworte"), default=list, blank=True)
    synonyms = models.JSONField(gettext_lazy("Synonyme"), default=list, blank=True)
    description = models.TextField(gettext_lazy("Beschreibung"), blank=True)
    url = models.URLField(gettext_lazy("Adresse"), max_length=500, blank=True)
    #: the task of the shared-services catalogue this service belongs to: an alliance's shared service
    #: for that task moves the responsibility to its provider
    task = models.ForeignKey(
        "shared_services.Task",
        verbose_name=gettext_lazy("Aufgabe"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(gettext_lazy("aktiv"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Leistung")
        verbose_name_plural = gettext_lazy("Leistungen")
        ordering = ["name", "external_id"]

    def __str__(self) -> str:
        return self.name


class HolderRule(models.Model):
    """In Land ``state`` the service(s) with LeiKa key prefix ``leika_prefix`` (or the one ``service``)
    are held by bodies of the ``kinds`` (registry kinds; the nearest such body above the citizen's
    municipality, the municipality included)."""

    state = models.CharField(gettext_lazy("Land (Schlüssel)"), max_length=2)
    leika_prefix = models.CharField(
        gettext_lazy("LeiKa-Präfix"), max_length=14, blank=True, validators=[leika_validator]
    )
    service = models.ForeignKey(
        Service,
        verbose_name=gettext_lazy("Leistung"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="holder_rules",
    )
    kinds = models.JSONField(gettext_lazy("zuständige Arten von Körperschaften"), default=list)
    label = models.CharField(gettext_lazy("Bezeichnung"), max_length=200)
    verified = models.BooleanField(gettext_lazy("geprüft"), default=False)
    source = models.CharField(gettext_lazy("Rechtsgrundlage / Quelle"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Zuständigkeitsregel")
        verbose_name_plural = gettext_lazy("Zuständigkeitsregeln")
        ordering = ["state", "leika_prefix", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(service__isnull=True) & ~Q(leika_prefix=""))
                | (Q(service__isnull=False) & Q(leika_prefix="")),
                name="knowledge_rule_prefix_or_service",
                violation_error_message=gettext_lazy(
                    "Eine Regel gilt entweder für ein LeiKa-Präfix oder für eine Leistung."
                ),
            ),
            models.UniqueConstraint(
                fields=["state", "leika_prefix"],
                condition=Q(service__isnull=True),
                name="knowledge_rule_prefix_once",
                violation_error_message=gettext_lazy(
                    "Für dieses Land und dieses Präfix gibt es schon eine Regel."
                ),
            ),
            models.UniqueConstraint(
                fields=["state", "service"],
                condition=Q(service__isnull=False),
                name="knowledge_rule_service_once",
                violation_error_message=gettext_lazy(
                    "Für dieses Land und diese Leistung gibt es schon eine Regel."
                ),
            ),
        ]

    def __str__(self) -> str:
        with translation.override("de"):  # stored in the audit log
            return f"{self.label} ({self.state})"


#: a pseudo-kind of :class:`HolderRule.kinds`: große kreisangehörige Städte (e.g. with their own Jugendamt)
GROSSE_KREISANGEHOERIGE_STADT = "grosse_kreisangehoerige_stadt"


class OfficeContact(models.Model):
    """How citizens reach a body's office, as the body entered it (shown with a routed answer)."""

    body = models.OneToOneField(
        "registry.Body", verbose_name=gettext_lazy("Körperschaft"), on_delete=models.CASCADE, related_name="+"
    )
    office = models.CharField(gettext_lazy("Dienststelle"), max_length=200, blank=True)
    street = models.CharField(gettext_lazy("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(gettext_lazy("Postleitzahl"), max_length=5, blank=True)
    city = models.CharField(gettext_lazy("Ort"), max_length=100, blank=True)
    phone = models.CharField(gettext_lazy("Telefon"), max_length=50, blank=True)
    email = models.EmailField(gettext_lazy("E-Mail"), blank=True)
    website = models.URLField(gettext_lazy("Internetseite"), max_length=300, blank=True)
    hours = models.TextField(gettext_lazy("Öffnungszeiten"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Kontakt der Dienststelle")
        verbose_name_plural = gettext_lazy("Kontakte der Dienststellen")

    def __str__(self) -> str:
        return self.office or str(self.body_id)


class RouteCorrection(models.Model):
    """A member of staff corrected a route: for the request ``text`` the right service is ``service``
    (the router had proposed ``routed``). Corrections retrain the router (nearest neighbours)."""

    text = models.TextField(gettext_lazy("Anliegen"))
    ars = models.CharField(gettext_lazy("Regionalschlüssel"), max_length=12, blank=True)
    routed = models.ForeignKey(
        Service,
        verbose_name=gettext_lazy("vorgeschlagen"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    service = models.ForeignKey(
        Service,
        verbose_name=gettext_lazy("richtige Leistung"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Korrektur einer Zuordnung")
        verbose_name_plural = gettext_lazy("Korrekturen von Zuordnungen")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


class RouterEvaluation(models.Model):
    """A measurement of the router (for the algorithm register): accuracy on a labelled set."""

    measured_at = models.DateTimeField(gettext_lazy("gemessen am"))
    dataset = models.CharField(gettext_lazy("Datensatz"), max_length=200)
    requests = models.PositiveIntegerField(gettext_lazy("Anliegen"))
    top1 = models.FloatField(gettext_lazy("Treffer an erster Stelle"))
    top3 = models.FloatField(gettext_lazy("Treffer unter den ersten drei"))
    details = models.JSONField(gettext_lazy("Einzelheiten"), default=dict, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Messung der Zuordnung")
        verbose_name_plural = gettext_lazy("Messungen der Zuordnung")
        ordering = ["-measured_at", "-id"]

    def __str__(self) -> str:
        return self.dataset
