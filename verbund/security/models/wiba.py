"""WiBA ("Weg in die Basis-Absicherung", BSI): checklists imported at run time from the files a user
uploads (the BSI's copyright: never shipped), answered per body."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from .sharing import Shared


class WibaChecklist(models.Model):
    """One topic checklist (Backup, Client, Netze …) as uploaded; a new edition is a new checklist."""

    topic = models.CharField(gettext_lazy("Thema"), max_length=300)
    number = models.CharField(gettext_lazy("Nummer"), max_length=20, blank=True)
    edition = models.CharField(gettext_lazy("Stand"), max_length=100, blank=True)
    filename = models.CharField(gettext_lazy("hochgeladene Datei"), max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("WiBA-Checkliste")
        verbose_name_plural = gettext_lazy("WiBA-Checklisten")
        ordering = ["number", "topic", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.topic}".strip()


class WibaQuestion(models.Model):
    checklist = models.ForeignKey(WibaChecklist, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(gettext_lazy("Position"))
    number = models.CharField(gettext_lazy("Nummer"), max_length=30, blank=True)
    text = models.TextField(gettext_lazy("Prüffrage"))
    help_text = models.TextField(gettext_lazy("Hilfsmittel und Erläuterung"), blank=True)

    class Meta:
        verbose_name = gettext_lazy("WiBA-Prüffrage")
        verbose_name_plural = gettext_lazy("WiBA-Prüffragen")
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="security_wiba_question_position")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text}"[:120].strip()


class WibaAssessment(Shared):
    """A body's answers to one checklist (TLP:AMBER, the body's own by default: answers show where a
    body is weak). Progress across the alliance is shown as counts only, unless shared."""

    checklist = models.ForeignKey(WibaChecklist, on_delete=models.PROTECT, related_name="assessments")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("WiBA-Bearbeitung")
        verbose_name_plural = gettext_lazy("WiBA-Bearbeitungen")
        ordering = ["owner_body", "checklist"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_body", "checklist"], name="security_wiba_assessment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checklist} – {self.owner_body}"


class WibaAnswerValue(models.TextChoices):
    YES = "ja", gettext_lazy("ja")
    NO = "nein", gettext_lazy("nein")
    NOT_RELEVANT = "entbehrlich", gettext_lazy("nicht relevant")


class WibaAnswer(models.Model):
    assessment = models.ForeignKey(WibaAssessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(WibaQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(gettext_lazy("Antwort"), max_length=20, choices=WibaAnswerValue.choices)
    note = models.TextField(gettext_lazy("Bemerkung"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("WiBA-Antwort")
        verbose_name_plural = gettext_lazy("WiBA-Antworten")
        ordering = ["assessment", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="security_wiba_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.get_value_display()}"
