"""Members of an alliance: joining, leaving, their role, and the head's confirmation.

Audit entries of these services carry the alliance and the member body as their scope, so that both
the coordinators of the alliance and the head of the body read them.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import require
from verbund.common.actors import Actor
from verbund.common.errors import Conflict
from verbund.registry.models import Body

from .. import events, policies
from ..audit_actions import MEMBER_ADD, MEMBER_REMOVE, MEMBER_SET_ROLE, MEMBERSHIP_CONFIRM
from ..models import Alliance, MemberRole, Membership
from ._common import lock, person, principal_of_actor, require_change

#: The messages of the model's constraints, checked first so that the state refusal is a Conflict.
ALREADY_MEMBER = gettext_noop("Diese Körperschaft ist bereits Mitglied des Verbunds.")
LEAD_TAKEN = gettext_noop("Der Verbund hat bereits ein federführendes Mitglied.")


def _refuse_second_lead(alliance: Alliance, role: str, *, exclude: Membership | None = None) -> None:
    """Conflict when ``role`` is federführend and another current member already leads."""
    if role != MemberRole.FEDERFUEHREND:
        return
    leads = Membership.objects.current().filter(alliance=alliance, role=MemberRole.FEDERFUEHREND)
    if exclude is not None:
        leads = leads.exclude(pk=exclude.pk)
    if leads.exists():
        raise Conflict(_(LEAD_TAKEN), code="lead_taken", fields={"role": [_(LEAD_TAKEN)]})


@transaction.atomic
def member_add(
    *,
    actor: Actor,
    alliance: Alliance,
    body: Body,
    role: str = MemberRole.MITGLIED,
    joined_on: dt.date | None = None,
    note: str = "",
) -> Membership:
    """Add ``body`` as a member from ``joined_on`` (default today, may lie in the past); a former
    member re-joins in a new row."""
    require_change(actor, alliance)
    alliance = lock(alliance)
    if body.dissolved_on is not None:
        raise ValidationError(
            {
                "body": _("%(name)s ist aufgelöst (Gebietsstand %(dissolved_on)s).")
                % {"name": body.name, "dissolved_on": format(body.dissolved_on, "%d.%m.%Y")}
            }
        )
    if Membership.objects.current().filter(alliance=alliance, body=body).exists():
        raise Conflict(_(ALREADY_MEMBER), code="already_member")
    _refuse_second_lead(alliance, role)
    joined_on = joined_on or timezone.localdate()
    if joined_on > timezone.localdate():
        # A future member would count as current today; enter the membership when it takes effect.
        raise ValidationError({"joined_on": _("Der Beitritt kann nicht in der Zukunft liegen.")})
    last_left = (
        Membership.objects.filter(alliance=alliance, body=body, left_on__isnull=False)
        .aggregate(last=Max("left_on"))
        .get("last")
    )
    if last_left is not None and joined_on < last_left:
        raise ValidationError(
            {
                "joined_on": (
                    _("Der erneute Beitritt kann nicht vor dem letzten Austritt (%(last_left)s) liegen.")
                    % {"last_left": format(last_left, "%d.%m.%Y")}
                )
            }
        )
    membership = Membership(alliance=alliance, body=body, role=role, joined_on=joined_on, note=note.strip())
    membership.full_clean()
    membership.save()
    audit_record(
        actor=actor,
        action=MEMBER_ADD,
        target=alliance,
        object_repr=body.name,
        body=body,
        changes={"member": body.ars, "name": body.name, "role": role, "joined_on": joined_on},
    )
    events.announce(
        events.MEMBER_ADDED, actor=actor, alliance=alliance, text=body.name, also=events.head_of(body.pk)
    )
    return membership


@transaction.atomic
def member_remove(
    *, actor: Actor, membership: Membership, left_on: dt.date | None = None, note: str = ""
) -> Membership:
    """End a membership on ``left_on`` (default today). The row stays: history is never overwritten."""
    require_change(actor, membership.alliance)
    lock(membership.alliance)
    membership = Membership.objects.select_related("body", "alliance").get(pk=membership.pk)
    if not membership.is_current:
        raise Conflict(
            _("%(name)s ist bereits am %(left_on)s ausgetreten.")
            % {"name": membership.body.name, "left_on": format(membership.left_on, "%d.%m.%Y")},
            code="already_left",
        )
    membership.left_on = left_on or timezone.localdate()
    if membership.left_on > timezone.localdate():
        # The row stops counting as current at once, so a future date would hide a member today.
        raise ValidationError({"left_on": _("Der Austritt kann nicht in der Zukunft liegen.")})
    if note.strip():
        membership.note = note.strip()
    membership.full_clean()
    membership.save(update_fields=["left_on", "note"])
    audit_record(
        actor=actor,
        action=MEMBER_REMOVE,
        target=membership.alliance,
        object_repr=membership.body.name,
        body=membership.body_id,
        changes={"member": membership.body.ars, "name": membership.body.name, "left_on": membership.left_on},
    )
    events.announce(
        events.MEMBER_LEFT,
        actor=actor,
        alliance=membership.alliance,
        text=membership.body.name,
        also=events.head_of(membership.body_id),
    )
    return membership


@transaction.atomic
def member_set_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    """Change a current member's role (federführend, antragstellend, Mitglied).

    There is at most one federführendes member; to hand the lead over, set the old lead to
    "Mitglied" first.
    """
    require_change(actor, membership.alliance)
    lock(membership.alliance)
    membership = Membership.objects.select_related("body", "alliance").get(pk=membership.pk)
    if not membership.is_current:
        raise Conflict(
            _("Die Rolle eines ehemaligen Mitglieds kann nicht mehr geändert werden."), code="former_member"
        )
    if membership.role == role:
        return membership
    _refuse_second_lead(membership.alliance, role, exclude=membership)
    old = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action=MEMBER_SET_ROLE,
        target=membership.alliance,
        object_repr=membership.body.name,
        body=membership.body_id,
        changes={"member": membership.body.ars, "role": [old, role]},
    )
    return membership


@transaction.atomic
def membership_confirm(*, actor: Actor, membership: Membership) -> Membership:
    """The head (Verwaltungsleitung) of the member body confirms its membership."""
    principal = principal_of_actor(actor)
    membership = (
        Membership.objects.select_for_update().select_related("body", "alliance").get(pk=membership.pk)
    )
    if not membership.is_current:
        raise Conflict(
            _("Eine beendete Mitgliedschaft kann nicht mehr bestätigt werden."), code="membership_ended"
        )
    require(
        policies.may_confirm_membership(principal, membership),
        _("Die Mitgliedschaft bestätigt die Verwaltungsleitung von %(name)s.")
        % {"name": membership.body.name},
    )
    if membership.is_confirmed:
        raise Conflict(
            _("Die Mitgliedschaft wurde bereits am %(confirmed_at)s bestätigt.")
            % {"confirmed_at": format(membership.confirmed_at, "%d.%m.%Y")},
            code="already_confirmed",
        )
    membership.confirmed_at = timezone.now()
    membership.confirmed_by = person(actor)
    membership.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        action=MEMBERSHIP_CONFIRM,
        target=membership.alliance,
        object_repr=membership.body.name,
        body=membership.body_id,
        changes={"member": membership.body.ars, "confirmed_at": membership.confirmed_at},
    )
    return membership
