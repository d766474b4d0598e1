"""The template of a programme's grant notices, kept in versions.

* :class:`NoticeTemplate` — one version of what every grant notice of a programme prints besides the
  decision itself: the letterhead (authority, unit, address, contact), the signatory, the legal basis,
  the Nebenbestimmungen offered when granting and the Rechtsbehelfsbelehrung.

A version is never changed: an edit by the funding authority stores the next version
(:func:`verbund.funding.services.notice_template_update`, audited), and each
:class:`~verbund.funding.models.grants.GrantNotice` keeps the version it was issued with, so a notice
can always be reproduced with the texts it was sent with.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from .programmes import Programme

#: The fields an edit may change (in the order of the form).
TEMPLATE_FIELDS = (
    "authority_name",
    "authority_unit",
    "address",
    "contact",
    "signatory_name",
    "signatory_function",
    "legal_basis",
    "conditions",
    "legal_remedy",
)


class NoticeTemplateQuerySet(models.QuerySet["NoticeTemplate"]):
    def of(self, programme: Programme) -> NoticeTemplateQuerySet:
        return self.filter(programme=programme).order_by("-version")

    def current(self, programme: Programme) -> NoticeTemplate | None:
        """The newest version for ``programme`` (``None``: the defaults apply)."""
        return self.of(programme).first()


class NoticeTemplate(models.Model):
    """One version of a programme's notice template (immutable once stored)."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=gettext_lazy("Programm"),
        on_delete=models.PROTECT,
        related_name="notice_templates",
    )
    version = models.PositiveIntegerField(gettext_lazy("Fassung"))
    authority_name = models.CharField(
        gettext_lazy("Bewilligungsbehörde"),
        max_length=200,
        help_text=gettext_lazy("Name der Behörde, wie er im Briefkopf steht."),
    )
    authority_unit = models.CharField(
        gettext_lazy("Organisationseinheit"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("Abteilung oder Referat, z. B. „Referat 21 – Kommunale Förderung“."),
    )
    address = models.TextField(
        gettext_lazy("Anschrift"),
        max_length=500,
        help_text=gettext_lazy("Eine Angabe je Zeile; in der letzten Zeile Postleitzahl und Ort."),
    )
    contact = models.TextField(
        gettext_lazy("Kontakt"),
        max_length=500,
        blank=True,
        help_text=gettext_lazy("Telefon, E-Mail, Internet, Sprechzeiten; eine Angabe je Zeile."),
    )
    signatory_name = models.CharField(
        gettext_lazy("Unterzeichnung: Name"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("Leer: Es zeichnet die Person, die bewilligt."),
    )
    signatory_function = models.CharField(
        gettext_lazy("Unterzeichnung: Funktion"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("z. B. „Referatsleitung“."),
    )
    legal_basis = models.TextField(gettext_lazy("Rechtsgrundlage"), max_length=3000)
    conditions = models.TextField(
        gettext_lazy("Nebenbestimmungen"),
        max_length=10000,
        help_text=gettext_lazy("Vorbelegung beim Bewilligen; im Einzelfall dort anpassbar."),
    )
    legal_remedy = models.TextField(
        gettext_lazy("Rechtsbehelfsbelehrung"),
        max_length=3000,
        help_text=gettext_lazy(
            "{behoerde} und {anschrift} werden durch Name und Anschrift der Behörde ersetzt."
        ),
    )
    created_at = models.DateTimeField(gettext_lazy("gespeichert am"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("gespeichert von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[NoticeTemplateQuerySet] = NoticeTemplateQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Bescheidvorlage")
        verbose_name_plural = gettext_lazy("Bescheidvorlagen")
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="notice_template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} – Bescheidvorlage, Fassung {self.version}"

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TEMPLATE_FIELDS}
