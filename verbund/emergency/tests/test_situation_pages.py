"""The situation map page: the objects on a Leaflet map (data through json_script, no inline script)
and in a table (the page works without JavaScript), the legend of the symbols used, the replay of a
past moment (``?zeitpunkt=``), drawing with German coordinates or GeoJSON, changing and removing,
the reports; 404 for everyone outside the event's staff; in English without German left."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from verbund.emergency.models import FeatureKind, LogEntry, MapFeature, SituationReport
from verbund.emergency.services import situation as svc
from verbund.emergency.views.situation import parse_moment
from verbund.web.tests.test_english import german_left_on

from .factories import event, joint_staff_world

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
POINT = {"type": "Point", "coordinates": [7.769, 49.4447]}


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff, opened_at=T0)
    w.map = reverse("emergency:map", kwargs={"event_id": w.event.pk})
    return w


def _add(world: Any, **kwargs: Any) -> Any:
    values: dict[str, Any] = {"kind": FeatureKind.DAMAGE, "label": "Umspannwerk Nord", "geometry": POINT}
    values.update(kwargs)
    return svc.add_feature(actor=world.s2, event_id=world.event.pk, **values)


def _data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="vb-situation-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the map's data is embedded with json_script"
    return json.loads(match[1])


def test_the_map_shows_objects_on_the_map_in_a_table_and_in_the_legend(client, world) -> None:
    _add(world, symbol="fachaufgaben/versorgung-elektrizitaet", kind=FeatureKind.RESOURCE, label="NEA 1")
    _add(world)
    client.force_login(world.s2)
    response = client.get(world.map)
    assert response.status_code == 200
    html = response.content.decode()
    data = _data(html)
    assert {f["properties"]["label"] for f in data["features"]} == {"NEA 1", "Umspannwerk Nord"}
    assert all(f["properties"]["icon"].startswith("data:image/svg+xml") for f in data["features"])
    assert data["features"][0]["properties"]["anchor"] == [49.4447, 7.769]
    # without JavaScript: the table
    table = html[html.index('id="vb-features"') :]
    assert "NEA 1" in table and "Umspannwerk Nord" in table and "49,4447; 7,7690" in table
    legend = html[html.index('id="vb-situation-legend"') : html.index('id="vb-features"')]
    assert "Versorgung mit Elektrizität (Einsatzmittel)" in legend and "Schadensstelle" in legend
    assert "situation-map.js" in html and "vendor/leaflet/leaflet.js" in html
    assert not re.search(r"<script(?![^>]*\b(?:src|type=\"application/json\"))[^>]*>", html), (
        "no inline script"
    )


def test_replay_shows_the_state_of_a_past_moment(client, world) -> None:
    first = _add(world, now=T0 + dt.timedelta(hours=1))
    svc.change_feature(
        actor=world.s2,
        event_id=world.event.pk,
        uid=first.uid,
        label="Umspannwerk ausgefallen",
        now=T0 + dt.timedelta(hours=2),
    )
    client.force_login(world.kgs)
    local = timezone.localtime(T0 + dt.timedelta(hours=1, minutes=30))
    past = client.get(world.map, {"zeitpunkt": local.strftime("%Y-%m-%dT%H:%M")}).content.decode()
    assert [f["properties"]["label"] for f in _data(past)["features"]] == ["Umspannwerk Nord"]
    assert "Stand am 01.02.2026, 10:30 Uhr" in past
    assert "Ändern" not in past[past.index('id="vb-features"') :]  # a past state is not edited
    german = client.get(world.map, {"zeitpunkt": "01.02.2026 10:30"}).content.decode()
    assert [f["properties"]["label"] for f in _data(german)["features"]] == ["Umspannwerk Nord"]
    now = client.get(world.map).content.decode()
    assert [f["properties"]["label"] for f in _data(now)["features"]] == ["Umspannwerk ausgefallen"]
    empty = client.get(world.map, {"zeitpunkt": "2026-02-01T08:30"}).content.decode()
    assert _data(empty)["features"] == [] and "Zu diesem Zeitpunkt war die Lagekarte leer." in empty
    nonsense = client.get(world.map, {"zeitpunkt": "gestern"})
    assert nonsense.status_code == 200 and "unverständlich" in nonsense.content.decode()
    found = re.search(r'id="vb-replay-moments" type="application/json">(.*?)</script>', now)
    assert found is not None
    moments = json.loads(found[1])
    assert [m["text"] for m in moments] == ["01.02.2026, 10:00:00", "01.02.2026, 11:00:00"]


def test_parse_moment_reads_the_picker_and_german_input() -> None:
    expected = dt.datetime(2026, 2, 1, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert parse_moment("2026-02-01T09:30") == expected
    assert parse_moment("01.02.2026 09:30") == expected
    assert parse_moment("1. Februar") is None


def test_draw_with_german_coordinates_and_with_geojson(client, world) -> None:
    client.force_login(world.s2)
    url = reverse("emergency:feature_add", kwargs={"event_id": world.event.pk})
    response = client.post(
        url, {"kind": "schaden", "label": "Umspannwerk", "coordinates": "49,4447; 7,7690", "symbol": ""}
    )
    assert response.status_code == 302 and response["Location"] == world.map
    feature = MapFeature.objects.get()
    assert feature.geometry == POINT and feature.created_by == world.s2
    area = {
        "kind": "gebiet",
        "label": "Versorgungsgebiet",
        "coordinates": "49,44; 7,76\n49,45; 7,78\n49,46; 7,76",
        "symbol": "",
    }
    assert client.post(url, area).status_code == 302
    polygon = MapFeature.objects.get(label="Versorgungsgebiet").geometry
    assert polygon["type"] == "Polygon" and len(polygon["coordinates"][0]) == 4
    geojson = {"kind": "einrichtung", "label": "Notunterkunft", "geojson": json.dumps(POINT), "symbol": ""}
    assert client.post(url, geojson).status_code == 302
    assert LogEntry.objects.filter(event=world.event).count() == 3


def test_bad_input_is_shown_at_its_field(client, world) -> None:
    client.force_login(world.s2)
    url = reverse("emergency:feature_add", kwargs={"event_id": world.event.pk})
    bad = {"type": "Point", "coordinates": [7.7, 95]}
    response = client.post(url, {"kind": "schaden", "label": "x", "geojson": json.dumps(bad), "symbol": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'id="vb-feature-geojson_error">[^<]*Breite 95', html)
    response = client.post(url, {"kind": "schaden", "label": "x", "coordinates": "Kaiserslautern"})
    assert re.search(r'id="vb-feature-coordinates_error">[^<]*Zeile 1', response.content.decode())
    response = client.post(url, {"kind": "schaden", "label": "x", "coordinates": "97,1; 7,7"})
    assert re.search(r'id="vb-feature-coordinates_error">[^<]*Breite 97', response.content.decode())
    response = client.post(url, {"kind": "schaden", "label": "x"})
    assert 'id="vb-feature-coordinates_error"' in response.content.decode()
    assert not MapFeature.objects.exists()


def test_change_and_remove(client, world) -> None:
    feature = _add(world, now=timezone.now() - dt.timedelta(minutes=5))
    client.force_login(world.kgs)
    url = reverse("emergency:feature_edit", kwargs={"event_id": world.event.pk, "uid": feature.uid})
    page = client.get(url)
    assert page.status_code == 200 and "49,4447; 7,769" in page.content.decode()
    response = client.post(
        url,
        {
            "kind": "schaden",
            "label": "Umspannwerk Nord, Trafo 2",
            "coordinates": "49,4447; 7,769",
            "symbol": "",
        },
    )
    assert response.status_code == 302
    current = MapFeature.objects.get(uid=feature.uid, valid_to__isnull=True)
    assert current.label == "Umspannwerk Nord, Trafo 2" and current.geometry == POINT
    remove = reverse("emergency:feature_remove", kwargs={"event_id": world.event.pk, "uid": feature.uid})
    assert client.post(remove).status_code == 302
    assert not MapFeature.objects.filter(valid_to__isnull=True).exists()
    assert client.get(url).status_code == 404


def test_report_on_demand_and_its_page(client, world) -> None:
    _add(world)
    client.force_login(world.s2)
    response = client.post(reverse("emergency:report_create", kwargs={"event_id": world.event.pk}))
    report = SituationReport.objects.get()
    page_url = reverse("emergency:report", kwargs={"event_id": world.event.pk, "number": 1})
    assert response.status_code == 302 and response["Location"] == page_url
    html = client.get(page_url).content.decode()
    assert "Lagemeldung Nr. 1" in html and "Umspannwerk Nord" in html
    assert report.text.splitlines()[0] in html
    assert "Lagemeldung Nr. 1, Stand" in client.get(world.map).content.decode()


def test_non_members_get_404(client, world) -> None:
    feature = _add(world)
    svc.write_report(actor=world.s2, event_id=world.event.pk)
    urls = [
        ("get", world.map),
        ("get", reverse("emergency:report", kwargs={"event_id": world.event.pk, "number": 1})),
        ("get", reverse("emergency:feature_edit", kwargs={"event_id": world.event.pk, "uid": feature.uid})),
        ("post", reverse("emergency:feature_add", kwargs={"event_id": world.event.pk})),
        (
            "post",
            reverse("emergency:feature_remove", kwargs={"event_id": world.event.pk, "uid": feature.uid}),
        ),
        ("post", reverse("emergency:report_create", kwargs={"event_id": world.event.pk})),
    ]
    for person in (world.clerk, world.outsider, world.coordinator, world.head):
        client.force_login(person)
        for method, url in urls:
            response = getattr(client, method)(url, {"kind": "schaden", "label": "x", "coordinates": "49; 7"})
            assert response.status_code == 404, (person, url)
    assert MapFeature.objects.filter(valid_to__isnull=True).count() == 1
    assert SituationReport.objects.count() == 1
    client.logout()
    assert client.get(world.map).status_code == 302


def test_pages_in_english_leave_no_german(client, world) -> None:
    feature = _add(world, symbol="organisationen/thw", kind=FeatureKind.RESOURCE)
    svc.write_report(actor=world.s2, event_id=world.event.pk)
    world.s2.language = "en"
    world.s2.save()
    client.force_login(world.s2)
    pages = [
        world.map,
        world.map + "?zeitpunkt=2026-02-01T09:30",
        reverse("emergency:report", kwargs={"event_id": world.event.pk, "number": 1}),
        reverse("emergency:feature_edit", kwargs={"event_id": world.event.pk, "uid": feature.uid}),
    ]
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'lang="en"' in html or "Situation map" in html or "Situation report" in html
        assert german_left_on(html) == [], url
