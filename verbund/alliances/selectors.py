"""Reads of alliances across models. Every list starts from ``Alliance.objects.visible_to(principal)``.

Public face for views, the API, exports and other parts:

* :func:`alliance_list` — the directory with its filters, queries fixed up front (constant count).
* :func:`alliance_public_data` — exactly the fields the public may see (name, members, fields,
  status, short description) as a plain dict; use it for anonymous pages and open-data exports.
* :func:`current_memberships`, :func:`membership_history`, :func:`alliance_timeline`,
  :func:`alliance_documents`, :func:`alliances_of_body`.
* :func:`alliance_facts` / :func:`facts_for_bodies` — the derived facts (:mod:`.facts`) of an
  alliance or of any set of bodies (e.g. the members taking part in a funding application), in a
  constant number of queries.
* :func:`access_alliance` — one alliance for a principal: 404 invisible-or-missing, 403 not allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from verbund.common.access import access_object
from verbund.common.errors import NotFound
from verbund.common.principal import Principal
from verbund.registry.models import ASSOCIATION_KINDS, Body, BodyBoundary, BodyNeighbour, Kind

from . import policies
from .colours import alliance_colours
from .facts import AllianceFacts, MemberFacts, derive_facts
from .models import (
    AgreementDocument,
    Alliance,
    AllianceQuerySet,
    AllianceRole,
    AllianceRoleKind,
    CouncilResolution,
    FieldOfAction,
    Membership,
    StatusChange,
)

__all__ = [
    "CURRENT_MEMBERSHIPS",
    "access_alliance",
    "alliance_documents",
    "alliance_facts",
    "alliance_list",
    "alliance_public_data",
    "alliance_timeline",
    "alliances_of_body",
    "coordinators_of",
    "current_memberships",
    "facts_for_bodies",
    "is_insider_of",
    "kreis_prefix",
    "member_filter",
    "membership_history",
    "with_list_data",
]

_KREIS_KINDS = frozenset({Kind.LANDKREIS, Kind.KREIS, Kind.REGIONALVERBAND})
#: The attribute :func:`with_list_data` prefetches the current memberships into.
CURRENT_MEMBERSHIPS = "current_memberships"


def kreis_prefix(value: str) -> str:
    """The 5-digit Kreis prefix of a Kreis key (``07335``), an AGS or an ARS; ``ValidationError`` if none."""
    value = value.strip()
    if not value.isdigit() or len(value) not in (5, 8, 9, 12):
        raise ValidationError(
            _(
                "Kreis: bitte den 5-stelligen Kreisschlüssel (z. B. 07335) oder den 12-stelligen "
                "Regionalschlüssel angeben."
            )
        )
    return value[:5]


def with_list_data(qs: AllianceQuerySet) -> AllianceQuerySet:
    """Prefetch what a list row shows: fields, current members with their bodies, member count.

    Three queries whatever the number of rows (the rows, fields, members).
    """
    return (
        qs.prefetch_related(
            Prefetch("fields", queryset=FieldOfAction.objects.order_by("sort_order", "name")),
            Prefetch(
                "memberships",
                queryset=Membership.objects.current().select_related("body").order_by("body__name", "id"),
                to_attr=CURRENT_MEMBERSHIPS,
            ),
        )
        .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        .order_by("name", "id")
    )


def member_filter(value: str) -> Q:
    """A ``Q`` on ``Membership`` (``body__…``): the start of an AGS/ARS, a registry key, or part of
    the name. The directory page and the API filter members the same way."""
    if value.isdigit():
        return Q(body__ags__startswith=value) | Q(body__ars__startswith=value) | Q(body__key=value)
    return Q(body__name__icontains=value)


def alliance_list(
    principal: Principal,
    *,
    field: str | None = None,
    status: str | Sequence[str] | None = None,
    kreis: str | None = None,
    member: str | None = None,
    q: str | None = None,
) -> AllianceQuerySet:
    """The alliances ``principal`` may see, filtered, with list data prefetched (see :func:`with_list_data`).

    ``field``: slug of a field of action; ``status``: one or more statuses; ``kreis``: Kreis key or
    ARS, alliances with a current member in that Kreis; ``member``: a current member by
    :func:`member_filter`; ``q``: part of the name or short name.
    """
    qs = Alliance.objects.visible_to(principal)
    if field:
        qs = qs.filter(
            Exists(Alliance.fields.through.objects.filter(alliance=OuterRef("pk"), fieldofaction__slug=field))
        )
    if status:
        qs = qs.with_status(*([status] if isinstance(status, str) else status))
    if kreis:
        qs = qs.with_member_in_kreis(kreis_prefix(kreis))
    if member:
        qs = qs.with_current_member(member_filter(member.strip()))
    if q:
        qs = qs.search(q)
    return with_list_data(qs)


def current_memberships(alliance: Alliance) -> list[Membership]:
    """Current members (bodies selected), from the prefetch of :func:`with_list_data` when present."""
    prefetched = getattr(alliance, CURRENT_MEMBERSHIPS, None)
    if prefetched is not None:
        return list(prefetched)
    return list(
        Membership.objects.current()
        .filter(alliance=alliance)
        .select_related("body")
        .order_by("body__name", "id")
    )


def membership_history(alliance: Alliance) -> list[Membership]:
    """Every membership, current and past, oldest first (for insiders)."""
    return list(
        Membership.objects.filter(alliance=alliance)
        .select_related("body", "confirmed_by")
        .order_by("joined_on", "id")
    )


def alliance_public_data(alliance: Alliance) -> dict[str, Any]:
    """Exactly what the public may see of an alliance (ARCHITECTURE.md: name, members, fields, status,
    short description). Nothing else may be added here without changing who may see it."""
    return {
        "slug": alliance.slug,
        "name": alliance.name,
        "short_name": alliance.short_name,
        "status": alliance.status,
        "status_label": alliance.get_status_display(),
        "public_summary": alliance.public_summary,
        "fields": [{"slug": f.slug, "name": f.name} for f in alliance.fields.all()],
        "members": [
            {
                "ars": m.body.ars,
                "name": m.body.name,
                "kind": m.body.kind,
                "role": m.role,
                "role_label": m.get_role_display(),
            }
            for m in current_memberships(alliance)
        ],
    }


def alliance_timeline(alliance: Alliance) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(alliance=alliance)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )


def alliance_documents(alliance: Alliance) -> tuple[list[AgreementDocument], list[CouncilResolution]]:
    """Agreements (newest version first per title) and council resolutions (by date)."""
    agreements = list(
        AgreementDocument.objects.filter(alliance=alliance)
        .select_related("uploaded_by")
        .order_by("title", "-version")
    )
    resolutions = list(
        CouncilResolution.objects.filter(alliance=alliance)
        .select_related("body", "uploaded_by")
        .order_by("decided_on", "id")
    )
    return agreements, resolutions


def alliances_of_body(principal: Principal, body: Body, *, include_former: bool = False) -> AllianceQuerySet:
    """The alliances ``principal`` may see that ``body`` belongs to (for the body's page)."""
    condition = Q(body=body) if include_former else Q(body=body, left_on__isnull=True)
    qs = Alliance.objects.visible_to(principal).filter(
        Exists(Membership.objects.filter(condition, alliance=OuterRef("pk")))
    )
    return with_list_data(qs)


def is_insider_of(principal: Principal, alliance: Alliance) -> bool:
    """Whether ``principal`` sees more than the public fields (uses prefetched members when present)."""
    prefetched = getattr(alliance, CURRENT_MEMBERSHIPS, None)
    body_ids = frozenset(m.body_id for m in prefetched) if prefetched is not None else None
    return policies.is_insider(principal, alliance.pk, body_ids)


def coordinators_of(alliance: Alliance) -> list[Any]:
    """The users who coordinate ``alliance``, in the order they were named (one query)."""
    return [
        role.user
        for role in AllianceRole.objects.filter(alliance=alliance, role=AllianceRoleKind.KOORDINATION)
        .select_related("user")
        .order_by("id")
    ]


# --- Derived facts ---------------------------------------------------------------------------------


def _cached_parent(body: Body) -> Body | None:
    """The parent if loaded by ``select_related`` (never a query)."""
    if body.parent_id is None or not Body.parent.is_cached(body):
        return None
    return body.parent


def _member_facts(body: Body) -> MemberFacts:
    chain: list[Body] = []
    node = _cached_parent(body)
    while node is not None:
        chain.append(node)
        node = _cached_parent(node)
    if body.kind in _KREIS_KINDS or body.kind == Kind.KREISFREIE_STADT:
        kreis: Body | None = body
    else:
        kreis = next((b for b in chain if b.kind in _KREIS_KINDS), None)
    association = (
        chain[0] if body.kind == Kind.ORTSGEMEINDE and chain and chain[0].kind in ASSOCIATION_KINDS else None
    )
    return MemberFacts(
        key=body.key,
        ars=body.ars,
        name=body.name,
        kind=body.kind,
        state=body.state,
        population=body.population,
        population_date=body.population_date,
        area_km2=body.area_km2,
        kreis_key=kreis.key if kreis else None,
        kreis_name=kreis.name if kreis else "",
        verbandsgemeinde_key=association.key if association else None,
        verbandsgemeinde_name=association.name if association else "",
        has_boundary=bool(getattr(body, "has_boundary", True)),
        grosse_kreisangehoerige_stadt=body.is_grosse_kreisangehoerige_stadt,
    )


def _bodies_with_chain(qs: QuerySet[Body]) -> list[Body]:
    return list(
        qs.select_related("parent__parent__parent")
        .annotate(has_boundary=Exists(BodyBoundary.objects.filter(body=OuterRef("pk"))))
        .order_by("name", "ars")
    )


def _facts(bodies: Sequence[Body]) -> AllianceFacts:
    ids = {body.pk: body.key for body in bodies}
    pairs: set[tuple[str, str]] = set()
    rows = BodyNeighbour.objects.filter(body_id__in=list(ids)).values_list(
        "body_id",
        "neighbour_id",
        "neighbour__parent_id",
        "neighbour__parent__parent_id",
        "neighbour__parent__parent__parent_id",
    )
    for body_id, *touched in rows:
        # The neighbour itself, or a member it lies in: bordering a part of a member (a VG next
        # to a VG of a member Landkreis) is bordering that member.
        for other in touched:
            if other in ids and other != body_id:
                pair = sorted((ids[body_id], ids[other]))
                pairs.add((pair[0], pair[1]))
    return derive_facts([_member_facts(body) for body in bodies], pairs)


def facts_for_bodies(bodies: Iterable[Body | int]) -> AllianceFacts:
    """Derived facts of any set of bodies (two queries)."""
    ids = [b if isinstance(b, int) else b.pk for b in bodies]
    return _facts(_bodies_with_chain(Body.objects.filter(pk__in=ids)))


def alliance_facts(alliance: Alliance) -> AllianceFacts:
    """Derived facts of the alliance's current members (two queries)."""
    members = Body.objects.filter(
        pk__in=Membership.objects.current().filter(alliance=alliance).values("body_id")
    )
    return _facts(_bodies_with_chain(members))


# --- single alliances ------------------------------------------------------------------------------


def access_alliance(principal: Principal, slug_or_id: str | int, *, need: str = "view") -> Alliance:
    """The alliance addressed by slug (``str``) or primary key (``int``), if ``principal`` may see it.

    ``need``: ``"view"`` (published or insider), ``"internal"`` (insiders only: a public viewer gets
    404 as for a missing one), ``"change"`` (visible, else 404; not changeable: 403).
    """
    lookup: dict[str, Any] = {"pk": slug_or_id} if isinstance(slug_or_id, int) else {"slug": slug_or_id}
    alliance = access_object(
        Alliance.objects,
        principal,
        need=policies.may_change_alliance if need == "change" else None,
        refusal=_(policies.CHANGE_REFUSAL),
        not_found=_("Kein solcher Verbund."),
        **lookup,
    )
    if need == "internal" and not policies.is_insider(principal, alliance.pk):
        raise NotFound(_("Kein solcher Verbund."))
    return alliance


def member_points(qs: AllianceQuerySet) -> dict[str, Any]:
    """The current members of every alliance in ``qs`` as one FeatureCollection of centroids (one query).

    One Feature per body, however many alliances it belongs to: ``properties.alliances`` holds
    indexes into the top-level ``alliances`` list (``[slug, name, status]``, in the order of the
    directory), ``properties.status`` is the status of the body's first alliance (a map's colour).
    That keeps the map of a thousand alliances a few hundred kilobytes and one query.
    """
    rows = (
        Membership.objects.current()
        .filter(
            alliance__in=qs.order_by().values("pk"),
            body__centroid_lat__isnull=False,
            body__centroid_lon__isnull=False,
        )
        .order_by("alliance__name", "alliance_id", "body__name")
        .values_list(
            "alliance_id",
            "alliance__slug",
            "alliance__name",
            "alliance__status",
            "body_id",
            "body__ars",
            "body__name",
            "body__centroid_lon",
            "body__centroid_lat",
        )
    )
    alliances: list[list[str]] = []
    index: dict[int, int] = {}
    features: dict[int, dict[str, Any]] = {}
    for alliance_id, slug, name, status, body_id, ars, body_name, lon, lat in rows:
        assert lon is not None and lat is not None  # filtered above
        if alliance_id not in index:
            index[alliance_id] = len(alliances)
            alliances.append([slug, name, status])
        feature = features.get(body_id)
        if feature is None:
            feature = features[body_id] = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {"ars": ars, "name": body_name, "status": status, "alliances": []},
            }
        feature["properties"]["alliances"].append(index[alliance_id])
    return {
        "type": "FeatureCollection",
        "alliances": alliances,
        # one colour per alliance shown, none repeated (the legend beside the map names them)
        "alliance_colours": alliance_colours(len(alliances)),
        "features": list(features.values()),
    }
