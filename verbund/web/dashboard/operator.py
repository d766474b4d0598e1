"""Start page of the operators (Plattformbetrieb): links only."""

from __future__ import annotations

from django.utils.translation import gettext as _

from verbund.common.principal import Principal

from .common import Group, Section, url


def operator_group(principal: Principal) -> Group | None:
    if not principal.is_operator:
        return None
    links = [
        (label, link)
        for label, link in (
            (_("Warteschlange"), url("web:queue")),
            (_("Benutzer"), url("accounts:users")),
            (_("Protokoll"), url("audit:list")),
        )
        if link
    ]
    section = Section(
        "operations",
        _("Betrieb"),
        _("Keine Verwaltungsseiten verfügbar."),
        links=links,
        counted=False,
        quiet_when_linked=True,
    )
    return Group("operator", _("Plattformbetrieb"), sections=[section])
