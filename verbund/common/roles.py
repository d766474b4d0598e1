"""The roles of ARCHITECTURE.md. Held in a body (Sachbearbeitung, Verwaltungsleitung) or platform-wide.

They live in ``common`` so that every floor (the audit log included) can name them; the rows that
assign them are :class:`verbund.accounts.models.RoleAssignment`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SACHBEARBEITUNG = "sachbearbeitung", _("Sachbearbeitung")
    VERWALTUNGSLEITUNG = "verwaltungsleitung", _("Verwaltungsleitung")
    BERATUNGSSTELLE = "beratungsstelle", _("Beratungsstelle (ADD/MdI)")
    BEWILLIGUNGSBEHOERDE = "bewilligungsbehoerde", _("Bewilligungsbehörde")
    PLATTFORMBETRIEB = "plattformbetrieb", _("Plattformbetrieb")


#: Roles that are held for one body (the body is required); the others are platform-wide.
BODY_ROLES = frozenset({Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG})
#: Platform roles that read everything that is not confidential (ARCHITECTURE.md, Roles).
READS_EVERYTHING = frozenset({Role.BERATUNGSSTELLE, Role.BEWILLIGUNGSBEHOERDE, Role.PLATTFORMBETRIEB})
