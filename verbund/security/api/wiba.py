"""``/api/v1/security/wiba``: the WiBA checklists (as uploaded), the assessments the caller may read
(TLP and distribution applied: one outside them answers 404 like a missing one), saving answers,
and an alliance's progress (counts per member and checklist, never the answers).

What the pages offer, with the same rules (:mod:`verbund.security.services.wiba`):

* ``POST /checklists`` — upload a checklist (.docx, .xlsx, .csv; Plattformbetrieb and the
  Beratungsstelle, else 403); a file that cannot be read is a 422 naming file, line and field, the
  same file twice a 409.
* ``POST /checklists/{id}/assessments`` — begin a body's assessment (who acts for the body, else 403);
  the existing one answers 200, a new one 201.
* ``PUT /assessments/{id}/answers`` — save answers (all or nothing); ``PUT …/sharing`` — TLP label and
  distribution of the answers; ``POST …/answers/{question}/evidence`` — attach a PDF to an answer.
  Visible but not one's own body: 403; invisible: 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.alliances.models import Alliance
from verbund.common.api import (
    DbId,
    ErrorOut,
    ObjectId,
    Page,
    PageParams,
    api_person,
    api_user,
    choices_enum,
    paginate,
)
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.registry.models import Body

from ..models import Distribution, SharingGroup, Tlp, WibaAnswer, WibaAssessment, WibaChecklist
from ..policies import acts_for
from ..selectors import get_shared, security_alliances
from ..services import wiba as wiba_services

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

WibaTlp = choices_enum("SecurityWibaTlp", Tlp, "TLP-2.0-Stufe der Antworten")
WibaDistribution = choices_enum(
    "SecurityWibaDistribution",
    Distribution,
    "Verteilung (MISP): Körperschaft, Verbund, alle Verbünde, Gruppe, alle",
)
ARS_PATTERN = r"^\d{12}$"


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


class WibaSharingIn(Schema):
    """Who sees the answers (and the evidence files): TLP label, distribution and, for TLP:RED, the
    named people (user ids of the owner body's community)."""

    tlp: WibaTlp = WibaTlp("amber")  # type: ignore[valid-type]
    distribution: WibaDistribution = WibaDistribution("organisation")  # type: ignore[valid-type]
    alliance: str | None = Field(
        None, max_length=100, description="Kürzel des Verbunds (Verteilung: Verbund)"
    )
    sharing_group_id: DbId | None = Field(None, description="Teilungsgruppe (Verteilung: Gruppe)")
    advisory_office: bool = Field(False, description="auch die Beratungsstelle")
    recipients: list[DbId] | None = Field(
        None,
        max_length=200,
        description=(
            "Benutzerkennungen der namentlich genannten Empfänger (nur und bei TLP:RED nötig; "
            "weggelassen: beim Ändern bleiben die bisherigen)"
        ),
    )


class WibaStartIn(WibaSharingIn):
    """The body whose assessment begins, and who sees its answers (default: TLP:AMBER, the body only)."""

    body: str = Field(pattern=ARS_PATTERN, description="ARS der Körperschaft")


class WibaEvidenceOut(Schema):
    id: int
    name: str
    size: int = Field(description="Größe in Bytes")
    tlp: str


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


def _sharing(payload: WibaSharingIn) -> dict[str, Any]:
    """The service's sharing arguments (alliance by slug, group by id; unknown ones are a 422)."""
    alliance = None
    if payload.alliance:
        alliance = Alliance.objects.filter(slug=payload.alliance).first()
        if alliance is None:
            raise Invalid(
                fields={"alliance": [_("Unbekannter Verbund „%(slug)s“.") % {"slug": payload.alliance}]}
            )
    group = None
    if payload.sharing_group_id:
        group = SharingGroup.objects.filter(pk=payload.sharing_group_id).first()
        if group is None:
            raise Invalid(fields={"sharing_group_id": [_("Unbekannte Teilungsgruppe.")]})
    return {
        "tlp": str(payload.tlp),
        "distribution": str(payload.distribution),
        "alliance": alliance,
        "sharing_group": group,
        "advisory_office": payload.advisory_office,
        "recipients": payload.recipients,
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


@router.post(
    "/checklists",
    response={201: WibaChecklistOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="security_wiba_checklist_upload",
)
def upload_checklist(
    request: HttpRequest,
    file: File[UploadedFile],
    topic: Form[str] = "",
    number: Form[str] = "",
    edition: Form[str] = "",
) -> HttpStatus:
    """Eine Checkliste des BSI einlesen (Word .docx, Excel .xlsx oder CSV; Plattformbetrieb und
    Beratungsstelle). ``topic``, ``number``, ``edition`` ersetzen die Angaben der Datei. Eine nicht
    lesbare Datei: 422, ``detail`` nennt Datei, Zeile und Feld; dieselbe Datei noch einmal: 409."""
    user = api_user(request)
    errors = {
        name: [_("höchstens %(limit)s Zeichen erlaubt") % {"limit": limit}]
        for name, value, limit in (("topic", topic, 300), ("number", number, 20), ("edition", edition, 100))
        if len(value) > limit
    }
    if errors:
        raise Invalid(fields=errors)
    checklist = wiba_services.wiba_checklist_import(
        actor=user, file=file, name=file.name or "checkliste", topic=topic, number=number, edition=edition
    )
    return HttpStatus(201, _checklist(checklist, checklist.questions.count()))


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


@router.post(
    "/checklists/{checklist_id}/assessments",
    response={200: WibaAssessmentOut, 201: WibaAssessmentOut, **_WRITE_ERRORS},
    url_name="security_wiba_assessment_start",
)
def start_assessment(request: HttpRequest, checklist_id: ObjectId, payload: WibaStartIn) -> HttpStatus:
    """Die Bearbeitung der Checkliste für eine Körperschaft beginnen (wer für sie handelt, sonst 403).
    Gibt es sie schon, kommt sie unverändert zurück (200); die Weitergabe gilt nur für eine neue."""
    user = api_user(request)
    checklist = WibaChecklist.objects.filter(pk=checklist_id).first()
    if checklist is None:
        raise NotFound()
    body = Body.objects.filter(ars=payload.body).first()
    if body is None:
        raise Invalid(fields={"body": [_("Keine Körperschaft mit dem ARS %(ars)s.") % {"ars": payload.body}]})
    existed = WibaAssessment.objects.filter(owner_body=body, checklist=checklist).exists()
    sharing = _sharing(payload)
    assessment = wiba_services.wiba_assessment_start(
        actor=user, checklist=checklist, body=body, **{**sharing, "recipients": sharing["recipients"] or []}
    )
    assessment = WibaAssessment.objects.select_related("owner_body").get(pk=assessment.pk)
    out = _assessment(assessment, wiba_services.assessment_progress(assessment))
    return HttpStatus(200 if existed else 201, out)


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


@router.put(
    "/assessments/{assessment_id}/sharing",
    response={200: WibaAssessmentOut, **_WRITE_ERRORS},
    url_name="security_wiba_sharing",
)
def put_sharing(request: HttpRequest, assessment_id: ObjectId, payload: WibaSharingIn) -> dict[str, Any]:
    """Wer die Antworten und Nachweise sieht (TLP und Verteilung; wer für die Körperschaft handelt)."""
    user = api_user(request)
    assessment: WibaAssessment = get_shared(
        WibaAssessment.objects.select_related("owner_body"), api_person(request), pk=assessment_id
    )
    wiba_services.wiba_assessment_share(actor=user, assessment=assessment, **_sharing(payload))
    assessment = WibaAssessment.objects.select_related("owner_body").get(pk=assessment.pk)
    return _assessment(assessment, wiba_services.assessment_progress(assessment))


@router.post(
    "/assessments/{assessment_id}/answers/{question_id}/evidence",
    response={201: WibaEvidenceOut, **_WRITE_ERRORS},
    url_name="security_wiba_evidence_add",
)
def add_evidence(
    request: HttpRequest, assessment_id: ObjectId, question_id: ObjectId, file: File[UploadedFile]
) -> HttpStatus:
    """Einen Nachweis (PDF) an die Antwort auf eine Frage hängen; er trägt TLP und Verteilung der
    Bearbeitung. Die Frage muss beantwortet sein (sonst 422)."""
    user = api_user(request)
    assessment: WibaAssessment = get_shared(
        WibaAssessment.objects.all(), api_person(request), pk=assessment_id
    )
    if not assessment.checklist.questions.filter(pk=question_id).exists():
        raise NotFound()
    if not acts_for(api_person(request), assessment.owner_body_id):
        raise Forbidden(_(wiba_services.ANSWER_REFUSAL))
    answer = (
        WibaAnswer.objects.select_related("assessment")
        .filter(assessment=assessment, question_id=question_id)
        .first()
    )
    if answer is None:
        raise Invalid(
            fields={
                "question_id": [_("Die Frage ist noch nicht beantwortet; ein Nachweis braucht eine Antwort.")]
            }
        )
    attachment = wiba_services.wiba_evidence_add(actor=user, answer=answer, file=file, name=file.name or "")
    return HttpStatus(
        201, {"id": attachment.pk, "name": attachment.name, "size": attachment.size, "tlp": attachment.tlp}
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
    progress = wiba_services.alliance_progress(alliance, principal)
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
