"""``/api/v1/advisory/cases``: advisory cases.

* ``GET /cases`` (``status``, ``advisor``, ``field_of_action``, ``alliance``, ``overdue``; paginated):
  the office all cases, everyone else the cases they are a party to; ``POST /cases`` (office).
* ``GET/PATCH /cases/{case_id}``; ``POST /cases/{case_id}/transition`` with ``action`` (``beginnen``,
  ``empfehlen`` + ``recommendation``, ``nachberaten``, ``abschliessen``, ``ruhen``, ``aufnehmen``,
  ``wiedereroeffnen``) and an optional ``remark``.
* ``GET/POST /cases/{case_id}/notes`` (parties write non-internal notes), ``POST /cases/{case_id}/parties``,
  ``DELETE /cases/{case_id}/parties/{party_id}``, ``GET/POST /cases/{case_id}/appointments``,
  ``PATCH/DELETE /cases/{case_id}/appointments/{appointment_id}``, ``GET/POST /cases/{case_id}/documents``
  (multipart), ``GET /cases/{case_id}/documents/{document_id}/download``.

A case the caller may not read is a 404 (the operator and the funding authority included); a change
only the office may make is a 403; bad input a 422 whose ``detail`` names the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import DbId, ErrorOut, ObjectId, Page, PageParams, api_person, api_user, named_refusal
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid, NotFound
from verbund.common.storage import open_stored

from ..casework import CASE_STATES
from ..models import Appointment, Case, CaseDocument, CaseNote, CaseOrigin, CaseParty
from ..models.cases import OPEN_STATES
from ..services import cases as svc

router = Router(tags=["advisory"])
_READ: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_WRITE: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas ---------------------------------------------------------------------------------------


class AdvisoryRef(Schema):
    id: int
    name: str


class AdvisoryPartyOut(Schema):
    id: int
    body: AdvisoryRef | None
    alliance: AdvisoryRef | None
    requested: bool = Field(description="hat angefragt")


class AdvisoryCaseOut(Schema):
    id: int
    number: str = Field(description="Aktenzeichen B-<Jahr>-<Nummer>")
    title: str
    description: str
    origin: str = Field(description="anfrage oder initiative")
    status: str
    status_label: str
    field_of_action: AdvisoryRef | None
    task: AdvisoryRef | None
    advisor: AdvisoryRef | None
    alliance: AdvisoryRef | None = Field(description="der Verbund, zu dem der Fall führt")
    parties: list[AdvisoryPartyOut]
    next_step: str
    next_step_due: dt.date | None
    overdue: bool
    recommendation: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    actions: list[str] = Field(description="mögliche Aktionen aus dem aktuellen Stand (Beratungsstelle)")


class AdvisoryCaseFilter(Schema):
    status: str | None = Field(None, max_length=20, description="Stand")
    advisor: int | None = Field(None, ge=1, le=2**31 - 1, description="Id der Beraterin / des Beraters")
    field_of_action: int | None = Field(None, ge=1, le=2**31 - 1, description="Id des Handlungsfelds")
    alliance: int | None = Field(None, ge=1, le=2**31 - 1, description="Id des Verbunds")
    overdue: bool = Field(False, description="nur Fälle mit überfälligem nächsten Schritt")


class AdvisoryPartyIn(Schema):
    body: DbId | None = Field(None, description="Id einer Körperschaft")
    alliance: DbId | None = Field(None, description="Id eines Verbunds")
    requested: bool = False


class AdvisoryCaseIn(Schema):
    title: str = Field(max_length=200)
    description: str = Field("", max_length=20_000)
    origin: str = Field(CaseOrigin.REQUEST, max_length=20, description="anfrage oder initiative")
    field_of_action: DbId | None = None
    task: DbId | None = None
    advisor: DbId | None = None
    alliance: DbId | None = Field(None, description="der Verbund, zu dem der Fall führt")
    parties: list[AdvisoryPartyIn] = Field(default_factory=list, max_length=100)
    next_step: str = Field("", max_length=300)
    next_step_due: dt.date | None = None


class AdvisoryCasePatch(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    origin: str | None = Field(None, max_length=20)
    field_of_action: DbId | None = None
    task: DbId | None = None
    advisor: DbId | None = None
    alliance: DbId | None = Field(None, description="null: Verknüpfung lösen")
    next_step: str | None = Field(None, max_length=300)
    next_step_due: dt.date | None = None


class AdvisoryTransitionIn(Schema):
    action: str = Field(max_length=30)
    remark: str = Field("", max_length=500)
    recommendation: str = Field("", max_length=20_000)


class AdvisoryNoteOut(Schema):
    id: int
    text: str
    internal: bool
    author: str
    created_at: dt.datetime


class AdvisoryNoteIn(Schema):
    text: str = Field(max_length=20_000)
    internal: bool = False


class AdvisoryAppointmentOut(Schema):
    id: int
    subject: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    online_url: str
    participants: str


class AdvisoryAppointmentIn(Schema):
    subject: str = Field(max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    place: str = Field("", max_length=200)
    online_url: str = Field("", max_length=500)
    participants: str = Field("", max_length=5_000)


class AdvisoryAppointmentPatch(Schema):
    subject: str | None = Field(None, max_length=200)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = Field(None, max_length=200)
    online_url: str | None = Field(None, max_length=500)
    participants: str | None = Field(None, max_length=5_000)


class AdvisoryDocumentOut(Schema):
    id: int
    title: str
    content_type: str
    size: int
    sha256: str
    internal: bool
    uploaded_at: dt.datetime
    download: str


class AdvisoryDocumentIn(Schema):
    title: str = Field("", max_length=200)
    internal: bool = False


# --- conversion ------------------------------------------------------------------------------------


def _ref(obj: Any, name: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(getattr(obj, name, obj))}


def _person(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.get_full_name() or user.username}


def _case_out(case: Case, *, principal: Any) -> dict[str, Any]:
    parties = CaseParty.objects.filter(case=case).select_related("body", "alliance")
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "origin": case.origin,
        "status": case.status,
        "status_label": svc.status_label(case.status),
        "field_of_action": _ref(case.field_of_action),
        "task": _ref(case.task),
        "advisor": _person(case.advisor),
        "alliance": _ref(case.alliance),
        "parties": [
            {"id": p.pk, "body": _ref(p.body), "alliance": _ref(p.alliance), "requested": p.requested}
            for p in parties
        ],
        "next_step": case.next_step,
        "next_step_due": case.next_step_due,
        "overdue": svc.is_overdue(case),
        "recommendation": case.recommendation,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "actions": [t.action for t in svc.available_actions(principal, case)],
    }


def _note_out(note: CaseNote) -> dict[str, Any]:
    author = note.author
    return {
        "id": note.pk,
        "text": note.text,
        "internal": note.internal,
        "author": "" if author is None else (author.get_full_name() or author.username),
        "created_at": note.created_at,
    }


def _appointment_out(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "subject": appointment.subject,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "place": appointment.place,
        "online_url": appointment.online_url,
        "participants": appointment.participants,
    }


def _document_out(document: CaseDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "title": document.title,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "internal": document.internal,
        "uploaded_at": document.uploaded_at,
        "download": f"/api/v1/advisory/cases/{document.case_id}/documents/{document.pk}/download",
    }


def _run(action: Any) -> Any:
    try:
        return action()
    except Invalid as exc:
        raise named_refusal(exc) from None


# --- cases -----------------------------------------------------------------------------------------


@router.get(
    "/cases",
    response={200: Page[AdvisoryCaseOut], **_READ},
    url_name="advisory_cases",
    summary="Beratungsfälle",
)
def list_cases(
    request: HttpRequest, filters: Query[AdvisoryCaseFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Beratungsfälle, die die Person lesen darf (die Beratungsstelle: alle)."""
    principal = api_person(request)
    cases = svc.visible_cases(principal)
    if filters.status:
        if filters.status not in CASE_STATES.labels:
            raise Invalid(_("status: unbekannter Stand."), fields={"status": [_("unbekannter Stand.")]})
        cases = cases.filter(status=filters.status)
    if filters.advisor:
        cases = cases.filter(advisor_id=filters.advisor)
    if filters.field_of_action:
        cases = cases.filter(field_of_action_id=filters.field_of_action)
    if filters.alliance:
        cases = cases.filter(alliance_id=filters.alliance)
    if filters.overdue:
        cases = cases.filter(status__in=OPEN_STATES, next_step_due__lt=timezone.localdate())
    return paginate_api(
        cases.order_by("-opened_at", "-id"), page, convert=lambda c: _case_out(c, principal=principal)
    )


@router.post(
    "/cases",
    response={201: AdvisoryCaseOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="advisory_case_create",
    summary="Beratungsfall eröffnen",
)
def create_case(request: HttpRequest, data: AdvisoryCaseIn) -> HttpStatus:
    """Die Beratungsstelle eröffnet einen Fall; bei einer Anfrage ist eine Partei als anfragend markiert."""
    user = api_user(request)
    parties = [
        svc.PartyInput(body_id=p.body, alliance_id=p.alliance, requested=p.requested) for p in data.parties
    ]
    case = _run(
        lambda: svc.open_case(
            actor=user,
            title=data.title,
            description=data.description,
            origin=data.origin,
            field_of_action=data.field_of_action,
            task=data.task,
            advisor=data.advisor,
            parties=parties,
            alliance=data.alliance,
            next_step=data.next_step,
            next_step_due=data.next_step_due,
        )
    )
    principal = api_person(request)
    return HttpStatus(201, _case_out(svc.get_case(principal, case.pk), principal=principal))


@router.get(
    "/cases/{case_id}",
    response={200: AdvisoryCaseOut, **_READ},
    url_name="advisory_case",
    summary="Beratungsfall",
)
def get_case(request: HttpRequest, case_id: ObjectId) -> dict[str, Any]:
    principal = api_person(request)
    return _case_out(svc.get_case(principal, case_id), principal=principal)


@router.patch(
    "/cases/{case_id}",
    response={200: AdvisoryCaseOut, **_WRITE},
    url_name="advisory_case_update",
    summary="Beratungsfall ändern",
)
def update_case(request: HttpRequest, case_id: ObjectId, data: AdvisoryCasePatch) -> dict[str, Any]:
    """Nur die angegebenen Felder ändern; ``alliance`` verknüpft den Verbund (``null`` löst ihn)."""
    user = api_user(request)
    principal = api_person(request)
    svc.get_case(principal, case_id)
    given = data.model_dump(exclude_unset=True)
    alliance_given = "alliance" in given
    alliance = given.pop("alliance", None)
    if given:
        _run(lambda: svc.update_case(actor=user, case_id=case_id, **given))
    if alliance_given:
        _run(lambda: svc.link_alliance(actor=user, case_id=case_id, alliance=alliance))
    return _case_out(svc.get_case(principal, case_id), principal=principal)


@router.post(
    "/cases/{case_id}/transition",
    response={200: AdvisoryCaseOut, **_WRITE},
    url_name="advisory_case_transition",
    summary="Stand eines Beratungsfalls ändern",
)
def transition_case(request: HttpRequest, case_id: ObjectId, data: AdvisoryTransitionIn) -> dict[str, Any]:
    user = api_user(request)
    principal = api_person(request)
    _run(
        lambda: svc.transition(
            actor=user,
            case_id=case_id,
            action=data.action,
            remark=data.remark,
            recommendation=data.recommendation,
        )
    )
    return _case_out(svc.get_case(principal, case_id), principal=principal)


# --- parties ---------------------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/parties",
    response={201: AdvisoryPartyOut, **_WRITE},
    url_name="advisory_case_party_add",
    summary="Beteiligte hinzufügen",
)
def add_party(request: HttpRequest, case_id: ObjectId, data: AdvisoryPartyIn) -> HttpStatus:
    user = api_user(request)
    party = _run(
        lambda: svc.add_party(
            actor=user, case_id=case_id, body=data.body, alliance=data.alliance, requested=data.requested
        )
    )
    return HttpStatus(
        201,
        {
            "id": party.pk,
            "body": _ref(party.body),
            "alliance": _ref(party.alliance),
            "requested": party.requested,
        },
    )


@router.delete(
    "/cases/{case_id}/parties/{party_id}",
    response={204: None, **_WRITE},
    url_name="advisory_case_party_remove",
    summary="Beteiligte entfernen",
)
def remove_party(request: HttpRequest, case_id: ObjectId, party_id: ObjectId) -> HttpStatus:
    user = api_user(request)
    svc.remove_party(actor=user, case_id=case_id, party_id=party_id)
    return HttpStatus(204, None)


# --- notes -----------------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/notes",
    response={200: Page[AdvisoryNoteOut], **_READ},
    url_name="advisory_case_notes",
    summary="Notizen eines Beratungsfalls",
)
def list_notes(request: HttpRequest, case_id: ObjectId, page: Query[PageParams]) -> dict[str, Any]:
    """Die Notizen; interne nur für die Beratungsstelle."""
    principal = api_person(request)
    case = svc.get_case(principal, case_id)
    return paginate_api(svc.notes_of(principal, case), page, convert=_note_out)


@router.post(
    "/cases/{case_id}/notes",
    response={201: AdvisoryNoteOut, **_WRITE},
    url_name="advisory_case_note_create",
    summary="Notiz schreiben",
)
def create_note(request: HttpRequest, case_id: ObjectId, data: AdvisoryNoteIn) -> HttpStatus:
    user = api_user(request)
    note = _run(lambda: svc.add_note(actor=user, case_id=case_id, text=data.text, internal=data.internal))
    return HttpStatus(201, _note_out(note))


# --- appointments ----------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/appointments",
    response={200: Page[AdvisoryAppointmentOut], **_READ},
    url_name="advisory_case_appointments",
    summary="Termine eines Beratungsfalls",
)
def list_appointments(request: HttpRequest, case_id: ObjectId, page: Query[PageParams]) -> dict[str, Any]:
    case = svc.get_case(api_person(request), case_id)
    return paginate_api(case.appointments.all(), page, convert=_appointment_out)


@router.post(
    "/cases/{case_id}/appointments",
    response={201: AdvisoryAppointmentOut, **_WRITE},
    url_name="advisory_case_appointment_create",
    summary="Termin anlegen",
)
def create_appointment(request: HttpRequest, case_id: ObjectId, data: AdvisoryAppointmentIn) -> HttpStatus:
    user = api_user(request)
    appointment = _run(lambda: svc.create_appointment(actor=user, case_id=case_id, **data.model_dump()))
    return HttpStatus(201, _appointment_out(appointment))


@router.patch(
    "/cases/{case_id}/appointments/{appointment_id}",
    response={200: AdvisoryAppointmentOut, **_WRITE},
    url_name="advisory_case_appointment_update",
    summary="Termin ändern",
)
def update_appointment(
    request: HttpRequest, case_id: ObjectId, appointment_id: ObjectId, data: AdvisoryAppointmentPatch
) -> dict[str, Any]:
    user = api_user(request)
    appointment = _run(
        lambda: svc.update_appointment(
            actor=user, case_id=case_id, appointment_id=appointment_id, **data.model_dump(exclude_unset=True)
        )
    )
    return _appointment_out(appointment)


@router.delete(
    "/cases/{case_id}/appointments/{appointment_id}",
    response={204: None, **_WRITE},
    url_name="advisory_case_appointment_delete",
    summary="Termin absagen",
)
def delete_appointment(request: HttpRequest, case_id: ObjectId, appointment_id: ObjectId) -> HttpStatus:
    user = api_user(request)
    svc.delete_appointment(actor=user, case_id=case_id, appointment_id=appointment_id)
    return HttpStatus(204, None)


# --- documents -------------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/documents",
    response={200: Page[AdvisoryDocumentOut], **_READ},
    url_name="advisory_case_documents",
    summary="Dokumente eines Beratungsfalls",
)
def list_documents(request: HttpRequest, case_id: ObjectId, page: Query[PageParams]) -> dict[str, Any]:
    principal = api_person(request)
    case = svc.get_case(principal, case_id)
    return paginate_api(svc.documents_of(principal, case), page, convert=_document_out)


@router.post(
    "/cases/{case_id}/documents",
    response={201: AdvisoryDocumentOut, **_WRITE},
    url_name="advisory_case_document_upload",
    summary="Dokument ablegen",
)
def upload_document(
    request: HttpRequest, case_id: ObjectId, file: File[UploadedFile], form: Form[AdvisoryDocumentIn]
) -> HttpStatus:
    """PDF, ODT, DOCX, XLSX, PNG, JPEG oder Text (multipart: ``file``, ``title``, ``internal``)."""
    user = api_user(request)
    document = _run(
        lambda: svc.add_document(
            actor=user, case_id=case_id, upload=file, title=form.title, internal=form.internal
        )
    )
    return HttpStatus(201, _document_out(document))


@router.get(
    "/cases/{case_id}/documents/{document_id}/download",
    response={200: None, **_READ},
    url_name="advisory_case_document_download",
    summary="Dokument herunterladen",
    openapi_extra={
        "responses": {
            200: {
                "description": "Die Datei (Art nach ihrem Inhalt geprüft)",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in sorted({kind for kind, _magic in svc.ALLOWED_TYPES.values()})
                },
            }
        }
    },
)
def download_document(request: HttpRequest, case_id: ObjectId, document_id: ObjectId) -> FileResponse:
    principal = api_person(request)
    document = svc.get_document(principal, case_id, document_id)
    try:
        handle = open_stored(document.file)
    except OSError as exc:
        raise NotFound() from exc
    name = document.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
