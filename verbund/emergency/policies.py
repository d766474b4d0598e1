"""Who sees and changes what in the emergency part.

Staff work is confidential to the staff
=======================================
* An event, its log, messages, tasks, map and reports: only people who hold a function in the
  event's staff (a standing position, grant :data:`STAFF_MEMBER`) or in the staff of that event (grant
  :data:`EVENT_MEMBER`). Nobody else, no role: not the Beratungsstelle, not Plattformbetrieb, not the
  heads of the member bodies unless they hold a function. Missing and invisible are the same 404.
* Writing to the log and writing messages: every member of the event's staff. Screening and assigning
  messages: the Koordinierungsgruppe and the Leitung des Stabes (:data:`SCREENING_FUNCTIONS`).
  Answering: a holder of a function the message is assigned to, or the screeners.
* Opening and closing events, changing the staff's positions and the roster: the Leitung des Stabes
  and the Hauptverwaltungsbeamte (:data:`LEADING_FUNCTIONS`), the heads (Verwaltungsleitung) of the
  staff's body, and for a joint staff the coordinators of its alliance.

Resource pool and mutual aid
============================
* The pool and the requests: every person working for a body (lenders must see the needs, those in
  need the offers). Listing, changing and lending a body's resources: its staff and heads. Asking for
  help: the staff and heads of the body in need.
* The alliance's agreement on reimbursing mutual aid: read by everyone working for a current member
  body, its coordinators and Plattformbetrieb; changed by whoever may change the alliance
  (coordinators, Plattformbetrieb). Others get 404.
* System actors with :data:`MANAGE` (the demo loader, the queue) do everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.translation import gettext_noop

from verbund.alliances import policies as alliance_policies
from verbund.common.principal import Principal, register_grant_kind
from verbund.common.roles import Role

if TYPE_CHECKING:
    from .models import Staff

#: Grant: the staffs in which a person holds a standing function (holder or deputy).
STAFF_MEMBER = register_grant_kind(
    "emergency.staff_member", label=gettext_noop("Mitglied des Stabes"), scope="emergency.staff"
).name
#: Grant: the events for whose staff a person was called in for that event only.
EVENT_MEMBER = register_grant_kind(
    "emergency.event_member", label=gettext_noop("Mitglied des Stabes der Lage"), scope="emergency.event"
).name
#: System capability: everything of the part.
MANAGE = "emergency.manage"


def _current_positions(user_id: int) -> Q:
    from django.utils import timezone

    today = timezone.localdate()
    return Q(person_id=user_id) & Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def member_grants(user_id: int) -> dict[str, set[int]]:
    """Grant provider of :data:`STAFF_MEMBER` (standing positions) and :data:`EVENT_MEMBER` (positions
    for one event), read in one query."""
    from .models import Position

    grants: dict[str, set[int]] = {STAFF_MEMBER: set(), EVENT_MEMBER: set()}
    for staff_id, event_id in Position.objects.filter(_current_positions(user_id)).values_list(
        "staff_id", "event_id"
    ):
        if event_id is None:
            grants[STAFF_MEMBER].add(staff_id)
        else:
            grants[EVENT_MEMBER].add(event_id)
    return grants


def as_principal(who: Any) -> Principal:
    """``who`` as a principal: a principal as it is, an actor through
    :func:`verbund.common.access.authorize` (the services' and selectors' common entry)."""
    from verbund.common.access import authorize

    return who if isinstance(who, Principal) else authorize(who)


def person_name(who: Any) -> str:
    """How the part names a person or actor in the log and on pages: the full name, else the user
    name; a system actor by its name; nobody as ""."""
    if who is None:
        return ""
    name = getattr(who, "name", "") if not hasattr(who, "get_full_name") else who.get_full_name()
    return str(name or getattr(who, "username", "") or "")


def sees_event(principal: Principal, *, staff_id: int, event_id: int) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.has_grant(STAFF_MEMBER, staff_id) or principal.has_grant(EVENT_MEMBER, event_id)


def event_filter(principal: Principal, prefix: str = "") -> Q:
    """Events (``prefix`` leads to an event, e.g. ``"event__"``) the principal may see."""
    if principal.is_system and principal.capable(MANAGE):
        return Q()
    staffs = principal.granted(STAFF_MEMBER)
    events = principal.granted(EVENT_MEMBER)
    if not (staffs or events):
        return Q(pk__in=[])
    return Q(**{f"{prefix}staff_id__in": staffs}) | Q(**{f"{prefix}id__in": events})


def held_functions(principal: Principal, *, staff_id: int, event_id: int | None) -> frozenset[str]:
    """The functions the principal holds now in the staff (standing, or for ``event_id``)."""
    if principal.user_id is None:
        return frozenset()
    from .models import Position

    scope = Q(event__isnull=True)
    if event_id is not None:
        scope |= Q(event_id=event_id)
    return frozenset(
        Position.objects.filter(_current_positions(principal.user_id), scope, staff_id=staff_id).values_list(
            "function", flat=True
        )
    )


def leads_staff(principal: Principal, staff: Staff, *, event_id: int | None = None) -> bool:
    """Open and close events, change positions and roster (see the module's text)."""
    from .models import LEADING_FUNCTIONS

    if principal.is_system:
        return principal.capable(MANAGE)
    body_id = staff.body_id
    alliance_id = staff.alliance_id
    if body_id is not None and principal.holds(Role.VERWALTUNGSLEITUNG, body=body_id):
        return True
    if alliance_id is not None and alliance_policies.coordinates(principal, alliance_id):
        return True
    held = held_functions(principal, staff_id=staff.pk, event_id=event_id)
    return bool(held & LEADING_FUNCTIONS)


def works_for_any_body(principal: Principal) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    return bool(principal.body_ids(Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG))


def acts_for_body(principal: Principal, body_id: int | None) -> bool:
    """Change a body's resources and requests: its staff and heads."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return body_id is not None and principal.works_for(int(body_id))


# --- the alliance's agreement on mutual aid ------------------------------------------------------------


def _member_body_ids(alliance_id: int) -> frozenset[int]:
    from verbund.alliances.models import Membership

    return frozenset(
        Membership.objects.current().filter(alliance_id=alliance_id).values_list("body_id", flat=True)
    )


def sees_aid_agreements(principal: Principal, alliance_id: int) -> bool:
    """Read an alliance's agreements on mutual aid: everyone working for a current member body (the
    members must know the terms), its coordinators and Plattformbetrieb (who may change them)."""
    if principal.is_system:
        return principal.capable(MANAGE) or principal.capable(alliance_policies.MANAGE)
    if changes_aid_agreements(principal, alliance_id):
        return True
    body_ids = principal.body_ids()
    return bool(body_ids) and bool(_member_body_ids(alliance_id) & body_ids)


def changes_aid_agreements(principal: Principal, alliance_id: int) -> bool:
    """Create, change, end and delete them: whoever may change the alliance (its coordinators and
    Plattformbetrieb, :func:`verbund.alliances.policies.may_change`)."""
    if principal.is_system:
        return principal.capable(MANAGE) or principal.capable(alliance_policies.MANAGE)
    return alliance_policies.may_change(principal, alliance_id)


def aid_agreement_alliances(principal: Principal) -> Q:
    """A ``Q`` on :class:`~verbund.alliances.models.Alliance`: those whose agreements the principal sees."""
    from verbund.alliances.models import Membership

    if principal.is_system:
        return Q() if sees_aid_agreements(principal, 0) else Q(pk__in=[])
    if principal.is_operator:
        return Q()
    condition = Q(pk__in=list(principal.granted(alliance_policies.COORDINATOR)))
    body_ids = principal.body_ids()
    if body_ids:
        condition |= Q(pk__in=Membership.objects.current().filter(body_id__in=body_ids).values("alliance_id"))
    return condition


# --- the reimbursement of mutual aid (Erstattungsabrechnung) ----------------------------------------


def computes_aid_settlement(principal: Principal, needy_body_id: int, alliance_ids: set[int]) -> bool:
    """Compute a draft: those acting for the body in need, coordinators of the agreement's alliance."""
    if acts_for_body(principal, needy_body_id):
        return True
    return any(alliance_policies.coordinates(principal, a) for a in alliance_ids)


def sets_aid_settlement(principal: Principal, needy_body_id: int, alliance_ids: set[int]) -> bool:
    """Set (festsetzen) and correct: the heads (Verwaltungsleitung) of the body in need, coordinators
    of the agreement's alliance."""
    if principal.is_system:
        return principal.capable(MANAGE)
    if principal.heads(int(needy_body_id)):
        return True
    return any(alliance_policies.coordinates(principal, a) for a in alliance_ids)


def sees_aid_settlement(principal: Principal, body_ids: set[int], alliance_ids: set[int]) -> bool:
    """See a settlement: the body in need, the lenders, every body with a position (``body_ids``),
    coordinators of the agreement's alliance."""
    if principal.is_system:
        return principal.capable(MANAGE)
    if any(acts_for_body(principal, b) for b in body_ids):
        return True
    return any(alliance_policies.coordinates(principal, a) for a in alliance_ids)
