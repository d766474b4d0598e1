"""``/api/v1/emergency/events/{event_id}/features`` and ``…/reports``: the situation picture.

As on the pages and with the same rules (:mod:`verbund.emergency.services.situation`, which logs and
audits every step): members of the event's staff read the map (``?at=`` for the state at a past
moment, the replay), draw objects (``POST …/features``), change them (``POST …/features/{uid}/change``:
the current version is closed and a new one added) and remove them (``POST …/features/{uid}/remove``);
they read the situation reports and write one now (``POST …/reports``). The map is a GeoJSON
FeatureCollection (WGS 84, ``[Länge, Breite]``); a refused geometry is a 422 whose ``detail`` names
the field (``geometry: Punkt: Breite 95 …``). People without a function in the event's staff get 404
for everything, like an event that does not exist; a closed event's map is a 422 on ``event``.

The messages on the map (layer "Meldungen") have an endpoint of their own,
``GET …/message-features`` (``?at=`` as for the objects): the screened messages with coordinates as a
FeatureCollection whose features have ``properties.kind = "nachricht"``, the number, priority and
subject (not the content) and the ``path`` of the message's page. A message is on the map from its
screening (``screened_at``) on. They are kept apart from ``…/features`` because they are not drawn
objects (no uid, no versions; they change through the message flow).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils import timezone
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

from ..models import FeatureKind, MapFeature, SituationReport
from ..services import situation as svc

router = Router()
_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {**_ERRORS, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}

FeatureKindIn = choices_enum(
    "EmergencyFeatureKind", FeatureKind, "gebiet, schaden, kraft, einrichtung oder sonstiges"
)
ReportNumber = PathEx[int, P(ge=1, le=MAX_ID, description="Nr. der Lagemeldung in der Lage (ab 1)")]
FeatureUid = PathEx[uuid.UUID, P(description="Kennung (UUID) des Objekts, gleich über alle Fassungen")]
SYMBOL_HELP = (
    "Taktisches Zeichen (DV 102) als <Gruppe>/<id>, z. B. fachaufgaben/wasserversorgung; leer: keins"
)
GEOMETRY_HELP = (
    "GeoJSON-Geometrie in WGS 84: Point, LineString oder Polygon (Ringe geschlossen), Positionen als "
    "[Länge, Breite]"
)

T = TypeVar("T")


class EmergencyGeometry(Schema):
    type: str = Field(description="Point, LineString oder Polygon")
    coordinates: Any = Field(description="Positionen als [Länge, Breite] (WGS 84)")


class EmergencyFeatureProperties(Schema):
    uid: str = Field(description="Kennung des Objekts, gleich über alle Fassungen")
    version: int = Field(description="Kennung dieser Fassung")
    kind: str = Field(description="gebiet, schaden, kraft, einrichtung oder sonstiges")
    kind_label: str
    symbol: str = Field(description=SYMBOL_HELP)
    symbol_label: str
    label: str
    note: str
    valid_from: dt.datetime
    valid_to: dt.datetime | None = Field(description="null: geltende Fassung")


class EmergencyFeatureOut(Schema):
    type: str = Field("Feature", description="immer Feature")
    id: str = Field(description="Kennung (UUID) des Objekts")
    geometry: EmergencyGeometry
    properties: EmergencyFeatureProperties


class EmergencyFeatureCollectionOut(Schema):
    type: str = Field("FeatureCollection", description="immer FeatureCollection")
    at: dt.datetime = Field(description="Zeitpunkt, dessen Stand die Karte zeigt")
    features: list[EmergencyFeatureOut]


class EmergencyMessageFeatureProperties(Schema):
    kind: str = Field(description="immer nachricht")
    kind_label: str
    number: int = Field(description="Nachrichten-Nr. in der Lage")
    priority: str = Field(description="blitz, sofort oder einfach")
    priority_label: str
    subject: str = Field(description="Betreff")
    label: str = Field(description="Beschriftung: Nr. und Betreff")
    place: str = Field(description="Ort, wie angegeben (leer: keiner)")
    screened_at: dt.datetime = Field(description="gesichtet am: ab da steht die Nachricht auf der Karte")
    path: str = Field(description="Pfad der Seite der Nachricht")


class EmergencyMessageFeatureOut(Schema):
    type: str = Field("Feature", description="immer Feature")
    id: str = Field(description="nachricht-<Nr.>")
    geometry: EmergencyGeometry
    properties: EmergencyMessageFeatureProperties


class EmergencyMessageFeatureCollectionOut(Schema):
    type: str = Field("FeatureCollection", description="immer FeatureCollection")
    at: dt.datetime = Field(description="Zeitpunkt, dessen Stand die Karte zeigt")
    features: list[EmergencyMessageFeatureOut]


class EmergencyFeatureParams(Schema):
    at: dt.datetime | None = Field(
        None, description="Stand zu diesem Zeitpunkt (ISO 8601; ohne Zeitzone: Europe/Berlin); leer: jetzt"
    )


class EmergencyFeatureIn(Schema):
    kind: FeatureKindIn  # type: ignore[valid-type]
    symbol: str = Field("", max_length=100, description=SYMBOL_HELP)
    label: str = Field(min_length=1, max_length=svc.LABEL_MAX, description="Beschriftung")
    note: str = Field("", max_length=svc.NOTE_MAX, description="Bemerkung")
    geometry: dict[str, Any] = Field(description=GEOMETRY_HELP)


class EmergencyFeatureChangeIn(Schema):
    """What changes; what is left out stays as it was."""

    kind: FeatureKindIn | None = None  # type: ignore[valid-type]
    symbol: str | None = Field(None, max_length=100, description=SYMBOL_HELP)
    label: str | None = Field(None, min_length=1, max_length=svc.LABEL_MAX)
    note: str | None = Field(None, max_length=svc.NOTE_MAX)
    geometry: dict[str, Any] | None = Field(None, description=GEOMETRY_HELP)


class EmergencyReportOut(Schema):
    number: int = Field(description="Nr. der Lagemeldung in der Lage")
    as_of: dt.datetime = Field(description="Stand")
    generated_at: dt.datetime
    author: str | None = Field(description="Name der Person; null: vom System zum Meldezeitpunkt erstellt")
    text: str = Field(description="Wortlaut (deutsch)")
    content: dict[str, Any] = Field(
        description="Zahlen: Objekte je Art, Schadensstellen, Zusagen, offene Aufträge und Nachrichten, "
        "Einträge im Einsatztagebuch je Kategorie seit der vorigen Meldung, Stufe"
    )


def _refusals_named(action: Callable[[], T]) -> T:
    """Run ``action``; a refusal's ``detail`` names each field ("geometry: …")."""
    try:
        return action()
    except Invalid as refusal:
        if not refusal.fields:
            raise
        detail = "; ".join(
            f"{field}: {message}" for field, msgs in refusal.fields.items() for message in msgs
        )
        raise Invalid(detail, fields=refusal.fields) from refusal


def _feature(feature: MapFeature) -> dict[str, Any]:
    return svc.feature_collection([feature], icons=False)["features"][0]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    if moment is not None:
        try:
            moment.astimezone(dt.UTC)  # 9999-12-31T23:59-14:00 is after the last moment in UTC
        except OverflowError:
            refusal = _("Der Zeitpunkt liegt außerhalb des Kalenders.")
            raise Invalid(f"at: {refusal}", fields={"at": [refusal]}) from None
    return moment


@router.get(
    "/events/{event_id}/features",
    response={200: EmergencyFeatureCollectionOut, **_ERRORS, 422: ErrorOut},
    url_name="emergency_features",
)
def list_features(
    request: HttpRequest, event_id: ObjectId, params: Query[EmergencyFeatureParams]
) -> dict[str, Any]:
    """Die Lagekarte als GeoJSON-FeatureCollection: jetzt oder zum Zeitpunkt ``at`` (Rückschau)."""
    principal = api_person(request)
    at = _aware(params.at) or timezone.now()
    collection = svc.feature_collection(svc.features(principal, event_id, at=at), icons=False)
    return {**collection, "at": at}


@router.get(
    "/events/{event_id}/message-features",
    response={200: EmergencyMessageFeatureCollectionOut, **_ERRORS, 422: ErrorOut},
    url_name="emergency_message_features",
)
def list_message_features(
    request: HttpRequest, event_id: ObjectId, params: Query[EmergencyFeatureParams]
) -> dict[str, Any]:
    """Die Nachrichten auf der Lagekarte (Ebene „Meldungen“): gesichtet und mit Koordinaten, als
    GeoJSON-FeatureCollection mit ``properties.kind = "nachricht"``; jetzt oder zum Zeitpunkt ``at``."""
    principal = api_person(request)
    at = _aware(params.at) or timezone.now()
    features = svc.message_features(svc.placed_messages(principal, event_id, at=at), icons=False)
    return {"type": "FeatureCollection", "features": features, "at": at}


@router.post(
    "/events/{event_id}/features",
    response={201: EmergencyFeatureOut, **_WRITE_ERRORS},
    url_name="emergency_feature_create",
)
def create_feature(request: HttpRequest, event_id: ObjectId, payload: EmergencyFeatureIn) -> HttpStatus:
    """Ein Objekt in die Lagekarte eintragen (jedes Mitglied des Stabes); es steht im Einsatztagebuch."""
    user = api_user(request)
    feature = _refusals_named(
        lambda: svc.add_feature(
            actor=user,
            event_id=event_id,
            kind=str(payload.kind),
            symbol=payload.symbol,
            label=payload.label,
            note=payload.note,
            geometry=payload.geometry,
        )
    )
    return HttpStatus(201, _feature(feature))


@router.post(
    "/events/{event_id}/features/{uid}/change",
    response={200: EmergencyFeatureOut, **_WRITE_ERRORS},
    url_name="emergency_feature_change",
)
def change_feature(
    request: HttpRequest, event_id: ObjectId, uid: FeatureUid, payload: EmergencyFeatureChangeIn
) -> dict[str, Any]:
    """Ein Objekt ändern: die geltende Fassung endet, eine neue beginnt (frühere Stände bleiben abrufbar)."""
    user = api_user(request)
    feature = _refusals_named(
        lambda: svc.change_feature(
            actor=user,
            event_id=event_id,
            uid=uid,
            kind=None if payload.kind is None else str(payload.kind),
            symbol=payload.symbol,
            label=payload.label,
            note=payload.note,
            geometry=payload.geometry,
        )
    )
    return _feature(feature)


@router.post(
    "/events/{event_id}/features/{uid}/remove",
    response={200: EmergencyFeatureOut, **_WRITE_ERRORS},
    url_name="emergency_feature_remove",
)
def remove_feature(request: HttpRequest, event_id: ObjectId, uid: FeatureUid) -> dict[str, Any]:
    """Ein Objekt von der Lagekarte nehmen; die Antwort ist die abgeschlossene Fassung."""
    user = api_user(request)
    feature = _refusals_named(lambda: svc.remove_feature(actor=user, event_id=event_id, uid=uid))
    return _feature(feature)


def _report(report: SituationReport) -> dict[str, Any]:
    author = report.created_by
    return {
        "number": report.number,
        "as_of": report.as_of,
        "generated_at": report.generated_at,
        "author": (author.get_full_name() or author.get_username()) if author is not None else None,
        "text": report.text,
        "content": report.content or {},
    }


@router.get(
    "/events/{event_id}/reports",
    response={200: Page[EmergencyReportOut], **_ERRORS, 422: ErrorOut},
    url_name="emergency_reports",
)
def list_reports(request: HttpRequest, event_id: ObjectId, page: Query[PageParams]) -> dict[str, Any]:
    """Die Lagemeldungen der Lage, neueste zuerst."""
    principal = api_person(request)
    return paginate_api(svc.reports(principal, event_id).select_related("created_by"), page, convert=_report)


@router.post(
    "/events/{event_id}/reports",
    response={201: EmergencyReportOut, **_WRITE_ERRORS},
    url_name="emergency_report_create",
)
def create_report(request: HttpRequest, event_id: ObjectId) -> HttpStatus:
    """Jetzt eine Lagemeldung aus Lagekarte und Einsatztagebuch erstellen (jedes Mitglied des Stabes)."""
    user = api_user(request)
    report = _refusals_named(lambda: svc.write_report(actor=user, event_id=event_id))
    return HttpStatus(201, _report(report))


@router.get(
    "/events/{event_id}/reports/{number}",
    response={200: EmergencyReportOut, **_ERRORS},
    url_name="emergency_report",
)
def get_report(request: HttpRequest, event_id: ObjectId, number: ReportNumber) -> dict[str, Any]:
    """Eine Lagemeldung mit Wortlaut und Zahlen."""
    return _report(svc.get_report(api_person(request), event_id, number))
