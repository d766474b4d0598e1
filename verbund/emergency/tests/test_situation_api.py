"""The situation picture's API: the map as GeoJSON (now and at a past moment), drawing, changing and
removing objects, the reports; a refused geometry names the field; 404 for non-members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from verbund.emergency.models import FeatureKind, MapFeature, SituationReport
from verbund.emergency.services import situation as svc

from .factories import event, joint_staff_world

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
POINT = {"type": "Point", "coordinates": [7.769, 49.4447]}


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff, opened_at=T0)
    w.url = f"/api/v1/emergency/events/{w.event.pk}"
    return w


def _post(client: Any, url: str, payload: Any = None) -> Any:
    return client.post(url, payload or {}, content_type="application/json")


def test_draw_change_remove_and_replay(client, world) -> None:
    client.force_login(world.s2)
    created = _post(
        client,
        f"{world.url}/features",
        {"kind": "schaden", "label": "Umspannwerk", "geometry": POINT, "symbol": "grundzeichen/gefahr"},
    )
    assert created.status_code == 201, created.content
    feature = created.json()
    uid = feature["id"]
    assert feature["type"] == "Feature" and feature["geometry"] == POINT
    assert feature["properties"]["symbol_label"] == "Gefahr" and feature["properties"]["valid_to"] is None
    assert "icon" not in feature["properties"]
    between = timezone.now()

    changed = _post(client, f"{world.url}/features/{uid}/change", {"label": "Umspannwerk Nord"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["id"] == uid and changed.json()["properties"]["label"] == "Umspannwerk Nord"

    now = client.get(f"{world.url}/features")
    assert now.status_code == 200
    assert now.json()["type"] == "FeatureCollection"
    assert [f["properties"]["label"] for f in now.json()["features"]] == ["Umspannwerk Nord"]
    past = client.get(f"{world.url}/features", {"at": between.isoformat()})
    assert [f["properties"]["label"] for f in past.json()["features"]] == ["Umspannwerk"]
    before = client.get(f"{world.url}/features", {"at": "2026-01-01T10:00:00"})
    assert before.json()["features"] == []

    removed = _post(client, f"{world.url}/features/{uid}/remove")
    assert removed.status_code == 200 and removed.json()["properties"]["valid_to"] is not None
    assert client.get(f"{world.url}/features").json()["features"] == []
    assert _post(client, f"{world.url}/features/{uid}/remove").status_code == 404


def test_bad_geometry_is_a_422_naming_the_field(client, world) -> None:
    client.force_login(world.s2)
    bad = {"type": "Polygon", "coordinates": [[[7.7, 49.4], [7.8, 49.4], [7.8, 49.5], [7.7, 49.5]]]}
    response = _post(client, f"{world.url}/features", {"kind": "gebiet", "label": "Gebiet", "geometry": bad})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("geometry: Ring 1 der Fläche ist nicht geschlossen")
    response = _post(
        client,
        f"{world.url}/features",
        {"kind": "schaden", "label": "x", "geometry": POINT, "symbol": "fachaufgaben/zauberei"},
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("symbol: ")
    response = _post(client, f"{world.url}/features", {"kind": "ufo", "label": "x", "geometry": POINT})
    assert response.status_code == 422
    assert not MapFeature.objects.exists()


def test_reports_written_and_listed(client, world) -> None:
    client.force_login(world.kgs)
    svc.add_feature(
        actor=world.s2, event_id=world.event.pk, kind=FeatureKind.DAMAGE, label="Umspannwerk", geometry=POINT
    )
    created = _post(client, f"{world.url}/reports")
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["number"] == 1 and report["author"] == "Karl Koordinator"
    assert report["content"]["damage_points"][0]["label"] == "Umspannwerk"
    assert report["text"].startswith("Lagemeldung Nr. 1")
    listed = client.get(f"{world.url}/reports")
    assert listed.json()["count"] == 1 and listed.json()["items"][0]["number"] == 1
    assert client.get(f"{world.url}/reports/1").json()["text"] == report["text"]
    assert client.get(f"{world.url}/reports/2").status_code == 404


def test_non_members_get_404_everywhere(client, world) -> None:
    feature = svc.add_feature(
        actor=world.s2, event_id=world.event.pk, kind=FeatureKind.DAMAGE, label="Umspannwerk", geometry=POINT
    )
    svc.write_report(actor=world.s2, event_id=world.event.pk)
    for person in (world.clerk, world.outsider, world.coordinator, world.head):
        client.force_login(person)
        for response in (
            client.get(f"{world.url}/features"),
            client.get(f"{world.url}/reports"),
            client.get(f"{world.url}/reports/1"),
            _post(client, f"{world.url}/features", {"kind": "schaden", "label": "x", "geometry": POINT}),
            _post(client, f"{world.url}/features/{feature.uid}/change", {"label": "x"}),
            _post(client, f"{world.url}/features/{feature.uid}/remove"),
            _post(client, f"{world.url}/reports"),
        ):
            assert response.status_code == 404, (person, response.content)
            assert response.json()["code"] == "not_found"
    assert MapFeature.objects.count() == 1 and SituationReport.objects.count() == 1
    client.logout()
    assert client.get(f"{world.url}/features").status_code == 401
