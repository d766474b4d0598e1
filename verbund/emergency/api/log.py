"""``/api/v1/emergency/events/{event_id}/log``: the staff log (Einsatztagebuch) of an event.

Read (``GET …/log``, paginated in the order of the entries, and ``GET …/log/{seq}``), append
(``POST …/log``) and correct (``POST …/log/{seq}/corrections``: a new entry that names entry
``seq``, which stays as it was). There is no update and no delete: ``PUT``, ``PATCH`` and
``DELETE`` answer 405. Only members of the event's staff reach the log; everyone else gets 404, like
an event that does not exist. A closed event's log takes no entries (422 on ``event``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
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
    named_refusal,
    paginate,
)
from verbund.common.errors import Invalid, NotFound

from ..models import LogCategory, LogEntry
from ..services import log as log_services

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 403: ErrorOut, 422: ErrorOut}

#: An entry's number in its event's log (1, 2, 3 … per event).
EntrySeq = PathEx[int, P(ge=1, le=MAX_ID, description="lfd. Nr. des Eintrags in der Lage (ab 1)")]
CategoryIn = choices_enum(
    "EmergencyLogCategory",
    LogCategory,
    "lage, entscheidung, massnahme, auftrag, nachricht, personal, ressource, presse, sonstiges",
)


class EmergencyLogEntryOut(Schema):
    seq: int = Field(description="lfd. Nr. in der Lage")
    occurred_at: dt.datetime = Field(description="Zeitpunkt des Ereignisses")
    entered_at: dt.datetime = Field(description="Zeitpunkt des Eintrags")
    author: str = Field(description="Verfasser/in (Name beim Schreiben)")
    function: str = Field(description="Stabsfunktion der Verfasserin oder des Verfassers, leer: keine")
    category: str
    text: str
    corrects: int | None = Field(description="lfd. Nr. des berichtigten Eintrags")
    corrected_by: list[int] = Field(description="lfd. Nrn. der Berichtigungen dieses Eintrags")
    hash: str = Field(description="SHA-256 über den vorigen Hash und den Inhalt")
    prev_hash: str


class EmergencyLogEntryIn(Schema):
    text: str = Field(min_length=1, max_length=20_000)
    category: CategoryIn = LogCategory.SITUATION  # type: ignore[valid-type]
    function: str = Field("", max_length=10, description="eine eigene Stabsfunktion, z. B. S2")
    occurred_at: dt.datetime | None = Field(None, description="Zeitpunkt des Ereignisses; leer: jetzt")


class EmergencyLogCorrectionIn(Schema):
    text: str = Field(min_length=1, max_length=20_000)
    function: str = Field("", max_length=10, description="eine eigene Stabsfunktion, z. B. S2")


def _entry(entry: LogEntry, corrected_by: list[int] | None = None) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at,
        "entered_at": entry.entered_at,
        "author": entry.author_name,
        "function": entry.function,
        "category": entry.category,
        "text": entry.text,
        "corrects": entry.corrects.seq if entry.corrects_id and entry.corrects else None,
        "corrected_by": corrected_by or [],
        "hash": entry.hash,
        "prev_hash": entry.prev_hash,
    }


def _corrections(entries: list[LogEntry]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    rows = (
        LogEntry.objects.filter(corrects__in=[e.pk for e in entries])
        .order_by("seq")
        .values_list("corrects_id", "seq")
    )
    for corrects_id, seq in rows:
        found.setdefault(int(corrects_id), []).append(int(seq))
    return found


@router.get(
    "/events/{event_id}/log",
    response={200: Page[EmergencyLogEntryOut], **_ERRORS},
    url_name="emergency_log",
)
def list_entries(request: HttpRequest, event_id: ObjectId, page: Query[PageParams]) -> dict[str, Any]:
    """Die Einträge des Einsatztagebuchs in ihrer Reihenfolge (lfd. Nr. aufsteigend)."""
    principal = api_person(request)
    result = paginate(log_services.entries(principal, event_id), page)
    entries: list[LogEntry] = result["items"]
    corrections = _corrections(entries)
    result["items"] = [_entry(e, corrections.get(e.pk)) for e in entries]
    return result


@router.post(
    "/events/{event_id}/log",
    response={201: EmergencyLogEntryOut, **_WRITE_ERRORS},
    url_name="emergency_log_append",
)
def append_entry(request: HttpRequest, event_id: ObjectId, payload: EmergencyLogEntryIn) -> HttpStatus:
    """Einen Eintrag anfügen (Mitglieder des Stabes der Lage)."""
    user = api_user(request)
    api_person(request)
    try:
        entry = log_services.append(
            actor=user,
            event_id=event_id,
            text=payload.text,
            category=str(payload.category),
            function=payload.function,
            occurred_at=payload.occurred_at,
        )
    except Invalid as refusal:
        raise named_refusal(refusal) from refusal
    return HttpStatus(201, _entry(entry))


@router.get(
    "/events/{event_id}/log/{seq}",
    response={200: EmergencyLogEntryOut, **_ERRORS},
    url_name="emergency_log_entry",
)
def get_entry(request: HttpRequest, event_id: ObjectId, seq: EntrySeq) -> dict[str, Any]:
    """Ein Eintrag mit den lfd. Nrn. seiner Berichtigungen."""
    principal = api_person(request)
    entry = log_services.entries(principal, event_id).filter(seq=seq).first()
    if entry is None:
        raise NotFound()
    return _entry(entry, _corrections([entry]).get(entry.pk))


@router.post(
    "/events/{event_id}/log/{seq}/corrections",
    response={201: EmergencyLogEntryOut, **_WRITE_ERRORS},
    url_name="emergency_log_correct",
)
def correct_entry(
    request: HttpRequest, event_id: ObjectId, seq: EntrySeq, payload: EmergencyLogCorrectionIn
) -> HttpStatus:
    """Einen Eintrag berichtigen: ein neuer Eintrag, der Eintrag ``seq`` nennt (der bleibt, wie er ist)."""
    user = api_user(request)
    principal = api_person(request)
    if not log_services.entries(principal, event_id).filter(seq=seq).exists():
        raise NotFound()
    try:
        entry = log_services.correct(
            actor=user, event_id=event_id, entry_seq=seq, text=payload.text, function=payload.function
        )
    except Invalid as refusal:
        raise named_refusal(refusal) from refusal
    return HttpStatus(201, _entry(entry))
