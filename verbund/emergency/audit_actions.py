"""The audit actions of the emergency part.

The staff log itself is append-only and hash-chained; ordinary log entries are therefore not copied
into the audit log (they are their own record). What changes the staff, an event's state, a log
correction, the resources and mutual aid is audited here. Entries name events and requests by title
or number only.
"""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action

STAFF_CREATE = audit_action("emergency.staff_create", gettext_noop("hat den Stab {object} angelegt"))
POSITION_SET = audit_action(
    "emergency.position_set", gettext_noop("hat eine Stabsfunktion in {object} besetzt")
)
POSITION_END = audit_action(
    "emergency.position_end", gettext_noop("hat eine Stabsfunktion in {object} beendet")
)
SHIFT_SET = audit_action("emergency.shift_set", gettext_noop("hat den Dienstplan von {object} geändert"))
EVENT_OPEN = audit_action("emergency.event_open", gettext_noop("hat die Lage {object} eröffnet"))
EVENT_LEVEL = audit_action("emergency.event_level", gettext_noop("hat die Stufe der Lage {object} geändert"))
EVENT_CLOSE = audit_action("emergency.event_close", gettext_noop("hat die Lage {object} beendet"))
LOG_CORRECT = audit_action(
    "emergency.log_correct", gettext_noop("hat einen Eintrag im Einsatztagebuch der Lage {object} berichtigt")
)
MESSAGE_WRITE = audit_action(
    "emergency.message_write", gettext_noop("hat eine Nachricht der Lage {object} aufgenommen")
)
MESSAGE_SCREEN = audit_action(
    "emergency.message_screen", gettext_noop("hat eine Nachricht der Lage {object} gesichtet")
)
MESSAGE_ASSIGN = audit_action(
    "emergency.message_assign", gettext_noop("hat eine Nachricht der Lage {object} zugewiesen")
)
MESSAGE_ANSWER = audit_action(
    "emergency.message_answer", gettext_noop("hat eine Nachricht der Lage {object} beantwortet")
)
MESSAGE_CLOSE = audit_action(
    "emergency.message_close", gettext_noop("hat eine Nachricht der Lage {object} als erledigt markiert")
)
TASK_CREATE = audit_action(
    "emergency.task_create", gettext_noop("hat einen Auftrag der Lage {object} erteilt")
)
TASK_FINISH = audit_action(
    "emergency.task_finish", gettext_noop("hat einen Auftrag der Lage {object} abgeschlossen")
)
EVENT_IMPORT = audit_action("emergency.event_import", gettext_noop("hat die Lage {object} eingelesen"))
RESOURCE_CREATE = audit_action(
    "emergency.resource_create", gettext_noop("hat die Ressource {object} erfasst")
)
RESOURCE_UPDATE = audit_action(
    "emergency.resource_update", gettext_noop("hat die Ressource {object} geändert")
)
REQUEST_CREATE = audit_action("emergency.request_create", gettext_noop("hat {object} gestellt"))
REQUEST_CANCEL = audit_action("emergency.request_cancel", gettext_noop("hat {object} zurückgezogen"))
COMMIT = audit_action("emergency.commit", gettext_noop("hat Hilfe für {object} zugesagt"))
HANDOVER = audit_action("emergency.handover", gettext_noop("hat die Übergabe zu {object} eingetragen"))
RETURN = audit_action("emergency.return", gettext_noop("hat die Rückgabe zu {object} eingetragen"))
COMMIT_CANCEL = audit_action("emergency.commit_cancel", gettext_noop("hat eine Zusage zu {object} storniert"))
AGREEMENT_SET = audit_action(
    "emergency.agreement_set",
    gettext_noop("hat die Vereinbarung über gegenseitige Hilfe von {object} geändert"),
)
FEATURE_ADD = audit_action(
    "emergency.feature_add", gettext_noop("hat der Lagekarte von {object} ein Objekt hinzugefügt")
)
FEATURE_CHANGE = audit_action(
    "emergency.feature_change", gettext_noop("hat ein Objekt der Lagekarte von {object} geändert")
)
FEATURE_REMOVE = audit_action(
    "emergency.feature_remove", gettext_noop("hat ein Objekt von der Lagekarte von {object} entfernt")
)
REPORT_WRITE = audit_action(
    "emergency.report_write", gettext_noop("hat eine Lagemeldung zu {object} erstellt")
)
PACK_WRITE = audit_action(
    "emergency.pack_write", gettext_noop("hat ein Offline-Paket der Lage {object} erstellt")
)
AGREEMENT_CREATE = audit_action(
    "emergency.agreement_create",
    gettext_noop("hat eine Vereinbarung über gegenseitige Hilfe von {object} angelegt"),
)
AGREEMENT_VERSION = audit_action(
    "emergency.agreement_version",
    gettext_noop("hat eine neue Fassung der Vereinbarung über gegenseitige Hilfe von {object} angelegt"),
)
AGREEMENT_END = audit_action(
    "emergency.agreement_end",
    gettext_noop("hat die Vereinbarung über gegenseitige Hilfe von {object} befristet"),
)
AGREEMENT_DELETE = audit_action(
    "emergency.agreement_delete",
    gettext_noop("hat eine Vereinbarung über gegenseitige Hilfe von {object} gelöscht"),
)
SETTLEMENT_COMPUTE = audit_action(
    "emergency.settlement_compute", gettext_noop("hat die {object} berechnet (Entwurf)")
)
SETTLEMENT_FINALIZE = audit_action(
    "emergency.settlement_finalize", gettext_noop("hat die {object} festgesetzt")
)
SETTLEMENT_CORRECT = audit_action(
    "emergency.settlement_correct", gettext_noop("hat eine Berichtigung der {object} angelegt")
)
EVENT_EXPORT = audit_action("emergency.event_export", gettext_noop("hat die Lage {object} exportiert"))
