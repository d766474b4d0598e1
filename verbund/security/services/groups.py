"""Sharing groups (MISP): a body names a group of bodies; what is shared with the group, its members
see (:func:`verbund.security.policies.visibility_filter`). The creating body is always a member."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid
from verbund.common.principal import Principal
from verbund.registry.models import Body

from .. import audit_actions, policies
from ..models import SharingGroup

REFUSAL = "Nur die anlegende Körperschaft kann diese Teilungsgruppe ändern."


def groups_of(principal: Principal) -> QuerySet[SharingGroup]:
    """The groups the principal's bodies belong to or created (what the group pages list)."""
    bodies = policies.own_body_ids(principal)
    members: Any = SharingGroup.bodies.through
    of_bodies = members._default_manager.filter(body_id__in=bodies).values("sharinggroup_id")
    return SharingGroup.objects.filter(Q(pk__in=of_bodies) | Q(owner_body_id__in=bodies))


def _clean(name: str, bodies: Iterable[Body], owner: Body) -> tuple[str, list[Body]]:
    name = (name or "").strip()
    if not name:
        raise Invalid(fields={"name": [_("Bitte geben Sie der Gruppe einen Namen.")]})
    members = {body.pk: body for body in bodies}
    members.setdefault(owner.pk, owner)
    if len(members) < 2:
        raise Invalid(
            fields={"bodies": [_("Eine Teilungsgruppe braucht mindestens eine weitere Körperschaft.")]}
        )
    return name[:200], list(members.values())


@transaction.atomic
def sharing_group_create(
    *, actor: Actor, owner_body: Body, name: str, bodies: Iterable[Body], description: str = ""
) -> SharingGroup:
    """A new group of ``owner_body`` (always a member itself) and ``bodies``."""
    authorize(actor, lambda p: policies.may_manage_group(p, owner_body.pk), REFUSAL)
    name, members = _clean(name, bodies, owner_body)
    group = SharingGroup.objects.create(name=name, owner_body=owner_body, description=description.strip())
    group.bodies.set(members)
    audit_record(
        actor=actor,
        action=audit_actions.SHARING_GROUP_CREATE,
        target=group,
        body=owner_body,
        changes={"name": name, "bodies": sorted(b.ars for b in members)},
    )
    return group


@transaction.atomic
def sharing_group_update(
    *, actor: Actor, group: SharingGroup, name: str, bodies: Iterable[Body], description: str = ""
) -> SharingGroup:
    """Rename the group and choose its bodies anew; a body taken out no longer sees what was shared
    with the group."""
    authorize(actor, lambda p: policies.may_manage_group(p, group.owner_body_id), REFUSAL)
    group = SharingGroup.objects.select_for_update(of=("self",)).select_related("owner_body").get(pk=group.pk)
    name, members = _clean(name, bodies, group.owner_body)
    before = sorted(group.bodies.values_list("ars", flat=True))
    after = sorted(b.ars for b in members)
    group.name, group.description = name, description.strip()
    group.save(update_fields=["name", "description"])
    group.bodies.set(members)
    audit_record(
        actor=actor,
        action=audit_actions.SHARING_GROUP_UPDATE,
        target=group,
        body=group.owner_body_id,
        changes={"name": name, "bodies": {"old": before, "new": after}},
    )
    return group
