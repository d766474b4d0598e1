"""The audit actions of the alliances part."""

from verbund.audit.actions import audit_action, audit_labels, audit_value_labels

from .models import DecidingOrgan, MemberRole

ALLIANCE_CREATE = audit_action("alliance.create", "hat den Verbund {object} angelegt")
ALLIANCE_UPDATE = audit_action("alliance.update", "hat die Angaben des Verbunds {object} geändert")
ALLIANCE_TRANSITION = audit_action("alliance.transition", "hat den Status des Verbunds {object} geändert")
ALLIANCE_PUBLISH = audit_action("alliance.publish", "hat den Verbund {object} veröffentlicht")
ALLIANCE_UNPUBLISH = audit_action(
    "alliance.unpublish", "hat die Veröffentlichung des Verbunds {object} zurückgenommen"
)
MEMBER_ADD = audit_action("alliance.member_add", "hat {object} als Mitglied aufgenommen")
MEMBER_REMOVE = audit_action("alliance.member_remove", "hat das Ausscheiden von {object} eingetragen")
MEMBER_SET_ROLE = audit_action("alliance.member_set_role", "hat die Rolle des Mitglieds {object} geändert")
MEMBERSHIP_CONFIRM = audit_action("alliance.membership_confirm", "hat die Mitgliedschaft {object} bestätigt")
AGREEMENT_ATTACH = audit_action("alliance.agreement_attach", "hat die Vereinbarung {object} hinterlegt")
RESOLUTION_RECORD = audit_action("alliance.resolution_record", "hat den Ratsbeschluss {object} hinterlegt")
COORDINATOR_ASSIGN = audit_action(
    "alliance.coordinator_assign", "hat {object} mit der Verbundkoordination betraut"
)
COORDINATOR_REVOKE = audit_action(
    "alliance.coordinator_revoke", "hat {object} die Verbundkoordination entzogen"
)

audit_labels(
    {
        "coordinator": "Koordination",
        "confirmed_at": "bestätigt am",
        "decided_by": "Gremium",
        "decided_on": "beschlossen am",
        "signed_on": "unterzeichnet am",
        "size": "Größe (Bytes)",
        "subject": "Gegenstand",
    }
)
audit_value_labels({"role": MemberRole.choices, "decided_by": DecidingOrgan.choices})
