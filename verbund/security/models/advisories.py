"""Security advisories (CSAF 2.0): the advisory, its revisions, its vulnerabilities, the sources they
come from and the documents kept in quarantine."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from .sharing import Shared, Tlp

#: Labels whose objects :meth:`Advisory.__str__` and :meth:`.assets.Asset.__str__` name by number only:
#: those whose reads go to the read log (its readers, Plattformbetrieb, see none of them).
NAMED_BY_NUMBER = (Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)


class CsafSource(models.Model):
    """A CSAF provider (or aggregator) polled on the queue."""

    class Discovery(models.TextChoices):
        DOMAIN = "domain", gettext_lazy("Domain (well-known, security.txt, DNS-Name)")
        METADATA = "metadata", gettext_lazy("Adresse der provider-metadata.json")
        AGGREGATOR = "aggregator", gettext_lazy("Aggregator")

    name = models.CharField(gettext_lazy("Name"), max_length=200)
    discovery = models.CharField(
        gettext_lazy("Ermittlung"), max_length=20, choices=Discovery.choices, default=Discovery.DOMAIN
    )
    domain = models.CharField(gettext_lazy("Domain"), max_length=253, blank=True)
    url = models.URLField(gettext_lazy("Adresse"), max_length=1000, blank=True)
    active = models.BooleanField(gettext_lazy("aktiv"), default=True)
    interval_minutes = models.PositiveIntegerField(gettext_lazy("Abrufabstand (Minuten)"), default=15)
    min_request_seconds = models.DecimalField(
        gettext_lazy("Mindestabstand zwischen Anfragen (Sekunden)"), max_digits=6, decimal_places=2, default=1
    )
    since = models.DateTimeField(gettext_lazy("Dokumente geändert seit"), null=True, blank=True)
    public_keys = models.TextField(
        gettext_lazy("OpenPGP-Schlüssel (zusätzlich zu denen des Anbieters)"), blank=True
    )
    owner_body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Körperschaft (für nicht öffentliche Dokumente)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: ETags, Last-Modified values and the last change time seen, per URL (the downloader's state)
    state = models.JSONField(gettext_lazy("Abrufstand"), default=dict, blank=True)
    last_run_at = models.DateTimeField(gettext_lazy("letzter Abruf"), null=True, blank=True)
    last_success_at = models.DateTimeField(gettext_lazy("letzter erfolgreicher Abruf"), null=True, blank=True)
    last_error = models.TextField(gettext_lazy("letzter Fehler"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("CSAF-Quelle")
        verbose_name_plural = gettext_lazy("CSAF-Quellen")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


#: The CSAF document categories (profiles) in the words of the pages.
CATEGORY_LABELS = {
    "csaf_base": gettext_lazy("CSAF-Grunddokument"),
    "csaf_security_advisory": gettext_lazy("Sicherheitshinweis"),
    "csaf_vex": gettext_lazy("VEX-Dokument (Angaben zur Betroffenheit)"),
    "csaf_informational_advisory": gettext_lazy("Informationshinweis"),
    "csaf_security_incident_response": gettext_lazy("Bericht zu einem Sicherheitsvorfall"),
}


class Advisory(Shared):
    """One CSAF document (by publisher namespace and tracking id), at its current revision.

    Public advisories of a provider have no ``owner_body`` and TLP:CLEAR; a member's own import of a
    TLP:AMBER document belongs to that member. Two members may each hold the same AMBER document.
    """

    publisher_name = models.CharField(gettext_lazy("Herausgeber"), max_length=300)
    publisher_namespace = models.CharField(gettext_lazy("Namensraum des Herausgebers"), max_length=500)
    publisher_category = models.CharField(gettext_lazy("Art des Herausgebers"), max_length=30, blank=True)
    tracking_id = models.CharField(gettext_lazy("Kennung"), max_length=300)
    title = models.CharField(gettext_lazy("Titel"), max_length=1000)
    category = models.CharField(gettext_lazy("Dokumentart"), max_length=100)
    lang = models.CharField(gettext_lazy("Sprache"), max_length=20, blank=True)
    version = models.CharField(gettext_lazy("Version"), max_length=100)
    tracking_status = models.CharField(gettext_lazy("Status"), max_length=20)
    initial_release_date = models.DateTimeField(gettext_lazy("erstmals veröffentlicht"))
    current_release_date = models.DateTimeField(gettext_lazy("zuletzt geändert"), db_index=True)
    #: the highest CVSS base score of its vulnerabilities (None: none given)
    max_score = models.DecimalField(
        gettext_lazy("höchster CVSS-Wert"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    exploited = models.BooleanField(gettext_lazy("wird ausgenutzt"), default=False)
    #: CVE names, space-separated, for the search
    cves = models.TextField(gettext_lazy("CVE"), blank=True)
    summary = models.TextField(gettext_lazy("Zusammenfassung"), blank=True)
    source = models.ForeignKey(
        CsafSource,
        verbose_name=gettext_lazy("Quelle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advisories",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Sicherheitshinweis")
        verbose_name_plural = gettext_lazy("Sicherheitshinweise")
        ordering = ["-current_release_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher_namespace", "tracking_id", "owner_body"],
                name="security_advisory_unique_per_owner",
            ),
            models.UniqueConstraint(
                fields=["publisher_namespace", "tracking_id"],
                condition=Q(owner_body__isnull=True),
                name="security_advisory_unique_public",
            ),
        ]

    def __str__(self) -> str:
        # str() is what the read log and audit entries keep (operators read them, and they see no
        # member's confidential data): a label whose reads are logged (AMBER, AMBER+STRICT, RED) is
        # named by number only. Pages show :attr:`display_name` to whoever sees the advisory.
        if self.tlp in NAMED_BY_NUMBER:
            return gettext("Sicherheitshinweis Nr. %(number)s") % {"number": self.pk}
        return self.display_name

    @property
    def display_name(self) -> str:
        """Tracking id and title, for pages and answers to someone who sees the advisory."""
        return f"{self.tracking_id}: {self.title}"[:300]

    @property
    def category_label(self) -> str:
        """The document category in German (a profile the list does not know: its CSAF name)."""
        return str(CATEGORY_LABELS.get(self.category, self.category))


class AdvisoryRevision(models.Model):
    """A revision of an advisory as it was received; the current one is the advisory's version."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="revisions")
    version = models.CharField(gettext_lazy("Version"), max_length=100)
    tracking_status = models.CharField(gettext_lazy("Status"), max_length=20)
    current_release_date = models.DateTimeField(gettext_lazy("Stand"))
    document = models.JSONField(gettext_lazy("Dokument"))
    sha256 = models.CharField(gettext_lazy("SHA-256"), max_length=64)
    source_url = models.URLField(gettext_lazy("Herkunft"), max_length=1000, blank=True)
    filename = models.CharField(gettext_lazy("Dateiname"), max_length=300, blank=True)
    #: the signature check of the downloader ("" for uploads: not checked)
    signature = models.CharField(gettext_lazy("Signatur"), max_length=200, blank=True)
    received_at = models.DateTimeField(gettext_lazy("empfangen am"), auto_now_add=True)
    received_by = models.CharField(gettext_lazy("empfangen durch"), max_length=150, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Fassung eines Sicherheitshinweises")
        verbose_name_plural = gettext_lazy("Fassungen von Sicherheitshinweisen")
        ordering = ["advisory", "-current_release_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "version"], name="security_revision_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.advisory.tracking_id} {self.version}"


class Vulnerability(models.Model):
    """A vulnerability of an advisory (rewritten with each new revision; ``key`` — the CVE, else
    ``#<position>`` — keeps matches and remediation states across revisions).

    A vulnerability that a new revision no longer lists is kept with ``current=False`` (its matches
    too, with their remediation history); it becomes current again when a later revision lists it.
    """

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="vulnerabilities")
    key = models.CharField(gettext_lazy("Schlüssel"), max_length=64)
    position = models.PositiveIntegerField(gettext_lazy("Position im Dokument"))
    cve = models.CharField(gettext_lazy("CVE"), max_length=32, blank=True, db_index=True)
    title = models.CharField(gettext_lazy("Titel"), max_length=1000, blank=True)
    cwe = models.CharField(gettext_lazy("CWE"), max_length=300, blank=True)
    summary = models.TextField(gettext_lazy("Beschreibung"), blank=True)
    #: the best score: CVSS version, vector, base score and German severity label
    cvss_version = models.CharField(gettext_lazy("CVSS-Version"), max_length=8, blank=True)
    cvss_vector = models.CharField(gettext_lazy("CVSS-Vektor"), max_length=300, blank=True)
    score = models.DecimalField(
        gettext_lazy("CVSS-Basiswert"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    severity = models.CharField(gettext_lazy("Schweregrad"), max_length=20, blank=True)
    #: every score of the document: [{"version", "vector", "score", "severity", "products"}]
    scores = models.JSONField(gettext_lazy("alle Bewertungen"), default=list, blank=True)
    exploited = models.BooleanField(gettext_lazy("wird ausgenutzt"), default=False)
    #: False once the advisory's current revision no longer lists it (kept for the history)
    current = models.BooleanField(gettext_lazy("aktuell"), default=True)

    class Meta:
        verbose_name = gettext_lazy("Schwachstelle")
        verbose_name_plural = gettext_lazy("Schwachstellen")
        ordering = ["advisory", "position"]
        constraints = [models.UniqueConstraint(fields=["advisory", "key"], name="security_vulnerability_key")]

    def __str__(self) -> str:
        return self.cve or self.title or self.key


class QuarantinedDocument(models.Model):
    """A document that was received but not imported: invalid, a wrong hash or signature."""

    source = models.ForeignKey(
        CsafSource,
        verbose_name=gettext_lazy("Quelle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quarantine",
    )
    url = models.URLField(gettext_lazy("Adresse"), max_length=1000, blank=True)
    filename = models.CharField(gettext_lazy("Dateiname"), max_length=300, blank=True)
    sha256 = models.CharField(gettext_lazy("SHA-256"), max_length=64, blank=True)
    content = models.TextField(gettext_lazy("Inhalt"), blank=True)
    #: [{"test": "6.1.27.1", "text": "…", "path": "/vulnerabilities/0/…"}]
    reasons = models.JSONField(gettext_lazy("Gründe"), default=list)
    received_at = models.DateTimeField(gettext_lazy("empfangen am"), auto_now_add=True)
    received_by = models.CharField(gettext_lazy("empfangen durch"), max_length=150, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Dokument in Quarantäne")
        verbose_name_plural = gettext_lazy("Dokumente in Quarantäne")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.filename or self.url or f"#{self.pk}"
