"""The audit actions of the web shell: the legal texts and the accessibility feedback."""

from verbund.audit.actions import audit_action, audit_labels
from verbund.common.i18n import gettext_noop

LEGAL_PAGE_UPDATE = audit_action("legal_page.update", gettext_noop("hat den Rechtstext {object} geändert"))
FEEDBACK_SUBMIT = audit_action(
    "accessibility_feedback.submit",
    gettext_noop("hat die Rückmeldung zur Barrierefreiheit {object} gespeichert"),
)
FEEDBACK_HANDLE = audit_action(
    "accessibility_feedback.handle",
    gettext_noop("hat die Rückmeldung zur Barrierefreiheit {object} als erledigt markiert"),
)

audit_labels(
    {
        "text_length": gettext_noop("Textlänge (Zeichen)"),
        "lines_added": gettext_noop("hinzugefügte Zeilen"),
        "lines_removed": gettext_noop("entfernte Zeilen"),
        "placeholders": gettext_noop("offene Platzhalter"),
    }
)
