"""Writes of the legal pages: the operator edits a text; anyone sends accessibility feedback.

Rules:

* Only Plattformbetrieb edits the legal texts and reads and closes the feedback
  (:func:`may_manage`; a system actor needs :data:`MANAGE`).
* Anyone may send feedback (BITV 2.0 § 7: the form must be open to everyone); an anonymous sender
  acts as the system actor :data:`FEEDBACK_FORM`, so the audit log says where it came from. The log
  names the feedback by number only, never the sender.
* Every change is audited: for a text the old and new length, added and removed lines and the
  placeholders left — not the text itself (the page keeps the current one).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Invalid
from verbund.common.principal import Principal

from ..audit_actions import FEEDBACK_HANDLE, FEEDBACK_SUBMIT, LEGAL_PAGE_UPDATE
from . import markup
from .defaults import DEFAULTS
from .models import BODY_MAX_LENGTH, MESSAGE_MAX_LENGTH, AccessibilityFeedback, LegalKind, LegalPage

#: System capability: edit the legal texts and handle feedback (e.g. a set-up script).
MANAGE = "legal.manage"
#: Who sends feedback without being signed in.
FEEDBACK_FORM = SystemActor(name="Rückmeldeformular Barrierefreiheit", capabilities=frozenset())


def may_manage(principal: Principal) -> bool:
    """Plattformbetrieb (system: :data:`MANAGE`)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator


@dataclass(frozen=True)
class LegalText:
    """What a legal page shows: the stored text, or the default template (``stored`` False)."""

    kind: str
    title: str
    body: str
    stored: LegalPage | None

    @property
    def html(self) -> str:
        return markup.render(self.body)

    @property
    def placeholders(self) -> list[str]:
        return markup.placeholders(self.body)


def legal_text(kind: str) -> LegalText:
    """The text of ``kind`` (a :class:`LegalKind` value); ``Invalid`` for an unknown kind."""
    if kind not in LegalKind.values:
        raise Invalid(_("Unbekannter Rechtstext: %(kind)s") % {"kind": kind})
    page = LegalPage.objects.filter(kind=kind).first()
    if page is not None:
        return LegalText(kind=kind, title=page.title, body=page.body, stored=page)
    title, body = DEFAULTS[kind]
    return LegalText(kind=kind, title=title, body=body, stored=None)


def _authorize_manage(actor: Actor) -> Principal:
    from verbund.common.access import authorize

    return authorize(actor, may_manage, _("Nur der Plattformbetrieb bearbeitet die Rechtstexte."))


def _line_changes(old: str, new: str) -> tuple[int, int]:
    added = removed = 0
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if line.startswith("+ "):
            added += 1
        elif line.startswith("- "):
            removed += 1
    return added, removed


def legal_page_update(*, actor: Actor, kind: str, title: str, body: str) -> LegalPage:
    """Store the text of ``kind`` (creating it on the first save) and audit the change."""
    principal = _authorize_manage(actor)
    current = legal_text(kind)
    title = title.strip()
    body = body.replace("\r\n", "\n").strip() + "\n"
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Bitte geben Sie einen Titel an.")
    if not body.strip():
        errors["body"] = _("Der Text darf nicht leer sein.")
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = _("Der Text ist zu lang (höchstens %(max)s Zeichen).") % {"max": BODY_MAX_LENGTH}
    if errors:
        raise Invalid(" ".join(errors.values()), fields={k: [v] for k, v in errors.items()})
    user = actor if not isinstance(actor, SystemActor) and principal.is_person else None
    with transaction.atomic():
        page = LegalPage.objects.select_for_update().filter(kind=kind).first()
        old_title, old_body = (page.title, page.body) if page else (current.title, current.body)
        if page is None:
            page = LegalPage(kind=kind)
        if page.pk and old_title == title and old_body == body:
            return page
        page.title, page.body, page.updated_by = title, body, user  # type: ignore[assignment]
        page.full_clean()
        page.save()
        added, removed = _line_changes(old_body, body)
        changes: dict[str, object] = {
            "text_length": [len(old_body), len(body)],
            "lines_added": added,
            "lines_removed": removed,
            "placeholders": [len(markup.placeholders(old_body)), len(markup.placeholders(body))],
        }
        if old_title != title:
            changes["title"] = [old_title, title]
        audit_record(actor=actor, action=LEGAL_PAGE_UPDATE, target=page, changes=changes)
    return page


def feedback_submit(
    *, actor: Actor, name: str, email: str, page_url: str, message: str
) -> AccessibilityFeedback:
    """Store a feedback message (anyone; an anonymous sender acts as :data:`FEEDBACK_FORM`)."""
    from verbund.common.access import authorize

    authorize(actor)
    message = message.strip()
    if not message:
        problem = _("Bitte beschreiben Sie das Problem.")
        raise Invalid(problem, fields={"message": [problem]})
    if len(message) > MESSAGE_MAX_LENGTH:
        raise Invalid(
            _("Die Nachricht ist zu lang (höchstens %(max)s Zeichen).") % {"max": MESSAGE_MAX_LENGTH},
            fields={"message": [_("Die Nachricht ist zu lang.")]},
        )
    with transaction.atomic():
        feedback = AccessibilityFeedback(
            name=name.strip(), email=email.strip(), page_url=page_url.strip(), message=message
        )
        feedback.full_clean()
        feedback.save()
        audit_record(actor=actor, action=FEEDBACK_SUBMIT, target=feedback)
    return feedback


def feedback_handle(*, actor: Actor, feedback: AccessibilityFeedback) -> AccessibilityFeedback:
    """Mark ``feedback`` as handled (Plattformbetrieb); a second time changes nothing."""
    principal = _authorize_manage(actor)
    with transaction.atomic():
        feedback = AccessibilityFeedback.objects.select_for_update().get(pk=feedback.pk)
        if feedback.handled_at is not None:
            return feedback
        feedback.handled_at = timezone.now()
        feedback.handled_by = actor if principal.is_person and not isinstance(actor, SystemActor) else None  # type: ignore[assignment]
        feedback.save(update_fields=["handled_at", "handled_by"])
        audit_record(actor=actor, action=FEEDBACK_HANDLE, target=feedback)
    return feedback
