"""``/api/v1/alliances``: the alliance directory, its lifecycle and its coordination, with the access
rules of the UI.

Anonymous callers (and anyone outside an alliance) see published alliances with their public fields
only (:func:`verbund.alliances.selectors.alliance_public_data`); insiders (coordinators, staff and
heads of current members, the Beratungsstelle, the funding authority, operators) also get the
``internal`` block, the member history, the documents' metadata, the timeline and the coordinators.
An alliance the caller may not see answers 404, like one that does not exist; a write the caller may
not make on an alliance they see answers 403; a rule that refuses the write answers 422 (or 409 for
the state) with the German reason (:mod:`verbund.common.api`). Lists are ``{"items", "count"}``
pages (``limit``/``offset``) and cost a constant number of queries whatever ``limit`` is.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus

from verbund.common.api import ErrorOut, Page, PageParams, api_principal, api_user, choices_enum, paginate
from verbund.common.errors import Invalid, NotFound
from verbund.registry.models import Body, Kind

from . import policies, services
from .models import Alliance, LegalForm, MemberRole, Membership, Status
from .selectors import (
    access_alliance,
    alliance_documents,
    alliance_facts,
    alliance_list,
    alliance_public_data,
    alliance_timeline,
    coordinators_of,
    current_memberships,
    is_insider_of,
    membership_history,
)

router = Router()

ARS_PATTERN = r"^[0-9]{12}$"

# The schema's own name for the alliance status (the funding part has a ``Status`` of its own).
if TYPE_CHECKING:
    AllianceStatus = Status
else:
    AllianceStatus = choices_enum(
        "AllianceStatus",
        Status,
        "Status eines Verbunds: idee, anbahnung, vereinbarung, umsetzung, regelbetrieb oder beendet.",
    )


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
    status: AllianceStatus
    status_label: str
    public_summary: str = Field(description="Kurzbeschreibung für die Öffentlichkeit")
    fields: list[FieldRef] = Field(description="Handlungsfelder")
    members: list[MemberRef] = Field(description="Aktuelle Mitglieder")
    url: str


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
        None, description="Nur für Beteiligte (Mitglieder, Koordination, Beratungsstelle …); sonst null"
    )


class MemberItem(MemberRef):
    joined_on: dt.date | None = Field(default=None, description="Beitritt (nur für Beteiligte)")
    left_on: dt.date | None = Field(default=None, description="Austritt (nur für Beteiligte)")
    confirmed: bool | None = Field(
        None, description="Von der Verwaltungsleitung bestätigt (nur für Beteiligte)"
    )
    confirmed_at: dt.datetime | None = None


class DocumentItem(Schema):
    id: int
    kind: str = Field(description="vereinbarung oder ratsbeschluss")
    title: str
    version: int | None = Field(default=None, description="Fassung (Vereinbarungen)")
    signed_on: dt.date | None = None
    body_ars: str | None = Field(default=None, description="Beschließende Körperschaft (Ratsbeschlüsse)")
    body_name: str | None = None
    decided_on: dt.date | None = None
    decided_by: str | None = None
    has_file: bool
    content_type: str
    size: int | None
    sha256: str
    uploaded_at: dt.datetime


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
    to_status: AllianceStatus
    to_status_label: str
    changed_at: dt.datetime
    changed_by: str | None
    note: str


class AllianceFilters(Schema):
    field: str | None = Field(
        None, max_length=60, description="Handlungsfeld (Kürzel, z. B. cybersicherheit)"
    )
    status: list[AllianceStatus] | None = Field(
        default=None, description="Status; mehrfach angeben für mehrere"
    )
    kreis: str | None = Field(
        None,
        pattern=r"^[0-9]{5}([0-9]{7})?$",
        description="Kreisschlüssel (5 Ziffern) oder ARS eines Kreises: Verbünde mit einem Mitglied darin",
    )
    member: str | None = Field(default=None, pattern=ARS_PATTERN, description="ARS eines aktuellen Mitglieds")
    q: str | None = Field(default=None, max_length=100, description="Name oder Kurzname enthält …")


class TransitionIn(Schema):
    to: AllianceStatus = Field(description="Neuer Status")
    note: str = Field("", max_length=500)


class TransitionOut(Schema):
    from_status: AllianceStatus
    status: AllianceStatus
    status_label: str
    changed_at: dt.datetime


class MemberIn(Schema):
    ars: str = Field(pattern=ARS_PATTERN)
    role: MemberRole = MemberRole.MITGLIED
    joined_on: dt.date | None = None
    note: str = Field("", max_length=500)


class CoordinatorOut(Schema):
    username: str
    name: str = Field(description="Vollständiger Name (oder Benutzername)")


class CoordinatorIn(Schema):
    username: str = Field(max_length=150, description="Benutzername der Person")


# --- Serialisation ----------------------------------------------------------------------------------


def _base_url() -> str:
    return reverse("api:alliance_list")


def _item(alliance: Alliance) -> AllianceItem:
    return AllianceItem(**alliance_public_data(alliance), url=f"{_base_url()}/{alliance.slug}")


def _member(m: Membership, *, insider: bool) -> MemberItem:
    return MemberItem(
        ars=m.body.ars,
        name=m.body.name,
        kind=Kind(m.body.kind),
        role=MemberRole(m.role),
        role_label=m.get_role_display(),
        joined_on=m.joined_on if insider else None,
        left_on=m.left_on if insider else None,
        confirmed=m.is_confirmed if insider else None,
        confirmed_at=m.confirmed_at if insider else None,
    )


def _fact(fact: Any) -> FactOut:
    value = fact.value
    if isinstance(value, tuple):
        value = [list(v) if isinstance(v, tuple) else v for v in value]
    elif value is not None and not isinstance(value, bool | int | str):
        value = float(value)  # Decimal km²
    return FactOut(label=fact.label, value=value, reasoning=fact.reasoning)


def _person_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _coordinator(user: Any) -> CoordinatorOut:
    return CoordinatorOut(username=user.get_username(), name=_person_name(user))


def _named_user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise Invalid(fields={"username": [_("Kein aktives Benutzerkonto mit diesem Benutzernamen.")]})
    return user


# --- Endpoints --------------------------------------------------------------------------------------


@router.get(
    "", response={200: Page[AllianceItem], 422: ErrorOut}, url_name="alliance_list", summary="Verbünde"
)
def list_alliances(
    request: HttpRequest, filters: Query[AllianceFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Verbünde, die die anfragende Person sehen darf (anonym: die veröffentlichten), nach Name."""
    qs = alliance_list(
        api_principal(request),
        field=filters.field,
        status=[str(s) for s in filters.status] if filters.status else None,
        kreis=filters.kreis,
        member=filters.member,
        q=filters.q,
    )
    return paginate(qs, page, convert=_item)


@router.get(
    "/{slug}",
    response={200: AllianceDetail, 404: ErrorOut},
    url_name="alliance_detail",
    summary="Ein Verbund",
)
def get_alliance(request: HttpRequest, slug: str) -> AllianceDetail:
    """Öffentliche Angaben; für Beteiligte zusätzlich der Block `internal`."""
    principal = api_principal(request)
    alliance = access_alliance(principal, slug)
    detail = AllianceDetail(**_item(alliance).dict(), internal=None)
    if is_insider_of(principal, alliance):
        detail.internal = AllianceInternal(
            description=alliance.description,
            legal_form=LegalForm(alliance.legal_form),
            legal_form_label=alliance.get_legal_form_display(),
            start_date=alliance.start_date,
            end_date=alliance.end_date,
            is_published=alliance.is_published,
            sources=alliance.sources,
            coordinators=[_person_name(u) for u in coordinators_of(alliance)],
            can_change=policies.may_change(principal, alliance.pk),
            created_at=alliance.created_at,
            updated_at=alliance.updated_at,
        )
    return detail


@router.get(
    "/{slug}/members",
    response={200: Page[MemberItem], 404: ErrorOut},
    url_name="alliance_members",
    summary="Mitglieder eines Verbunds",
)
def list_members(request: HttpRequest, slug: str, page: Query[PageParams]) -> dict[str, Any]:
    """Öffentlich: die aktuellen Mitglieder. Beteiligte: alle Mitgliedschaften mit Beitritt und Austritt."""
    principal = api_principal(request)
    alliance = access_alliance(principal, slug)
    insider = is_insider_of(principal, alliance)
    rows = membership_history(alliance) if insider else current_memberships(alliance)
    return paginate(rows, page, convert=lambda m: _member(m, insider=insider))


@router.get(
    "/{slug}/documents",
    response={200: Page[DocumentItem], 404: ErrorOut},
    url_name="alliance_documents",
    summary="Vereinbarungen und Ratsbeschlüsse (Metadaten)",
)
def list_documents(request: HttpRequest, slug: str, page: Query[PageParams]) -> dict[str, Any]:
    """Nur Metadaten (nie Speicherpfade); nur für Beteiligte, sonst 404."""
    alliance = access_alliance(api_principal(request), slug, need="internal")
    agreements, resolutions = alliance_documents(alliance)
    items = [
        DocumentItem(
            id=d.pk,
            kind="vereinbarung",
            title=d.title,
            version=d.version,
            signed_on=d.signed_on,
            has_file=bool(d.file),
            content_type=d.content_type,
            size=d.size,
            sha256=d.sha256,
            uploaded_at=d.uploaded_at,
        )
        for d in agreements
    ]
    items += [
        DocumentItem(
            id=r.pk,
            kind="ratsbeschluss",
            title=r.subject,
            body_ars=r.body.ars,
            body_name=r.body.name,
            decided_on=r.decided_on,
            decided_by=r.organ_label,
            has_file=bool(r.file),
            content_type=r.content_type,
            size=r.size,
            sha256=r.sha256,
            uploaded_at=r.uploaded_at,
        )
        for r in resolutions
    ]
    return paginate(items, page)


@router.get(
    "/{slug}/facts",
    response={200: FactsOut, 404: ErrorOut},
    url_name="alliance_facts",
    summary="Abgeleitete Angaben mit Begründung",
)
def get_facts(request: HttpRequest, slug: str) -> FactsOut:
    """Einwohner, Fläche, Ebenen, Zusammenhang, Aufsichtsbehörde, Ortsgemeinden: aus dem Register."""
    facts = alliance_facts(access_alliance(api_principal(request), slug))
    return FactsOut(
        member_count=facts.member_count,
        population=_fact(facts.population),
        area_km2=_fact(facts.area_km2),
        mixed_levels=_fact(facts.mixed_levels),
        contiguous=_fact(facts.contiguous),
        supervisory_authority=_fact(facts.supervisory_authority),
        ortsgemeinden_via_verbandsgemeinde=_fact(facts.ortsgemeinden_via_verbandsgemeinde),
        components=[list(part) for part in facts.components],
        isolated=list(facts.isolated_keys),
    )


@router.get(
    "/{slug}/timeline",
    response={200: Page[TimelineItem], 404: ErrorOut},
    url_name="alliance_timeline",
    summary="Verlauf des Status",
)
def list_timeline(request: HttpRequest, slug: str, page: Query[PageParams]) -> dict[str, Any]:
    """Wer den Verbund wann in welchen Status gebracht hat; nur für Beteiligte."""
    alliance = access_alliance(api_principal(request), slug, need="internal")
    return paginate(
        alliance_timeline(alliance),
        page,
        convert=lambda c: TimelineItem(
            from_status=c.from_status,
            to_status=c.to_status,
            to_status_label=c.get_to_status_display(),
            changed_at=c.changed_at,
            changed_by=_person_name(c.changed_by) if c.changed_by else None,
            note=c.note,
        ),
    )


@router.post(
    "/{slug}/transitions",
    response={200: TransitionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="alliance_transition",
    summary="Status wechseln",
)
def post_transition(request: HttpRequest, slug: str, payload: TransitionIn) -> TransitionOut:
    """Nächste Stufe oder „beendet“; 409 mit Begründung, wenn der Stand den Wechsel nicht erlaubt."""
    alliance = access_alliance(api_principal(request), slug, need="change")
    user = api_user(request)
    change = services.alliance_transition(
        actor=user, alliance=alliance, to_status=str(payload.to), note=payload.note
    )
    return TransitionOut(
        from_status=Status(change.from_status),
        status=Status(change.to_status),
        status_label=change.get_to_status_display(),
        changed_at=change.changed_at,
    )


@router.post(
    "/{slug}/members",
    response={201: MemberItem, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="alliance_member_add",
    summary="Mitglied aufnehmen",
)
def post_member(request: HttpRequest, slug: str, payload: MemberIn) -> HttpStatus[MemberItem]:
    principal = api_principal(request)
    alliance = access_alliance(principal, slug, need="change")
    user = api_user(request)
    body = Body.objects.visible_to(principal).filter(ars=payload.ars).first()
    if body is None:
        raise NotFound(_("Keine solche Körperschaft."))
    membership = services.member_add(
        actor=user,
        alliance=alliance,
        body=body,
        role=str(payload.role),
        joined_on=payload.joined_on,
        note=payload.note,
    )
    return HttpStatus(201, _member(membership, insider=True))


@router.delete(
    "/{slug}/members/{ars}",
    response={200: MemberItem, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="alliance_member_remove",
    summary="Mitgliedschaft beenden",
)
def delete_member(request: HttpRequest, slug: str, ars: str, left_on: dt.date | None = None) -> MemberItem:
    """Setzt das Austrittsdatum `left_on` (Standard: heute); die Mitgliedschaft bleibt in der Historie."""
    alliance = access_alliance(api_principal(request), slug, need="change")
    user = api_user(request)
    membership = (
        Membership.objects.current().filter(alliance=alliance, body__ars=ars).select_related("body").first()
    )
    if membership is None:
        raise NotFound(_("Kein solches Mitglied."))
    membership = services.member_remove(actor=user, membership=membership, left_on=left_on)
    return _member(membership, insider=True)


@router.get(
    "/{slug}/coordinators",
    response={200: Page[CoordinatorOut], 404: ErrorOut},
    url_name="alliance_coordinators",
    summary="Verbundkoordination",
)
def list_coordinators(request: HttpRequest, slug: str, page: Query[PageParams]) -> dict[str, Any]:
    """Wer den Verbund koordiniert; nur für Beteiligte."""
    alliance = access_alliance(api_principal(request), slug, need="internal")
    return paginate(coordinators_of(alliance), page, convert=_coordinator)


@router.post(
    "/{slug}/coordinators",
    response={201: CoordinatorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="alliance_coordinator_add",
    summary="Koordination teilen",
)
def post_coordinator(request: HttpRequest, slug: str, payload: CoordinatorIn) -> HttpStatus[CoordinatorOut]:
    """Eine weitere Person koordiniert den Verbund mit (Beschäftigte eines Mitglieds; der
    Plattformbetrieb kann jede Person benennen)."""
    alliance = access_alliance(api_principal(request), slug, need="change")
    user = api_user(request)
    successor = _named_user(payload.username)
    services.coordinator_assign(actor=user, alliance=alliance, user=successor)
    return HttpStatus(201, _coordinator(successor))


@router.post(
    "/{slug}/coordinators/handover",
    response={200: CoordinatorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="alliance_coordinator_handover",
    summary="Koordination übergeben",
)
def post_handover(request: HttpRequest, slug: str, payload: CoordinatorIn) -> CoordinatorOut:
    """Die anfragende Koordination übergibt an die genannte Person; ihre eigene Rolle endet."""
    alliance = access_alliance(api_principal(request), slug, need="change")
    user = api_user(request)
    successor = _named_user(payload.username)
    services.coordinator_handover(actor=user, alliance=alliance, user=successor)
    return _coordinator(successor)


@router.delete(
    "/{slug}/coordinators/{username}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="alliance_coordinator_revoke",
    summary="Koordination beenden",
)
def delete_coordinator(request: HttpRequest, slug: str, username: str) -> HttpStatus[None]:
    """Beendet die Koordination einer Person (auch die eigene); die letzte bleibt (409)."""
    alliance = access_alliance(api_principal(request), slug, need="change")
    user = api_user(request)
    coordinator = next((u for u in coordinators_of(alliance) if u.get_username() == username), None)
    if coordinator is None:
        raise NotFound(_("Keine solche Verbundkoordination."))
    services.coordinator_revoke(actor=user, alliance=alliance, user=coordinator)
    return HttpStatus(204, None)
