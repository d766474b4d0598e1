"""The audit action of a restore (written into the restored database, by the system)."""

from verbund.audit.actions import audit_action, audit_labels
from verbund.common.i18n import gettext_noop

BACKUP_RESTORE = audit_action(
    "backup.restore", gettext_noop("hat den Datenbestand aus der Sicherung {object} wiederhergestellt")
)

audit_labels(
    {
        "archive": gettext_noop("Archiv"),
        "created_at": gettext_noop("Sicherung erstellt am"),
        "source_database": gettext_noop("Datenbank der Sicherung"),
        "verbund_version": gettext_noop("Verbund-Version der Sicherung"),
        "tables": gettext_noop("Tabellen"),
        "rows": gettext_noop("Zeilen"),
        "files": gettext_noop("Dateien"),
    }
)
