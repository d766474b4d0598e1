"""What ``load_demo`` has loaded into this database, part by part.

A part whose demo data was loaded once is never loaded again: whatever the people using the
database did with it since (a renamed alliance, a removed member, a changed password) stays. A part
that has no row yet (a module added by an upgrade) is loaded on the next ``load_demo``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoLoad(models.Model):
    part = models.CharField(_("Teil"), max_length=50, unique=True)
    loaded_at = models.DateTimeField(_("Geladen am"), auto_now_add=True)
    #: the demo logins the part created: ``[[username, description], ...]``
    logins = models.JSONField(_("Demo-Anmeldungen"), default=list, blank=True)

    class Meta:
        verbose_name = _("Geladene Demodaten")
        verbose_name_plural = _("Geladene Demodaten")
        ordering = ["loaded_at", "part"]

    def __str__(self) -> str:
        return self.part


# The legal pages (Impressum, Datenschutz, Barrierefreiheit) and the accessibility feedback.
from .legal.models import AccessibilityFeedback, LegalKind, LegalPage  # noqa: E402

__all__ = ["AccessibilityFeedback", "DemoLoad", "LegalKind", "LegalPage"]
