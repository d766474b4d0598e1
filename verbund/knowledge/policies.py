"""Who sees and changes what in the knowledge part.

* The service catalogue, the holder rules and the offices' contact data are public (a citizen's
  question is answered without login).
* Importing a catalogue, editing services (synonyms, keywords, the task) and the holder rules: the
  Beratungsstelle and the platform operator (Plattformbetrieb); system actors with :data:`MANAGE`.
* An office's contact data: those who work for the body (staff and heads) and the operator.
* Correcting a routed request (:func:`corrects_routes`): everyone who works for a body, the
  Beratungsstelle and the operator; system actors with :data:`MANAGE`.
"""

from __future__ import annotations

from verbund.common.principal import Principal
from verbund.common.roles import Role

#: System capability: everything of the part (the demo loader, commands).
MANAGE = "knowledge.manage"


def edits_catalogue(principal: Principal) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or Role.BERATUNGSSTELLE in principal.platform_roles


def edits_contact(principal: Principal, body_id: int) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or principal.works_for(int(body_id))


def reads_all_corrections(principal: Principal) -> bool:
    """All corrections (their texts) and deleting any of them: the Beratungsstelle and the operator;
    others see and delete their own."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or Role.BERATUNGSSTELLE in principal.platform_roles


def corrects_routes(principal: Principal) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    if not principal.is_person:
        return False
    return (
        bool(principal.body_roles)
        or principal.is_operator
        or Role.BERATUNGSSTELLE in principal.platform_roles
    )


def harvests_council_documents(principal: Principal) -> bool:
    """Adding OParl sources and harvesting them: as for the catalogue (Beratungsstelle, operator,
    system actors with :data:`MANAGE`). The harvested council documents themselves are public."""
    return edits_catalogue(principal)
