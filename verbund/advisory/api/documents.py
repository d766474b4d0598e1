"""``/api/v1/advisory/templates``: model agreements and council resolution drafts.

Same rules as the pages (:mod:`verbund.advisory.services.documents`):

* ``GET /templates`` (paginated) and ``GET /templates/{template_slug}`` (with its versions, the newest first,
  and the placeholders) — everyone logged in;
* ``GET /templates/{template_slug}/versions/{number}`` — the text of one version;
* ``POST /templates/{template_slug}/versions`` — a new version (the advisory office; others 403); a text with
  an unknown placeholder is a 422 naming it and its line (``body: Zeile 4: …``). Versions are never
  changed;
* ``GET /templates/{template_slug}/fill?alliance=<slug>&format=docx|odt|pdf`` (``version``, ``session_date``
  optional) — the template filled with the alliance's data as a file (the alliance's insiders and
  the office; an alliance the caller cannot see 404, one they do not belong to 403); audited.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.params import P, PathEx
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import ErrorOut, Page, PageParams, api_person, api_user, named_refusal
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid

from ..models import DocumentTemplate, TemplateVersion
from ..services import documents as svc

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
_ONE_ERRORS: dict[int, Any] = {**_ERRORS, 404: ErrorOut}

TemplateSlug = PathEx[str, P(max_length=80, description="Kennung der Vorlage, z. B. zweckvereinbarung")]
VersionNumber = PathEx[int, P(ge=1, le=svc.MAX_NUMBER, description="Nummer der Fassung (ab 1)")]


class AdvisoryTemplateFormat(enum.StrEnum):
    DOCX = "docx"
    ODT = "odt"
    PDF = "pdf"


class AdvisoryTemplateVersionOut(Schema):
    number: int
    note: str = Field(description="was sich gegenüber der vorigen Fassung ändert")
    source: str = Field(description="Grundlage (Gesetz, Fundstelle)")
    created_at: dt.datetime


class AdvisoryTemplateVersionTextOut(AdvisoryTemplateVersionOut):
    body: str = Field(description="der Text mit Platzhaltern")


class AdvisoryPlaceholderOut(Schema):
    name: str
    meaning: str
    gap: str = Field(description="was im Dokument steht, wenn die Angabe fehlt")
    member: bool = Field(description="nur innerhalb der Wiederholung je Mitglied")


class AdvisoryTemplateOut(Schema):
    slug: str
    title: str
    kind: str = Field(
        description="zweckvereinbarung, oeffentlich_rechtliche_vereinbarung, ratsbeschluss, sonstiges"
    )
    kind_label: str
    description: str
    active: bool
    latest_version: int | None


class AdvisoryTemplateDetailOut(AdvisoryTemplateOut):
    versions: list[AdvisoryTemplateVersionOut] = Field(description="die neueste zuerst")
    placeholders: list[AdvisoryPlaceholderOut]
    may_add_version: bool


class AdvisoryTemplateVersionIn(Schema):
    body: str = Field(min_length=1, max_length=svc.MAX_BODY, description="der Text mit Platzhaltern")
    note: str = Field(min_length=1, max_length=svc.MAX_NOTE, description="was sich ändert")
    source: str = Field("", max_length=svc.MAX_SOURCE, description="leer: wie die vorige Fassung")


class AdvisoryTemplateFillQuery(Schema):
    alliance: str = Field(min_length=1, max_length=80, description="Kürzel (slug) des Verbunds")
    format: AdvisoryTemplateFormat = Field(AdvisoryTemplateFormat.PDF, description="docx, odt oder pdf")
    version: int | None = Field(None, ge=1, le=svc.MAX_NUMBER, description="leer: die neueste Fassung")
    session_date: dt.date | None = Field(None, description="Datum der Ratssitzung (sonst eine Lücke)")


def _out(template: DocumentTemplate) -> dict[str, Any]:
    return {
        "slug": template.slug,
        "title": template.title,
        "kind": template.kind,
        "kind_label": template.get_kind_display(),
        "description": template.description,
        "active": template.active,
        "latest_version": getattr(template, "latest_number", None),
    }


def _version_out(version: TemplateVersion, *, text: bool = False) -> dict[str, Any]:
    out = {
        "number": version.number,
        "note": version.note,
        "source": version.source,
        "created_at": version.created_at,
    }
    if text:
        out["body"] = version.body
    return out


@router.get("/templates", response={200: Page[AdvisoryTemplateOut], **_ERRORS}, url_name="advisory_templates")
def list_templates(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Die Mustervorlagen (Mustervereinbarungen und Beschlussvorlagen) mit ihrer neuesten Fassung."""
    principal = api_person(request)
    return paginate_api(svc.visible_templates(principal), page, convert=_out)


@router.get(
    "/templates/{template_slug}",
    response={200: AdvisoryTemplateDetailOut, **_ONE_ERRORS},
    url_name="advisory_template",
)
def get_template(request: HttpRequest, template_slug: TemplateSlug) -> dict[str, Any]:
    """Eine Mustervorlage mit ihren Fassungen (Nummer, Änderung, Datum) und den Platzhaltern."""
    principal = api_person(request)
    template = svc.get_template(principal, template_slug)
    return {
        **_out(template),
        "versions": [_version_out(v) for v in svc.versions(template)],
        "placeholders": svc.vocabulary(),
        "may_add_version": svc.may_add_version(principal),
    }


@router.get(
    "/templates/{template_slug}/versions/{number}",
    response={200: AdvisoryTemplateVersionTextOut, **_ONE_ERRORS},
    url_name="advisory_template_version",
)
def get_version(request: HttpRequest, template_slug: TemplateSlug, number: VersionNumber) -> dict[str, Any]:
    """Der Text einer Fassung."""
    principal = api_person(request)
    template = svc.get_template(principal, template_slug)
    return _version_out(svc.get_version(template, number), text=True)


@router.post(
    "/templates/{template_slug}/versions",
    response={201: AdvisoryTemplateVersionTextOut, **_ONE_ERRORS},
    url_name="advisory_template_version_add",
)
def add_version(
    request: HttpRequest, template_slug: TemplateSlug, payload: AdvisoryTemplateVersionIn
) -> HttpStatus:
    """Eine neue Fassung anlegen (Beratungsstelle). Der Text wird geprüft: ein unbekannter Platzhalter
    wird mit Namen und Zeile abgelehnt. Bestehende Fassungen bleiben unverändert."""
    principal = api_person(request)
    template = svc.get_template(principal, template_slug)
    try:
        version = svc.version_add(
            actor=api_user(request),
            template=template,
            body=payload.body,
            note=payload.note,
            source=payload.source,
        )
    except Invalid as exc:
        raise named_refusal(exc) from exc
    return HttpStatus(201, _version_out(version, text=True))


_FILL_DOC = {
    "responses": {
        200: {
            "description": "Die ausgefüllte Vorlage als Datei (Name mit Kurzname des Verbunds und Datum)",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in svc.CONTENT_TYPES.values()
            },
        }
    }
}


@router.get(
    "/templates/{template_slug}/fill",
    response={200: None, **_ONE_ERRORS},
    url_name="advisory_template_fill",
    summary="Vorlage ausfüllen",
    openapi_extra=_FILL_DOC,
)
def fill_template(
    request: HttpRequest, template_slug: TemplateSlug, query: Query[AdvisoryTemplateFillQuery]
) -> HttpResponse:
    """Die Vorlage mit den Angaben eines Verbunds als DOCX, ODT oder PDF (wer zum Verbund gehört und
    die Beratungsstelle). Fehlende Angaben erscheinen als Lücke in eckigen Klammern."""
    principal = api_person(request)
    template = svc.get_template(principal, template_slug)
    alliance = svc.alliance_to_fill(principal, query.alliance)
    content, name, content_type = svc.fill(
        actor=api_user(request),
        template=template,
        alliance=alliance,
        fmt=query.format.value,
        number=query.version,
        session_date=query.session_date,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
