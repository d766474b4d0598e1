"""``/api/v1/knowledge/council``: search across all harvested councils (public, no login).

* ``GET /council/search?q=&city=&source=&body=&type=&from=&to=&sort=`` — the objects found, best
  first (``sort=date``: newest first; without ``q`` every object, newest first), paginated
  (``limit``, ``offset``). Each with ``name_html`` and ``snippet_html``: the name and a passage of
  the text as HTML, everything escaped but the hits in ``<mark>``. ``city`` is the 12-digit ARS of
  the registry body a source belongs to, ``body`` an OParl body's URL. Deleted objects never appear.
* ``GET /council/objects/{object_id}`` — one object with its text and OParl data; a deleted one
  (``deleted: true``) without text and data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, choices_enum, named_refusal
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid

from ..models import OParlObject, OParlType
from ..services import search as svc

router = Router()
_ERRORS: dict[int, Any] = {422: ErrorOut}

CouncilObjectType = choices_enum("CouncilObjectType", OParlType, "Typ des OParl-Objekts")


class CouncilSearchFilter(Schema):
    q: str = Field(
        "",
        max_length=svc.MAX_QUERY_LENGTH,
        description='Suchwörter (alle müssen vorkommen), "Wortfolge", -ausschließen, Wortanfang*',
    )
    city: str | None = Field(
        None, pattern=r"^\d{12}$", description="ARS der Stadt (Körperschaft des Registers) der Quelle"
    )
    source: int | None = Field(None, ge=1, le=2**63 - 1, description="Kennung des Ratsinformationssystems")
    body: str | None = Field(None, max_length=500, description="URL der OParl-Körperschaft (body)")
    type: list[CouncilObjectType] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Typen (mehrfach möglich), z. B. Paper, File, Meeting"
    )
    date_from: dt.date | None = Field(None, alias="from", description="Datum ab (JJJJ-MM-TT)")
    date_to: dt.date | None = Field(None, alias="to", description="Datum bis (JJJJ-MM-TT)")
    sort: str = Field(
        svc.SortOrder.RELEVANCE, pattern="^(relevance|date)$", description="relevance oder date"
    )


class CouncilCity(Schema):
    ars: str | None = Field(description="ARS der Körperschaft des Registers (leer: Quelle ohne Zuordnung)")
    name: str


class CouncilSourceRef(Schema):
    id: int
    name: str


class CouncilHitOut(Schema):
    id: int
    type: str
    type_label: str
    name: str
    name_html: str = Field(description="Bezeichnung als HTML, Treffer in <mark>")
    reference: str
    date: dt.date | None
    city: CouncilCity
    source: CouncilSourceRef
    body_url: str
    oparl_id: str
    web_url: str = Field(description="Seite des Objekts in der Quelle (OParl web), sonst seine OParl-ID")
    snippet_html: str = Field(description="Textauszug als HTML, Treffer in <mark>, alles andere maskiert")
    rank: float | None = Field(description="Relevanz (höher ist besser; leer ohne Suchwörter)")


class CouncilObjectOut(Schema):
    id: int
    type: str
    type_label: str
    name: str
    reference: str
    date: dt.date | None
    created: dt.datetime | None
    modified: dt.datetime | None
    deleted: bool
    city: CouncilCity
    source: CouncilSourceRef
    body_url: str
    oparl_id: str
    web_url: str
    text: str = Field(description="durchsuchbarer Text (leer bei gelöschten Objekten)")
    data: dict[str, Any] = Field(description="das OParl-Objekt, wie es abgerufen wurde (leer bei gelöschten)")
    harvested_at: dt.datetime


def _hit_out(hit: svc.Hit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "type": hit.type,
        "type_label": hit.type_label,
        "name": hit.name,
        "name_html": str(hit.name_html),
        "reference": hit.reference,
        "date": hit.date,
        "city": {"ars": hit.city_ars, "name": hit.city_name},
        "source": {"id": hit.source_id, "name": hit.source_name},
        "body_url": hit.body_url,
        "oparl_id": hit.oparl_id,
        "web_url": hit.web_url,
        "snippet_html": str(hit.snippet_html),
        "rank": hit.rank,
    }


@router.get(
    "/council/search",
    response={200: Page[CouncilHitOut], **_ERRORS},
    summary="Ratsinformationen durchsuchen",
    url_name="knowledge_council_search",
)
def council_search(
    request: HttpRequest, filters: Query[CouncilSearchFilter], page: Query[PageParams]
) -> dict[str, Any]:
    try:
        results = svc.search(
            filters.q,
            svc.Filters(
                city=filters.city,
                source_id=filters.source,
                body_url=filters.body or None,
                types=tuple(str(t) for t in filters.type),
                date_from=filters.date_from,
                date_to=filters.date_to,
            ),
            sort=filters.sort,
        )
    except Invalid as refused:  # the detail names the parameter, as the API's other refusals do
        raise named_refusal(refused) from None
    return paginate_api(results, page, convert=_hit_out)


@router.get(
    "/council/objects/{object_id}",
    response={200: CouncilObjectOut, 404: ErrorOut},
    summary="Ein Objekt der Ratsinformationen",
    url_name="knowledge_council_object",
)
def council_object(request: HttpRequest, object_id: ObjectId) -> dict[str, Any]:
    obj: OParlObject = svc.council_object(object_id)
    city_name, city_ars = svc.city_of(obj.source)
    return {
        "id": obj.pk,
        "type": obj.type,
        "type_label": str(OParlType(obj.type).label) if obj.type in OParlType.values else obj.type,
        "name": obj.name,
        "reference": obj.reference,
        "date": obj.date,
        "created": obj.created,
        "modified": obj.modified,
        "deleted": obj.deleted,
        "city": {"ars": city_ars, "name": city_name},
        "source": {"id": obj.source.pk, "name": obj.source.name},
        "body_url": obj.body_url,
        "oparl_id": obj.oparl_id,
        "web_url": svc.web_url(obj.oparl_id, getattr(obj, "web_link", None)),
        "text": "" if obj.deleted else obj.text,
        "data": {} if obj.deleted or not isinstance(obj.data, dict) else obj.data,
        "harvested_at": obj.harvested_at,
    }
