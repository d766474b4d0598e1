"""The events the alliances part publishes (verbund.notifications) and who receives them.

An alliance's audience is its coordinators and the heads (Verwaltungsleitung) of its current member
bodies (:func:`alliance_audience`, registered in ``AlliancesConfig.ready()``); a joining or leaving
body's head hears about it too, and the Beratungsstelle hears about alliances founded and ended.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy

from verbund.accounts.models import RoleAssignment
from verbund.common.actors import Actor
from verbund.common.roles import Role
from verbund.notifications.services import Audience, publish, register_event_type

from .models import Alliance, AllianceRole, Membership

FOUNDED = register_event_type("alliances.founded", label=gettext_lazy("Verbund gegründet"))
STATUS_CHANGED = register_event_type("alliances.status_changed", label=gettext_lazy("Verbund: neuer Status"))
ENDED = register_event_type("alliances.ended", label=gettext_lazy("Verbund beendet"))
MEMBER_ADDED = register_event_type("alliances.member_added", label=gettext_lazy("Neues Mitglied im Verbund"))
MEMBER_LEFT = register_event_type("alliances.member_left", label=gettext_lazy("Mitglied ausgetreten"))
DOCUMENT_UPLOADED = register_event_type(
    "alliances.document_uploaded", label=gettext_lazy("Dokument im Verbund hochgeladen")
)


# --- resolvers (registered with the notifications part) -------------------------------------------


def coordinators_of(alliance_id: int) -> Iterable[int]:
    return AllianceRole.objects.filter(alliance_id=alliance_id).values_list("user_id", flat=True)


def alliance_audience(alliance_id: int) -> set[int]:
    """Coordinators and the heads of the current member bodies (two queries)."""
    members = Membership.objects.current().filter(alliance_id=alliance_id).values("body_id")
    heads = RoleAssignment.objects.filter(body_id__in=members, role=Role.VERWALTUNGSLEITUNG)
    return set(coordinators_of(alliance_id)) | set(heads.values_list("user_id", flat=True))


def alliance_choices() -> Iterable[tuple[int, str]]:
    return Alliance.objects.order_by("name").values_list("id", "name")


# --- publishing -----------------------------------------------------------------------------------


def announce(
    event_type: Any,
    *,
    actor: Actor,
    alliance: Alliance,
    text: str = "",
    also: Audience | None = None,
    **data: Any,
) -> None:
    """Publish ``event_type`` about ``alliance`` to its audience (and ``also``), after commit."""
    publish(
        event_type,
        actor=actor,
        title=alliance.name,
        text=text,
        path=alliance.get_absolute_url(),
        audience=Audience.alliance(alliance.pk) | (also or Audience()),
        alliance_id=alliance.pk,
        payload={"alliance": alliance.slug, "status": alliance.status, **data},
    )


def head_of(body_id: int | None) -> Audience:
    return Audience.body(body_id, Role.VERWALTUNGSLEITUNG)


ADVISORY = Audience.role(Role.BERATUNGSSTELLE)
