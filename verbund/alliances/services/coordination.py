"""Who coordinates an alliance (Verbundkoordination): share it, hand it over, give it up.

* :func:`coordinator_assign`: a coordinator adds a co-coordinator, who must hold a role in a current
  member body (Sachbearbeitung or Verwaltungsleitung); Plattformbetrieb and the system
  (:data:`~verbund.alliances.policies.MANAGE`) may name any active user.
* :func:`coordinator_revoke`: coordinators and operators take the role from someone (themselves too);
  the last coordinator stays, so that an alliance is never left without one.
* :func:`coordinator_handover`: a coordinator hands over: the successor is assigned and the
  coordinator's own role ends, in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import require
from verbund.common.actors import Actor
from verbund.common.errors import Conflict, Invalid
from verbund.common.principal import Principal, principal_for

from .. import policies
from ..audit_actions import COORDINATOR_ASSIGN, COORDINATOR_REVOKE
from ..models import Alliance, AllianceRole, AllianceRoleKind, Membership
from ._common import display_name, lock, require_change

LAST_COORDINATOR = gettext_noop(
    "Der Verbund braucht mindestens eine Koordination; bitte zuerst eine Nachfolge benennen."
)


def coordinator_candidates_filter(alliance: Alliance) -> dict[str, Any]:
    """A filter on users (``User.objects.filter(**…)``): those with a role in a current member body."""
    return {
        "role_assignments__body_id__in": Membership.objects.current()
        .filter(alliance=alliance)
        .values("body_id"),
        "is_active": True,
    }


def _eligible(principal: Principal, alliance: Alliance, user: Any) -> None:
    if not getattr(user, "is_active", False):
        raise Invalid(fields={"user": [_("Nur aktive Benutzerkonten können die Koordination übernehmen.")]})
    if principal.is_system or principal.is_operator:
        return
    members = set(Membership.objects.current().filter(alliance=alliance).values_list("body_id", flat=True))
    if not principal_for(user).body_ids() & members:
        raise Invalid(
            fields={
                "user": [
                    _(
                        "%(name)s arbeitet für keine Mitgliedskörperschaft des Verbunds; die "
                        "Koordination kann nur an Beschäftigte der Mitglieder gehen."
                    )
                    % {"name": display_name(user)}
                ]
            }
        )


def _assign(actor: Actor, principal: Principal, alliance: Alliance, user: Any) -> AllianceRole:
    if AllianceRole.objects.filter(alliance=alliance, user=user, role=AllianceRoleKind.KOORDINATION).exists():
        raise Conflict(
            _("%(name)s koordiniert den Verbund bereits.") % {"name": display_name(user)},
            code="already_coordinator",
        )
    _eligible(principal, alliance, user)
    role = AllianceRole(user=user, alliance=alliance, role=AllianceRoleKind.KOORDINATION)
    role.full_clean()
    role.save()
    audit_record(
        actor=actor,
        action=COORDINATOR_ASSIGN,
        target=alliance,
        object_repr=display_name(user),
        changes={"coordinator": user.get_username()},
    )
    return role


def _revoke(actor: Actor, alliance: Alliance, user: Any) -> None:
    roles = AllianceRole.objects.filter(alliance=alliance, role=AllianceRoleKind.KOORDINATION)
    role = roles.filter(user=user).first()
    if role is None:
        raise Invalid(
            _("%(name)s ist nicht Koordination dieses Verbunds.") % {"name": display_name(user)},
            code="not_coordinator",
        )
    if roles.count() == 1:
        raise Conflict(_(LAST_COORDINATOR), code="last_coordinator")
    role.delete()
    audit_record(
        actor=actor,
        action=COORDINATOR_REVOKE,
        target=alliance,
        object_repr=display_name(user),
        changes={"coordinator": user.get_username()},
    )


@transaction.atomic
def coordinator_assign(*, actor: Actor, alliance: Alliance, user: Any) -> AllianceRole:
    """Make ``user`` a (further) coordinator of the alliance; see the module doc for who may."""
    principal = require_change(actor, alliance)
    alliance = lock(alliance)
    return _assign(actor, principal, alliance, user)


@transaction.atomic
def coordinator_revoke(*, actor: Actor, alliance: Alliance, user: Any) -> None:
    """Take the coordinator role from ``user``. The last coordinator stays: assign a successor first."""
    require_change(actor, alliance)
    alliance = lock(alliance)
    _revoke(actor, alliance, user)


@transaction.atomic
def coordinator_handover(*, actor: Actor, alliance: Alliance, user: Any) -> AllianceRole:
    """The acting coordinator hands the coordination over to ``user`` and gives up their own role.

    When ``user`` already coordinates, only the actor's role ends.
    """
    principal = require_change(actor, alliance)
    require(
        policies.coordinates(principal, alliance.pk),
        _("Übergeben kann die Koordination nur, wer den Verbund koordiniert."),
    )
    if user.pk == principal.user_id:
        raise Invalid(fields={"user": [_("Bitte eine andere Person als Nachfolge wählen.")]})
    alliance = lock(alliance)
    role = AllianceRole.objects.filter(
        alliance=alliance, user=user, role=AllianceRoleKind.KOORDINATION
    ).first()
    if role is None:
        role = _assign(actor, principal, alliance, user)
    _revoke(actor, alliance, actor)
    return role
