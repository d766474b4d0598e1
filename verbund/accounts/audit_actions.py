"""The audit actions of the accounts part (users, roles, API tokens)."""

from verbund.audit.actions import audit_action, audit_labels, audit_value_labels
from verbund.common.i18n import gettext_noop
from verbund.common.roles import Role

USER_CREATE = audit_action("user.create", gettext_noop("hat das Benutzerkonto {object} angelegt"))
USER_INVITE = audit_action("user.invite", gettext_noop("hat {object} eingeladen"))
USER_UPDATE = audit_action("user.update", gettext_noop("hat das Benutzerkonto {object} geändert"))
USER_DEACTIVATE = audit_action("user.deactivate", gettext_noop("hat das Benutzerkonto {object} gesperrt"))
USER_REACTIVATE = audit_action(
    "user.reactivate", gettext_noop("hat das Benutzerkonto {object} wieder freigeschaltet")
)
USER_SET_PASSWORD = audit_action("user.set_password", gettext_noop("hat das Passwort von {object} gesetzt"))
ROLE_ASSIGN = audit_action("role.assign", gettext_noop("hat die Rolle {object} vergeben"))
ROLE_REVOKE = audit_action("role.revoke", gettext_noop("hat die Rolle {object} entzogen"))
TOKEN_ISSUE = audit_action("token.issue", gettext_noop("hat das API-Token {object} ausgestellt"))
TOKEN_REVOKE = audit_action("token.revoke", gettext_noop("hat das API-Token {object} widerrufen"))
# security: password reset by e-mail, second factor (TOTP)
PASSWORD_RESET_REQUEST = audit_action(
    "user.password_reset_request",
    gettext_noop("hat einen Link zum Zurücksetzen des Passworts an {object} gesendet"),
)
PASSWORD_RESET = audit_action(
    "user.password_reset", gettext_noop("hat das Passwort von {object} per E-Mail-Link zurückgesetzt")
)
TWO_FACTOR_ENROL = audit_action(
    "user.two_factor_enrol", gettext_noop("hat den zweiten Faktor von {object} eingerichtet")
)
TWO_FACTOR_REMOVE = audit_action(
    "user.two_factor_remove", gettext_noop("hat den zweiten Faktor von {object} entfernt")
)
audit_labels({"two_factor": gettext_noop("Zweiter Faktor")})
ADMIN_ADD = audit_action("admin.add", gettext_noop("hat {object} in der Systemverwaltung angelegt"))
ADMIN_CHANGE = audit_action("admin.change", gettext_noop("hat {object} in der Systemverwaltung geändert"))
ADMIN_DELETE = audit_action("admin.delete", gettext_noop("hat {object} in der Systemverwaltung gelöscht"))

audit_labels({"hint": gettext_noop("Kennung")})
audit_value_labels({"role": Role.choices})
