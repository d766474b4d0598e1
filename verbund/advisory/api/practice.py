"""``/api/v1/advisory``: the knowledge base of good practice.

* ``GET /practice`` (``q``, ``task``, ``field``, ``size``, ``region``, ``legal_form``, ``status``,
  ``partner_search``; paginated) and ``GET /practice/{slug}`` — what the caller reads (published
  public records for everyone); an invisible record is a 404.
* ``POST /practice``, ``PATCH /practice/{slug}``, ``POST /practice/{slug}/publish``,
  ``POST /practice/{slug}/withdraw``, ``POST /practice/from-alliance/{alliance_slug}`` — the
  Beratungsstelle (403 for others, 401 without login). A field at fault is a 422 naming it.
* ``GET /practice/like/{ars}`` (``task``) — "projects like mine" for a body, with the score.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.alliances.models import Alliance, FieldOfAction
from verbund.common.api import ErrorOut, Page, PageParams, api_principal, api_user
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid, NotFound
from verbund.registry.models import Body
from verbund.shared_services.models import Task

from ..models import PracticeRecord
from ..services import practice as svc
from .cases import _run

router = Router()
_READ: dict[int, Any] = {404: ErrorOut, 422: ErrorOut}
_WRITE: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PracticeMemberOut(Schema):
    ars: str
    name: str
    role: str


class PracticeDocumentOut(Schema):
    id: int
    kind: str
    title: str
    url: str = Field(description="Fundstelle (leer bei einer Datei)")
    dated: dt.date | None
    licence: str
    reusable: bool


class PracticeOut(Schema):
    slug: str
    title: str
    summary: str
    task_area: str
    task: str | None = Field(description="Kennung der Aufgabe (geteilte Dienste)")
    field_of_action: str | None = Field(description="Kennung des Handlungsfelds")
    legal_form: str
    status: str
    population: int = Field(description="Einwohner der Mitglieder (Register)")
    kreis_prefixes: list[str] = Field(description="Kreise der Mitglieder (5 Ziffern des Regionalschlüssels)")
    partner_search: bool
    visibility: str
    published_at: dt.datetime | None
    last_reviewed: dt.date


class PracticeDetailOut(PracticeOut):
    alliance: str | None = Field(description="Kürzel des Verbunds")
    lead: str | None = Field(description="Regionalschlüssel der federführenden Kommune")
    members: list[PracticeMemberOut]
    documents: list[PracticeDocumentOut]
    contact_persons: list[dict[str, Any]]
    service_keys: list[str]
    supervisory_approval_on: dt.date | None
    supervisory_authority: str
    start_date: dt.date | None
    duration_years: int | None
    exit_clause: str
    cost_allocation_key: str
    baseline_costs: Decimal | None
    expected_savings: Decimal | None
    actual_savings: Decimal | None
    quality_effects: str
    funding: list[dict[str, Any]]
    kpis: list[dict[str, Any]]
    lessons_learned: str
    partner_search_text: str
    award: str
    tags: list[str]
    sources: str


class PracticeFilter(Schema):
    q: str | None = Field(
        None, max_length=200, description="Titel, Beschreibung, Erfahrungen oder Schlagwort enthält …"
    )
    task: str | None = Field(None, max_length=60, description="Kennung der Aufgabe")
    field: str | None = Field(None, max_length=60, description="Kennung des Handlungsfelds")
    size: str | None = Field(None, max_length=20, description="Größenklasse: " + ", ".join(svc.SIZE_CLASSES))
    region: str | None = Field(
        None, max_length=5, description="Kreis: die ersten 5 Ziffern des Regionalschlüssels"
    )
    legal_form: str | None = Field(None, max_length=30)
    status: str | None = Field(None, max_length=20)
    partner_search: bool = Field(False, description="nur Projekte, die Partner suchen")


class PracticeIn(Schema):
    """The fields of the record structure (all optional in a PATCH)."""

    slug: str | None = Field(None, max_length=80)
    title: str | None = Field(None, max_length=200)
    summary: str | None = Field(None, max_length=20_000)
    alliance: str | None = Field(None, max_length=80, description="Kürzel des Verbunds")
    task: str | None = Field(None, max_length=60, description="Kennung der Aufgabe")
    field_of_action: str | None = Field(None, max_length=60, description="Kennung des Handlungsfelds")
    task_area: str | None = Field(None, max_length=100)
    service_keys: list[str] | None = None
    legal_form: str | None = Field(None, max_length=30)
    supervisory_approval_on: dt.date | None = None
    supervisory_authority: str | None = Field(None, max_length=200)
    status: str | None = Field(None, max_length=20)
    start_date: dt.date | None = None
    duration_years: int | None = Field(None, ge=1, le=99)
    exit_clause: str | None = Field(None, max_length=20_000)
    cost_allocation_key: str | None = Field(None, max_length=20_000)
    baseline_costs: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    expected_savings: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    actual_savings: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    quality_effects: str | None = Field(None, max_length=20_000)
    contact_persons: list[dict[str, Any]] | None = None
    funding: list[dict[str, Any]] | None = None
    kpis: list[dict[str, Any]] | None = None
    lessons_learned: str | None = Field(None, max_length=20_000)
    partner_search: bool | None = None
    partner_search_text: str | None = Field(None, max_length=20_000)
    award: str | None = Field(None, max_length=300)
    tags: list[str] | None = None
    visibility: str | None = Field(None, max_length=20)
    sources: str | None = Field(None, max_length=20_000)
    last_reviewed: dt.date | None = None
    members: list[PracticeMemberIn] | None = Field(None, description="ersetzt die Mitglieder")


class PracticeMemberIn(Schema):
    ars: str = Field(pattern=r"^[0-9]{12}$")
    role: str = Field("partner", description="federfuehrend, partner oder landkreis")


PracticeIn.model_rebuild()


class PracticePublishIn(Schema):
    visibility: str | None = Field(None, max_length=20, description="oeffentlich, programm oder verbund")


class PracticeLikeOut(Schema):
    record: PracticeOut
    score: int = Field(description="0 bis 100: Aufgabe 50, Größe 30, Nähe 20")
    same_task: bool
    size_ratio: float | None = Field(description="Einwohner der Körperschaft / Einwohner je Mitglied")
    distance_km: float | None


def _out(record: PracticeRecord) -> dict[str, Any]:
    return {
        "slug": record.slug,
        "title": record.title,
        "summary": record.summary,
        "task_area": record.task_area,
        "task": record.task.slug if record.task else None,
        "field_of_action": record.field_of_action.slug if record.field_of_action else None,
        "legal_form": record.legal_form,
        "status": record.status,
        "population": record.population,
        "kreis_prefixes": list(record.kreis_prefixes or []),
        "partner_search": record.partner_search,
        "visibility": record.visibility,
        "published_at": record.published_at,
        "last_reviewed": record.last_reviewed,
    }


_DETAIL_FIELDS = [
    "contact_persons",
    "service_keys",
    "supervisory_approval_on",
    "supervisory_authority",
    "start_date",
    "duration_years",
    "exit_clause",
    "cost_allocation_key",
    "baseline_costs",
    "expected_savings",
    "actual_savings",
    "quality_effects",
    "funding",
    "kpis",
    "lessons_learned",
    "partner_search_text",
    "award",
    "tags",
    "sources",
]


def _detail(record: PracticeRecord) -> dict[str, Any]:
    data = _out(record)
    for name in _DETAIL_FIELDS:
        data[name] = getattr(record, name)
    data["alliance"] = record.alliance.slug if record.alliance else None
    data["lead"] = record.lead_body.ars if record.lead_body else None
    data["members"] = [
        {"ars": m.body.ars, "name": m.body.name, "role": m.role}
        for m in record.members.select_related("body")
    ]
    data["documents"] = list(record.documents.all())
    return data


def _values(payload: PracticeIn) -> tuple[dict[str, Any], list[tuple[Body, str]] | None]:
    data = payload.dict(exclude_unset=True)
    member_data = data.pop("members", None)
    errors: dict[str, list[str]] = {}
    lookups = {
        "alliance": (Alliance, "slug"),
        "task": (Task, "slug"),
        "field_of_action": (FieldOfAction, "slug"),
    }
    for name, (model, key) in lookups.items():
        if data.get(name):
            found = model.objects.filter(**{key: data[name]}).first()  # type: ignore[attr-defined]
            if found is None:
                errors[name] = [_("Unbekannte Kennung „%(key)s“.") % {"key": data[name]}]
            data[name] = found
    members: list[tuple[Body, str]] | None = None
    if member_data is not None:
        bodies = {b.ars: b for b in Body.objects.filter(ars__in=[m["ars"] for m in member_data])}
        unknown = [m["ars"] for m in member_data if m["ars"] not in bodies]
        if unknown:
            errors["members"] = [_("Unbekannte Regionalschlüssel: %(keys)s") % {"keys": ", ".join(unknown)}]
        else:
            members = [(bodies[m["ars"]], m["role"]) for m in member_data]
    if errors:
        raise Invalid(fields=errors)
    return data, members


def _record(request: HttpRequest, slug: str) -> PracticeRecord:
    return svc.record_for(api_principal(request), slug)


@router.get("/practice", response=Page[PracticeOut], tags=["advisory"], summary="Praxisbeispiele suchen")
def practice_list(
    request: HttpRequest, filters: Query[PracticeFilter], page: Query[PageParams]
) -> dict[str, Any]:
    wanted = svc.SearchFilters(
        q=filters.q or "",
        task=filters.task or "",
        field=filters.field or "",
        size=filters.size or "",
        region=filters.region or "",
        legal_form=filters.legal_form or "",
        status=filters.status or "",
        partner_search=filters.partner_search,
    )
    svc.check_filters(wanted)
    return paginate_api(svc.search(api_principal(request), wanted), page, convert=_out)


@router.post(
    "/practice",
    response={201: PracticeDetailOut, **_WRITE},
    tags=["advisory"],
    summary="Praxisbeispiel anlegen",
)
def practice_create(request: HttpRequest, payload: PracticeIn) -> Any:
    user = api_user(request)
    values, members = _run(lambda: _values(payload))
    record = _run(lambda: svc.practice_create(actor=user, values=values, members=members or []))
    return HttpStatus(201, _detail(record))


@router.post(
    "/practice/from-alliance/{alliance_slug}",
    response={201: PracticeDetailOut, **_WRITE},
    tags=["advisory"],
    summary="Praxisbeispiel aus einem Verbund anlegen",
)
def practice_from_alliance(request: HttpRequest, alliance_slug: str) -> Any:
    user = api_user(request)
    alliance = Alliance.objects.filter(slug=alliance_slug).first()
    if alliance is None:
        raise NotFound(_("Kein Verbund mit diesem Kürzel."))
    record = svc.prefill_from_alliance(actor=user, alliance=alliance)
    return HttpStatus(201, _detail(record))


@router.get(
    "/practice/like/{ars}",
    response={200: list[PracticeLikeOut], **_READ},
    tags=["advisory"],
    summary="Praxisbeispiele wie meins",
)
def practice_like(request: HttpRequest, ars: str, task: str | None = None) -> list[dict[str, Any]]:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise NotFound(_("Körperschaft nicht gefunden."))
    wanted = None
    if task:
        wanted = Task.objects.filter(slug=task).first()
        if wanted is None:
            raise Invalid(fields={"task": [_("Unbekannte Kennung „%(key)s“.") % {"key": task}]})
    return [
        {
            "record": _out(s.record),
            "score": s.score,
            "same_task": s.same_task,
            "size_ratio": s.size_ratio,
            "distance_km": s.distance_km,
        }
        for s in svc.like_mine(api_principal(request), body, task=wanted)
    ]


@router.get(
    "/practice/{slug}",
    response={200: PracticeDetailOut, **_READ},
    tags=["advisory"],
    summary="Ein Praxisbeispiel",
)
def practice_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _detail(_record(request, slug))


@router.patch(
    "/practice/{slug}",
    response={200: PracticeDetailOut, **_WRITE},
    tags=["advisory"],
    summary="Praxisbeispiel ändern",
)
def practice_patch(request: HttpRequest, slug: str, payload: PracticeIn) -> dict[str, Any]:
    user = api_user(request)
    record = _record(request, slug)
    values, members = _run(lambda: _values(payload))
    record = _run(lambda: svc.practice_update(actor=user, record=record, values=values))
    if members is not None:
        record = _run(lambda: svc.practice_members_set(actor=user, record=record, members=members))
    return _detail(record)


@router.post(
    "/practice/{slug}/publish",
    response={200: PracticeDetailOut, **_WRITE},
    tags=["advisory"],
    summary="Praxisbeispiel veröffentlichen",
)
def practice_publish(request: HttpRequest, slug: str, payload: PracticePublishIn) -> dict[str, Any]:
    user = api_user(request)
    found = _record(request, slug)
    record = _run(lambda: svc.practice_publish(actor=user, record=found, visibility=payload.visibility))
    return _detail(record)


@router.post(
    "/practice/{slug}/withdraw",
    response={200: PracticeDetailOut, **_WRITE},
    tags=["advisory"],
    summary="Praxisbeispiel zurückziehen",
)
def practice_withdraw(request: HttpRequest, slug: str) -> dict[str, Any]:
    user = api_user(request)
    return _detail(svc.practice_withdraw(actor=user, record=_record(request, slug)))
