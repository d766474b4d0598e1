"""The audit actions of the accounts part (users, roles, API tokens)."""

from verbund.audit.actions import audit_action, audit_labels, audit_value_labels
from verbund.common.roles import Role

USER_CREATE = audit_action("user.create", "hat das Benutzerkonto {object} angelegt")
USER_INVITE = audit_action("user.invite", "hat {object} eingeladen")
USER_UPDATE = audit_action("user.update", "hat das Benutzerkonto {object} geändert")
USER_DEACTIVATE = audit_action("user.deactivate", "hat das Benutzerkonto {object} gesperrt")
USER_REACTIVATE = audit_action("user.reactivate", "hat das Benutzerkonto {object} wieder freigeschaltet")
USER_SET_PASSWORD = audit_action("user.set_password", "hat das Passwort von {object} gesetzt")
ROLE_ASSIGN = audit_action("role.assign", "hat die Rolle {object} vergeben")
ROLE_REVOKE = audit_action("role.revoke", "hat die Rolle {object} entzogen")
TOKEN_ISSUE = audit_action("token.issue", "hat das API-Token {object} ausgestellt")
TOKEN_REVOKE = audit_action("token.revoke", "hat das API-Token {object} widerrufen")
ADMIN_ADD = audit_action("admin.add", "hat {object} in der Systemverwaltung angelegt")
ADMIN_CHANGE = audit_action("admin.change", "hat {object} in der Systemverwaltung geändert")
ADMIN_DELETE = audit_action("admin.delete", "hat {object} in der Systemverwaltung gelöscht")

audit_labels({"hint": "Kennung"})
audit_value_labels({"role": Role.choices})
