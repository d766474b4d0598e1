"""Messages with a place: the form (German coordinates "49,4447; 7,7690"), the API and the service take
an optional place and coordinates (WGS 84, both or none; a refusal names the field); once screened a
message with coordinates is on the situation map (layer "Meldungen": page, table, legend, the map's
data, the API's ``…/message-features``), in the replay from its screening on; assigning tells the
current holders of the assigned functions, nobody else, naming number and priority but not the
content; 404 for everyone outside the event's staff."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from verbund.common.errors import Invalid
from verbund.emergency import events_notify
from verbund.emergency.models import LogEntry, Message, MessageState, PositionRole, Priority, StaffFunction
from verbund.emergency.services import log
from verbund.emergency.services import messages as flow
from verbund.notifications.models import Event as Published
from verbund.notifications.models import Notification
from verbund.web.tests.test_english import german_left_on

from .factories import START, event, joint_staff_world, position

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency/events"
T0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
SECRET = "Trafo 3 brennt, Leitstelle informiert"


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff, opened_at=T0)
    w.s4 = w.clerk  # S4 for this event only
    position(w.staff, w.s4, StaffFunction.S4, body=w.kreise[0], event=w.event)
    w.map = reverse("emergency:map", kwargs={"event_id": w.event.pk})
    w.features = f"{API}/{w.event.pk}/message-features"
    return w


def _write(w: Any, **extra: Any) -> Message:
    values: dict[str, Any] = {
        "actor": w.s2,
        "event_id": w.event.pk,
        "sender": "Polizeiinspektion Kaiserslautern",
        "subject": "Umspannwerk Nord ausgefallen",
        "text": SECRET,
        "place": "Umspannwerk Nord",
        "latitude": 49.4447,
        "longitude": 7.769,
    }
    values.update(extra)
    return flow.write_message(**values)


def _data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="vb-situation-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the map's data is embedded with json_script"
    return json.loads(match[1])


def _messages_on(data: dict[str, Any]) -> list[int]:
    return [f["properties"]["number"] for f in data["features"] if f["properties"]["kind"] == "nachricht"]


# --- the service ----------------------------------------------------------------------------------


def test_a_message_keeps_its_place_and_the_log_names_it(world: Any) -> None:
    message = _write(world)
    message.refresh_from_db()
    assert (message.place, message.latitude, message.longitude) == ("Umspannwerk Nord", 49.4447, 7.769)
    entry = LogEntry.objects.filter(event=world.event).order_by("-seq").first()
    assert entry is not None and "(Ort: Umspannwerk Nord, 49,4447; 7,769)" in entry.text
    # both optional: no place, no coordinates
    plain = _write(world, place="", latitude=None, longitude=None)
    assert (plain.place, plain.latitude, plain.longitude) == ("", None, None)
    assert log.verify_chain(world.event.pk).ok


@pytest.mark.parametrize(
    ("place", "latitude", "longitude", "field", "words"),
    [
        ("", 49.4, None, "longitude", "fehlt die Länge"),
        ("", None, 7.7, "latitude", "fehlt die Breite"),
        ("", 95.0, 7.7, "latitude", "Breite 95.0 liegt nicht zwischen −90 und 90"),
        ("", 49.4, 190.0, "longitude", "Länge 190.0 liegt nicht zwischen −180 und 180"),
        ("", float("nan"), 7.7, "latitude", "muss eine Zahl sein"),
        ("x" * 201, None, None, "place", "Höchstens 200 Zeichen"),
    ],
)
def test_a_bad_place_is_refused_naming_the_field(
    world: Any, place: str, latitude: Any, longitude: Any, field: str, words: str
) -> None:
    with pytest.raises(Invalid) as refused:
        _write(world, place=place, latitude=latitude, longitude=longitude)
    assert list(refused.value.fields) == [field]
    assert words in refused.value.fields[field][0]
    assert not Message.objects.exists()


# --- the form ---------------------------------------------------------------------------------------


def test_the_form_takes_german_coordinates(client: Any, world: Any) -> None:
    client.force_login(world.s2)
    url = reverse("emergency:message_create", kwargs={"event_id": world.event.pk})
    page = client.get(url).content.decode()
    assert "Koordinaten des Ortes (Breite; Länge)" in page and 'name="place"' in page
    form = {
        "direction": "eingang",
        "priority": "sofort",
        "sender": "Feuerwehr",
        "subject": "Keller unter Wasser",
        "text": "Pumpe benötigt",
        "place": "Hauptstraße 5, Kusel",
        "coordinates": "49,4447; 7,7690",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.place, message.latitude, message.longitude) == ("Hauptstraße 5, Kusel", 49.4447, 7.769)
    detail = client.get(response["Location"]).content.decode()
    assert "Hauptstraße 5, Kusel" in detail and "49,4447; 7,769" in detail


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("Kusel", "keine Koordinate der Form"),
        ("95,1; 7,7", "Breite 95.1 liegt nicht zwischen −90 und 90"),
        ("49,4; 7,7\n49,5; 7,8", "genau einen Punkt"),
    ],
)
def test_the_form_shows_bad_coordinates_at_their_field(
    client: Any, world: Any, typed: str, words: str
) -> None:
    client.force_login(world.s2)
    url = reverse("emergency:message_create", kwargs={"event_id": world.event.pk})
    form = {"direction": "eingang", "priority": "einfach", "sender": "A", "subject": "B", "text": "C"}
    response = client.post(url, {**form, "coordinates": typed})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"coordinates"}
    assert words in response.context["form"].errors["coordinates"][0]
    assert not Message.objects.exists()


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_takes_and_shows_the_place_and_names_a_bad_field(client: Any, world: Any) -> None:
    client.force_login(world.s2)
    base = {"sender": "Polizei", "subject": "Stromausfall", "text": "Nord ohne Strom"}
    url = f"{API}/{world.event.pk}/messages"
    created = client.post(
        url, {**base, "place": "Kusel", "latitude": 49.53, "longitude": 7.4}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["place"], body["latitude"], body["longitude"]) == ("Kusel", 49.53, 7.4)
    half = client.post(url, {**base, "latitude": 49.53}, content_type="application/json")
    assert half.status_code == 422
    assert half.json()["code"] == "invalid" and half.json()["detail"].startswith("longitude: ")
    wrong = client.post(url, {**base, "latitude": -91, "longitude": 7.4}, content_type="application/json")
    assert wrong.status_code == 422 and wrong.json()["detail"].startswith("latitude: ")
    assert Message.objects.count() == 1


# --- the map ----------------------------------------------------------------------------------------


def _screen_at(world: Any, number: int, moment: dt.datetime, functions: tuple[str, ...] = ()) -> None:
    flow.screen_message(actor=world.kgs, event_id=world.event.pk, number=number, functions=functions)
    Message.objects.filter(event=world.event, number=number).update(screened_at=moment)


def test_a_screened_message_is_on_the_map_in_the_table_and_the_legend(client: Any, world: Any) -> None:
    _write(world, priority=Priority.FLASH)
    _write(world, subject="Ohne Ort", place="", latitude=None, longitude=None)
    _write(world, subject="Noch nicht gesichtet")
    client.force_login(world.s2)
    before = client.get(world.map).content.decode()
    assert _messages_on(_data(before)) == []  # written is not enough: screening puts it on the map
    _screen_at(world, 1, timezone.now() - dt.timedelta(minutes=5), functions=("S2",))
    _screen_at(world, 2, timezone.now() - dt.timedelta(minutes=5))
    flow.answer_message(actor=world.s2, event_id=world.event.pk, number=1, answer="Erledigt")
    html = client.get(world.map).content.decode()
    data = _data(html)
    assert _messages_on(data) == [1]  # a later state stays on it; no coordinates: not on the map
    (feature,) = [f for f in data["features"] if f["properties"]["kind"] == "nachricht"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [7.769, 49.4447]}
    p = feature["properties"]
    assert (p["number"], p["priority"], p["priority_label"], p["subject"]) == (
        1,
        "blitz",
        "Blitz",
        "Umspannwerk Nord ausgefallen",
    )
    assert p["anchor"] == [49.4447, 7.769] and p["icon"].startswith("data:image/svg+xml")
    assert p["path"] == reverse("emergency:message_detail", kwargs={"event_id": world.event.pk, "number": 1})
    assert SECRET not in html  # the content stays on the message's page
    assert 'data-layer-messages="Meldungen"' in html
    legend = html[html.index('id="vb-situation-legend"') : html.index('id="vb-features-heading"')]
    assert 'data-vb-legend="nachricht"' in legend and "Meldung, Vorrang Blitz" in legend
    table = html[html.index('id="vb-map-messages"') :]
    table = table[: table.index("</table>")]
    assert (
        "Nachricht Nr. 1" in table and "Umspannwerk Nord ausgefallen" in table and "49,4447; 7,7690" in table
    )
    assert p["path"] in table and "Ohne Ort" not in table and "Noch nicht gesichtet" not in table


def test_replay_shows_a_message_from_its_screening_on(client: Any, world: Any) -> None:
    _write(world)
    _screen_at(world, 1, T0 + dt.timedelta(hours=1))
    client.force_login(world.kgs)
    before = client.get(world.map, {"zeitpunkt": "01.02.2026 09:30"}).content.decode()  # 08:30 UTC
    assert _messages_on(_data(before)) == []
    assert "Zu diesem Zeitpunkt stand keine gesichtete Nachricht mit Ort auf der Lagekarte." in before
    after = client.get(world.map, {"zeitpunkt": "01.02.2026 10:30"}).content.decode()
    assert _messages_on(_data(after)) == [1]
    found = re.search(r'id="vb-replay-moments" type="application/json">(.*?)</script>', after)
    assert found is not None
    assert [m["text"] for m in json.loads(found[1])] == ["01.02.2026, 10:00:00"]  # the screening
    # the API the same
    at_before = client.get(world.features, {"at": (T0 + dt.timedelta(minutes=59)).isoformat()})
    assert at_before.status_code == 200 and at_before.json()["features"] == []
    at_after = client.get(world.features, {"at": (T0 + dt.timedelta(hours=1)).isoformat()})
    (feature,) = at_after.json()["features"]
    assert feature["id"] == "nachricht-1" and feature["properties"]["kind"] == "nachricht"
    assert feature["properties"]["subject"] == "Umspannwerk Nord ausgefallen"
    assert feature["geometry"]["coordinates"] == [7.769, 49.4447] and "text" not in feature["properties"]
    now = client.get(world.features).json()
    assert [f["properties"]["number"] for f in now["features"]] == [1]


def test_non_members_get_404_for_the_map_and_the_message_features(client: Any, world: Any) -> None:
    _write(world)
    _screen_at(world, 1, timezone.now())
    for who in (world.outsider, world.head, world.coordinator):
        client.force_login(who)
        assert client.get(world.map).status_code == 404
        response = client.get(world.features)
        assert response.status_code == 404 and "Umspannwerk" not in response.content.decode()
        assert client.get(f"{API}/999999/message-features").status_code == 404
    client.logout()
    assert client.get(world.features).status_code == 401


# --- notifications -----------------------------------------------------------------------------------


def test_assigning_tells_the_holders_of_the_assigned_functions_only(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from verbund.accounts.tests.factories import UserFactory

    w = world
    deputy: Any = UserFactory(staff_of=w.kreise[0])
    position(w.staff, deputy, StaffFunction.S2, body=w.kreise[0], role=PositionRole.DEPUTY)
    gone: Any = UserFactory(staff_of=w.kreise[1])  # was S2 until yesterday
    position(
        w.staff, gone, StaffFunction.S2, body=w.kreise[1], ends_on=timezone.localdate() - dt.timedelta(days=1)
    )
    other_event = event(w.staff, title="Hochwasser")
    elsewhere: Any = UserFactory(staff_of=w.kreise[2])  # S4 in another event of the same staff
    position(w.staff, elsewhere, StaffFunction.S4, body=w.kreise[2], event=other_event)
    s3: Any = UserFactory(staff_of=w.kreise[2])
    position(w.staff, s3, StaffFunction.S3, body=w.kreise[2], starts_on=START)
    _write(w, priority=Priority.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S2", "S4"])
    published = Published.objects.get(event_type=events_notify.MESSAGE_ASSIGNED.name)
    recipients = set(Notification.objects.filter(event=published).values_list("recipient_id", flat=True))
    assert recipients == {w.s2.pk, deputy.pk, w.s4.pk}  # not LdS, S3, a former S2, S4 of another event
    assert published.title == w.event.title
    text = published.text % published.text_params
    assert "Nachricht Nr. 1" in text and "sofort" in text
    assert (
        SECRET not in text
        and "Umspannwerk" not in text
        and "Umspannwerk" not in json.dumps(published.payload)
    )
    assert published.path == reverse("emergency:message_detail", kwargs={"event_id": w.event.pk, "number": 1})

    # a new assignment tells the holders of the functions added, and only them
    with django_capture_on_commit_callbacks(execute=True):
        flow.assign_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S2", "S4", "S3"])
    latest = Published.objects.filter(event_type=events_notify.MESSAGE_ASSIGNED.name).order_by("-pk").first()
    assert latest is not None and latest.pk != published.pk
    assert set(Notification.objects.filter(event=latest).values_list("recipient_id", flat=True)) == {s3.pk}
    # screening without assigning tells nobody
    _write(w)
    with django_capture_on_commit_callbacks(execute=True):
        flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=2)
    assert Published.objects.filter(event_type=events_notify.MESSAGE_ASSIGNED.name).count() == 2
    assert Message.objects.get(number=2).state == MessageState.SCREENED


def test_the_event_type_never_goes_to_webhooks() -> None:
    assert events_notify.MESSAGE_ASSIGNED.webhooks is False
    assert events_notify.MESSAGE_ASSIGNED.name == "emergency.message_assigned"


def test_the_map_and_the_message_in_english_leave_no_german(client: Any, world: Any) -> None:
    _write(world, priority=Priority.FLASH)
    _screen_at(world, 1, timezone.now() - dt.timedelta(minutes=1), functions=("S2",))
    world.s2.language = "en"
    world.s2.save()
    client.force_login(world.s2)
    for url in (
        world.map,
        reverse("emergency:message_detail", kwargs={"event_id": world.event.pk, "number": 1}),
        reverse("emergency:message_create", kwargs={"event_id": world.event.pk}),
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert german_left_on(response.content.decode()) == [], url
