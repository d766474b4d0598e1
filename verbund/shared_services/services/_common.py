"""What every service of this part shares: the permission check on a fresh principal, the row lock."""

from __future__ import annotations

from typing import Any

from verbund.alliances.models import Alliance, Membership
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.principal import Principal
from verbund.registry.models import Body

from .. import policies
from ..models import SharedService


def check(actor: Actor, service: SharedService, need: policies.Need) -> Principal:
    """The actor's fresh principal, or :class:`~verbund.common.errors.Forbidden` unless ``need`` holds.

    A string, ``None`` or an anonymous user is a programming error (``TypeError``), not a refusal.
    """
    return authorize(actor, lambda p: policies.allows(p, service, need), policies.REFUSALS[need])


def check_create(actor: Actor, alliance: Alliance) -> Principal:
    return authorize(actor, lambda p: policies.may_create(p, alliance.pk), policies.REFUSALS["create"])


def person(actor: Actor) -> Any:
    """The user behind ``actor`` for "computed by"/"finalized by" columns (``None`` for the system)."""
    return None if isinstance(actor, SystemActor) else actor


def lock(service: SharedService) -> SharedService:
    """Re-read the service under a row lock, so that concurrent writes to it queue up."""
    return (
        SharedService.objects.select_for_update()
        .select_related("alliance", "task", "provider")
        .get(pk=service.pk)
    )


def is_current_member(alliance: Alliance, body: Body) -> bool:
    return Membership.objects.current().filter(alliance=alliance, body=body).exists()
