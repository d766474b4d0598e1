"""The audit actions of the alliances part."""

from verbund.audit.actions import audit_action, audit_labels, audit_value_labels
from verbund.common.i18n import gettext_noop

from .models import DecidingOrgan, MemberRole

ALLIANCE_CREATE = audit_action("alliance.create", gettext_noop("hat den Verbund {object} angelegt"))
ALLIANCE_UPDATE = audit_action(
    "alliance.update", gettext_noop("hat die Angaben des Verbunds {object} geändert")
)
ALLIANCE_TRANSITION = audit_action(
    "alliance.transition", gettext_noop("hat den Status des Verbunds {object} geändert")
)
ALLIANCE_PUBLISH = audit_action("alliance.publish", gettext_noop("hat den Verbund {object} veröffentlicht"))
ALLIANCE_UNPUBLISH = audit_action(
    "alliance.unpublish", gettext_noop("hat die Veröffentlichung des Verbunds {object} zurückgenommen")
)
MEMBER_ADD = audit_action("alliance.member_add", gettext_noop("hat {object} als Mitglied aufgenommen"))
MEMBER_REMOVE = audit_action(
    "alliance.member_remove", gettext_noop("hat das Ausscheiden von {object} eingetragen")
)
MEMBER_SET_ROLE = audit_action(
    "alliance.member_set_role", gettext_noop("hat die Rolle des Mitglieds {object} geändert")
)
MEMBERSHIP_CONFIRM = audit_action(
    "alliance.membership_confirm", gettext_noop("hat die Mitgliedschaft {object} bestätigt")
)
AGREEMENT_ATTACH = audit_action(
    "alliance.agreement_attach", gettext_noop("hat die Vereinbarung {object} hinterlegt")
)
RESOLUTION_RECORD = audit_action(
    "alliance.resolution_record", gettext_noop("hat den Ratsbeschluss {object} hinterlegt")
)
COORDINATOR_ASSIGN = audit_action(
    "alliance.coordinator_assign", gettext_noop("hat {object} mit der Verbundkoordination betraut")
)
COORDINATOR_REVOKE = audit_action(
    "alliance.coordinator_revoke", gettext_noop("hat {object} die Verbundkoordination entzogen")
)

audit_labels(
    {
        "coordinator": gettext_noop("Koordination"),
        "confirmed_at": gettext_noop("bestätigt am"),
        "decided_by": gettext_noop("Gremium"),
        "decided_on": gettext_noop("beschlossen am"),
        "signed_on": gettext_noop("unterzeichnet am"),
        "size": gettext_noop("Größe (Bytes)"),
        "subject": gettext_noop("Gegenstand"),
    }
)
audit_value_labels({"role": MemberRole.choices, "decided_by": DecidingOrgan.choices})
