"""The situation picture of an event: the map (features in versions, so any past moment can be
replayed) and the situation reports (Lagemeldungen).

Map
===
* :func:`add_feature`, :func:`change_feature` (closes the current version and adds a new one with
  the same ``uid``), :func:`remove_feature` (closes it). Every member of the event's staff may draw;
  everyone else gets :class:`NotFound`, like for an event that does not exist. A closed event's map
  is closed too. Each step is written to the staff log (category *Lage*) and audited.
* The geometry is GeoJSON in WGS 84 (Point, LineString, Polygon; longitude −180…180, latitude
  −90…90; a polygon's rings closed); a refusal names the field (``geometry`` or the name the caller
  gives). :func:`parse_coordinates` reads what a German user types ("49,4447; 7,7690", one point a line).
* :func:`picture_at` is the map as it was at a moment: every version with ``valid_from <= t`` and no
  ``valid_to`` or ``valid_to > t``.
* Messages (layer "Meldungen"): a message with coordinates is on the map from its screening on
  (``screened_at <= t``; :func:`messages_at`), whatever happened to it after (assigned, answered,
  done). :func:`message_features` gives them as GeoJSON features with ``properties.kind = "nachricht"``,
  the number, the priority and the subject (never the content); they are not drawn objects and have
  no versions.

Situation reports
=================
:func:`write_report` generates report number *n* of an event from the map and the log as of a
moment: the objects by kind, the damage points, the forces and means deployed (on the map and
committed through mutual aid), the open tasks and messages, the log entries since the previous
report by category, and the level; the text is German in the formal style of staff work (stored in
German whatever language the writer reads). A member writes one on demand; :func:`write_due_reports`
(the periodic job, :mod:`verbund.emergency.tasks`) writes one for each open event whose
``report_interval_minutes`` (default 180, the LfBK's three-hour rhythm) have passed since the last
report, or since the opening. ``now`` can be passed into every write, so tests freeze the time.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import Principal

from .. import audit_actions, symbols
from ..models import (
    HOLDING,
    PRIORITY_RANK,
    Commitment,
    Event,
    EventLevel,
    EventStatus,
    FeatureKind,
    LogCategory,
    LogEntry,
    MapFeature,
    Message,
    MessageState,
    Priority,
    SituationReport,
    Task,
    TaskState,
)
from ..policies import MANAGE, as_principal, sees_event
from . import log as log_services

#: the periodic job that writes the due reports
REPORTER = SystemActor(name="Lagemeldung (automatisch)", capabilities=frozenset({MANAGE}))

LABEL_MAX = 200
NOTE_MAX = 5_000
#: at most this many positions in one geometry (a drawn area, not a survey)
POSITIONS_MAX = 5_000
GEOMETRY_TYPES = ("Point", "LineString", "Polygon")


# --- geometry ---------------------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _position_errors(position: Any, where: str) -> list[str]:
    if not isinstance(position, list | tuple) or len(position) not in (2, 3):
        return [_("%(where)s: eine Position ist [Länge, Breite].") % {"where": where}]
    if not all(_number(v) for v in position):
        return [_("%(where)s: Länge und Breite müssen Zahlen sein.") % {"where": where}]
    lon, lat = position[0], position[1]
    errors = []
    if not -180 <= lon <= 180:
        errors.append(
            _("%(where)s: Länge %(value)s liegt nicht zwischen −180 und 180 (WGS 84).")
            % {"where": where, "value": lon}
        )
    if not -90 <= lat <= 90:
        errors.append(
            _("%(where)s: Breite %(value)s liegt nicht zwischen −90 und 90 (WGS 84).")
            % {"where": where, "value": lat}
        )
    return errors


def _positions(value: Any, where: str, minimum: int) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) < minimum:
        return [_("%(where)s braucht mindestens %(n)s Positionen.") % {"where": where, "n": minimum}]
    errors: list[str] = []
    for n, position in enumerate(value, start=1):
        errors += _position_errors(position, _("%(where)s, Position %(n)s") % {"where": where, "n": n})
        if len(errors) >= 5:
            break
    return errors


def geometry_errors(geometry: Any) -> list[str]:
    """What is wrong with a GeoJSON geometry ([] when nothing)."""
    if not isinstance(geometry, Mapping):
        return [_("Die Geometrie muss ein GeoJSON-Objekt mit „type“ und „coordinates“ sein.")]
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        return [
            _("Geometrietyp „%(type)s“ wird nicht unterstützt (Point, LineString oder Polygon).")
            % {"type": str(kind)[:40]}
        ]
    coordinates = geometry.get("coordinates")
    if kind == "Point":
        return _position_errors(coordinates, _("Punkt"))
    if kind == "LineString":
        errors = _positions(coordinates, _("Linie"), 2)
        if not errors and isinstance(coordinates, list | tuple) and len(coordinates) > POSITIONS_MAX:
            errors = [_("Die Geometrie hat mehr als %(n)s Positionen.") % {"n": POSITIONS_MAX}]
        return errors
    if not isinstance(coordinates, list | tuple) or not coordinates:
        return [_("Eine Fläche braucht mindestens einen Ring.")]
    errors = []
    total = 0
    for n, ring in enumerate(coordinates, start=1):
        where = _("Ring %(n)s der Fläche") % {"n": n}
        ring_errors = _positions(ring, where, 4)
        if not ring_errors and list(ring[0]) != list(ring[-1]):
            ring_errors = [
                _("%(where)s ist nicht geschlossen: die letzte Position muss gleich der ersten sein.")
                % {"where": where}
            ]
        errors += ring_errors
        total += len(ring) if isinstance(ring, list | tuple) else 0
    if not errors and total > POSITIONS_MAX:
        errors = [_("Die Geometrie hat mehr als %(n)s Positionen.") % {"n": POSITIONS_MAX}]
    return errors


def clean_geometry(geometry: Any, field: str = "geometry") -> dict[str, Any]:
    """The geometry with only ``type`` and ``coordinates`` (floats), or :class:`Invalid` at ``field``."""
    errors = geometry_errors(geometry)
    if errors:
        raise Invalid(fields={field: errors})

    def floats(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [floats(v) for v in value]
        return float(value)

    return {"type": geometry["type"], "coordinates": floats(geometry["coordinates"])}


_NUMBER = r"[-+−]?\d+(?:[.,]\d+)?"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*(?:;|\s+|,\s+)\s*({_NUMBER})\s*$")
_ENGLISH_PAIR = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)\s*$")


def _german_float(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "."))


def parse_coordinates(text: str, *, area: bool = False, field: str = "coordinates") -> dict[str, Any]:
    """A geometry from typed coordinates, one point a line as *Breite; Länge* ("49,4447; 7,7690",
    also "49.4447, 7.7690"): one line a Point, several a LineString, or with ``area`` a Polygon
    (closed for the user when the last point is not the first)."""
    lines = [line for line in re.split(r"[\n|]+", text or "") if line.strip()]
    if not lines:
        raise Invalid(fields={field: [_("Bitte Koordinaten angeben (Breite; Länge).")]})
    points: list[list[float]] = []
    for n, line in enumerate(lines, start=1):
        match = _PAIR.match(line) or _ENGLISH_PAIR.match(line)
        if match is None:
            raise Invalid(
                fields={
                    field: [
                        _("Zeile %(n)s: „%(line)s“ ist keine Koordinate der Form „49,4447; 7,7690“.")
                        % {"n": n, "line": line.strip()[:60]}
                    ]
                }
            )
        lat, lon = _german_float(match[1]), _german_float(match[2])
        points.append([lon, lat])
    geometry: dict[str, Any]
    if len(points) == 1:
        geometry = {"type": "Point", "coordinates": points[0]}
    elif area:
        if points[0] != points[-1]:
            points.append(list(points[0]))
        geometry = {"type": "Polygon", "coordinates": [points]}
    else:
        geometry = {"type": "LineString", "coordinates": points}
    return clean_geometry(geometry, field)


def format_coordinates(geometry: Mapping[str, Any]) -> str:
    """A geometry's positions as German *Breite; Länge* lines (the form's way back)."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Point":
        positions = [coordinates]
    elif kind == "LineString":
        positions = list(coordinates)
    elif kind == "Polygon" and coordinates:
        positions = list(coordinates[0])
    else:
        return ""

    def german(value: float) -> str:
        return f"{value:.5f}".rstrip("0").rstrip(".").replace(".", ",")

    return "\n".join(f"{german(p[1])}; {german(p[0])}" for p in positions)


def anchor(geometry: Mapping[str, Any]) -> tuple[float, float] | None:
    """Where a symbol stands: a point itself, else the mean of the positions (lat, lon)."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Point":
        return float(coordinates[1]), float(coordinates[0])
    positions = coordinates if kind == "LineString" else (coordinates[0][:-1] if coordinates else [])
    if not positions:
        return None
    return (
        sum(float(p[1]) for p in positions) / len(positions),
        sum(float(p[0]) for p in positions) / len(positions),
    )


# --- the map ----------------------------------------------------------------------------------------


def picture_at(event: Event, at: datetime) -> QuerySet[MapFeature]:
    """The features of ``event`` valid at ``at`` (the caller has checked that the event may be seen)."""
    return (
        MapFeature.objects.filter(event=event, valid_from__lte=at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
        .order_by("kind", "label", "id")
    )


def features(who: Actor | Principal, event_id: int, at: datetime | None = None) -> QuerySet[MapFeature]:
    """The map of an event the caller sees (now, or at ``at``), else :class:`NotFound`."""
    event = log_services.get_event(as_principal(who), event_id)
    return picture_at(event, at or timezone.now())


def history(who: Actor | Principal, event_id: int) -> QuerySet[MapFeature]:
    """Every version of every feature, oldest first."""
    event = log_services.get_event(as_principal(who), event_id)
    return MapFeature.objects.filter(event=event).order_by("valid_from", "id")


def change_moments(event: Event) -> list[datetime]:
    """The moments the map changed (for the replay's slider), oldest first."""
    moments: set[datetime] = set(MapFeature.objects.filter(event=event).values_list("valid_from", flat=True))
    for closed in MapFeature.objects.filter(event=event, valid_to__isnull=False).values_list(
        "valid_to", flat=True
    ):
        if closed is not None:
            moments.add(closed)
    return sorted(moments)


def _locked_event(principal: Principal, event_id: int) -> Event:
    event = Event.objects.select_for_update(of=("self",)).select_related("staff").filter(pk=event_id).first()
    if event is None or not sees_event(principal, staff_id=event.staff_id, event_id=event.pk):
        raise NotFound()
    if event.status == EventStatus.CLOSED:
        raise Invalid(fields={"event": [_("Die Lage ist beendet; die Lagekarte ist geschlossen.")]})
    return event


def _check_fields(kind: str, symbol: str, label: str, note: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in FeatureKind.values:
        errors["kind"] = [_("Unbekannte Art des Objekts.")]
    if symbol and not symbols.is_known(symbol):
        errors["symbol"] = [
            _("„%(symbol)s“ ist kein Taktisches Zeichen des Katalogs.") % {"symbol": symbol[:100]}
        ]
    if not label.strip():
        errors["label"] = [_("Bitte eine Beschriftung angeben.")]
    elif len(label) > LABEL_MAX:
        errors["label"] = [
            _("Die Beschriftung ist zu lang (höchstens %(max)s Zeichen).") % {"max": LABEL_MAX}
        ]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("Die Bemerkung ist zu lang (höchstens %(max)s Zeichen).") % {"max": NOTE_MAX}]
    return errors


def _when(now: datetime | None) -> datetime:
    moment = now or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("now must be timezone-aware")
    return moment


def _log(event: Event, actor: Actor, text: str) -> LogEntry:
    with translation.override(settings.LANGUAGE_CODE):
        return log_services.system_entry(
            event,
            text=text,
            category=LogCategory.SITUATION,
            author_name=log_services.author_name(actor),
        )


def _kind_label(kind: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(FeatureKind(kind).label) if kind in FeatureKind.values else kind


def add_feature(
    *,
    actor: Actor,
    event_id: int,
    kind: str,
    label: str,
    geometry: Any,
    symbol: str = "",
    note: str = "",
    now: datetime | None = None,
) -> MapFeature:
    """A member draws a new object on the event's map."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _locked_event(principal, event_id)
        errors = _check_fields(kind, symbol, label, note)
        geometry_problems = geometry_errors(geometry)
        if geometry_problems:
            errors["geometry"] = geometry_problems
        if errors:
            raise Invalid(fields=errors)
        moment = _when(now)
        feature = MapFeature.objects.create(
            event=event,
            uid=uuid.uuid4(),
            kind=kind,
            symbol=symbol,
            label=label.strip(),
            note=note.strip(),
            geometry=clean_geometry(geometry),
            valid_from=moment,
            created_by=_user(actor),
        )
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Lagekarte: %(kind)s „%(label)s“ eingetragen.") % {
                "kind": _kind_label(kind),
                "label": feature.label,
            }
        _log(event, actor, text)
        audit_record(
            actor=actor,
            action=audit_actions.FEATURE_ADD,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Objekt": str(feature.uid)},
        )
        return feature


def _user(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


def _current(event: Event, uid: uuid.UUID | str) -> MapFeature:
    try:
        key = uuid.UUID(str(uid))
    except ValueError as exc:
        raise NotFound() from exc
    feature = (
        MapFeature.objects.select_for_update().filter(event=event, uid=key, valid_to__isnull=True).first()
    )
    if feature is None:
        raise NotFound()
    return feature


def _after(feature: MapFeature, moment: datetime) -> None:
    if moment <= feature.valid_from:
        raise Invalid(
            fields={
                "valid_from": [_("Der Zeitpunkt der Änderung muss nach dem der geltenden Fassung liegen.")]
            }
        )


def change_feature(
    *,
    actor: Actor,
    event_id: int,
    uid: uuid.UUID | str,
    kind: str | None = None,
    label: str | None = None,
    geometry: Any = None,
    symbol: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> MapFeature:
    """Close the current version of feature ``uid`` and add a new one with the changes (what is not
    given stays as it was)."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _locked_event(principal, event_id)
        current = _current(event, uid)
        values = {
            "kind": current.kind if kind is None else kind,
            "symbol": current.symbol if symbol is None else symbol,
            "label": current.label if label is None else label,
            "note": current.note if note is None else note,
        }
        errors = _check_fields(values["kind"], values["symbol"], values["label"], values["note"])
        new_geometry = current.geometry
        if geometry is not None:
            problems = geometry_errors(geometry)
            if problems:
                errors["geometry"] = problems
            else:
                new_geometry = clean_geometry(geometry)
        if errors:
            raise Invalid(fields=errors)
        values["label"], values["note"] = values["label"].strip(), values["note"].strip()
        changed = [name for name, value in values.items() if getattr(current, name) != value] + (
            ["geometry"] if new_geometry != current.geometry else []
        )
        if not changed:
            raise Invalid(fields={"label": [_("Es wurde nichts geändert.")]})
        moment = _when(now)
        _after(current, moment)
        current.valid_to = moment
        current.save(update_fields=["valid_to"])
        feature = MapFeature.objects.create(
            event=event,
            uid=current.uid,
            geometry=new_geometry,
            valid_from=moment,
            created_by=_user(actor),
            **values,
        )
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Lagekarte: %(kind)s „%(label)s“ geändert.") % {
                "kind": _kind_label(feature.kind),
                "label": feature.label,
            }
        _log(event, actor, text)
        audit_record(
            actor=actor,
            action=audit_actions.FEATURE_CHANGE,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Objekt": str(feature.uid), "geändert": sorted(changed)},
        )
        return feature


def remove_feature(
    *, actor: Actor, event_id: int, uid: uuid.UUID | str, now: datetime | None = None
) -> MapFeature:
    """Close the current version of feature ``uid`` (it stays in the history and the replay)."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _locked_event(principal, event_id)
        current = _current(event, uid)
        moment = _when(now)
        _after(current, moment)
        current.valid_to = moment
        current.save(update_fields=["valid_to"])
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Lagekarte: %(kind)s „%(label)s“ entfernt.") % {
                "kind": _kind_label(current.kind),
                "label": current.label,
            }
        _log(event, actor, text)
        audit_record(
            actor=actor,
            action=audit_actions.FEATURE_REMOVE,
            target=event,
            object_repr=log_services.audit_repr(event),
            changes={"Objekt": str(current.uid)},
        )
        return current


def feature_collection(items: Any, *, icons: bool = True) -> dict[str, Any]:
    """The features as a GeoJSON FeatureCollection (the map's and the API's data); ``icons`` adds the
    symbol drawn as a ``data:`` URL (for the map)."""
    collection = []
    for f in items:
        properties: dict[str, Any] = {
            "uid": str(f.uid),
            "version": f.pk,
            "kind": f.kind,
            "kind_label": str(FeatureKind(f.kind).label) if f.kind in FeatureKind.values else f.kind,
            "symbol": f.symbol,
            "symbol_label": symbols.label(f.symbol),
            "label": f.label,
            "note": f.note,
            "valid_from": f.valid_from.isoformat(),
            "valid_to": f.valid_to.isoformat() if f.valid_to else None,
        }
        if icons:
            properties["icon"] = symbols.data_uri(f.symbol, f.kind, icon_text(f))
        collection.append(
            {"type": "Feature", "id": str(f.uid), "geometry": f.geometry, "properties": properties}
        )
    return {"type": "FeatureCollection", "features": collection}


def icon_text(feature: MapFeature) -> str | None:
    """The symbol's abbreviation, or for an object without a symbol the start of its label."""
    return None if feature.symbol else symbols.short_text("", feature.label)


# --- messages on the map (layer "Meldungen") ------------------------------------------------------

#: ``properties.kind`` of a message on the map (the drawn objects have the kinds of :class:`FeatureKind`)
MESSAGE_KIND = "nachricht"
#: the marker's colour by priority (Blitz red, sofort orange, einfach blue)
PRIORITY_COLOURS: dict[str, str] = {
    Priority.FLASH: "#c00000",
    Priority.IMMEDIATE: "#c25e00",
    Priority.ROUTINE: "#003399",
}


def messages_at(event: Event, at: datetime) -> QuerySet[Message]:
    """The messages of ``event`` on its map at ``at``: with coordinates and screened by then (the
    caller has checked that the event may be seen), Blitz first, then by number."""
    rank = Case(
        *(When(priority=priority, then=Value(order)) for priority, order in PRIORITY_RANK.items()),
        default=Value(len(PRIORITY_RANK)),
        output_field=IntegerField(),
    )
    return (
        Message.objects.filter(
            event=event,
            screened_at__isnull=False,
            screened_at__lte=at,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .exclude(state=MessageState.WRITTEN)
        .annotate(priority_rank=rank)
        .order_by("priority_rank", "number")
    )


def placed_messages(who: Actor | Principal, event_id: int, at: datetime | None = None) -> QuerySet[Message]:
    """The messages on the map of an event the caller sees (now, or at ``at``), else :class:`NotFound`."""
    event = log_services.get_event(as_principal(who), event_id)
    return messages_at(event, at or timezone.now())


def message_moments(event: Event) -> list[datetime]:
    """The moments messages came onto the map (their screening), for the replay's slider."""
    return sorted(
        moment
        for moment in Message.objects.filter(
            event=event, screened_at__isnull=False, latitude__isnull=False, longitude__isnull=False
        ).values_list("screened_at", flat=True)
        if moment is not None
    )


def message_icon(priority: str, text: str = "") -> str:
    """The marker of a message as a ``data:`` URL: a speech bubble in the priority's colour with the
    number (``text``) or "N" in it."""
    colour = PRIORITY_COLOURS.get(priority, "#4a4d5c")
    inside = escape((text or "N")[:5])
    size = 11 if len(inside) > 3 else 13
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="44" height="34" viewBox="0 0 44 34" role="img">'
        f'<path d="M3,3 H41 V24 H18 L10,32 L11,24 H3 Z" fill="{colour}" stroke="#131525" stroke-width="2" '
        'stroke-linejoin="round"/>'
        f'<text x="22" y="18" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="{size}" font-weight="bold" fill="#ffffff">{inside}</text></svg>'
    )
    return "data:image/svg+xml;charset=utf-8," + quote(svg, safe="")


def message_path(message: Message) -> str:
    return reverse(
        "emergency:message_detail", kwargs={"event_id": message.event_id, "number": message.number}
    )


def message_features(items: Any, *, icons: bool = True) -> list[dict[str, Any]]:
    """Messages as GeoJSON features (``properties.kind = "nachricht"``): number, priority, subject,
    place, screened at, the page of the message; ``icons`` adds the marker as a ``data:`` URL."""
    features = []
    for m in items:
        priority_label = str(Priority(m.priority).label) if m.priority in Priority.values else m.priority
        properties: dict[str, Any] = {
            "kind": MESSAGE_KIND,
            "kind_label": _("Meldung"),
            "number": m.number,
            "priority": m.priority,
            "priority_label": priority_label,
            "subject": m.subject,
            "label": _("Nr. %(number)s: %(subject)s") % {"number": m.number, "subject": m.subject},
            "place": m.place,
            "screened_at": m.screened_at.isoformat() if m.screened_at else None,
            "path": message_path(m),
        }
        if icons:
            properties["icon"] = message_icon(m.priority, str(m.number))
        features.append(
            {
                "type": "Feature",
                "id": f"{MESSAGE_KIND}-{m.number}",
                "geometry": {"type": "Point", "coordinates": [float(m.longitude), float(m.latitude)]},
                "properties": properties,
            }
        )
    return features


# --- situation reports ------------------------------------------------------------------------------


def reports(who: Actor | Principal, event_id: int) -> QuerySet[SituationReport]:
    event = log_services.get_event(as_principal(who), event_id)
    return SituationReport.objects.filter(event=event).order_by("-number")


def get_report(who: Actor | Principal, event_id: int, number: int) -> SituationReport:
    report = reports(who, event_id).filter(number=number).select_related("event").first()
    if report is None:
        raise NotFound()
    return report


def _local(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "d.m.Y, H:i")


def report_content(event: Event, as_of: datetime, previous: SituationReport | None) -> dict[str, Any]:
    """The figures of a report of ``event`` as of ``as_of`` (``previous``: the report before)."""
    picture = list(picture_at(event, as_of))
    by_kind = Counter(f.kind for f in picture)
    damage = [
        {"label": f.label, "symbol": f.symbol, "note": f.note[:500]}
        for f in picture
        if f.kind == FeatureKind.DAMAGE
    ]
    holding = Commitment.objects.filter(request__event=event, status__in=HOLDING, starts_at__lte=as_of)
    deployed = holding.aggregate(units=Sum("quantity"))
    tasks = Task.objects.filter(event=event, state=TaskState.OPEN, created_at__lte=as_of)
    messages = Message.objects.filter(event=event, written_at__lte=as_of).exclude(state=MessageState.CLOSED)
    entries = LogEntry.objects.filter(event=event, entered_at__lte=as_of)
    if previous is not None:
        entries = entries.filter(entered_at__gt=previous.as_of)
    categories = Counter(entries.values_list("category", flat=True))
    return {
        "as_of": as_of.isoformat(),
        "level": event.level,
        "features": {kind: by_kind.get(kind, 0) for kind in FeatureKind.values},
        "features_total": len(picture),
        "damage_points": damage,
        "resources_on_map": by_kind.get(FeatureKind.RESOURCE, 0),
        "commitments": holding.count(),
        "committed_units": int(deployed["units"] or 0),
        "tasks_open": tasks.count(),
        "tasks_overdue": tasks.filter(due_at__lt=as_of).count(),
        "messages_open": messages.count(),
        "messages_flash": messages.filter(priority=Priority.FLASH).count(),
        "log_since": previous.as_of.isoformat() if previous else None,
        "log_entries": sum(categories.values()),
        "log_by_category": {c: categories[c] for c in LogCategory.values if categories.get(c)},
    }


def report_text(event: Event, number: int, as_of: datetime, content: Mapping[str, Any]) -> str:
    """The wording of a report (German, formal; the caller picks the language)."""
    title = _("Lagemeldung Nr. %(number)s zur Lage „%(title)s“") % {"number": number, "title": event.title}
    if event.exercise:
        title += " – " + _("ÜBUNG")
    lines = [title, _("Stand: %(moment)s Uhr") % {"moment": _local(as_of)}, ""]
    level = EventLevel(content["level"]).label if content["level"] in EventLevel.values else content["level"]
    lines += ["1. " + _("Allgemeine Lage"), _("Es gilt %(level)s.") % {"level": level}]
    if event.description:
        lines.append(_("Lage bei Eröffnung: %(text)s") % {"text": event.description.strip()})
    lines.append("")
    lines.append("2. " + _("Schadensstellen"))
    damage = content["damage_points"]
    if damage:
        lines.append(
            ngettext(
                "Auf der Lagekarte ist %(n)s Schadensstelle verzeichnet:",
                "Auf der Lagekarte sind %(n)s Schadensstellen verzeichnet:",
                len(damage),
            )
            % {"n": len(damage)}
        )
        lines += [f"– {d['label']}" + (f" ({d['note']})" if d["note"] else "") for d in damage]
    else:
        lines.append(_("Auf der Lagekarte ist keine Schadensstelle verzeichnet."))
    lines.append("")
    lines.append("3. " + _("Lagekarte"))
    counts = [f"{FeatureKind(k).label}: {n}" for k, n in content["features"].items() if n]
    lines.append(
        (_("Objekte auf der Lagekarte: %(counts)s.") % {"counts": ", ".join(counts)})
        if counts
        else _("Die Lagekarte enthält keine Objekte.")
    )
    lines.append("")
    lines.append("4. " + _("Eingesetzte Kräfte und Mittel"))
    lines.append(
        ngettext(
            "Auf der Lagekarte ist %(n)s Einsatzmittel verzeichnet.",
            "Auf der Lagekarte sind %(n)s Einsatzmittel verzeichnet.",
            content["resources_on_map"],
        )
        % {"n": content["resources_on_map"]}
    )
    if content["commitments"]:
        lines.append(
            ngettext(
                "Aus der gegenseitigen Hilfe ist %(n)s Zusage mit %(units)s Einheiten im Einsatz.",
                "Aus der gegenseitigen Hilfe sind %(n)s Zusagen mit zusammen %(units)s Einheiten im Einsatz.",
                content["commitments"],
            )
            % {"n": content["commitments"], "units": content["committed_units"]}
        )
    lines.append("")
    lines.append("5. " + _("Offene Aufträge und Nachrichten"))
    lines.append(
        _(
            "Offene Aufträge: %(open)s, davon überfällig: %(overdue)s. "
            "Nicht erledigte Nachrichten: %(messages)s."
        )
        % {
            "open": content["tasks_open"],
            "overdue": content["tasks_overdue"],
            "messages": content["messages_open"],
        }
    )
    lines.append("")
    lines.append("6. " + _("Einsatztagebuch"))
    since = (
        _("seit der letzten Lagemeldung (Stand %(moment)s Uhr)")
        % {"moment": _local(datetime.fromisoformat(content["log_since"]))}
        if content["log_since"]
        else _("seit Eröffnung der Lage")
    )
    if content["log_entries"]:
        parts = ", ".join(f"{LogCategory(c).label} {n}" for c, n in content["log_by_category"].items())
        lines.append(
            ngettext(
                "Im Einsatztagebuch wurde %(since)s %(n)s Eintrag verzeichnet (%(parts)s).",
                "Im Einsatztagebuch wurden %(since)s %(n)s Einträge verzeichnet (%(parts)s).",
                content["log_entries"],
            )
            % {"since": since, "n": content["log_entries"], "parts": parts}
        )
    else:
        lines.append(_("Im Einsatztagebuch wurde %(since)s nichts verzeichnet.") % {"since": since})
    return "\n".join(lines)


def _write(event: Event, actor: Actor, moment: datetime) -> SituationReport:
    """Write the next report of ``event`` (the caller holds the event's row lock)."""
    previous = SituationReport.objects.filter(event=event).order_by("-number").first()
    if previous is not None and moment <= previous.as_of:
        raise Invalid(fields={"as_of": [_("Es gibt schon eine Lagemeldung mit diesem oder späterem Stand.")]})
    number = previous.number + 1 if previous else 1
    content = report_content(event, moment, previous)
    with translation.override(settings.LANGUAGE_CODE):
        text = report_text(event, number, moment, content)
        log_text = _("Lagemeldung Nr. %(number)s erstellt (Stand %(moment)s Uhr).") % {
            "number": number,
            "moment": _local(moment),
        }
    report = SituationReport.objects.create(
        event=event,
        number=number,
        as_of=moment,
        generated_at=timezone.now(),
        content=content,
        text=text,
        created_by=_user(actor),
    )
    _log(event, actor, log_text)
    audit_record(
        actor=actor,
        action=audit_actions.REPORT_WRITE,
        target=event,
        object_repr=log_services.audit_repr(event),
        changes={"Nr.": number},
    )
    return report


def write_report(*, actor: Actor, event_id: int, now: datetime | None = None) -> SituationReport:
    """A member writes the next report of an event on demand (as of now)."""
    principal = authorize(actor)
    with transaction.atomic():
        event = _locked_event(principal, event_id)
        return _write(event, actor, _when(now))


def report_due(event: Event, now: datetime, last: datetime | None = None) -> bool:
    """Whether ``event`` is due for a report at ``now``: open, and its interval passed since the last
    report (``last``; else since the opening)."""
    if event.status != EventStatus.OPEN:
        return False
    interval = timedelta(minutes=max(1, event.report_interval_minutes or 180))
    return now - (last or event.opened_at) >= interval


def write_due_reports(now: datetime | None = None) -> list[SituationReport]:
    """The periodic job: one report for every open event that is due (written by :data:`REPORTER`)."""
    moment = _when(now)
    written = []
    for event in Event.objects.filter(status=EventStatus.OPEN).order_by("pk"):
        last = (
            SituationReport.objects.filter(event=event)
            .order_by("-number")
            .values_list("as_of", flat=True)
            .first()
        )
        if not report_due(event, moment, last):
            continue
        with transaction.atomic():
            locked = Event.objects.select_for_update(of=("self",)).filter(pk=event.pk).first()
            if locked is None or locked.status != EventStatus.OPEN:
                continue
            last = (
                SituationReport.objects.filter(event=locked)
                .order_by("-number")
                .values_list("as_of", flat=True)
                .first()
            )
            if report_due(locked, moment, last):  # another worker may have written it meanwhile
                written.append(_write(locked, REPORTER, moment))
    return written
