"""Advisory cases: a body or an alliance asks the Beratungsstelle for advice, or the office opens a
case on its own initiative. States (:mod:`verbund.advisory.casework`): angefragt → in Beratung →
Empfehlung → abgeschlossen, and "ruht" from any open state (and back)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from ..casework import ABGESCHLOSSEN, ANGEFRAGT, EMPFEHLUNG, IN_BERATUNG, RUHT, STATE_LABELS


class CaseStatus(models.TextChoices):
    ANGEFRAGT = ANGEFRAGT, gettext_lazy(STATE_LABELS[ANGEFRAGT])
    IN_BERATUNG = IN_BERATUNG, gettext_lazy(STATE_LABELS[IN_BERATUNG])
    EMPFEHLUNG = EMPFEHLUNG, gettext_lazy(STATE_LABELS[EMPFEHLUNG])
    ABGESCHLOSSEN = ABGESCHLOSSEN, gettext_lazy(STATE_LABELS[ABGESCHLOSSEN])
    RUHT = RUHT, gettext_lazy(STATE_LABELS[RUHT])


#: the states in which a case is worked on (the office's queue)
OPEN_STATES = (ANGEFRAGT, IN_BERATUNG, EMPFEHLUNG)


class CaseOrigin(models.TextChoices):
    REQUEST = "anfrage", gettext_lazy("Anfrage")
    INITIATIVE = "initiative", gettext_lazy("Initiative der Beratungsstelle")


class Case(models.Model):
    """One request for advice. ``number`` is "B-<year>-<4 digits>", counted per year."""

    number = models.CharField(gettext_lazy("Aktenzeichen"), max_length=20, unique=True)
    title = models.CharField(gettext_lazy("Betreff"), max_length=200)
    description = models.TextField(gettext_lazy("Anliegen"), blank=True)
    origin = models.CharField(
        gettext_lazy("Anlass"), max_length=20, choices=CaseOrigin.choices, default=CaseOrigin.REQUEST
    )
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
    status = models.CharField(
        gettext_lazy("Stand"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ANGEFRAGT
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("zuständige Beraterin / zuständiger Berater"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advisory_cases",
    )
    #: the alliance the case leads to (or is about)
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=gettext_lazy("Verbund"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advisory_cases",
    )
    next_step = models.CharField(gettext_lazy("Nächster Schritt"), max_length=300, blank=True)
    next_step_due = models.DateField(gettext_lazy("fällig am"), null=True, blank=True)
    recommendation = models.TextField(gettext_lazy("Empfehlung"), blank=True)
    opened_at = models.DateTimeField(gettext_lazy("eröffnet am"), auto_now_add=True)
    closed_at = models.DateTimeField(gettext_lazy("abgeschlossen am"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("Beratungsfall")
        verbose_name_plural = gettext_lazy("Beratungsfälle")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_step_due"], name="advisory_case_queue"),
            models.Index(fields=["alliance", "status"], name="advisory_case_alliance"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseParty(models.Model):
    """A party of a case: a body (its staff and heads see the case) or an alliance (its coordinators
    and the heads of its current members see it). ``requested`` marks the party that asked."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
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
        verbose_name=gettext_lazy("Verbund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested = models.BooleanField(gettext_lazy("hat angefragt"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Beteiligte")
        verbose_name_plural = gettext_lazy("Beteiligte")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(body__isnull=False) & Q(alliance__isnull=True))
                | (Q(body__isnull=True) & Q(alliance__isnull=False)),
                name="advisory_party_body_or_alliance",
                violation_error_message=gettext_lazy(
                    "Beteiligt ist entweder eine Körperschaft oder ein Verbund."
                ),
            ),
            models.UniqueConstraint(
                fields=["case", "body"], condition=Q(body__isnull=False), name="advisory_party_body_once"
            ),
            models.UniqueConstraint(
                fields=["case", "alliance"],
                condition=Q(alliance__isnull=False),
                name="advisory_party_alliance_once",
            ),
        ]

    def __str__(self) -> str:
        return str(self.body or self.alliance)


class CaseNote(models.Model):
    """A note on a case. ``internal`` notes are read by the office only, the others by the parties too."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(gettext_lazy("Notiz"))
    internal = models.BooleanField(gettext_lazy("nur für die Beratungsstelle"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Notiz")
        verbose_name_plural = gettext_lazy("Notizen")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


def case_document_upload_to(instance: CaseDocument, filename: str) -> str:
    return f"advisory/cases/{instance.case_id}/{filename}"


class CaseDocument(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    file = models.FileField(gettext_lazy("Datei"), upload_to=case_document_upload_to, max_length=300)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    internal = models.BooleanField(gettext_lazy("nur für die Beratungsstelle"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Dokument")
        verbose_name_plural = gettext_lazy("Dokumente")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class Appointment(models.Model):
    """A meeting of the case (on site or online)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments")
    subject = models.CharField(gettext_lazy("Anlass"), max_length=200)
    starts_at = models.DateTimeField(gettext_lazy("Beginn"))
    ends_at = models.DateTimeField(gettext_lazy("Ende"), null=True, blank=True)
    place = models.CharField(gettext_lazy("Ort"), max_length=200, blank=True)
    online_url = models.URLField(gettext_lazy("Online-Link"), max_length=500, blank=True)
    participants = models.TextField(gettext_lazy("Teilnehmende"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Termin")
        verbose_name_plural = gettext_lazy("Termine")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="advisory_appointment_ends_after_start",
                violation_error_message=gettext_lazy("Das Ende liegt vor dem Beginn."),
            )
        ]

    def __str__(self) -> str:
        return self.subject


class CaseStatusChange(models.Model):
    """The history of a case's state (who moved it when, with an optional remark)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices)
    remark = models.CharField(gettext_lazy("Bemerkung"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
