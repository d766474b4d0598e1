"""The audit log's own actions: exporting it (the export holds personal data of the log, so who
exported what is recorded; polling the job and downloading the file are not)."""

from django.utils.translation import gettext_noop

from .actions import audit_action

AUDIT_EXPORT = audit_action("audit.export", gettext_noop("hat das Protokoll als CSV exportiert"))
