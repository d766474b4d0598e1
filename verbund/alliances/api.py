"""``/api/v1/alliances``: the alliance directory and its lifecycle, with the access rules of the UI.

Anonymous callers (and anyone outside an alliance) see published alliances with their public fields
only (:func:`verbund.alliances.selectors.alliance_public_data`); insiders (coordinators, staff and
heads of current members, the Beratungsstelle, the funding authority, operators) also get the
``internal`` block, the member history, the documents' metadata and the timeline. An alliance the
caller may not see answers 404, like one that does not exist; a write the caller may not make on an
alliance they see answers 403; a rule that refuses the write answers 422 with the German reason.
Lists cost a constant number of queries whatever ``limit`` is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus

from verbund.common.api import ErrorOut
from verbund.registry.models import Body, Kind

from . import services
from .access import access_alliance, access_alliance_internal, can_change
from .models import Alliance, AllianceRole, LegalForm, MemberRole, Membership, Status
from .selectors import (
    alliance_documents,
    alliance_facts,
    alliance_list,
    alliance_public_data,
    alliance_timeline,
    current_memberships,
    membership_history,
    viewer_is_insider,
)

router = Router()

ARS_PATTERN = r"^[0-9]{12}$"


# --- Schemas ----------------------------------------------------------------------------------------


class FieldRef(Schema):
    slug: str
    name: str


class MemberRef(Schema):
    ars: str = Field(description="Regionalschlüssel (12 Ziffern) der Mitgliedskörperschaft")
    name: str
    kind: Kind
    role: MemberRole
    role_label: str


class AllianceItem(Schema):
    """The public fields of an alliance (the same for everyone)."""

    slug: str
    name: str
    short_name: str
    status: Status
    status_label: str
    public_summary: str = Field(description="Kurzbeschreibung für die Öffentlichkeit")
    fields: list[FieldRef] = Field(description="Handlungsfelder")
    members: list[MemberRef] = Field(description="Aktuelle Mitglieder")
    url: str


class AlliancePage(Schema):
    items: list[AllianceItem]
    count: int


class AllianceInternal(Schema):
    description: str
    legal_form: LegalForm
    legal_form_label: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_published: bool
    sources: str
    coordinators: list[str] = Field(description="Namen der Verbundkoordination")
    can_change: bool = Field(description="Die anfragende Person darf den Verbund ändern")
    created_at: dt.datetime
    updated_at: dt.datetime


class AllianceDetail(AllianceItem):
    internal: AllianceInternal | None = Field(
        description="Nur für Beteiligte (Mitglieder, Koordination, Beratungsstelle …); sonst null"
    )


class MemberItem(MemberRef):
    joined_on: dt.date | None = Field(description="Beitritt (nur für Beteiligte)")
    left_on: dt.date | None = Field(description="Austritt (nur für Beteiligte)")
    confirmed: bool | None = Field(description="Von der Verwaltungsleitung bestätigt (nur für Beteiligte)")
    confirmed_at: dt.datetime | None


class MemberPage(Schema):
    items: list[MemberItem]
    count: int


class DocumentItem(Schema):
    id: int
    kind: str = Field(description="vereinbarung oder ratsbeschluss")
    title: str
    version: int | None = Field(description="Fassung (Vereinbarungen)")
    signed_on: dt.date | None
    body_ars: str | None = Field(description="Beschließende Körperschaft (Ratsbeschlüsse)")
    body_name: str | None
    decided_on: dt.date | None
    decided_by: str | None
    has_file: bool
    content_type: str
    size: int | None
    sha256: str
    uploaded_at: dt.datetime


class DocumentPage(Schema):
    items: list[DocumentItem]
    count: int


class FactOut(Schema):
    label: str
    value: Any
    reasoning: str


class FactsOut(Schema):
    member_count: int
    population: FactOut
    area_km2: FactOut
    mixed_levels: FactOut
    contiguous: FactOut
    supervisory_authority: FactOut
    ortsgemeinden_via_verbandsgemeinde: FactOut
    components: list[list[str]] = Field(description="Zusammenhängende Teilgebiete (Schlüssel der Mitglieder)")
    isolated: list[str] = Field(description="Mitglieder ohne gemeinsame Grenze mit einem anderen Mitglied")


class TimelineItem(Schema):
    from_status: str
    to_status: Status
    to_status_label: str
    changed_at: dt.datetime
    changed_by: str | None
    note: str


class TimelinePage(Schema):
    items: list[TimelineItem]
    count: int


class AllianceFilters(Schema):
    field: str | None = Field(
        None, max_length=60, description="Handlungsfeld (Kürzel, z. B. cybersicherheit)"
    )
    status: list[Status] | None = Field(None, description="Status; mehrfach angeben für mehrere")
    kreis: str | None = Field(
        None,
        pattern=r"^[0-9]{5}([0-9]{7})?$",
        description="Kreisschlüssel (5 Ziffern) oder ARS eines Kreises: Verbünde mit einem Mitglied darin",
    )
    member: str | None = Field(None, pattern=ARS_PATTERN, description="ARS eines aktuellen Mitglieds")
    q: str | None = Field(None, max_length=100, description="Name oder Kurzname enthält …")


class TransitionIn(Schema):
    to: Status = Field(description="Neuer Status")
    note: str = Field("", max_length=500)


class TransitionOut(Schema):
    from_status: Status
    status: Status
    status_label: str
    changed_at: dt.datetime


class MemberIn(Schema):
    ars: str = Field(pattern=ARS_PATTERN)
    role: MemberRole = MemberRole.MITGLIED
    joined_on: dt.date | None = None
    note: str = Field("", max_length=500)


# --- Serialisation ----------------------------------------------------------------------------------


def _item(alliance: Alliance, base_url: str) -> dict[str, Any]:
    return {**alliance_public_data(alliance), "url": f"{base_url}/{alliance.slug}"}


def _base_url() -> str:
    from django.urls import reverse

    return reverse("api:alliance_list")


def _member(m: Membership, *, insider: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ars": m.body.ars,
        "name": m.body.name,
        "kind": m.body.kind,
        "role": m.role,
        "role_label": m.get_role_display(),
        "joined_on": None,
        "left_on": None,
        "confirmed": None,
        "confirmed_at": None,
    }
    if insider:
        data.update(
            joined_on=m.joined_on, left_on=m.left_on, confirmed=m.is_confirmed, confirmed_at=m.confirmed_at
        )
    return data


def _fact(fact: Any) -> dict[str, Any]:
    value = fact.value
    if isinstance(value, tuple):
        value = [list(v) if isinstance(v, tuple) else v for v in value]
    elif value is not None and not isinstance(value, bool | int | str):
        value = float(value)  # Decimal km²
    return {"label": fact.label, "value": value, "reasoning": fact.reasoning}


# --- Endpoints --------------------------------------------------------------------------------------


@router.get("", response={200: AlliancePage, 422: ErrorOut}, url_name="alliance_list", summary="Verbünde")
def list_alliances(
    request: HttpRequest,
    filters: Query[AllianceFilters],
    limit: int = Query(50, ge=1, le=settings.API_PAGE_SIZE_MAX, description="Einträge je Seite"),
    offset: int = Query(0, ge=0, description="Einträge überspringen"),
) -> dict[str, Any]:
    """Die Verbünde, die die anfragende Person sehen darf (anonym: die veröffentlichten), nach Name."""
    qs = alliance_list(
        request.auth,  # type: ignore[attr-defined]
        field=filters.field,
        status=[str(s) for s in filters.status] if filters.status else None,
        kreis=filters.kreis,
        member=filters.member,
        q=filters.q,
    )
    base_url = _base_url()
    return {"count": qs.count(), "items": [_item(a, base_url) for a in qs[offset : offset + limit]]}


@router.get(
    "/{slug}",
    response={200: AllianceDetail, 404: ErrorOut},
    url_name="alliance_detail",
    summary="Ein Verbund",
)
def get_alliance(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Öffentliche Angaben; für Beteiligte zusätzlich der Block `internal`."""
    user = request.auth  # type: ignore[attr-defined]
    alliance = access_alliance(user, slug)
    data: dict[str, Any] = {**_item(alliance, _base_url()), "internal": None}
    if viewer_is_insider(user, alliance):
        coordinators = AllianceRole.objects.filter(alliance=alliance).select_related("user").order_by("id")
        data["internal"] = {
            "description": alliance.description,
            "legal_form": alliance.legal_form,
            "legal_form_label": alliance.get_legal_form_display(),
            "start_date": alliance.start_date,
            "end_date": alliance.end_date,
            "is_published": alliance.is_published,
            "sources": alliance.sources,
            "coordinators": [r.user.get_full_name() or r.user.get_username() for r in coordinators],
            "can_change": can_change(user, alliance),
            "created_at": alliance.created_at,
            "updated_at": alliance.updated_at,
        }
    return data


@router.get(
    "/{slug}/members",
    response={200: MemberPage, 404: ErrorOut},
    url_name="alliance_members",
    summary="Mitglieder eines Verbunds",
)
def list_members(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Öffentlich: die aktuellen Mitglieder. Beteiligte: alle Mitgliedschaften mit Beitritt und Austritt."""
    user = request.auth  # type: ignore[attr-defined]
    alliance = access_alliance(user, slug)
    insider = viewer_is_insider(user, alliance)
    rows = membership_history(alliance) if insider else current_memberships(alliance)
    items = [_member(m, insider=insider) for m in rows]
    return {"items": items, "count": len(items)}


@router.get(
    "/{slug}/documents",
    response={200: DocumentPage, 404: ErrorOut},
    url_name="alliance_documents",
    summary="Vereinbarungen und Ratsbeschlüsse (Metadaten)",
)
def list_documents(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Nur Metadaten (nie Speicherpfade); nur für Beteiligte, sonst 404."""
    alliance = access_alliance_internal(request.auth, slug)  # type: ignore[attr-defined]
    agreements, resolutions = alliance_documents(alliance)
    common = {"body_ars": None, "body_name": None, "decided_on": None, "decided_by": None}
    items: list[dict[str, Any]] = [
        {
            **common,
            "id": d.pk,
            "kind": "vereinbarung",
            "title": d.title,
            "version": d.version,
            "signed_on": d.signed_on,
            "has_file": bool(d.file),
            "content_type": d.content_type,
            "size": d.size,
            "sha256": d.sha256,
            "uploaded_at": d.uploaded_at,
        }
        for d in agreements
    ]
    items += [
        {
            "id": r.pk,
            "kind": "ratsbeschluss",
            "title": r.subject,
            "version": None,
            "signed_on": None,
            "body_ars": r.body.ars,
            "body_name": r.body.name,
            "decided_on": r.decided_on,
            "decided_by": r.organ_label,
            "has_file": bool(r.file),
            "content_type": r.content_type,
            "size": r.size,
            "sha256": r.sha256,
            "uploaded_at": r.uploaded_at,
        }
        for r in resolutions
    ]
    return {"items": items, "count": len(items)}


@router.get(
    "/{slug}/facts",
    response={200: FactsOut, 404: ErrorOut},
    url_name="alliance_facts",
    summary="Abgeleitete Angaben mit Begründung",
)
def get_facts(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Einwohner, Fläche, Ebenen, Zusammenhang, Aufsichtsbehörde, Ortsgemeinden: aus dem Register."""
    alliance = access_alliance(request.auth, slug)  # type: ignore[attr-defined]
    facts = alliance_facts(alliance)
    return {
        "member_count": facts.member_count,
        "population": _fact(facts.population),
        "area_km2": _fact(facts.area_km2),
        "mixed_levels": _fact(facts.mixed_levels),
        "contiguous": _fact(facts.contiguous),
        "supervisory_authority": _fact(facts.supervisory_authority),
        "ortsgemeinden_via_verbandsgemeinde": _fact(facts.ortsgemeinden_via_verbandsgemeinde),
        "components": [list(part) for part in facts.components],
        "isolated": list(facts.isolated_keys),
    }


@router.get(
    "/{slug}/timeline",
    response={200: TimelinePage, 404: ErrorOut},
    url_name="alliance_timeline",
    summary="Verlauf des Status",
)
def list_timeline(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Wer den Verbund wann in welchen Status gebracht hat; nur für Beteiligte."""
    alliance = access_alliance_internal(request.auth, slug)  # type: ignore[attr-defined]
    items = [
        {
            "from_status": c.from_status,
            "to_status": c.to_status,
            "to_status_label": c.get_to_status_display(),
            "changed_at": c.changed_at,
            "changed_by": (c.changed_by.get_full_name() or c.changed_by.get_username())
            if c.changed_by
            else None,
            "note": c.note,
        }
        for c in alliance_timeline(alliance)
    ]
    return {"items": items, "count": len(items)}


@router.post(
    "/{slug}/transitions",
    response={200: TransitionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="alliance_transition",
    summary="Status wechseln",
)
def post_transition(request: HttpRequest, slug: str, payload: TransitionIn) -> dict[str, Any]:
    """Nächste Stufe oder „beendet“; 422 mit Begründung, wenn der Wechsel nicht erlaubt ist."""
    user = request.auth  # type: ignore[attr-defined]
    alliance = access_alliance(user, slug, for_change=True)
    change = services.alliance_transition(
        acting_user=user, alliance=alliance, to_status=str(payload.to), note=payload.note
    )
    return {
        "from_status": change.from_status,
        "status": change.to_status,
        "status_label": change.get_to_status_display(),
        "changed_at": change.changed_at,
    }


@router.post(
    "/{slug}/members",
    response={201: MemberItem, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="alliance_member_add",
    summary="Mitglied aufnehmen",
)
def post_member(request: HttpRequest, slug: str, payload: MemberIn) -> HttpStatus[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    alliance = access_alliance(user, slug, for_change=True)
    body = get_object_or_404(Body.objects.visible_to(user), ars=payload.ars)
    membership = services.member_add(
        acting_user=user,
        alliance=alliance,
        body=body,
        role=str(payload.role),
        joined_on=payload.joined_on,
        note=payload.note,
    )
    return HttpStatus(201, _member(membership, insider=True))


@router.delete(
    "/{slug}/members/{ars}",
    response={200: MemberItem, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="alliance_member_remove",
    summary="Mitgliedschaft beenden",
)
def delete_member(
    request: HttpRequest,
    slug: str,
    ars: str,
    left_on: dt.date | None = None,
) -> dict[str, Any]:
    """Setzt das Austrittsdatum `left_on` (Standard: heute); die Mitgliedschaft bleibt in der Historie."""
    user = request.auth  # type: ignore[attr-defined]
    alliance = access_alliance(user, slug, for_change=True)
    membership = (
        Membership.objects.current().filter(alliance=alliance, body__ars=ars).select_related("body").first()
    )
    if membership is None:
        raise Http404("Kein solches Mitglied.")
    membership = services.member_remove(acting_user=user, membership=membership, left_on=left_on)
    return _member(membership, insider=True)
