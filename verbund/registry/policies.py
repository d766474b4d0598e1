"""Who may see and change the registry: its rules over a principal (pure predicates, no queries).

* The registry is official public data (the Destatis directory and the boundary layers): **every
  body is visible to everyone**, signed in or not (:func:`may_view_body`, :func:`visibility_filter`).
  Nothing in it is above :attr:`~verbund.common.principal.Sensitivity.PUBLIC`.
* Changing the data of one body (what the registry may later let a body keep about itself, beyond
  the directory) is for the Sachbearbeitung and Verwaltungsleitung **of that body** and for
  Plattformbetrieb (:func:`may_change_body`). Readers of everything (Beratungsstelle,
  Bewilligungsbehörde) read, but do not change.
* Importing the directory or boundaries (:func:`may_import`) needs the system capability
  :data:`IMPORT` (``manage.py import_registry``, the demo loader), or Plattformbetrieb for an import
  a person starts. Nobody else imports.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_noop

from verbund.common.principal import Principal

#: System capability: import an issue of the GV100AD directory or a boundary layer.
IMPORT = "registry.import"

#: Refusal shown when an import is not allowed.
IMPORT_REFUSAL = gettext_noop("Nur der Plattformbetrieb oder ein Registerimport darf das Register einlesen.")


def may_view_body(principal: Principal, body_id: int | None = None) -> bool:
    """Every body is public."""
    return True


def visibility_filter(principal: Principal) -> Q:
    """The bodies ``principal`` sees, as a filter: all of them."""
    return Q()


def may_change_body(principal: Principal, body_id: int | None) -> bool:
    """Sachbearbeitung/Verwaltungsleitung of the body, or Plattformbetrieb (people only)."""
    if principal.is_system or body_id is None:
        return False
    return principal.is_operator or principal.works_for(body_id)


def may_import(principal: Principal) -> bool:
    """A system actor with :data:`IMPORT`, or a person holding Plattformbetrieb."""
    if principal.is_system:
        return principal.capable(IMPORT)
    return principal.is_person and principal.is_operator
