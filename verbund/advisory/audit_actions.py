"""The audit actions of the advisory part. Entries name cases by their number and title, records,
templates and events by title."""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action

CASE_OPEN = audit_action("advisory.case_open", gettext_noop("hat den Beratungsfall {object} eröffnet"))
CASE_CHANGE = audit_action("advisory.case_change", gettext_noop("hat den Beratungsfall {object} geändert"))
CASE_STATUS = audit_action(
    "advisory.case_status", gettext_noop("hat den Stand des Beratungsfalls {object} geändert")
)
CASE_PARTY = audit_action(
    "advisory.case_party", gettext_noop("hat die Beteiligten des Beratungsfalls {object} geändert")
)
CASE_NOTE = audit_action(
    "advisory.case_note", gettext_noop("hat eine Notiz zum Beratungsfall {object} geschrieben")
)
CASE_DOCUMENT = audit_action(
    "advisory.case_document", gettext_noop("hat ein Dokument zum Beratungsfall {object} abgelegt")
)
CASE_APPOINTMENT = audit_action(
    "advisory.case_appointment", gettext_noop("hat einen Termin im Beratungsfall {object} geändert")
)
PRACTICE_SET = audit_action("advisory.practice_set", gettext_noop("hat das Praxisbeispiel {object} geändert"))
PRACTICE_PUBLISH = audit_action(
    "advisory.practice_publish", gettext_noop("hat das Praxisbeispiel {object} veröffentlicht")
)
PRACTICE_WITHDRAW = audit_action(
    "advisory.practice_withdraw", gettext_noop("hat das Praxisbeispiel {object} zurückgezogen")
)
PRACTICE_DOCUMENT = audit_action(
    "advisory.practice_document", gettext_noop("hat die Dokumente des Praxisbeispiels {object} geändert")
)
TEMPLATE_SET = audit_action("advisory.template_set", gettext_noop("hat die Mustervorlage {object} geändert"))
TEMPLATE_VERSION = audit_action(
    "advisory.template_version", gettext_noop("hat eine neue Fassung der Mustervorlage {object} angelegt")
)
TEMPLATE_FILL = audit_action(
    "advisory.template_fill", gettext_noop("hat die Mustervorlage {object} für einen Verbund ausgefüllt")
)
EVENT_SET = audit_action("advisory.event_set", gettext_noop("hat die Veranstaltung {object} geändert"))
EVENT_CANCEL = audit_action("advisory.event_cancel", gettext_noop("hat die Veranstaltung {object} abgesagt"))
EVENT_REGISTER = audit_action(
    "advisory.event_register", gettext_noop("hat eine Anmeldung zur Veranstaltung {object} geändert")
)
EVENT_ATTENDANCE = audit_action(
    "advisory.event_attendance", gettext_noop("hat die Teilnahme an der Veranstaltung {object} erfasst")
)
EVENT_MATERIAL = audit_action(
    "advisory.event_material", gettext_noop("hat Material der Veranstaltung {object} geändert")
)
EVIDENCE_SET = audit_action(
    "advisory.evidence_set", gettext_noop("hat Kennzahlen des Verbunds {object} erfasst")
)
REPORT_REQUEST = audit_action(
    "advisory.report_request", gettext_noop("hat den Programmbericht {object} angefordert")
)
