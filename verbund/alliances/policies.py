"""Who may see and change which alliance: the alliances part's rules over a principal (pure predicates
and query filters; no queries except in the filters).

* Öffentlichkeit (anonymous, or anyone for an alliance they have no part in): published alliances,
  and of those only the public fields.
* Readers of everything (Beratungsstelle, Bewilligungsbehörde, Plattformbetrieb) read every alliance.
* Verbundkoordination (the grant :data:`COORDINATOR`) reads and changes its alliance.
* Sachbearbeitung and Verwaltungsleitung of a body read the alliances that body currently belongs to.
* Changes: the coordinators of that alliance and Plattformbetrieb. The Beratungsstelle reads
  everything but edits nothing (it advises, it does not run the alliance).
* Signing for a body (confirming its membership, recording its council resolution) is for the
  Verwaltungsleitung of that body; a coordinator may record resolutions too.
* System actors act through capabilities: :data:`MANAGE` (write alliance data, e.g. the demo loader).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_noop

from verbund.common.principal import Principal, register_grant_kind
from verbund.common.roles import Role

if TYPE_CHECKING:
    from .models import Alliance, Membership

COORDINATOR = register_grant_kind(
    "alliance.coordinator", label=gettext_noop("Verbundkoordination"), scope="alliance", audit=True
).name

#: Why a change is refused to someone who may see the alliance but not change it.
CHANGE_REFUSAL = gettext_noop("Nur die Verbundkoordination kann diesen Verbund ändern.")
#: System capability: create and change alliances, members and documents.
MANAGE = "alliances.manage"

#: Roles that may start a new alliance (and become its coordinator).
CREATE_ROLES = frozenset(
    {Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG, Role.BERATUNGSSTELLE, Role.PLATTFORMBETRIEB}
)


def coordinates(principal: Principal, alliance_id: int | None) -> bool:
    return principal.has_grant(COORDINATOR, alliance_id)


def may_create(principal: Principal) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    if principal.platform_roles & CREATE_ROLES:
        return True
    return principal.holds(Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG)


def may_change(principal: Principal, alliance_id: int | None) -> bool:
    """Coordinators of the alliance and Plattformbetrieb change it (system: :data:`MANAGE`)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or coordinates(principal, alliance_id)


# --- reading ---------------------------------------------------------------------------------------


def visibility_filter(principal: Principal) -> Q:
    """A ``Q`` on :class:`Alliance` selecting what ``principal`` may see (at least the public part)."""
    from .models import Membership

    if principal.reads_everything():
        return Q()
    condition = Q(is_published=True)
    coordinated = principal.granted(COORDINATOR)
    if coordinated:
        condition |= Q(pk__in=coordinated)
    body_ids = principal.body_ids()
    if body_ids:
        condition |= Q(pk__in=Membership.objects.current().filter(body_id__in=body_ids).values("alliance_id"))
    return condition


def is_insider(principal: Principal, alliance_id: int, member_body_ids: frozenset[int] | None = None) -> bool:
    """Whether ``principal`` sees the alliance beyond its public fields.

    Readers of everything, its coordinators, and staff and heads of its current members.
    ``member_body_ids`` (the current members' body ids) saves a query when the caller has them.
    """
    if principal.is_system:
        return principal.capable(MANAGE)
    if not principal.is_authenticated:
        return False
    if principal.reads_everything() or coordinates(principal, alliance_id):
        return True
    body_ids = principal.body_ids()
    if not body_ids:
        return False
    if member_body_ids is None:
        from .models import Membership

        return Membership.objects.current().filter(alliance_id=alliance_id, body_id__in=body_ids).exists()
    return bool(member_body_ids & body_ids)


def may_see(principal: Principal, alliance: Alliance) -> bool:
    return alliance.is_published or is_insider(principal, alliance.pk)


def may_change_alliance(principal: Principal, alliance: Alliance) -> bool:
    """:func:`may_change` for an object (the form ``access_object`` takes)."""
    return may_change(principal, alliance.pk)


def may_confirm_membership(principal: Principal, membership: Membership) -> bool:
    """The Verwaltungsleitung of the member body confirms that body's (current) membership."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return membership.is_current and principal.heads(membership.body_id)


def may_upload_resolution(principal: Principal, alliance_id: int, body_id: int) -> bool:
    """The Verwaltungsleitung of the (member) body, or a coordinator of the alliance."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.heads(body_id) or coordinates(principal, alliance_id)


def may_read_documents(principal: Principal, alliance: Alliance) -> bool:
    """Agreements and resolutions are internal: insiders only, never the public."""
    return is_insider(principal, alliance.pk)
