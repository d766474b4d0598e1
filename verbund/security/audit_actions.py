"""The audit actions of the security part.

Audit entries name confidential objects by number only (``Sicherheitsvorfall Nr. 7``): the audit log is
read by heads and coordinators who may be outside an object's TLP distribution.
"""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action, audit_labels

ADVISORY_IMPORT = audit_action(
    "security.advisory_import", gettext_noop("hat den Sicherheitshinweis {object} eingelesen")
)
ADVISORY_REVISION = audit_action(
    "security.advisory_revision",
    gettext_noop("hat eine neue Fassung des Sicherheitshinweises {object} eingelesen"),
)
ADVISORY_QUARANTINE = audit_action(
    "security.advisory_quarantine", gettext_noop("hat ein ungültiges Dokument in Quarantäne gelegt")
)
ADVISORY_SHARE = audit_action(
    "security.advisory_share", gettext_noop("hat die Weitergabe von {object} geändert")
)
SOURCE_CREATE = audit_action("security.source_create", gettext_noop("hat die CSAF-Quelle {object} angelegt"))
SOURCE_UPDATE = audit_action("security.source_update", gettext_noop("hat die CSAF-Quelle {object} geändert"))
SOURCE_POLL = audit_action("security.source_poll", gettext_noop("hat die CSAF-Quelle {object} abgerufen"))
ASSET_CREATE = audit_action("security.asset_create", gettext_noop("hat eine Komponente erfasst"))
ASSET_UPDATE = audit_action("security.asset_update", gettext_noop("hat eine Komponente geändert"))
ASSET_DELETE = audit_action(
    "security.asset_delete", gettext_noop("hat eine Komponente außer Betrieb genommen")
)
ASSET_IMPORT = audit_action(
    "security.asset_import", gettext_noop("hat Komponenten aus einer Datei eingelesen")
)
MATCH_RUN = audit_action(
    "security.match_run", gettext_noop("hat den Abgleich von Hinweisen und Komponenten ausgeführt")
)
REMEDIATION_SET = audit_action(
    "security.remediation_set", gettext_noop("hat den Stand der Behebung eines Treffers geändert")
)
TRIAGE_SET = audit_action("security.triage_set", gettext_noop("hat den Sicherheitshinweis {object} bewertet"))
SHARING_GROUP_CREATE = audit_action(
    "security.sharing_group_create", gettext_noop("hat die Teilungsgruppe {object} angelegt")
)
SHARING_GROUP_UPDATE = audit_action(
    "security.sharing_group_update", gettext_noop("hat die Teilungsgruppe {object} geändert")
)
INCIDENT_CREATE = audit_action("security.incident_create", gettext_noop("hat {object} gemeldet"))
INCIDENT_UPDATE = audit_action("security.incident_update", gettext_noop("hat {object} fortgeschrieben"))
INCIDENT_REPORT = audit_action(
    "security.incident_report", gettext_noop("hat eine Meldung zu {object} als abgegeben eingetragen")
)
HELP_REQUEST = audit_action(
    "security.help_request", gettext_noop("hat den Verbund um Hilfe gebeten ({object})")
)
HELP_CONTRIBUTION = audit_action(
    "security.help_contribution", gettext_noop("hat eine Hilfeleistung eingetragen ({object})")
)
HELP_SETTLE = audit_action("security.help_settle", gettext_noop("hat Hilfeleistungen abgerechnet"))
ATTACHMENT_ADD = audit_action("security.attachment_add", gettext_noop("hat {object} hochgeladen"))
WIBA_IMPORT = audit_action(
    "security.wiba_import", gettext_noop("hat die WiBA-Checkliste {object} eingelesen")
)
WIBA_ANSWER = audit_action("security.wiba_answer", gettext_noop("hat WiBA-Prüffragen beantwortet"))
OFFICER_SET = audit_action(
    "security.officer_set", gettext_noop("hat die gemeinsame Funktion {object} eingetragen oder geändert")
)
OFFICER_END = audit_action(
    "security.officer_end", gettext_noop("hat die gemeinsame Funktion {object} beendet")
)

audit_labels(
    {
        "filename": gettext_noop("Dateiname"),
        "previous_version": gettext_noop("vorherige Version"),
        "checklist": gettext_noop("Checkliste"),
        "incident": gettext_noop("Sicherheitsvorfall"),
        "hourly_rate": gettext_noop("Stundensatz (EUR)"),
        "claim": gettext_noop("Forderung (EUR)"),
    }
)
