"""The audit actions of the notifications part."""

from verbund.audit.actions import audit_action, audit_labels
from verbund.common.i18n import gettext_noop

WEBHOOK_CREATE = audit_action("webhook.create", gettext_noop("hat das Webhook-Abonnement {object} angelegt"))
WEBHOOK_UPDATE = audit_action("webhook.update", gettext_noop("hat das Webhook-Abonnement {object} geändert"))
WEBHOOK_DELETE = audit_action("webhook.delete", gettext_noop("hat das Webhook-Abonnement {object} gelöscht"))
WEBHOOK_REDELIVER = audit_action(
    "webhook.redeliver", gettext_noop("hat die Webhook-Zustellung {object} erneut angestoßen")
)
MAIL_REDELIVER = audit_action(
    "outbox_mail.redeliver", gettext_noop("hat die E-Mail {object} erneut versandt")
)
PREFERENCES_SET = audit_action(
    "notification_preferences.set", gettext_noop("hat die eigenen Benachrichtigungseinstellungen geändert")
)

audit_labels(
    {
        "target_url": gettext_noop("Ziel-URL"),
        "event_types": gettext_noop("Ereignisarten"),
        "alliance_id": gettext_noop("Verbund (Kennung)"),
        "active": gettext_noop("aktiv"),
        "secret_changed": gettext_noop("Geheimnis geändert"),
        "preferences": gettext_noop("Benachrichtigungseinstellungen"),
        "previous_error": gettext_noop("vorheriger Fehler"),
    }
)
