"""Pages of the emergency part: the situation picture of an event.

* ``/krisenstab/lage/<id>/karte/`` — the map (Leaflet, the local DV 102 symbols) with its legend, the
  same objects as a table (the page works without JavaScript), the replay of a past moment
  (``?zeitpunkt=``, server-side), the form to draw an object and the list of situation reports.
  The screened messages with coordinates are a layer of their own ("Meldungen": a marker in the
  priority's colour with the number; the popup names priority, number and subject and links to the
  message), in the legend and in a table of their own; in the replay from their screening on.
* ``…/karte/objekt/`` (POST) — draw an object; ``…/karte/objekt/<uid>/`` — change it;
  ``…/karte/objekt/<uid>/entfernen/`` (POST) — remove it.
* ``…/lagemeldungen/`` (POST) — write a situation report now; ``…/lagemeldungen/<nr>/`` — one report.

Only members of the event's staff see any of it (404 for everyone else, as for a missing event).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.common.errors import Invalid, NotFound
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form
from verbund.ui.views import refusals_as_messages

from .. import symbols
from ..models import Event, EventStatus, FeatureKind, LogCategory, MapFeature, Message, Priority
from ..services import log as log_services
from ..services import situation as svc

NAV = "emergency"
TIME_PARAM = "zeitpunkt"
_GEOJSON_MAX = 200_000


def _symbol_choices() -> list[Any]:
    choices: list[Any] = [("", _("– kein Zeichen –"))]
    for group, members in symbols.vocabulary().grouped():
        choices.append((str(group), [(s.id, s.label) for s in members]))
    return choices


class FeatureForm(KernForm):
    """An object of the map: kind, symbol, label, note and its place — typed coordinates (German
    style, one point a line) or a GeoJSON geometry."""

    id_format = "vb-feature-%s"

    kind = forms.ChoiceField(label=gettext_lazy("Art"), choices=FeatureKind.choices)
    symbol = forms.ChoiceField(label=gettext_lazy("Taktisches Zeichen"), required=False)
    label = forms.CharField(label=gettext_lazy("Beschriftung"), max_length=svc.LABEL_MAX)
    note = forms.CharField(
        label=gettext_lazy("Bemerkung"),
        required=False,
        max_length=svc.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    coordinates = forms.CharField(
        label=gettext_lazy("Koordinaten (Breite; Länge)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Ein Punkt je Zeile, z. B. „49,4447; 7,7690“. Mehrere Zeilen ergeben eine Linie, "
            "bei der Art „Gebiet“ eine Fläche."
        ),
    )
    geojson = forms.CharField(
        label=gettext_lazy("oder Geometrie als GeoJSON"),
        required=False,
        max_length=_GEOJSON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "vb-code"}),
        help_text=gettext_lazy('z. B. {"type": "Point", "coordinates": [7.769, 49.4447]} (Länge, Breite)'),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        symbol: Any = self.fields["symbol"]
        symbol.choices = _symbol_choices()
        self.field_aliases = {"geometry": "coordinates"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = (data.get("coordinates") or "").strip()
        raw = (data.get("geojson") or "").strip()
        data["geometry"] = None
        if typed and raw:
            self.add_error("geojson", _("Bitte entweder Koordinaten oder GeoJSON angeben, nicht beides."))
        elif raw:
            self.field_aliases = {"geometry": "geojson"}
            try:
                value = json.loads(raw)
            except (ValueError, RecursionError):  # RecursionError: nested deeper than JSON can be read
                self.add_error("geojson", _("Das ist kein gültiges JSON."))
                return data
            if isinstance(value, dict) and value.get("type") == "Feature":
                value = value.get("geometry")
            data["geometry"] = value
        elif typed:
            try:
                data["geometry"] = svc.parse_coordinates(typed, area=data.get("kind") == FeatureKind.AREA)
            except Invalid as refusal:
                self.add_error("coordinates", refusal.fields.get("coordinates") or [refusal.detail])
        elif not self.initial.get("coordinates"):
            self.add_error("coordinates", _("Bitte Koordinaten oder eine GeoJSON-Geometrie angeben."))
        return data


def _event(request: HttpRequest, event_id: int) -> Event:
    return log_services.get_event(principal_of(request), event_id)


def parse_moment(value: str) -> dt.datetime | None:
    """A moment typed in Europe/Berlin: ``2026-02-01T09:30`` (the browser's picker) or
    ``01.02.2026 09:30``; ``None`` when it is neither."""
    value = (value or "").strip()
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%Y"):
        try:
            naive = dt.datetime.strptime(value, pattern)  # noqa: DTZ007  (made aware below)
        except ValueError:
            continue
        moment = timezone.make_aware(naive, timezone.get_default_timezone())
        try:
            moment.astimezone(dt.UTC)  # 01.01.0001 00:30 in Berlin is before the first moment in UTC
        except OverflowError:
            return None
        return moment
    return None


def _row(feature: MapFeature) -> dict[str, Any]:
    where = svc.anchor(feature.geometry)
    return {
        "feature": feature,
        "icon": symbols.data_uri(feature.symbol, feature.kind, svc.icon_text(feature)),
        "symbol_label": symbols.label(feature.symbol),
        "geometry_type": {"Point": _("Punkt"), "LineString": _("Linie"), "Polygon": _("Fläche")}.get(
            feature.geometry.get("type", ""), ""
        ),
        "anchor": where,
    }


def _legend(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One entry per kind used and per symbol used (without repeating one)."""
    seen: set[tuple[str, str]] = set()
    entries = []
    for row in rows:
        f = row["feature"]
        kind_key = ("", f.kind)
        if kind_key not in seen:
            seen.add(kind_key)
            entries.append({"icon": symbols.data_uri("", f.kind, ""), "text": f.get_kind_display()})
        if f.symbol and (f.symbol, f.kind) not in seen:
            seen.add((f.symbol, f.kind))
            entries.append({"icon": row["icon"], "text": f"{row['symbol_label']} ({f.get_kind_display()})"})
    return entries


def _message_row(message: Message) -> dict[str, Any]:
    return {
        "message": message,
        "icon": svc.message_icon(message.priority, str(message.number)),
        "path": svc.message_path(message),
    }


def _message_legend(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One entry per priority of the messages on the map (Blitz first)."""
    used = {row["message"].priority for row in rows}
    return [
        {
            "icon": svc.message_icon(priority),
            "text": _("Meldung, Vorrang %(priority)s") % {"priority": label},
            "kind": svc.MESSAGE_KIND,
        }
        for priority, label in Priority.choices
        if priority in used
    ]


def _local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@login_required
def situation_map(request: HttpRequest, event_id: int, form: FeatureForm | None = None) -> HttpResponse:
    event = _event(request, event_id)
    now = timezone.now()
    at: dt.datetime | None = None
    typed = request.GET.get(TIME_PARAM, "")
    if typed:
        at = parse_moment(typed)
        if at is None:
            messages.error(
                request,
                _("Der Zeitpunkt „%(value)s“ ist unverständlich; gezeigt wird der aktuelle Stand.")
                % {"value": typed[:40]},
            )
        elif at > now:
            at = None
    moment = at or now
    rows = [_row(f) for f in svc.picture_at(event, moment)]
    message_rows = [_message_row(m) for m in svc.messages_at(event, moment)]
    # whole seconds, rounded up: the state at a step includes the change made in that second
    moments = sorted(
        {
            m if not m.microsecond else m.replace(microsecond=0) + dt.timedelta(seconds=1)
            for m in [*svc.change_moments(event), *svc.message_moments(event)]
            if m <= now
        }
    )
    collection = svc.feature_collection(r["feature"] for r in rows)
    for feature, row in zip(collection["features"], rows, strict=True):
        feature["properties"]["anchor"] = row["anchor"]
    for feature in svc.message_features(row["message"] for row in message_rows):
        longitude, latitude = feature["geometry"]["coordinates"]
        feature["properties"]["anchor"] = [latitude, longitude]
        collection["features"].append(feature)
    context = {
        "event": event,
        "at": at,
        "moment": moment,
        "moment_input": _local_input(moment),
        "moments": [
            {
                "value": f"{timezone.localtime(m):%Y-%m-%dT%H:%M:%S}",
                "text": date_format(timezone.localtime(m), "d.m.Y, H:i:s"),
            }
            for m in moments
        ],
        "rows": rows,
        "legend": _legend(rows) + _message_legend(message_rows),
        "message_rows": message_rows,
        "layer_names": {"objects": _("Objekte"), "messages": _("Meldungen"), "open": _("Nachricht öffnen")},
        "collection": collection,
        "center": [event.center_lat, event.center_lon] if event.center_lat is not None else None,
        "form": form or FeatureForm(initial={"kind": FeatureKind.DAMAGE}),
        "reports": list(svc.reports(principal_of(request), event.pk)[:50]),
        "open": event.status == EventStatus.OPEN,
        "time_param": TIME_PARAM,
        "tile_url": settings.VERBUND_MAP_TILE_URL,
        "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
        "nav": NAV,
    }
    return render(request, "emergency/situation/map.html", context, status=422 if form is not None else 200)


@login_required
@require_POST
def feature_add(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    form = FeatureForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        feature = run_on_form(
            form,
            lambda: svc.add_feature(
                actor=request_actor(request),
                event_id=event.pk,
                kind=data["kind"],
                symbol=data.get("symbol") or "",
                label=data["label"],
                note=data.get("note") or "",
                geometry=data["geometry"],
            ),
        )
        if feature:
            messages.success(
                request, _("„%(label)s“ ist auf der Lagekarte eingetragen.") % {"label": feature.label}
            )
            return redirect("emergency:map", event_id=event.pk)
    return situation_map(request, event.pk, form=form)


def _current(request: HttpRequest, event: Event, uid: Any) -> MapFeature:
    feature = svc.features(principal_of(request), event.pk).filter(uid=uid).first()
    if feature is None:
        raise NotFound()
    return feature


@login_required
@require_http_methods(["GET", "POST"])
def feature_edit(request: HttpRequest, event_id: int, uid: Any) -> HttpResponse:
    event = _event(request, event_id)
    feature = _current(request, event, uid)
    initial = {
        "kind": feature.kind,
        "symbol": feature.symbol,
        "label": feature.label,
        "note": feature.note,
        "coordinates": svc.format_coordinates(feature.geometry),
    }
    form = FeatureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        typed = (data.get("coordinates") or "").strip()
        if typed == initial["coordinates"].strip() and not (data.get("geojson") or "").strip():
            data["geometry"] = None  # the place as it was (the text rounds the positions)
        changed = run_on_form(
            form,
            lambda: svc.change_feature(
                actor=request_actor(request),
                event_id=event.pk,
                uid=feature.uid,
                kind=data["kind"],
                symbol=data.get("symbol") or "",
                label=data["label"],
                note=data.get("note") or "",
                geometry=data["geometry"],
            ),
        )
        if changed:
            messages.success(request, _("Die Änderung ist auf der Lagekarte eingetragen."))
            return redirect("emergency:map", event_id=event.pk)
    versions = list(svc.history(principal_of(request), event.pk).filter(uid=feature.uid))
    return render(
        request,
        "emergency/situation/feature_form.html",
        {"event": event, "feature": feature, "form": form, "versions": versions, "nav": NAV},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
@refusals_as_messages
def feature_remove(request: HttpRequest, event_id: int, uid: Any) -> HttpResponse:
    event = _event(request, event_id)
    removed = svc.remove_feature(actor=request_actor(request), event_id=event.pk, uid=uid)
    messages.success(request, _("„%(label)s“ ist von der Lagekarte entfernt.") % {"label": removed.label})
    return redirect("emergency:map", event_id=event.pk)


@login_required
@require_POST
@refusals_as_messages
def report_create(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    report = svc.write_report(actor=request_actor(request), event_id=event.pk)
    messages.success(request, _("Lagemeldung Nr. %(number)s ist erstellt.") % {"number": report.number})
    return redirect("emergency:report", event_id=event.pk, number=report.number)


@login_required
def report_detail(request: HttpRequest, event_id: int, number: int) -> HttpResponse:
    event = _event(request, event_id)
    report = svc.get_report(principal_of(request), event.pk, number)
    content = report.content or {}
    kinds = [
        (FeatureKind(kind).label, count)
        for kind, count in (content.get("features") or {}).items()
        if kind in FeatureKind.values
    ]
    categories = [
        (LogCategory(c).label, n)
        for c, n in (content.get("log_by_category") or {}).items()
        if c in LogCategory.values
    ]
    context = {
        "event": event,
        "report": report,
        "content": content,
        "kinds": kinds,
        "categories": categories,
        "map_url": reverse("emergency:map", kwargs={"event_id": event.pk})
        + f"?{TIME_PARAM}={timezone.localtime(report.as_of):%Y-%m-%dT%H:%M:%S}",
        "nav": NAV,
    }
    return render(request, "emergency/situation/report.html", context)


urlpatterns: list[URLPattern] = [
    path("lage/<int:event_id>/karte/", situation_map, name="map"),
    path("lage/<int:event_id>/karte/objekt/", feature_add, name="feature_add"),
    path("lage/<int:event_id>/karte/objekt/<uuid:uid>/", feature_edit, name="feature_edit"),
    path("lage/<int:event_id>/karte/objekt/<uuid:uid>/entfernen/", feature_remove, name="feature_remove"),
    path("lage/<int:event_id>/lagemeldungen/", report_create, name="report_create"),
    path("lage/<int:event_id>/lagemeldungen/<int:number>/", report_detail, name="report"),
]
