"""``/api/v1/security/advisories``: the advisories the caller sees (TLP and distribution applied; an
advisory outside them answers 404 like a missing one), one advisory with its vulnerabilities and
CVSS vectors, a revision as received, and the import of a CSAF 2.0 document (an invalid one answers
422 naming each failed mandatory test with its JSON path, and nothing is stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from verbund.common.api import DbId, ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate
from verbund.common.errors import Invalid, NotFound

from ..models import Advisory, AdvisoryRevision, Distribution, Tlp
from ..selectors import get_shared, visible_advisories

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}

#: Largest document accepted (the Red Hat VEX file of the data set has 3.1 MB unpacked).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class SecurityScoreOut(Schema):
    version: str = Field(description="CVSS-Version (2.0, 3.0, 3.1, 4.0)")
    vector: str
    score: Decimal | None = Field(description="Basiswert")
    severity: str = Field(description="Schweregrad (deutsch)")


class SecurityVulnerabilityOut(Schema):
    key: str = Field(description="CVE oder #Position im Dokument")
    cve: str
    title: str
    cwe: str
    score: Decimal | None = Field(description="Höchster CVSS-Basiswert")
    severity: str
    exploited: bool
    scores: list[SecurityScoreOut]

    @staticmethod
    def resolve_scores(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "version": str(s.get("version", "")),
                "vector": str(s.get("vector", "")),
                "score": s.get("score"),
                "severity": str(s.get("severity", "")),
            }
            for s in (obj.scores or [])
            if isinstance(s, dict)
        ]


class SecurityAdvisoryOut(Schema):
    id: int
    tracking_id: str
    title: str
    publisher_name: str
    publisher_namespace: str
    category: str
    version: str
    tracking_status: str
    initial_release_date: dt.datetime
    current_release_date: dt.datetime
    max_score: Decimal | None
    exploited: bool
    tlp: str = Field(description="TLP-Stufe: clear, green, amber, amber+strict, red")
    distribution: str


class SecurityAdvisoryDetailOut(SecurityAdvisoryOut):
    summary: str
    vulnerabilities: list[SecurityVulnerabilityOut]
    revisions: list[SecurityRevisionOut]

    @staticmethod
    def resolve_vulnerabilities(obj: Advisory) -> list[Any]:
        return list(obj.vulnerabilities.filter(current=True).order_by("position"))

    @staticmethod
    def resolve_revisions(obj: Advisory) -> list[Any]:
        return list(obj.revisions.order_by("-current_release_date", "-id"))


class SecurityRevisionOut(Schema):
    id: int
    version: str
    tracking_status: str
    current_release_date: dt.datetime
    received_at: dt.datetime
    signature: str


SecurityAdvisoryDetailOut.model_rebuild()


class SecurityAdvisoryParams(PageParams):
    q: str = Field("", max_length=200, description="Suche in Titel, Kennung, CVE und Herausgeber")
    min_score: Decimal | None = Field(None, ge=0, le=10, description="Höchster CVSS-Wert mindestens")
    exploited: bool = Field(False, description="Nur Hinweise mit ausgenutzten Schwachstellen")


class SecurityImportOut(Schema):
    advisory: SecurityAdvisoryOut
    outcome: str = Field(
        description="created (neu), revised (neue Fassung), unchanged (bekannt) oder older (ältere Fassung)"
    )
    message: str


@router.get("", response={200: Page[SecurityAdvisoryOut], **_ERRORS}, summary="Sicherheitshinweise")
def advisory_list(request: HttpRequest, params: Query[SecurityAdvisoryParams]) -> Any:
    """Die Hinweise, die an den Aufrufer gehen dürfen, neueste zuerst."""
    from django.db.models import Q

    principal = api_person(request)
    advisories = visible_advisories(principal)
    if params.q:
        q = params.q
        advisories = advisories.filter(
            Q(title__icontains=q)
            | Q(tracking_id__icontains=q)
            | Q(cves__icontains=q)
            | Q(publisher_name__icontains=q)
        )
    if params.min_score is not None:
        advisories = advisories.filter(max_score__gte=params.min_score)
    if params.exploited:
        advisories = advisories.filter(exploited=True)
    return paginate(advisories.order_by("-current_release_date", "-id"), params)


@router.get("/{advisory_id}", response={200: SecurityAdvisoryDetailOut, **_ERRORS}, summary="Ein Hinweis")
def advisory_detail(request: HttpRequest, advisory_id: ObjectId) -> Any:
    principal = api_person(request)
    return get_shared(
        Advisory.objects.all(), principal, actor=api_user(request), purpose="API: Hinweis", pk=advisory_id
    )


@router.get(
    "/{advisory_id}/revisions/{revision_id}/document",
    response={200: dict[str, Any], **_ERRORS},
    summary="Eine Fassung als empfangenes CSAF-Dokument",
)
def revision_document(request: HttpRequest, advisory_id: ObjectId, revision_id: ObjectId) -> Any:
    principal = api_person(request)
    advisory = get_shared(
        Advisory.objects.all(), principal, actor=api_user(request), purpose="API: Dokument", pk=advisory_id
    )
    revision = AdvisoryRevision.objects.filter(advisory=advisory, pk=revision_id).first()
    if revision is None:
        raise NotFound()
    return revision.document


@router.post(
    "",
    response={
        201: SecurityImportOut,
        200: SecurityImportOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="CSAF-Dokument einlesen",
)
def advisory_import(
    request: HttpRequest,
    document: File[UploadedFile],
    owner_body: Form[DbId | None] = None,
    tlp: Form[Tlp | None] = None,
    distribution: Form[Distribution] = Distribution.ORGANISATION,
    alliance: Form[DbId | None] = None,
    sharing_group: Form[DbId | None] = None,
    recipients: Form[list[DbId]] = [],  # noqa: B006  (ninja reads the default, never mutates it)
) -> Any:
    """Prüft das Dokument (Schema und alle Pflichttests 6.1.x) und speichert es; eine neue Fassung
    ersetzt die bisherige, die früheren bleiben erhalten. Ein ungültiges Dokument: 422 mit jedem
    fehlgeschlagenen Test und seinem JSON-Pfad (ebenso ein Zeichen, das nicht gespeichert werden kann).
    Hält die Körperschaft das Dokument schon als Hinweis, den der Aufrufer nicht sehen darf (TLP:RED
    ohne ihn): 409, ohne etwas über diesen Hinweis zu sagen; nichts wird gespeichert."""
    from ..services.advisory_sharing import import_and_share

    api_person(request)
    if (document.size or 0) > MAX_UPLOAD_BYTES:
        raise Invalid(
            "Die Datei ist größer als 20 MB.", fields={"document": ["Die Datei ist größer als 20 MB."]}
        )
    body = None
    if owner_body is not None:
        from verbund.registry.models import Body

        body = Body.objects.filter(pk=owner_body).first()
        if body is None:
            raise Invalid(fields={"owner_body": ["Diese Körperschaft gibt es nicht."]})
    sharing = {
        "distribution": distribution.value,
        "alliance": alliance,
        "sharing_group": sharing_group,
        "advisory_office": False,
        # TLP:RED: the named people (user ids of the owner body's community)
        "recipients": list(recipients),
    }
    result = import_and_share(
        api_user(request),
        document.read(),
        filename=document.name or "",
        tlp=tlp.value if tlp else None,
        owner_body=body,
        sharing=sharing,
    )
    created = result.outcome == "created"
    return 201 if created else 200, {
        "advisory": result.advisory,
        "outcome": result.outcome,
        "message": result.message,
    }
