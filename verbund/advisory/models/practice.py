"""The knowledge base of good practice: a record per cooperation project with the fields of the
record structure (``advisory/ikz_good_practice_fields.csv`` of the shared data), filled from Verbund's
own data where it exists (alliance, shared service, settlement, grant) and by the office where not.
The office publishes; ``visibility`` says who reads a published record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy


class PracticeStatus(models.TextChoices):
    """The project's stage (record structure: idea / preparation / agreed / operating / evaluated /
    terminated)."""

    IDEA = "idee", gettext_lazy("Idee")
    PREPARATION = "vorbereitung", gettext_lazy("Vorbereitung")
    AGREED = "vereinbart", gettext_lazy("vereinbart")
    OPERATING = "in_betrieb", gettext_lazy("in Betrieb")
    EVALUATED = "evaluiert", gettext_lazy("evaluiert")
    TERMINATED = "beendet", gettext_lazy("beendet")


class Visibility(models.TextChoices):
    PUBLIC = "oeffentlich", gettext_lazy("öffentlich")
    PROGRAMME = "programm", gettext_lazy("im Programm (alle angemeldeten Kommunen)")
    ALLIANCE = "verbund", gettext_lazy("nur der Verbund")


class MemberRole(models.TextChoices):
    LEAD = "federfuehrend", gettext_lazy("federführend / antragstellend")
    PARTNER = "partner", gettext_lazy("Partner")
    KREIS = "landkreis", gettext_lazy("Landkreis")


class PracticeRecord(models.Model):
    """One cooperation project as good practice."""

    slug = models.SlugField(gettext_lazy("Kennung"), max_length=80, unique=True)
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    summary = models.TextField(gettext_lazy("Kurzbeschreibung"))
    #: the alliance the record describes, when it is one of Verbund's (its data fill the record)
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=gettext_lazy("Verbund"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practice_records",
    )
    lead_body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("federführende Kommune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_persons = models.JSONField(
        gettext_lazy("Ansprechpersonen"), default=list, blank=True
    )  # [{"name", "body_ars", "function", "email", "phone", "decides": bool}]
    field_of_action = models.ForeignKey(
        "alliances.FieldOfAction",
        verbose_name=gettext_lazy("Handlungsfeld"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task = models.ForeignKey(
        "shared_services.Task",
        verbose_name=gettext_lazy("Aufgabe"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: the task area in the words of the record structure (Standesamt, Bauhof, IT, Vergabe, …)
    task_area = models.CharField(gettext_lazy("Aufgabenbereich"), max_length=100)
    service_keys = models.JSONField(gettext_lazy("LeiKa-Schlüssel"), default=list, blank=True)
    legal_form = models.CharField(gettext_lazy("Rechtsform"), max_length=30, blank=True)
    supervisory_approval_on = models.DateField(
        gettext_lazy("Genehmigung der Aufsicht am"), null=True, blank=True
    )
    supervisory_authority = models.CharField(gettext_lazy("Aufsichtsbehörde"), max_length=200, blank=True)
    status = models.CharField(
        gettext_lazy("Stand"), max_length=20, choices=PracticeStatus.choices, default=PracticeStatus.OPERATING
    )
    start_date = models.DateField(gettext_lazy("Beginn"), null=True, blank=True)
    duration_years = models.PositiveSmallIntegerField(gettext_lazy("Laufzeit (Jahre)"), null=True, blank=True)
    exit_clause = models.TextField(gettext_lazy("Kündigung und Ausstieg"), blank=True)
    cost_allocation_key = models.TextField(gettext_lazy("Kostenschlüssel"), blank=True)
    baseline_costs = models.DecimalField(
        gettext_lazy("Kosten vorher je Jahr (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    expected_savings = models.DecimalField(
        gettext_lazy("erwartete Einsparung je Jahr (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    actual_savings = models.DecimalField(
        gettext_lazy("gemessene Einsparung je Jahr (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    quality_effects = models.TextField(gettext_lazy("Wirkungen auf die Qualität"), blank=True)
    funding = models.JSONField(
        gettext_lazy("Förderung"), default=list, blank=True
    )  # [{"programme", "amount", "period", "notice_date", "authority"}]
    kpis = models.JSONField(
        gettext_lazy("Kennzahlen"), default=list, blank=True
    )  # [{"name", "unit", "baseline", "target", "value", "date"}]
    lessons_learned = models.TextField(gettext_lazy("Erfahrungen"), blank=True)
    partner_search = models.BooleanField(gettext_lazy("sucht Partner"), default=False)
    partner_search_text = models.TextField(gettext_lazy("Angebot / Bedarf"), blank=True)
    award = models.CharField(gettext_lazy("Auszeichnung"), max_length=300, blank=True)
    tags = models.JSONField(gettext_lazy("Schlagwörter"), default=list, blank=True)
    visibility = models.CharField(
        gettext_lazy("Sichtbarkeit"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    #: where the facts come from (press release, agreement, Verbund's own data), shown with the record
    sources = models.TextField(gettext_lazy("Quellen"), blank=True)
    last_reviewed = models.DateField(gettext_lazy("zuletzt geprüft am"))
    published_at = models.DateTimeField(gettext_lazy("veröffentlicht am"), null=True, blank=True)
    #: inhabitants of the members (derived, for the search by size) and the Kreis prefixes (region)
    population = models.PositiveIntegerField(gettext_lazy("Einwohner der Mitglieder"), default=0)
    kreis_prefixes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Praxisbeispiel")
        verbose_name_plural = gettext_lazy("Praxisbeispiele")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class PracticeMember(models.Model):
    record = models.ForeignKey(PracticeRecord, on_delete=models.CASCADE, related_name="members")
    body = models.ForeignKey(
        "registry.Body", verbose_name=gettext_lazy("Kommune"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        gettext_lazy("Rolle"), max_length=20, choices=MemberRole.choices, default=MemberRole.PARTNER
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "body"], name="advisory_practice_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.record_id}/{self.body_id}"


def practice_document_upload_to(instance: PracticeDocument, filename: str) -> str:
    return f"advisory/practice/{instance.record_id}/{filename}"


class PracticeDocumentKind(models.TextChoices):
    AGREEMENT = "vereinbarung", gettext_lazy("Vereinbarung / Vertrag")
    RESOLUTION = "ratsbeschluss", gettext_lazy("Ratsbeschluss")
    ALLOCATION_KEY = "kostenschluessel", gettext_lazy("Kostenschlüssel")
    CHECKLIST = "checkliste", gettext_lazy("Checkliste")
    PRESENTATION = "praesentation", gettext_lazy("Präsentation")
    OTHER = "sonstiges", gettext_lazy("Sonstiges")


class PracticeDocument(models.Model):
    """A document of the record: legal documents (dated) and reusable ones (with a licence)."""

    record = models.ForeignKey(PracticeRecord, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(gettext_lazy("Art"), max_length=20, choices=PracticeDocumentKind.choices)
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    file = models.FileField(
        gettext_lazy("Datei"), upload_to=practice_document_upload_to, max_length=300, blank=True
    )
    url = models.URLField(gettext_lazy("Fundstelle"), max_length=500, blank=True)
    dated = models.DateField(gettext_lazy("Datum"), null=True, blank=True)
    licence = models.CharField(gettext_lazy("Lizenz"), max_length=100, blank=True)
    reusable = models.BooleanField(gettext_lazy("zur Nachnutzung"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url=""),
                name="advisory_practice_document_file_or_url",
                violation_error_message=gettext_lazy("Ein Dokument braucht eine Datei oder eine Fundstelle."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class TemplateKind(models.TextChoices):
    ZWECKVEREINBARUNG = "zweckvereinbarung", gettext_lazy("Zweckvereinbarung")
    OERV = "oeffentlich_rechtliche_vereinbarung", gettext_lazy("Öffentlich-rechtliche Vereinbarung")
    RESOLUTION = "ratsbeschluss", gettext_lazy("Beschlussvorlage für den Rat")
    OTHER = "sonstiges", gettext_lazy("Sonstige Vorlage")


class DocumentTemplate(models.Model):
    """A model agreement or a council resolution draft; its text is versioned (:class:`TemplateVersion`)."""

    slug = models.SlugField(gettext_lazy("Kennung"), max_length=80, unique=True)
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    kind = models.CharField(gettext_lazy("Art"), max_length=40, choices=TemplateKind.choices)
    description = models.TextField(gettext_lazy("Beschreibung"), blank=True)
    active = models.BooleanField(gettext_lazy("in Gebrauch"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Mustervorlage")
        verbose_name_plural = gettext_lazy("Mustervorlagen")
        ordering = ["kind", "title", "id"]

    def __str__(self) -> str:
        return self.title


class TemplateVersion(models.Model):
    """One version of a template's text. Placeholders name the alliance's data (see the templates
    service); versions are never changed, a new one is added."""

    template = models.ForeignKey(DocumentTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(gettext_lazy("Version"))
    body = models.TextField(gettext_lazy("Text"))
    note = models.CharField(gettext_lazy("Änderung"), max_length=300, blank=True)
    source = models.CharField(gettext_lazy("Grundlage"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="advisory_template_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"
