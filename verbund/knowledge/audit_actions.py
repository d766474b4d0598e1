"""The audit actions of the knowledge part."""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action

CATALOGUE_IMPORT = audit_action(
    "knowledge.catalogue_import", gettext_noop("hat den Leistungskatalog {object} eingelesen")
)
SERVICE_CHANGE = audit_action("knowledge.service_change", gettext_noop("hat die Leistung {object} geändert"))
HOLDER_RULE_SET = audit_action(
    "knowledge.holder_rule_set", gettext_noop("hat die Zuständigkeitsregel {object} festgelegt")
)
HOLDER_RULE_DELETE = audit_action(
    "knowledge.holder_rule_delete", gettext_noop("hat die Zuständigkeitsregel {object} gelöscht")
)
CONTACT_CHANGE = audit_action(
    "knowledge.contact_change", gettext_noop("hat die Kontaktdaten der Dienststelle {object} geändert")
)
ROUTE_CORRECT = audit_action(
    "knowledge.route_correct", gettext_noop("hat die Zuordnung eines Anliegens korrigiert ({object})")
)
ROUTE_CORRECTION_DELETE = audit_action(
    "knowledge.route_correction_delete", gettext_noop("hat die Korrektur einer Zuordnung gelöscht ({object})")
)
OPARL_SOURCE_ADD = audit_action(
    "knowledge.oparl_source_add", gettext_noop("hat die OParl-Quelle {object} angelegt")
)
OPARL_HARVEST = audit_action(
    "knowledge.oparl_harvest", gettext_noop("hat die OParl-Quelle {object} abgerufen")
)
