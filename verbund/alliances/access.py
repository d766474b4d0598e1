"""Who may see and change which alliance: the only way views and endpoints reach alliance data.

The rules (ARCHITECTURE.md, Roles):

* Öffentlichkeit (anonymous, or anyone for an alliance they have no part in): published alliances,
  and of those only the public fields (:func:`verbund.alliances.selectors.alliance_public_data`).
* Beratungsstelle, Bewilligungsbehörde, Plattformbetrieb and superusers read every alliance.
* Verbundkoordination (:class:`~verbund.alliances.models.AllianceRole`) reads and changes its alliance.
* Sachbearbeitung and Verwaltungsleitung of a body read the alliances that body currently belongs to.
* Changes: only the coordinators of that alliance, Plattformbetrieb and superusers. The
  Beratungsstelle reads everything but edits nothing (it advises, it does not run the alliance).
* Signing for a body (confirming its membership, recording its council resolution) is for the
  Verwaltungsleitung of that body; a coordinator may record resolutions too, because they often
  collect the documents for all partners.

Missing and forbidden look alike: :func:`access_alliance` raises ``Http404`` for an alliance the
user may not see, and ``PermissionDenied`` (403) only when the user may see it but not change it.

The roles of a user are read once per request: body and platform roles through the memoised
helpers of :mod:`verbund.accounts.access` (one query), the coordinated alliances in one more;
:func:`viewer_for` keeps the resulting :class:`Viewer` on the user object (``request.user`` lives
for one request). Services that change alliance roles drop it with :func:`forget_viewer`, and
services check permissions on a fresh one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from verbund.accounts.access import body_roles, forget_roles, platform_roles
from verbund.accounts.models import Role

from .models import Alliance, AllianceRole, Membership

#: Platform roles that read every alliance.
READ_ALL_ROLES = frozenset({Role.BERATUNGSSTELLE, Role.BEWILLIGUNGSBEHOERDE, Role.PLATTFORMBETRIEB})
#: Platform roles that may change every alliance (administration).
CHANGE_ALL_ROLES = frozenset({Role.PLATTFORMBETRIEB})
#: Roles that may start a new alliance (and become its coordinator).
CREATE_ROLES = frozenset(
    {Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG, Role.BERATUNGSSTELLE, Role.PLATTFORMBETRIEB}
)

_CACHE_ATTR = "_verbund_alliance_viewer"


@dataclass(frozen=True)
class Viewer:
    """What the access rules need to know about a user, read in two queries."""

    user: Any
    is_authenticated: bool = False
    is_superuser: bool = False
    platform_roles: frozenset[str] = frozenset()
    #: body id → the roles the user holds in that body
    body_roles: Mapping[int, frozenset[str]] = field(default_factory=dict)
    #: ids of the alliances the user coordinates
    coordinated: frozenset[int] = frozenset()

    @property
    def reads_all(self) -> bool:
        return self.is_superuser or bool(self.platform_roles & READ_ALL_ROLES)

    @property
    def changes_all(self) -> bool:
        return self.is_superuser or bool(self.platform_roles & CHANGE_ALL_ROLES)

    @property
    def body_ids(self) -> frozenset[int]:
        return frozenset(self.body_roles)

    def heads(self, body_id: int) -> bool:
        """Whether the user is Verwaltungsleitung of the body."""
        return Role.VERWALTUNGSLEITUNG in self.body_roles.get(body_id, frozenset())

    def coordinates(self, alliance: Alliance | int) -> bool:
        alliance_id = alliance if isinstance(alliance, int) else alliance.pk
        return alliance_id in self.coordinated

    @property
    def may_create(self) -> bool:
        if self.is_superuser:
            return True
        roles = set(self.platform_roles)
        for held in self.body_roles.values():
            roles |= held
        return bool(roles & CREATE_ROLES)


def viewer_for(user: Any, *, fresh: bool = False) -> Viewer:
    """The :class:`Viewer` of ``user`` (cached on the user object unless ``fresh``)."""
    if isinstance(user, Viewer):
        return user
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return Viewer(user=user)
    if not fresh:
        cached = getattr(user, _CACHE_ATTR, None)
        if cached is not None:
            return cached
    if fresh:
        forget_roles(user)
    platform = platform_roles(user)
    by_body = body_roles(user)
    coordinated = frozenset(AllianceRole.objects.filter(user=user).values_list("alliance_id", flat=True))
    viewer = Viewer(
        user=user,
        is_authenticated=True,
        is_superuser=bool(getattr(user, "is_superuser", False)),
        platform_roles=frozenset(platform),
        body_roles={body_id: frozenset(roles) for body_id, roles in by_body.items()},
        coordinated=coordinated,
    )
    with contextlib.suppress(AttributeError):  # objects without a __dict__ are not cached
        setattr(user, _CACHE_ATTR, viewer)
    return viewer


def forget_viewer(user: Any) -> None:
    """Drop the cached :class:`Viewer` (after the user's roles changed)."""
    with contextlib.suppress(AttributeError):
        delattr(user, _CACHE_ATTR)


def visibility_filter(viewer: Viewer) -> Q:
    """A ``Q`` on :class:`Alliance` selecting what ``viewer`` may see (at least the public part of)."""
    if viewer.reads_all:
        return Q()
    condition = Q(is_published=True)
    if viewer.coordinated:
        condition |= Q(pk__in=viewer.coordinated)
    if viewer.body_roles:
        condition |= Q(
            pk__in=Membership.objects.current().filter(body_id__in=viewer.body_ids).values("alliance_id")
        )
    return condition


def is_insider(viewer: Viewer, alliance: Alliance, *, member_body_ids: frozenset[int] | None = None) -> bool:
    """Whether ``viewer`` sees the alliance beyond its public fields.

    Readers of everything, its coordinators, and staff and heads of its current members.
    ``member_body_ids`` (the current members' body ids) saves a query when the caller has them.
    """
    if not viewer.is_authenticated:
        return False
    if viewer.reads_all or viewer.coordinates(alliance):
        return True
    if not viewer.body_roles:
        return False
    if member_body_ids is None:
        return Membership.objects.current().filter(alliance=alliance, body_id__in=viewer.body_ids).exists()
    return bool(member_body_ids & viewer.body_ids)


def can_see(user: Any, alliance: Alliance) -> bool:
    viewer = viewer_for(user)
    return alliance.is_published or is_insider(viewer, alliance)


def can_change(user: Any, alliance: Alliance) -> bool:
    """Coordinators of the alliance, operators (Plattformbetrieb) and superusers change it."""
    viewer = viewer_for(user)
    return viewer.changes_all or viewer.coordinates(alliance)


def can_confirm_membership(user: Any, membership: Membership) -> bool:
    """The Verwaltungsleitung of the member body confirms that body's (current) membership."""
    viewer = viewer_for(user)
    return membership.is_current and viewer.heads(membership.body_id)


def can_upload_resolution(user: Any, alliance: Alliance, body: Any) -> bool:
    """The Verwaltungsleitung of the (member) body, or a coordinator of the alliance."""
    viewer = viewer_for(user)
    body_id = body if isinstance(body, int) else body.pk
    return viewer.heads(body_id) or viewer.coordinates(alliance)


def can_read_documents(user: Any, alliance: Alliance) -> bool:
    """Agreements and resolutions are internal: insiders only, never the public."""
    return is_insider(viewer_for(user), alliance)


def access_alliance(user: Any, slug_or_id: str | int, *, for_change: bool = False) -> Alliance:
    """The alliance addressed by slug (``str``) or primary key (``int``), if ``user`` may see it.

    Raises ``Http404`` when it does not exist or is invisible to the user (indistinguishable), and
    ``PermissionDenied`` when ``for_change`` and the user may see but not change it.
    """
    visible = Alliance.objects.visible_to(user)
    if isinstance(slug_or_id, int):
        alliance = visible.filter(pk=slug_or_id).first()
    else:
        alliance = visible.filter(slug=slug_or_id).first()
    if alliance is None:
        raise Http404("Kein solcher Verbund.")
    if for_change and not can_change(user, alliance):
        raise PermissionDenied("Nur die Verbundkoordination kann diesen Verbund ändern.")
    return alliance


def access_alliance_internal(user: Any, slug_or_id: str | int) -> Alliance:
    """Like :func:`access_alliance`, for internal parts (documents, timeline): 404 for public viewers."""
    alliance = access_alliance(user, slug_or_id)
    if not is_insider(viewer_for(user), alliance):
        raise Http404("Kein solcher Verbund.")
    return alliance
