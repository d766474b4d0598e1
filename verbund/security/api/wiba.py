"""``/api/v1/security/wiba``: the WiBA checklists (as uploaded), the assessments the caller may read
(TLP and distribution applied: one outside them answers 404 like a missing one), saving answers,
and an alliance's progress (counts per member and checklist, never the answers)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.common.api import DbId, ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate
from verbund.common.errors import NotFound

from ..models import WibaAssessment, WibaChecklist
from ..selectors import get_shared, security_alliances
from ..services import wiba as wiba_services

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}


class WibaProgressOut(Schema):
    total: int = Field(description="Prüffragen der Checkliste")
    answered: int
    yes: int
    no: int
    not_relevant: int
    percent_answered: int = Field(description="beantwortet in ganzen Prozent (abgerundet)")


class WibaChecklistOut(Schema):
    id: int
    topic: str
    number: str
    edition: str
    filename: str
    questions: int = Field(description="Anzahl der Prüffragen")


class WibaQuestionOut(Schema):
    id: int
    position: int
    number: str
    text: str
    help_text: str


class WibaChecklistDetailOut(WibaChecklistOut):
    question_list: list[WibaQuestionOut]


class WibaAssessmentOut(Schema):
    id: int
    checklist: int
    body: str = Field(description="ARS der Körperschaft")
    tlp: str
    distribution: str
    updated_at: dt.datetime
    progress: WibaProgressOut


class WibaAnswerOut(Schema):
    question: int
    number: str
    value: str | None = Field(description="ja, nein, entbehrlich; null: offen")
    note: str
    evidence: list[int] = Field(description="Kennungen der Nachweisdateien")


class WibaAssessmentDetailOut(WibaAssessmentOut):
    answers: list[WibaAnswerOut]


class WibaAnswerIn(Schema):
    question: DbId
    value: Literal["ja", "nein", "entbehrlich", ""] = Field(description="leer: Antwort entfernen")
    note: str = Field("", max_length=5000)


class WibaAnswersIn(Schema):
    answers: list[WibaAnswerIn] = Field(max_length=1000)


class WibaSavedOut(Schema):
    saved: int
    removed: int
    unchanged: int


class WibaMemberProgressOut(Schema):
    body: str = Field(description="ARS")
    name: str
    checklists: dict[str, WibaProgressOut | None] = Field(
        description="je Checkliste (Kennung): der Stand, null: nicht begonnen"
    )


class WibaAllianceProgressOut(Schema):
    alliance: str
    checklists: list[WibaChecklistOut]
    members: list[WibaMemberProgressOut]


def _progress(p: wiba_services.Progress) -> dict[str, int]:
    return {
        "total": p.total,
        "answered": p.answered,
        "yes": p.yes,
        "no": p.no,
        "not_relevant": p.not_relevant,
        "percent_answered": p.percent_answered,
    }


def _checklist(c: WibaChecklist, total: int) -> dict[str, Any]:
    return {
        "id": c.pk,
        "topic": c.topic,
        "number": c.number,
        "edition": c.edition,
        "filename": c.filename,
        "questions": total,
    }


def _assessment(a: WibaAssessment, p: wiba_services.Progress) -> dict[str, Any]:
    return {
        "id": a.pk,
        "checklist": a.checklist_id,
        "body": a.owner_body.ars if a.owner_body else "",
        "tlp": a.tlp,
        "distribution": a.distribution,
        "updated_at": a.updated_at,
        "progress": _progress(p),
    }


@router.get(
    "/checklists", response={200: Page[WibaChecklistOut], 401: ErrorOut}, url_name="security_wiba_checklists"
)
def list_checklists(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Die eingelesenen Checklisten (Angemeldete)."""
    api_person(request)
    checklists = list(WibaChecklist.objects.all())
    totals = wiba_services.question_totals([c.pk for c in checklists])
    return paginate(checklists, page, convert=lambda c: _checklist(c, totals.get(c.pk, 0)))


@router.get(
    "/checklists/{checklist_id}",
    response={200: WibaChecklistDetailOut, **_ERRORS},
    url_name="security_wiba_checklist",
)
def get_checklist(request: HttpRequest, checklist_id: ObjectId) -> dict[str, Any]:
    """Eine Checkliste mit ihren Prüffragen."""
    api_person(request)
    checklist = WibaChecklist.objects.filter(pk=checklist_id).first()
    if checklist is None:
        raise NotFound()
    questions = list(checklist.questions.order_by("position"))
    return {
        **_checklist(checklist, len(questions)),
        "question_list": [
            {"id": q.pk, "position": q.position, "number": q.number, "text": q.text, "help_text": q.help_text}
            for q in questions
        ],
    }


@router.get(
    "/assessments",
    response={200: Page[WibaAssessmentOut], 401: ErrorOut},
    url_name="security_wiba_assessments",
)
def list_assessments(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Die Bearbeitungen, deren Antworten der Aufrufer lesen darf (TLP), mit ihrem Stand."""
    principal = api_person(request)
    rows = wiba_services.progress_of(wiba_services.visible_assessments(principal))
    return paginate(rows, page, convert=lambda row: _assessment(*row))


def _detail(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    assessment: WibaAssessment = get_shared(
        WibaAssessment.objects.select_related("checklist", "owner_body"),
        api_person(request),
        actor=request.user,
        purpose="WiBA-Antworten (API)",
        pk=assessment_id,
    )
    answers = [
        {
            "question": q.pk,
            "number": q.number,
            "value": a.value if a else None,
            "note": a.note if a else "",
            "evidence": [f.pk for f in a.attachments.all()] if a else [],
        }
        for q, a in wiba_services.checklist_for_answers(assessment)
    ]
    return {**_assessment(assessment, wiba_services.assessment_progress(assessment)), "answers": answers}


@router.get(
    "/assessments/{assessment_id}",
    response={200: WibaAssessmentDetailOut, **_ERRORS},
    url_name="security_wiba_assessment",
)
def get_assessment(request: HttpRequest, assessment_id: ObjectId) -> dict[str, Any]:
    """Eine Bearbeitung mit allen Antworten (404 außerhalb der Verteilung; Lesen wird protokolliert)."""
    return _detail(request, assessment_id)


@router.put(
    "/assessments/{assessment_id}/answers",
    response={200: WibaSavedOut, 403: ErrorOut, 422: ErrorOut, **_ERRORS},
    url_name="security_wiba_answers",
)
def put_answers(request: HttpRequest, assessment_id: ObjectId, payload: WibaAnswersIn) -> dict[str, int]:
    """Antworten speichern (Beschäftigte der Körperschaft und ihre Beauftragten); alles oder nichts."""
    user = api_user(request)
    assessment: WibaAssessment = get_shared(
        WibaAssessment.objects.all(), api_person(request), pk=assessment_id
    )
    return wiba_services.wiba_answers_save(
        actor=user,
        assessment=assessment,
        answers={a.question: (a.value, a.note) for a in payload.answers},
    )


@router.get(
    "/alliances/{slug}/progress",
    response={200: WibaAllianceProgressOut, **_ERRORS},
    url_name="security_wiba_alliance_progress",
)
def alliance_progress(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Der Stand je Mitglied und Checkliste (Anzahlen, nie die Antworten) für alle, die die
    Sicherheitsansicht des Verbunds öffnen."""
    principal = api_person(request)
    alliance = security_alliances(principal).filter(slug=slug).first()
    if alliance is None:
        raise NotFound()
    progress = wiba_services.alliance_progress(alliance)
    return {
        "alliance": alliance.slug,
        "checklists": [_checklist(c, c.question_count) for c in progress.checklists],  # type: ignore[attr-defined]
        "members": [
            {
                "body": body.ars,
                "name": body.name,
                "checklists": {
                    str(c.pk): (_progress(cell) if cell is not None else None)
                    for c, cell in zip(progress.checklists, cells, strict=True)
                },
            }
            for body, cells in progress.rows()
        ],
    }
