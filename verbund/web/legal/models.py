"""The legal texts the operator edits and the feedback of the accessibility statement.

The models belong to the web app (``verbund/web/models.py`` imports them); the texts are stored as
restricted Markdown (:mod:`.markup`), never as HTML.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Longest legal text accepted (characters); a Datenschutzerklärung is rarely a tenth of it.
BODY_MAX_LENGTH = 60_000
MESSAGE_MAX_LENGTH = 5_000


class LegalKind(models.TextChoices):
    IMPRESSUM = "impressum", _("Impressum")
    DATENSCHUTZ = "datenschutz", _("Datenschutzerklärung")
    BARRIEREFREIHEIT = "barrierefreiheit", _("Erklärung zur Barrierefreiheit")


class LegalPage(models.Model):
    """One legal text (Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit).

    A kind without a row shows its default template (:mod:`.defaults`); the first save creates it.
    """

    kind = models.CharField("Art", max_length=20, choices=LegalKind.choices, unique=True)
    title = models.CharField("Titel", max_length=200)
    body = models.TextField("Text", max_length=BODY_MAX_LENGTH)
    updated_at = models.DateTimeField("Geändert am", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Geändert von",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "Rechtstext"
        verbose_name_plural = "Rechtstexte"
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.title


class AccessibilityFeedback(models.Model):
    """A message sent through the form of the accessibility statement (BITV 2.0 § 7 Abs. 1 Nr. 2)."""

    name = models.CharField("Name", max_length=120, blank=True)
    email = models.EmailField("E-Mail-Adresse", blank=True)
    page_url = models.CharField("Betroffene Seite", max_length=500, blank=True)
    message = models.TextField("Nachricht", max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField("Eingegangen am", auto_now_add=True, db_index=True)
    handled_at = models.DateTimeField("Erledigt am", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Erledigt von",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "Rückmeldung zur Barrierefreiheit"
        verbose_name_plural = "Rückmeldungen zur Barrierefreiheit"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # No personal data: the audit log names the feedback by its number only.
        return f"Rückmeldung Nr. {self.pk}"
