"""``/api/v1/emergency/events/{event_id}/export`` and ``/api/v1/emergency/staffs/{staff_id}/import``: a
whole event as one JSON document, and reading such a document in as a new event of a staff.

The format is described by the JSON Schema ``verbund/emergency/schemas/event_export.schema.json``
(``format`` ``verbund.emergency.event``, ``version`` 1) and in :mod:`verbund.emergency.services.transfer`.
The export is for the members of the event's staff (404 for everyone else); ``?gzip=true`` answers
it gzip-compressed. The import (multipart, field ``file``, ``.json`` or ``.json.gz``) is for those who
lead the staff (404 if they do not see it, 403 if they see but do not lead it); a refused file is a
422 whose ``detail`` names the place (``log[17].hash``) and the reason, and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, api_person, api_user
from verbund.common.errors import Invalid

from ..services import transfer as svc

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 403: ErrorOut, 422: ErrorOut}
#: the largest upload
MAX_UPLOAD = 256 * 1024 * 1024
_SPOOL = 8 * 1024 * 1024


class EmergencyExportParams(Schema):
    gzip: bool = Field(False, description="true: gzip-komprimiert (.json.gz)")


class EmergencyImportSourceOut(Schema):
    instance: str = Field(description="Instanz, aus der die Lage stammt")
    event_id: int = Field(description="Kennung der Lage in der Quelle")
    title: str
    exported_at: dt.datetime
    entries: int = Field(description="Einträge des Einsatztagebuchs in der Quelle")
    last_hash: str = Field(description="Hash des letzten Eintrags in der Quelle")
    imported_at: dt.datetime
    imported_by: str


class EmergencyImportOut(Schema):
    event: int = Field(description="Kennung der neuen Lage")
    title: str
    entries: int = Field(description="übernommene Einträge (ohne den abschließenden Eintrag zur Herkunft)")
    messages: int
    tasks: int
    features: int = Field(description="Fassungen von Objekten der Lagekarte")
    reports: int
    source: EmergencyImportSourceOut


_EXPORT_DOC = {
    "responses": {
        200: {
            "description": "Die Lage als JSON-Dokument (event_export.schema.json); gzip=true: komprimiert",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/gzip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}


@router.get(
    "/events/{event_id}/export",
    response={200: None, **_ERRORS},
    url_name="emergency_event_export",
    summary="Lage exportieren",
    openapi_extra=_EXPORT_DOC,
)
def export_event(request: HttpRequest, event_id: ObjectId, params: Query[EmergencyExportParams]) -> Any:
    """Die ganze Lage als JSON-Dokument: Einsatztagebuch mit Hash-Kette, Nachrichten, Aufträge, alle
    Fassungen der Objekte der Lagekarte, Lagemeldungen (Mitglieder des Stabes der Lage)."""
    user = api_user(request)
    api_person(request)
    # written to a spooled file (rows read in chunks), answered as one body (clients and the contract
    # tests read it whole; the pages stream it)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as out:
        done = svc.event_export(actor=user, event_id=event_id, out=out, compressed=params.gzip)
        out.seek(0)
        body = out.read()
    response = HttpResponse(
        body, content_type="application/gzip" if params.gzip else "application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{done.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/staffs/{staff_id}/import",
    response={201: EmergencyImportOut, **_WRITE_ERRORS},
    url_name="emergency_event_import",
    summary="Lage einlesen",
)
def import_event(request: HttpRequest, staff_id: ObjectId, file: File[UploadedFile]) -> HttpStatus:
    """Eine exportierte Lage als neue Lage des Stabes einlesen (wer den Stab führt). Die Datei wird
    vorher geprüft (Format, Version, Schema, Hash-Kette der Quelle); alles oder nichts."""
    user = api_user(request)
    api_person(request)
    svc.may_import(user, staff_id)
    if (file.size or 0) > MAX_UPLOAD:
        raise Invalid(fields={"file": ["Die Datei ist größer als 256 MB."]})
    done = svc.event_import(actor=user, staff_id=staff_id, data=file.read(), name=file.name or "")
    return HttpStatus(
        201,
        {
            "event": done.event.pk,
            "title": done.event.title,
            "entries": done.entries,
            "messages": done.messages,
            "tasks": done.tasks,
            "features": done.features,
            "reports": done.reports,
            "source": done.event.source,
        },
    )
