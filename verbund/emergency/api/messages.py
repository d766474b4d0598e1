"""``/api/v1/emergency/events/{event_id}/messages`` and ``…/tasks``: the message flow of an event.

As on the pages and with the same rules (:mod:`verbund.emergency.services.messages`, which logs and
audits every step): members of the event's staff write messages; the Koordinierungsgruppe and the
Leitung des Stabes screen and assign them; the assigned functions (and the screeners) answer, close
and make tasks of them. A step by someone else is a 403, a step out of order (answering before the
screening, anything after "erledigt") a 409 naming what must come first, a closed event a 422 on
``event``. People without a function in the event's staff get 404 for everything, like an event that
does not exist. Messages are named by their number in the event, tasks by their id.

A message may name a place (``place``) and its coordinates (``latitude``, ``longitude``: WGS 84,
both or none); a refusal is a 422 whose ``detail`` names the field (``latitude: Breite 95 …``). A
screened message with coordinates is on the situation map (``…/message-features``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.params import P, PathEx
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import (
    MAX_ID,
    ErrorOut,
    ObjectId,
    Page,
    PageParams,
    api_person,
    api_user,
    choices_enum,
)
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid

from ..models import Direction, Message, Priority, Task, TaskState
from ..services import messages as flow

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}

#: A message's number in its event (1, 2, 3 … per event).
MessageNumber = PathEx[int, P(ge=1, le=MAX_ID, description="Nachrichten-Nr. in der Lage (ab 1)")]
DirectionIn = choices_enum("EmergencyMessageDirection", Direction, "eingang, ausgang oder intern")
PriorityIn = choices_enum("EmergencyMessagePriority", Priority, "blitz, sofort oder einfach")
FUNCTIONS_HELP = "Kürzel der Stabsfunktionen, z. B. S2, S4, KGS, LdS, BuMA"


class EmergencyMessageOut(Schema):
    number: int = Field(description="Nachrichten-Nr. in der Lage")
    direction: str = Field(description="eingang, ausgang oder intern")
    priority: str = Field(description="blitz, sofort oder einfach")
    sender: str
    recipient: str
    subject: str
    text: str
    author: str | None = Field(description="Name der Person, die die Nachricht aufgenommen hat")
    author_function: str = Field(description="Funktion, unter der sie aufgenommen wurde (leer: keine)")
    written_at: dt.datetime
    state: str = Field(description="erfasst, gesichtet, zugewiesen, beantwortet oder erledigt")
    screened_by: str | None
    screened_at: dt.datetime | None
    screening_note: str
    assigned_to: list[str] = Field(description=FUNCTIONS_HELP)
    assigned_at: dt.datetime | None
    answer: str
    answered_by: str | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    place: str = Field("", description="Ort, um den es geht (leer: keiner)")
    latitude: float | None = Field(None, description="Breite des Ortes (WGS 84); null: keine Koordinaten")
    longitude: float | None = Field(None, description="Länge des Ortes (WGS 84); null: keine Koordinaten")


class EmergencyMessageIn(Schema):
    """The Nachrichtenvordruck."""

    direction: DirectionIn = Field(Direction.INCOMING, description="eingang, ausgang oder intern")  # type: ignore[valid-type]
    priority: PriorityIn = Field(Priority.ROUTINE, description="blitz, sofort oder einfach")  # type: ignore[valid-type]
    sender: str = Field(max_length=200)
    recipient: str = Field("", max_length=200)
    subject: str = Field(max_length=300)
    text: str = Field(max_length=20_000)
    author_function: str = Field("", max_length=10, description="eine eigene Funktion im Stab (Kürzel)")
    written_at: dt.datetime | None = Field(None, description="aufgenommen um (leer: jetzt); mit Zeitzone")
    place: str = Field("", max_length=200, description="Ort, um den es geht (freiwillig)")
    latitude: float | None = Field(
        None, description="Breite des Ortes in WGS 84 (−90 … 90); nur zusammen mit longitude"
    )
    longitude: float | None = Field(
        None, description="Länge des Ortes in WGS 84 (−180 … 180); nur zusammen mit latitude"
    )


class EmergencyScreenIn(Schema):
    note: str = Field("", max_length=20_000, description="Vermerk der Sichtung")
    functions: list[str] = Field(
        default_factory=list, max_length=20, description=f"gleich zuweisen an: {FUNCTIONS_HELP}"
    )


class EmergencyAssignIn(Schema):
    functions: list[str] = Field(min_length=1, max_length=20, description=FUNCTIONS_HELP)


class EmergencyAnswerIn(Schema):
    answer: str = Field(min_length=1, max_length=20_000)


class EmergencyTaskIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    details: str = Field("", max_length=20_000)
    owner_function: str = Field(max_length=10, description="zuständige Funktion (Kürzel)")
    owner: str | None = Field(
        None, max_length=150, description="Benutzername der zuständigen Person (hat die Funktion inne)"
    )
    due_at: dt.datetime = Field(description="zu erledigen bis (mit Zeitzone, in der Zukunft)")


class EmergencyTaskOut(Schema):
    id: int
    message: int | None = Field(description="Nachrichten-Nr., aus der der Auftrag entstand")
    title: str
    details: str
    owner_function: str
    owner: str | None = Field(description="Name der zuständigen Person")
    due_at: dt.datetime
    overdue: bool = Field(description="offen und die Frist ist verstrichen")
    state: str = Field(description="offen, erledigt oder entfallen")
    done_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime


class EmergencyMessageFilter(Schema):
    state: str = Field("", description="nur Nachrichten in diesem Stand (erfasst … erledigt)")
    mine: bool = Field(False, description="nur die, die einer eigenen Funktion zugewiesen sind")


class EmergencyTaskFilter(Schema):
    all: bool = Field(False, description="auch erledigte und entfallene Aufträge")


def _name(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def _message(m: Message) -> dict[str, Any]:
    return {
        "number": m.number,
        "direction": m.direction,
        "priority": m.priority,
        "sender": m.sender,
        "recipient": m.recipient,
        "subject": m.subject,
        "text": m.text,
        "author": _name(m.author),
        "author_function": m.author_function,
        "written_at": m.written_at,
        "state": m.state,
        "screened_by": _name(m.screened_by),
        "screened_at": m.screened_at,
        "screening_note": m.screening_note,
        "assigned_to": list(m.assigned_to or []),
        "assigned_at": m.assigned_at,
        "answer": m.answer,
        "answered_by": _name(m.answered_by),
        "answered_at": m.answered_at,
        "closed_at": m.closed_at,
        "place": m.place,
        "latitude": m.latitude,
        "longitude": m.longitude,
    }


def _task(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk,
        "message": t.message.number if t.message is not None else None,
        "title": t.title,
        "details": t.details,
        "owner_function": t.owner_function,
        "owner": _name(t.owner),
        "due_at": t.due_at,
        "overdue": flow.is_overdue(t),
        "state": t.state,
        "done_at": t.done_at,
        "created_by": _name(t.created_by),
        "created_at": t.created_at,
    }


_PEOPLE = ("author", "screened_by", "answered_by")


T = TypeVar("T")


def _named(action: Callable[[], T]) -> T:
    """Run ``action``; a refusal's detail names each field ("latitude: Breite 95 …", "owner: …")."""
    try:
        return action()
    except Invalid as refusal:
        if not refusal.fields:
            raise
        detail = "; ".join(f"{field}: {text}" for field, texts in refusal.fields.items() for text in texts)
        raise Invalid(detail, fields=refusal.fields) from refusal


@router.get(
    "/events/{event_id}/messages",
    response={200: Page[EmergencyMessageOut], **_ERRORS, 422: ErrorOut},
    url_name="emergency_messages",
)
def list_messages(
    request: HttpRequest, event_id: ObjectId, filters: Query[EmergencyMessageFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Nachrichten der Lage: Blitz zuerst, dann sofort, dann einfach; je Vorrang die älteste zuerst."""
    principal = api_person(request)
    items = flow.messages(principal, event_id, state=filters.state, mine=filters.mine).select_related(
        *_PEOPLE
    )
    return paginate_api(items, page, convert=_message)


@router.post(
    "/events/{event_id}/messages",
    response={201: EmergencyMessageOut, **_WRITE_ERRORS},
    url_name="emergency_message_create",
)
def create_message(request: HttpRequest, event_id: ObjectId, payload: EmergencyMessageIn) -> HttpStatus:
    """Eine Nachricht aufnehmen (jedes Mitglied des Stabes); sie erhält die nächste Nummer der Lage."""
    user = api_user(request)
    message = _named(
        lambda: flow.write_message(
            actor=user,
            event_id=event_id,
            direction=str(payload.direction),
            priority=str(payload.priority),
            sender=payload.sender,
            recipient=payload.recipient,
            subject=payload.subject,
            text=payload.text,
            author_function=payload.author_function,
            written_at=payload.written_at,
            place=payload.place,
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    )
    return HttpStatus(201, _message(message))


@router.get(
    "/events/{event_id}/messages/{number}",
    response={200: EmergencyMessageOut, **_ERRORS},
    url_name="emergency_message",
)
def get_message(request: HttpRequest, event_id: ObjectId, number: MessageNumber) -> dict[str, Any]:
    """Eine Nachricht mit allen Schritten und ihren Zeiten."""
    return _message(flow.get_message(api_person(request), event_id, number))


@router.post(
    "/events/{event_id}/messages/{number}/screen",
    response={200: EmergencyMessageOut, **_WRITE_ERRORS},
    url_name="emergency_message_screen",
)
def screen_message(
    request: HttpRequest, event_id: ObjectId, number: MessageNumber, payload: EmergencyScreenIn
) -> dict[str, Any]:
    """Sichten (KGS, LdS), mit Vermerk; mit ``functions`` zugleich zuweisen."""
    message = _named(
        lambda: flow.screen_message(
            actor=api_user(request),
            event_id=event_id,
            number=number,
            note=payload.note,
            functions=payload.functions,
        )
    )
    return _message(message)


@router.post(
    "/events/{event_id}/messages/{number}/assign",
    response={200: EmergencyMessageOut, **_WRITE_ERRORS},
    url_name="emergency_message_assign",
)
def assign_message(
    request: HttpRequest, event_id: ObjectId, number: MessageNumber, payload: EmergencyAssignIn
) -> dict[str, Any]:
    """Einer gesichteten Nachricht Funktionen zuweisen (KGS, LdS; ersetzt eine frühere Zuweisung)."""
    message = _named(
        lambda: flow.assign_message(
            actor=api_user(request), event_id=event_id, number=number, functions=payload.functions
        )
    )
    return _message(message)


@router.post(
    "/events/{event_id}/messages/{number}/answer",
    response={200: EmergencyMessageOut, **_WRITE_ERRORS},
    url_name="emergency_message_answer",
)
def answer_message(
    request: HttpRequest, event_id: ObjectId, number: MessageNumber, payload: EmergencyAnswerIn
) -> dict[str, Any]:
    """Beantworten: eine zugewiesene Funktion oder die Sichtung; vor der Sichtung: 409."""
    message = _named(
        lambda: flow.answer_message(
            actor=api_user(request), event_id=event_id, number=number, answer=payload.answer
        )
    )
    return _message(message)


@router.post(
    "/events/{event_id}/messages/{number}/close",
    response={200: EmergencyMessageOut, **_WRITE_ERRORS},
    url_name="emergency_message_close",
)
def close_message(request: HttpRequest, event_id: ObjectId, number: MessageNumber) -> dict[str, Any]:
    """Als erledigt markieren (eine zugewiesene Funktion oder die Sichtung)."""
    return _message(flow.close_message(actor=api_user(request), event_id=event_id, number=number))


def _owner(name: str | None) -> Any:
    if not name:
        return None
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise Invalid(fields={"owner": [_("Kein aktives Benutzerkonto mit diesem Benutzernamen.")]})
    return user


@router.post(
    "/events/{event_id}/messages/{number}/task",
    response={201: EmergencyTaskOut, **_WRITE_ERRORS},
    url_name="emergency_message_task",
)
def create_task(
    request: HttpRequest, event_id: ObjectId, number: MessageNumber, payload: EmergencyTaskIn
) -> HttpStatus:
    """Aus einer gesichteten Nachricht einen Auftrag mit Frist und zuständiger Funktion machen."""
    user = api_user(request)
    flow.get_message(api_person(request), event_id, number)  # 404 before the owner is looked up
    task = _named(
        lambda: flow.create_task(
            actor=user,
            event_id=event_id,
            number=number,
            title=payload.title,
            details=payload.details,
            owner_function=payload.owner_function,
            owner=_owner(payload.owner),
            due_at=payload.due_at,
        )
    )
    return HttpStatus(201, _task(task))


@router.get(
    "/events/{event_id}/tasks",
    response={200: Page[EmergencyTaskOut], **_ERRORS, 422: ErrorOut},
    url_name="emergency_tasks",
)
def list_tasks(
    request: HttpRequest, event_id: ObjectId, filters: Query[EmergencyTaskFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Die offenen Aufträge der Lage, die früheste Frist zuerst (mit ``all``: auch abgeschlossene)."""
    principal = api_person(request)
    items = flow.tasks(principal, event_id, open_only=not filters.all).select_related("created_by")
    return paginate_api(items, page, convert=_task)


def _finish(request: HttpRequest, event_id: int, task_id: int, state: str) -> dict[str, Any]:
    task = _named(
        lambda: flow.finish_task(actor=api_user(request), event_id=event_id, task_id=task_id, state=state)
    )
    return _task(task)


@router.post(
    "/events/{event_id}/tasks/{task_id}/done",
    response={200: EmergencyTaskOut, **_WRITE_ERRORS},
    url_name="emergency_task_done",
)
def task_done(request: HttpRequest, event_id: ObjectId, task_id: ObjectId) -> dict[str, Any]:
    """Den Auftrag als erledigt markieren (zuständige Funktion oder Person, wer ihn erteilt hat, Sichtung)."""
    return _finish(request, event_id, task_id, TaskState.DONE)


@router.post(
    "/events/{event_id}/tasks/{task_id}/cancel",
    response={200: EmergencyTaskOut, **_WRITE_ERRORS},
    url_name="emergency_task_cancel",
)
def task_cancel(request: HttpRequest, event_id: ObjectId, task_id: ObjectId) -> dict[str, Any]:
    """Der Auftrag entfällt (dieselben Personen wie bei erledigt)."""
    return _finish(request, event_id, task_id, TaskState.CANCELLED)
