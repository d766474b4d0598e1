"""Probes of the emergency part with bad input: German numbers and dates as typed, moments in the
future or reversed, coordinates out of range, malformed or enormous GeoJSON, symbols and functions
not in the vocabulary, HTML in texts, steps repeated (screening twice, closing a closed event,
correcting a closed log). Each refusal names its field and changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from verbund.common.errors import Invalid
from verbund.emergency.models import (
    Alert,
    Event,
    EventStatus,
    LogEntry,
    MapFeature,
    Message,
    Position,
    Shift,
    StaffFunction,
    Task,
)
from verbund.emergency.services import events, log, messages
from verbund.emergency.services.situation import POSITIONS_MAX

from .factories import joint_staff_world

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> Any:
    w = joint_staff_world()
    with django_capture_on_commit_callbacks(execute=True):
        w.event = events.event_open(actor=w.lead, staff=w.staff, title="Stromausfall")
    w.api = f"{API}/events/{w.event.pk}"
    w.pages = f"/krisenstab/lage/{w.event.pk}"
    return w


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, payload: Any) -> Any:
    return client.post(url, payload, content_type="application/json")


# --- the log -----------------------------------------------------------------------------------------


def test_the_log_page_reads_a_german_moment_and_refuses_one_in_the_future(world: Any) -> None:
    client = _client(world.s2)
    before = LogEntry.objects.count()
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    typed = f"{yesterday:%d.%m.%Y %H:%M}"
    response = client.post(
        f"{world.pages}/tagebuch/", {"text": "Pegel steigt", "category": "lage", "occurred_at": typed}
    )
    assert response.status_code == 302
    entry = LogEntry.objects.order_by("-pk").first()
    assert entry is not None and f"{timezone.localtime(entry.occurred_at):%d.%m.%Y %H:%M}" == typed
    response = client.post(
        f"{world.pages}/tagebuch/",
        {"text": "Hellseherei", "category": "lage", "occurred_at": "01.01.2099 10:00"},
    )
    assert response.status_code == 200 and "in der Zukunft" in response.content.decode()
    assert LogEntry.objects.count() == before + 1


def test_the_log_api_names_the_field_of_a_refusal(world: Any) -> None:
    client = _client(world.s2)
    before = LogEntry.objects.count()
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    response = _post(client, f"{world.api}/log", {"text": "x", "occurred_at": future})
    assert response.status_code == 422 and response.json()["detail"].startswith("occurred_at: "), (
        response.json()
    )
    response = _post(client, f"{world.api}/log", {"text": "x", "function": "LdS"})  # not held by S2
    assert response.status_code == 422 and response.json()["detail"].startswith("function: ")
    response = _post(client, f"{world.api}/log", {"text": "x", "function": "S9"})
    assert response.status_code == 422 and "function" in response.json()["detail"]
    response = _post(client, f"{world.api}/log", {"text": "x" * 20_001})
    assert response.status_code == 422 and response.json()["detail"].startswith("text: ")
    # a "correction" that corrects nothing is no entry of its own (the page does not offer it either)
    response = _post(client, f"{world.api}/log", {"text": "x", "category": "berichtigung"})
    assert response.status_code == 422 and response.json()["detail"].startswith("category: ")
    with pytest.raises(Invalid):
        log.append_many(
            actor=world.s2, event_id=world.event.pk, entries=[{"text": "x", "category": "berichtigung"}]
        )
    response = _post(client, f"{world.api}/log", {"text": "x", "occurred_at": "04.12.2026 14:05"})
    assert response.status_code == 422 and "occurred_at" in response.json()["detail"]
    assert LogEntry.objects.count() == before


def test_html_in_texts_is_shown_escaped(world: Any) -> None:
    log.append(actor=world.s2, event_id=world.event.pk, text=SCRIPT)
    messages.write_message(
        actor=world.s2,
        event_id=world.event.pk,
        sender=SCRIPT,
        subject=SCRIPT,
        text=SCRIPT,
        place=SCRIPT,
        latitude=49.4,
        longitude=7.7,
    )
    messages.screen_message(actor=world.kgs, event_id=world.event.pk, number=1, note=SCRIPT, functions=["S2"])
    client = _client(world.kgs)
    response = _post(
        client,
        f"{world.api}/features",
        {
            "kind": "schaden",
            "label": SCRIPT,
            "note": SCRIPT,
            "geometry": {"type": "Point", "coordinates": [7.7, 49.4]},
        },
    )
    assert response.status_code == 201
    for url in (
        f"{world.pages}/",
        f"{world.pages}/tagebuch/",
        f"{world.pages}/nachrichten/",
        f"{world.pages}/nachrichten/1/",
        f"{world.pages}/karte/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert SCRIPT not in page.content.decode(), url
    report = client.post(f"{world.pages}/lagemeldungen/")
    assert report.status_code == 302
    page = client.get(f"{world.pages}/lagemeldungen/1/")
    assert page.status_code == 200 and SCRIPT not in page.content.decode()


def test_a_closed_events_log_takes_no_correction(world: Any) -> None:
    log.append(actor=world.s2, event_id=world.event.pk, text="Umspannwerk ausgefallen")
    events.event_close(actor=world.lead, event_id=world.event.pk)
    before = LogEntry.objects.count()
    with pytest.raises(Invalid) as refused:
        log.correct(actor=world.s2, event_id=world.event.pk, entry_seq=3, text="doch nicht")
    assert "event" in refused.value.fields
    client = _client(world.s2)
    response = _post(client, f"{world.api}/log/3/corrections", {"text": "doch nicht"})
    assert response.status_code == 422 and response.json()["detail"].startswith("event: ")
    page = client.post(f"{world.pages}/tagebuch/3/berichtigen/", {"text": "doch nicht"})
    assert page.status_code == 200 and "beendet" in page.content.decode()
    assert LogEntry.objects.count() == before
    assert log.verify_chain(world.event.pk).ok


# --- the event ------------------------------------------------------------------------------------------


def test_closing_a_closed_event_and_changing_its_level_are_refused(world: Any) -> None:
    client = _client(world.lead)
    assert _post(client, f"{world.api}/close", {}).status_code == 200
    before = LogEntry.objects.count()
    again = _post(client, f"{world.api}/close", {})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert _post(client, f"{world.api}/level", {"level": 4}).status_code == 409
    page = client.post(f"{world.pages}/beenden/", follow=True)
    assert page.status_code == 200 and "schon beendet" in page.content.decode()
    assert LogEntry.objects.count() == before
    assert Event.objects.get(pk=world.event.pk).status == EventStatus.CLOSED


def test_unknown_levels_are_refused(world: Any) -> None:
    client = _client(world.lead)
    for level in (0, 5, -1):
        assert _post(client, f"{world.api}/level", {"level": level}).status_code == 422
    for typed in ("5", "-1", "drei", ""):
        client.post(f"{world.pages}/stufe/", {"level": typed})
    assert Event.objects.get(pk=world.event.pk).level == world.event.level


def test_opening_an_event_reads_german_coordinates(world: Any) -> None:
    client = _client(world.lead)
    url = f"/krisenstab/stab/{world.staff.pk}/lage/neu/"
    response = client.post(
        url, {"title": "Hochwasser", "level": "2", "center_lat": "49,4447", "center_lon": "7,769"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    opened = Event.objects.get(title="Hochwasser")
    assert (opened.center_lat, opened.center_lon) == pytest.approx((49.4447, 7.769))


def test_opening_an_event_off_the_earth_or_with_half_a_centre_is_refused(world: Any) -> None:
    client = _client(world.lead)
    url = f"/krisenstab/stab/{world.staff.pk}/lage/neu/"
    for centre in ({"center_lat": "95", "center_lon": "7"}, {"center_lat": "49", "center_lon": ""}):
        response = client.post(url, {"title": "Irrläufer", "level": "2", **centre})
        assert response.status_code == 200
    response = _post(
        client,
        f"{API}/events",
        {"staff": world.staff.pk, "title": "Irrläufer", "center_lat": 49, "center_lon": 200},
    )
    assert response.status_code == 422 and "center_lon" in response.json()["detail"]
    assert not Event.objects.filter(title="Irrläufer").exists()


def test_arrival_far_in_the_future_or_before_the_alert_is_refused(world: Any) -> None:
    client = _client(world.s2)
    alert = Alert.objects.get(event=world.event, person=world.s2)
    for typed in ("01.01.2099 10:00", "01.01.2001 10:00", "morgen früh"):
        client.post(f"{world.pages}/zusage/", {"arrival_at": typed})
    alert.refresh_from_db()
    assert alert.confirmed_at is None and alert.arrival_at is None


# --- messages and tasks ------------------------------------------------------------------------------


def _message(world: Any) -> Message:
    return messages.write_message(
        actor=world.s2, event_id=world.event.pk, sender="Polizei", subject="S", text="T"
    )


def test_screening_twice_is_a_conflict_and_logs_once(world: Any) -> None:
    _message(world)
    client = _client(world.kgs)
    first = _post(client, f"{world.api}/messages/1/screen", {"functions": ["S2"]})
    assert first.status_code == 200
    count = LogEntry.objects.count()
    second = _post(client, f"{world.api}/messages/1/screen", {"functions": ["S3"]})
    assert second.status_code == 409 and "bereits gesichtet" in second.json()["detail"]
    page = client.post(f"{world.pages}/nachrichten/1/sichten/", {"functions": ["S3"]})
    assert page.status_code in (200, 302)
    assert LogEntry.objects.count() == count
    assert Message.objects.get().assigned_to == ["S2"]


def test_unknown_function_codes_are_refused_by_name(world: Any) -> None:
    _message(world)
    client = _client(world.kgs)
    response = _post(client, f"{world.api}/messages/1/screen", {"functions": ["S2", "S9", "Chef"]})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("functions: ") and "S9" in detail and "Chef" in detail
    assert Message.objects.get().state == "erfasst"
    assert _post(client, f"{world.api}/messages/1/screen", {}).status_code == 200
    response = _post(client, f"{world.api}/messages/1/assign", {"functions": ["s2"]})  # codes are exact
    assert response.status_code == 422 and response.json()["detail"].startswith("functions: ")
    response = _post(client, f"{world.api}/messages/1/assign", {"functions": []})
    assert response.status_code == 422
    response = _post(
        client,
        f"{world.api}/messages/1/task",
        {
            "title": "t",
            "owner_function": "XY",
            "due_at": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("owner_function: ")
    assert Message.objects.get().state == "gesichtet" and not Task.objects.exists()


def test_message_places_and_moments_out_of_range(world: Any) -> None:
    client = _client(world.s2)
    base = {"sender": "Polizei", "subject": "S", "text": "T"}
    for extra, field in (
        ({"latitude": 95, "longitude": 7}, "latitude"),
        ({"latitude": 49, "longitude": -181}, "longitude"),
        ({"latitude": 49}, "longitude"),
        ({"written_at": (timezone.now() + dt.timedelta(hours=1)).isoformat()}, "written_at"),
        ({"priority": "dringend"}, "priority"),
    ):
        response = _post(client, f"{world.api}/messages", {**base, **extra})
        assert response.status_code == 422 and field in response.json()["detail"], (extra, response.json())
    for typed in ("95; 7", "49,4; 7,7\n49,5; 7,8", "Kaiserslautern"):
        page = client.post(
            f"{world.pages}/nachrichten/neu/",
            {"direction": "eingang", "priority": "einfach", **base, "coordinates": typed},
        )
        assert page.status_code == 200, typed
    page = client.post(
        f"{world.pages}/nachrichten/neu/",
        {"direction": "eingang", "priority": "einfach", **base, "coordinates": "49,4447; 7,7690"},
    )
    assert page.status_code == 302
    assert Message.objects.get().latitude == pytest.approx(49.4447)


def test_a_task_due_in_the_past_is_refused(world: Any) -> None:
    _message(world)
    messages.screen_message(actor=world.kgs, event_id=world.event.pk, number=1)
    client = _client(world.kgs)
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    response = _post(
        client, f"{world.api}/messages/1/task", {"title": "t", "owner_function": "S2", "due_at": past}
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("due_at: ")
    page = client.post(
        f"{world.pages}/nachrichten/1/auftrag/",
        {"title": "t", "owner_function": "S2", "due_at": "01.01.2001 10:00"},
    )
    assert page.status_code == 200
    assert not Task.objects.exists()


# --- the map ----------------------------------------------------------------------------------------------


BAD_GEOMETRIES: list[Any] = [
    {"type": "Point", "coordinates": [200, 49]},
    {"type": "Point", "coordinates": [7, 95]},
    {"type": "Point", "coordinates": ["7", "49"]},
    {"type": "Point", "coordinates": [7]},
    {"type": "Point"},
    {"type": "Circle", "coordinates": [7, 49]},
    {"type": "GeometryCollection", "geometries": []},
    {"type": "LineString", "coordinates": [[7, 49]]},
    {"type": "Polygon", "coordinates": [[[7, 49], [8, 49], [8, 50], [7, 50]]]},  # not closed
    {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [[[7, 49], [8, 49], [7, 49]]]},
    {"type": "LineString", "coordinates": [[7 + i / 100_000, 49] for i in range(POSITIONS_MAX + 1)]},
    {"coordinates": [7, 49]},
    {"type": "Point", "coordinates": [[7, 49]]},
]


def test_malformed_or_enormous_geometries_are_refused_at_geometry(world: Any) -> None:
    client = _client(world.s2)
    before = (MapFeature.objects.count(), LogEntry.objects.count())
    for geometry in BAD_GEOMETRIES:
        response = _post(
            client, f"{world.api}/features", {"kind": "schaden", "label": "x", "geometry": geometry}
        )
        assert response.status_code == 422, (str(geometry)[:80], response.content[:300])
        assert response.json()["detail"].startswith("geometry"), response.json()
    assert (MapFeature.objects.count(), LogEntry.objects.count()) == before


def test_deeply_nested_geojson_on_the_page_is_an_error_not_a_crash(world: Any) -> None:
    client = _client(world.s2)
    nested = "[" * 50_000 + "]" * 50_000
    raw = json.dumps({"type": "Point", "coordinates": "X"}).replace('"X"', nested)
    response = client.post(f"{world.pages}/karte/objekt/", {"kind": "schaden", "label": "x", "geojson": raw})
    assert response.status_code in (200, 422) and "kein gültiges JSON" in response.content.decode()
    assert not MapFeature.objects.exists()


def test_deeply_nested_geojson_through_the_api_is_an_error_not_a_crash(world: Any) -> None:
    client = _client(world.s2)
    nested = "[" * 50_000 + "]" * 50_000
    body = '{"kind": "schaden", "label": "x", "geometry": {"type": "Point", "coordinates": ' + nested + "}}"
    response = client.post(f"{world.api}/features", body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert not MapFeature.objects.exists()


def test_symbols_not_in_the_catalogue_are_refused(world: Any) -> None:
    client = _client(world.s2)
    point = {"type": "Point", "coordinates": [7.7, 49.4]}
    for symbol in ("erfunden/zeichen", "../../etc/passwd", SCRIPT):
        response = _post(
            client,
            f"{world.api}/features",
            {"kind": "kraft", "label": "x", "symbol": symbol, "geometry": point},
        )
        assert response.status_code == 422 and response.json()["detail"].startswith("symbol"), symbol
    page = client.post(
        f"{world.pages}/karte/objekt/",
        {"kind": "kraft", "label": "x", "symbol": "erfunden/zeichen", "coordinates": "49,4; 7,7"},
    )
    assert page.status_code in (200, 422) and "erfunden/zeichen" not in str(
        MapFeature.objects.values("symbol")
    )
    assert not MapFeature.objects.exists()


def test_the_map_form_reads_german_coordinates(world: Any) -> None:
    client = _client(world.s2)
    response = client.post(
        f"{world.pages}/karte/objekt/",
        {"kind": "gebiet", "label": "Sperrgebiet", "coordinates": "49,44; 7,76\n49,45; 7,77\n49,46; 7,76"},
    )
    assert response.status_code == 302
    feature = MapFeature.objects.get()
    assert feature.geometry["type"] == "Polygon"
    ring = feature.geometry["coordinates"][0]
    assert ring[0] == ring[-1] == [7.76, 49.44] and len(ring) == 4


# --- the staff: positions and the roster ----------------------------------------------------------------


def test_reversed_periods_and_unknown_people_are_refused(world: Any) -> None:
    client = _client(world.lead)
    staff = f"/krisenstab/stab/{world.staff.pk}"
    positions = Position.objects.count()
    for data in (
        {"starts_on": "10.05.2026", "ends_on": "01.05.2026", "person": world.clerk.username},
        {"starts_on": "2026-05-10", "ends_on": "2026-05-01", "person": world.clerk.username},
        {"starts_on": "2026-05-10", "person": "gibt-es-nicht"},
    ):
        response = client.post(
            f"{staff}/funktion/neu/",
            {"function": "S3", "role": "inhaber", "body": world.kreise[0].ars, **data},
        )
        assert response.status_code == 200, data
    response = client.post(
        f"{staff}/funktion/neu/",
        {
            "function": "S9",
            "role": "inhaber",
            "body": world.kreise[0].ars,
            "person": world.clerk.username,
            "starts_on": "2026-05-10",
        },
    )
    assert response.status_code == 200
    response = client.post(
        f"{staff}/funktion/neu/",
        {
            "function": "S3",
            "role": "inhaber",
            "body": world.other.ars,
            "person": world.clerk.username,
            "starts_on": "2026-05-10",
        },
    )
    assert response.status_code == 200  # a body outside the alliance does not send people
    assert Position.objects.count() == positions
    for starts, ends in (("05.07.2026 08:00", "05.07.2026 06:00"), ("2026-07-05T08:00", "2026-07-05T08:00")):
        response = client.post(
            f"{staff}/dienstplan/neu/",
            {
                "function": "S2",
                "person": world.s2.username,
                "body": world.kreise[2].ars,
                "starts_at": starts,
                "ends_at": ends,
            },
        )
        assert response.status_code == 200
    assert not Shift.objects.exists()
    assert StaffFunction.S2 in StaffFunction.values


def test_an_event_title_with_html_is_shown_escaped(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        opened = events.event_open(actor=world.lead, staff=world.staff, title=SCRIPT, description=SCRIPT)
    client = _client(world.s2)
    for url in (
        "/krisenstab/",
        f"/krisenstab/stab/{world.staff.pk}/",
        f"/krisenstab/lage/{opened.pk}/",
        f"/krisenstab/lage/{opened.pk}/tagebuch/",
        f"/krisenstab/lage/{opened.pk}/nachrichten/",
        f"/krisenstab/lage/{opened.pk}/karte/",
        "/benachrichtigungen/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert SCRIPT not in page.content.decode(), url
