"""The notice template of a programme: the funding authority edits it; a grant uses its newest version.

* :func:`notice_template_values` — what the template says now: the newest stored version, else the
  defaults (:mod:`verbund.funding.notice_defaults`, by the programme's Land).
* :func:`notice_template_update` — store the next version (the authority only, see
  :func:`verbund.funding.policies.may_edit_notice_template`); checked (a German postal address, no
  placeholder left, a Rechtsbehelfsbelehrung with remedy and deadline), audited with every changed
  text (old and new). An edit that changes nothing stores nothing.
* :func:`notice_template_for_issue` — the version a notice is issued with (inside the grant's
  transaction); the first grant of a programme stores the defaults as version 1. A template that is
  not complete (no sender, a placeholder) refuses the grant: a notice is never sent unfinished.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid

from .. import notice_defaults, policies
from ..models import TEMPLATE_FIELDS, NoticeTemplate, Programme
from ._common import person

_REQUIRED = {
    "authority_name": gettext_noop("Bitte den Namen der Bewilligungsbehörde angeben."),
    "address": gettext_noop("Bitte die Anschrift der Bewilligungsbehörde angeben."),
    "legal_basis": gettext_noop("Bitte die Rechtsgrundlage angeben."),
    "conditions": gettext_noop("Bitte die Nebenbestimmungen angeben."),
    "legal_remedy": gettext_noop("Die Rechtsbehelfsbelehrung darf nicht leer sein."),
}
_LABELS = {
    "authority_name": gettext_noop("Bewilligungsbehörde"),
    "authority_unit": gettext_noop("Organisationseinheit"),
    "address": gettext_noop("Anschrift"),
    "contact": gettext_noop("Kontakt"),
    "signatory_name": gettext_noop("Unterzeichnung: Name"),
    "signatory_function": gettext_noop("Unterzeichnung: Funktion"),
    "legal_basis": gettext_noop("Rechtsgrundlage"),
    "conditions": gettext_noop("Nebenbestimmungen"),
    "legal_remedy": gettext_noop("Rechtsbehelfsbelehrung"),
}


def default_values(programme: Programme) -> dict[str, str]:
    """The defaults for ``programme`` (letterhead by its Land; legal texts for every programme)."""
    head = notice_defaults.letterhead_for(programme.state)
    return {
        "authority_name": head.authority_name,
        "authority_unit": head.authority_unit,
        "address": head.address,
        "contact": head.contact,
        "signatory_name": "",
        "signatory_function": "",
        "legal_basis": notice_defaults.DEFAULT_LEGAL_BASIS,
        "conditions": notice_defaults.DEFAULT_CONDITIONS,
        "legal_remedy": notice_defaults.DEFAULT_LEGAL_REMEDY,
    }


def notice_template_values(programme: Programme) -> tuple[dict[str, str], NoticeTemplate | None]:
    """The texts in force for ``programme`` and the stored version they come from (``None``: defaults)."""
    current = NoticeTemplate.objects.current(programme)
    if current is not None:
        return current.values(), current
    return default_values(programme), None


def _clean(data: dict[str, Any]) -> dict[str, str]:
    values = {}
    for name in TEMPLATE_FIELDS:
        text = str(data.get(name) or "").replace("\r\n", "\n").strip()
        if name in {"address", "contact"}:
            text = "\n".join(notice_defaults.lines(text))
        values[name] = text
    return values


def template_problems(values: dict[str, str]) -> dict[str, str]:
    """What keeps ``values`` from being printed in a notice, by field (German sentences)."""
    problems: dict[str, str] = {}
    for name, message in _REQUIRED.items():
        if not values.get(name, "").strip():
            problems[name] = _(message)
    if "address" not in problems:
        address = notice_defaults.address_problem(values["address"])
        if address:
            problems["address"] = _(address)
    if "legal_remedy" not in problems:
        remedy = notice_defaults.legal_remedy_problem(values["legal_remedy"])
        if remedy:
            problems["legal_remedy"] = _(remedy)
    for name in TEMPLATE_FIELDS:
        if name in problems:
            continue
        left = notice_defaults.leftovers(values.get(name, ""))
        if left:
            problems[name] = _(
                "„%(label)s“ enthält noch einen Platzhalter: %(left)s. Bitte durch den endgültigen Text "
                "ersetzen (erlaubt sind nur {behoerde} und {anschrift})."
            ) % {"label": _(_LABELS[name]), "left": ", ".join(left)}
    return problems


def _refuse(problems: dict[str, str]) -> None:
    if problems:
        raise Invalid(" ".join(problems.values()), fields={k: [v] for k, v in problems.items()})


def notice_template_update(*, actor: Actor, programme: Programme, data: dict[str, Any]) -> NoticeTemplate:
    """Store ``data`` as the next version of the programme's notice template (authority only)."""
    authorize(
        actor,
        policies.may_edit_notice_template,
        _("Die Bescheidvorlage bearbeitet die Bewilligungsbehörde."),
    )
    values = _clean(data)
    _refuse(template_problems(values))
    with transaction.atomic():
        # Lock the programme row so that two edits get consecutive versions.
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        old, current = notice_template_values(programme)
        if current is not None and old == values:
            return current
        template = _store(programme, values, actor, current)
        changes: dict[str, Any] = {
            name: [old.get(name, ""), values[name]]
            for name in TEMPLATE_FIELDS
            if old.get(name) != values[name]
        }
        changes["version"] = template.version
        audit_record(actor=actor, action="notice_template.update", target=template, changes=changes)
    return template


def _store(
    programme: Programme, values: dict[str, str], actor: Actor, current: NoticeTemplate | None
) -> NoticeTemplate:
    template = NoticeTemplate(
        programme=programme,
        version=(current.version + 1) if current else 1,
        created_by=person(actor),
        **values,
    )
    template.full_clean()
    template.save()
    return template


def notice_template_for_issue(*, actor: Actor, programme: Programme) -> NoticeTemplate:
    """The version a notice of ``programme`` is issued with (call inside the grant's transaction).

    Without a stored version the defaults are stored as version 1 (audited), so that every notice
    names the texts it was sent with. An incomplete template refuses with what is missing.
    """
    values, current = notice_template_values(programme)
    problems = template_problems(values)
    if problems:
        raise Invalid(
            _(
                "Der Bescheid kann noch nicht erlassen werden: die Bescheidvorlage des Programms ist "
                "unvollständig. %(problems)s Die Bewilligungsbehörde ergänzt sie unter „Bescheidvorlage "
                "bearbeiten“ beim Programm."
            )
            % {"problems": " ".join(problems.values())},
            code="notice_template_incomplete",
        )
    if current is not None:
        return current
    # No row lock here (a grant holds its budget years already; locking the programme too could wait in
    # a circle with an edit of the programme): two first grants racing meet at the unique version.
    try:
        with transaction.atomic():
            template = _store(programme, values, actor, None)
    except (IntegrityError, ValidationError):
        stored = NoticeTemplate.objects.current(programme)
        if stored is None:
            raise
        return stored
    audit_record(
        actor=actor,
        action="notice_template.update",
        target=template,
        changes={"version": 1, "from_defaults": True},
    )
    return template
