"""Who sees and changes what in the advisory part.

* **Cases**: the Beratungsstelle (ADD / MdI) opens, works and closes them; they are read by the
  office and by the case's parties only — staff and heads of a body that is a party, the
  coordinators and the staff of the current members of an alliance that is a party (and of the
  alliance the case is linked to). Notes and documents marked internal are the office's alone.
  Neither the operator nor the funding authority reads cases (advice is confidential).
* **Good practice**: the office writes and publishes records. A published record is read by
  everyone (``öffentlich``), by every logged-in person (``im Programm``) or by the alliance's insiders
  (``nur der Verbund``; and, as everything internal, by the roles that read everything: the funding
  authority and the operator); an unpublished record by the office only.
* **Templates**: read by everyone logged in; filled with an alliance's data by its insiders and the
  office; versions are added by the office.
* **Events**: published events are listed for everyone who is logged in (and in the public
  iCalendar feed); people who work for a body register themselves; the office manages events,
  registrations, attendance, material and minutes.
* **Evidence**: an alliance's figures are entered by its coordinators and the office and read by its
  insiders, the office and the funding authority.
* **Programme monitoring** (dashboard, summary API, reports): the office and the funding authority;
  aggregate open data are public.

System actors (the demo loader, commands) act with :data:`MANAGE`.
"""

from __future__ import annotations

from django.db.models import Q

from verbund.alliances.policies import coordinates, is_insider
from verbund.common.principal import Principal
from verbund.common.roles import Role

#: System capability: everything of the part.
MANAGE = "advisory.manage"


def is_office(principal: Principal) -> bool:
    """The Beratungsstelle (or a system actor with :data:`MANAGE`)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_person and Role.BERATUNGSSTELLE in principal.platform_roles


def reads_programme(principal: Principal) -> bool:
    """The programme dashboard, the summary API and the reports: office and funding authority."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_person and principal.has_platform_role(
        Role.BERATUNGSSTELLE, Role.BEWILLIGUNGSBEHOERDE
    )


# --- cases -----------------------------------------------------------------------------------------


def case_filter(principal: Principal) -> Q:
    """A ``Q`` on :class:`~verbund.advisory.models.Case` selecting the cases ``principal`` reads."""
    from verbund.alliances.models import Membership

    if is_office(principal):
        return Q()
    if not principal.is_person:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    body_ids = principal.body_ids()
    alliance_ids: set[int] = set(principal.granted("alliance.coordinator"))
    if body_ids:
        condition |= Q(parties__body_id__in=body_ids)
        alliance_ids |= set(
            Membership.objects.current().filter(body_id__in=body_ids).values_list("alliance_id", flat=True)
        )
    if alliance_ids:
        condition |= Q(parties__alliance_id__in=alliance_ids) | Q(alliance_id__in=alliance_ids)
    return condition


def reads_internal_notes(principal: Principal) -> bool:
    return is_office(principal)


def works_cases(principal: Principal) -> bool:
    """Opening, editing, moving and closing cases; notes, documents and appointments."""
    return is_office(principal)


def writes_to_case(principal: Principal) -> bool:
    """Parties add (non-internal) notes and documents to a case they read; the office everything."""
    return principal.is_person or is_office(principal)


# --- good practice ---------------------------------------------------------------------------------


def practice_filter(principal: Principal) -> Q:
    """A ``Q`` on :class:`~verbund.advisory.models.PracticeRecord` selecting what ``principal`` reads."""
    from verbund.alliances.models import Membership

    from .models import Visibility

    if is_office(principal):
        return Q()
    condition = Q(published_at__isnull=False, visibility=Visibility.PUBLIC)
    if not principal.is_person:
        return condition
    condition |= Q(published_at__isnull=False, visibility=Visibility.PROGRAMME)
    if principal.reads_everything():
        return condition | Q(published_at__isnull=False)
    alliance_ids: set[int] = set(principal.granted("alliance.coordinator"))
    body_ids = principal.body_ids()
    if body_ids:
        alliance_ids |= set(
            Membership.objects.current().filter(body_id__in=body_ids).values_list("alliance_id", flat=True)
        )
    if alliance_ids:
        condition |= Q(
            published_at__isnull=False, visibility=Visibility.ALLIANCE, alliance_id__in=alliance_ids
        )
    return condition


def edits_practice(principal: Principal) -> bool:
    return is_office(principal)


# --- templates -------------------------------------------------------------------------------------


def reads_templates(principal: Principal) -> bool:
    return principal.is_person or is_office(principal)


def fills_template_for(principal: Principal, alliance_id: int) -> bool:
    return is_office(principal) or (principal.is_person and is_insider(principal, alliance_id))


def edits_templates(principal: Principal) -> bool:
    return is_office(principal)


# --- events ----------------------------------------------------------------------------------------


def manages_events(principal: Principal) -> bool:
    return is_office(principal)


def registers_for_events(principal: Principal) -> bool:
    """People who work for a body (and the office, for others)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_person and (bool(principal.body_ids()) or is_office(principal))


# --- evidence --------------------------------------------------------------------------------------


def enters_evidence(principal: Principal, alliance_id: int) -> bool:
    return is_office(principal) or coordinates(principal, alliance_id)


def reads_evidence(principal: Principal, alliance_id: int) -> bool:
    if is_office(principal) or reads_programme(principal):
        return True
    return principal.is_person and is_insider(principal, alliance_id)
