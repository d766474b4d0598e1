"""What a member body runs (its asset inventory), the matches of advisories against it, the
remediation state per vulnerability and asset, and the alliance's triage of an advisory."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from .advisories import NAMED_BY_NUMBER, Advisory, Vulnerability
from .sharing import Shared


class Criticality(models.TextChoices):
    NIEDRIG = "niedrig", gettext_lazy("niedrig")
    MITTEL = "mittel", gettext_lazy("mittel")
    HOCH = "hoch", gettext_lazy("hoch")
    KRITISCH = "kritisch", gettext_lazy("kritisch")


class AssetKind(models.TextChoices):
    SERVER = "server", gettext_lazy("Server")
    CLIENT = "client", gettext_lazy("Arbeitsplatz")
    NETZ = "netz", gettext_lazy("Netzwerk und Firewall")
    OT = "ot", gettext_lazy("Betriebstechnik (OT)")
    SOFTWARE = "software", gettext_lazy("Software")
    SONSTIGES = "sonstiges", gettext_lazy("Sonstiges")


class Asset(Shared):
    """An item of a body's inventory. Private to the body unless it chooses to share it
    (``tlp``/``distribution``); ``owner_body`` is the body that runs it."""

    name = models.CharField(gettext_lazy("Produkt"), max_length=300)
    vendor = models.CharField(gettext_lazy("Hersteller"), max_length=300, blank=True)
    version = models.CharField(gettext_lazy("Version"), max_length=200, blank=True)
    kind = models.CharField(
        gettext_lazy("Art"), max_length=20, choices=AssetKind.choices, default=AssetKind.SOFTWARE
    )
    cpe = models.CharField(gettext_lazy("CPE 2.3"), max_length=500, blank=True)
    purl = models.CharField(gettext_lazy("Package URL (purl)"), max_length=1000, blank=True)
    model_number = models.CharField(gettext_lazy("Modellnummer"), max_length=200, blank=True)
    serial_number = models.CharField(gettext_lazy("Seriennummer"), max_length=200, blank=True)
    sku = models.CharField(gettext_lazy("Artikelnummer (SKU)"), max_length=200, blank=True)
    #: [{"algorithm": "sha256", "value": "…"}]
    hashes = models.JSONField(gettext_lazy("Prüfsummen"), default=list, blank=True)
    location = models.CharField(gettext_lazy("Standort"), max_length=300, blank=True)
    responsible = models.CharField(gettext_lazy("Verantwortlich"), max_length=300, blank=True)
    criticality = models.CharField(
        gettext_lazy("Kritikalität"), max_length=20, choices=Criticality.choices, default=Criticality.MITTEL
    )
    quantity = models.PositiveIntegerField(gettext_lazy("Anzahl"), default=1)
    #: the asset this one runs on (an application on a server, firmware on a device)
    platform = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("läuft auf"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="components",
    )
    #: where the entry came from: "form", "csv", "xlsx", "cyclonedx", "spdx", "demo"
    origin = models.CharField(gettext_lazy("Herkunft"), max_length=20, default="form")
    note = models.TextField(gettext_lazy("Bemerkung"), blank=True)
    active = models.BooleanField(gettext_lazy("in Betrieb"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Komponente")
        verbose_name_plural = gettext_lazy("Komponenten")
        ordering = ["owner_body", "vendor", "name", "version", "id"]
        indexes = [models.Index(fields=["owner_body", "active"], name="security_asset_body_active")]

    def __str__(self) -> str:
        # as Advisory.__str__: the read log and audit entries name a confidential asset by number only
        if self.tlp in NAMED_BY_NUMBER:
            return gettext("Komponente Nr. %(number)s") % {"number": self.pk}
        return self.display_name

    @property
    def display_name(self) -> str:
        """Vendor, name and version, for pages and answers to someone who sees the asset."""
        return " ".join(part for part in (self.vendor, self.name, self.version) if part)[:300]


class MatchStatus(models.TextChoices):
    """CSAF product status categories, as the member reads them."""

    KNOWN_AFFECTED = "known_affected", gettext_lazy("betroffen")
    FIRST_AFFECTED = "first_affected", gettext_lazy("betroffen (ab dieser Version)")
    LAST_AFFECTED = "last_affected", gettext_lazy("betroffen (bis zu dieser Version)")
    UNDER_INVESTIGATION = "under_investigation", gettext_lazy("wird untersucht")
    FIXED = "fixed", gettext_lazy("behoben")
    FIRST_FIXED = "first_fixed", gettext_lazy("behoben (ab dieser Version)")
    KNOWN_NOT_AFFECTED = "known_not_affected", gettext_lazy("nicht betroffen")
    RECOMMENDED = "recommended", gettext_lazy("empfohlen")


#: Status categories that ask the member to act.
AFFECTED = frozenset(
    {
        MatchStatus.KNOWN_AFFECTED,
        MatchStatus.FIRST_AFFECTED,
        MatchStatus.LAST_AFFECTED,
        MatchStatus.UNDER_INVESTIGATION,
    }
)


class Confidence(models.TextChoices):
    HOCH = "hoch", gettext_lazy("sicher")
    MITTEL = "mittel", gettext_lazy("wahrscheinlich")
    NIEDRIG = "niedrig", gettext_lazy("möglich")


class RemediationState(models.TextChoices):
    OPEN = "offen", gettext_lazy("nicht behoben")
    IN_PROGRESS = "in_arbeit", gettext_lazy("in Arbeit")
    DONE = "erledigt", gettext_lazy("erledigt")
    NOT_NEEDED = "nicht_noetig", gettext_lazy("nicht nötig")


class Match(models.Model):
    """An advisory's vulnerability matched to an asset: why, how sure, and the remediation state.

    Keyed by (vulnerability key, asset) across revisions: a new revision updates the row; it alerts
    again only when the remediations for the product changed (``remediation_digest``, CSAF 9.1.13).
    A match is as confidential as its asset (it tells what a member runs and where it is weak).
    """

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="matches")
    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.CASCADE, related_name="matches")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="matches")
    product_id = models.CharField(gettext_lazy("Produkt-ID im Hinweis"), max_length=500)
    status = models.CharField(gettext_lazy("Status"), max_length=30, choices=MatchStatus.choices)
    confidence = models.CharField(gettext_lazy("Sicherheit"), max_length=10, choices=Confidence.choices)
    #: the reason in German (the source language), for the search and the exports
    reason = models.TextField(gettext_lazy("Begründung"))
    #: the same reason as the matcher gave it: [[msgid, {name: value}], …], shown in the reader's
    #: language (:attr:`reason_display`); empty for rows written before it was kept
    reason_parts = models.JSONField(gettext_lazy("Begründung (Bausteine)"), default=list, blank=True)
    #: [{"category", "details", "url"}] of the remediations that apply to the product
    remediations = models.JSONField(gettext_lazy("Abhilfen"), default=list, blank=True)
    remediation_digest = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        gettext_lazy("Behebung"),
        max_length=20,
        choices=RemediationState.choices,
        default=RemediationState.OPEN,
    )
    state_note = models.CharField(gettext_lazy("Bemerkung zur Behebung"), max_length=1000, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("Behebung geändert von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state_changed_at = models.DateTimeField(gettext_lazy("Behebung geändert am"), null=True, blank=True)
    #: False once a new revision no longer matches (kept for the history, not shown as open)
    current = models.BooleanField(gettext_lazy("aktuell"), default=True)
    first_seen_at = models.DateTimeField(gettext_lazy("erstmals gefunden"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("zuletzt geprüft"), auto_now=True)
    alerted_at = models.DateTimeField(gettext_lazy("gemeldet am"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Treffer")
        verbose_name_plural = gettext_lazy("Treffer")
        ordering = ["-advisory__max_score", "advisory", "vulnerability__position", "asset"]
        constraints = [
            models.UniqueConstraint(fields=["vulnerability", "asset"], name="security_match_unique"),
        ]
        indexes = [models.Index(fields=["asset", "current"], name="security_match_asset_current")]

    def __str__(self) -> str:
        return f"{self.vulnerability} – {self.asset}"[:300]

    @property
    def reason_display(self) -> str:
        """The reason in the active language (from :attr:`reason_parts`; else the German text)."""
        return reason_text(self.reason_parts) or self.reason


def reason_text(parts: object) -> str:
    """``parts`` (``[[msgid, {name: value}], …]``) in the active language, the steps joined by "; "
    ("" for parts that are empty or not in that form)."""
    if not isinstance(parts, list) or not parts:
        return ""
    texts: list[str] = []
    for part in parts:
        if not (isinstance(part, list | tuple) and len(part) == 2 and isinstance(part[0], str)):
            return ""
        message, values = part
        try:
            texts.append(gettext(message) % (values if isinstance(values, dict) else {}))
        except (KeyError, TypeError, ValueError):
            return ""
    return "; ".join(texts)


class TriageDecision(models.TextChoices):
    """SSVC-style decisions of the security officer (CISA's coordinator tree, simplified)."""

    ACT = "act", gettext_lazy("Handeln (sofort)")
    ATTEND = "attend", gettext_lazy("Beachten (zeitnah)")
    TRACK = "track", gettext_lazy("Beobachten")


class Triage(Shared):
    """The alliance's assessment of an advisory, by its security officer (an assessment: TLP-labelled,
    by default shared with the alliance at TLP:AMBER)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="triages")
    decision = models.CharField(gettext_lazy("Entscheidung"), max_length=10, choices=TriageDecision.choices)
    #: the SSVC decision points: exploitation (none/poc/active), automatable, mission impact …
    points = models.JSONField(gettext_lazy("Entscheidungspunkte"), default=dict, blank=True)
    note = models.TextField(gettext_lazy("Bewertung"), blank=True)
    decided_at = models.DateTimeField(gettext_lazy("bewertet am"), auto_now=True)
    #: the officer or coordinator who decided last (None: the system, or a deleted account)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("bewertet von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("Bewertung")
        verbose_name_plural = gettext_lazy("Bewertungen")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "alliance"], name="security_triage_per_alliance"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.advisory.tracking_id}"
