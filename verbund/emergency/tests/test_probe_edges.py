"""Probes at the edges of URLs and parameters: ids beyond any integer, negative and enormous page
numbers, moments at the ends of the calendar. They answer 404 or a refusal, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from verbund.emergency.services import events, log, messages

from .factories import joint_staff_world

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency"
HUGE = "99999999999999999999999"


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> Any:
    w = joint_staff_world()
    with django_capture_on_commit_callbacks(execute=True):
        w.event = events.event_open(actor=w.lead, staff=w.staff, title="Stromausfall")
    log.append(actor=w.s2, event_id=w.event.pk, text="Eintrag")
    messages.write_message(actor=w.s2, event_id=w.event.pk, sender="P", subject="S", text="T")
    w.client = Client(raise_request_exception=False)
    w.client.force_login(w.kgs)
    return w


def _status(world: Any, url: str, post: bool = False) -> int:
    client = world.client
    response = client.post(url, {}) if post else client.get(url)
    return response.status_code


def test_ids_beyond_any_integer_are_not_found_on_pages(world: Any) -> None:
    e = world.event.pk
    for url in (
        f"/krisenstab/lage/{HUGE}/",
        f"/krisenstab/lage/{HUGE}/tagebuch/",
        f"/krisenstab/lage/{e}/tagebuch/{HUGE}/berichtigen/",
        f"/krisenstab/lage/{e}/nachrichten/{HUGE}/",
        f"/krisenstab/lage/{e}/lagemeldungen/{HUGE}/",
        f"/krisenstab/stab/{HUGE}/",
        f"/krisenstab/lage/{HUGE}/offline-paket/",
    ):
        assert _status(world, url) == 404, url
    for url in (
        f"/krisenstab/lage/{e}/auftraege/{HUGE}/abschliessen/",
        f"/krisenstab/lage/{e}/anwesenheit/{HUGE}/",
        f"/krisenstab/stab/{world.staff.pk}/funktion/{HUGE}/beenden/",
        f"/krisenstab/stab/{world.staff.pk}/dienstplan/{HUGE}/entfernen/",
    ):
        assert _status(world, url, post=True) in (302, 404), url


def test_ids_beyond_any_integer_are_refused_by_the_api(world: Any) -> None:
    e = world.event.pk
    for url in (
        f"{API}/events/{HUGE}",
        f"{API}/events/{e}/log/{HUGE}",
        f"{API}/events/{e}/messages/{HUGE}",
        f"{API}/events/{e}/reports/{HUGE}",
        f"{API}/events/{e}/features/nicht-eine-uuid/remove",
    ):
        status = _status(world, url, post=url.endswith("remove"))
        assert status in (404, 405, 422), (url, status)


def test_page_parameters_out_of_range(world: Any) -> None:
    e = world.event.pk
    for query in ("page=-1", "page=0", f"page={HUGE}", "page=abc", "seite=-1"):
        for url in (f"/krisenstab/lage/{e}/tagebuch/", f"/krisenstab/lage/{e}/nachrichten/"):
            assert _status(world, f"{url}?{query}") in (200, 404), (url, query)
    for query in ("limit=-1", "limit=100000", "offset=-5", f"offset={HUGE}", "limit=abc"):
        for url in (f"{API}/events/{e}/log", f"{API}/events/{e}/messages", f"{API}/events"):
            status = _status(world, f"{url}?{query}")
            assert status in (200, 422), (url, query, status)


def test_moments_at_the_ends_of_the_calendar(world: Any) -> None:
    e = world.event.pk
    for typed in (
        "01.01.0001 00:30",
        "31.12.9999 23:59",
        "0001-01-01T00:00",
        "29.02.2026 10:00",
        "31.03.2024 02:30",
    ):
        assert _status(world, f"/krisenstab/lage/{e}/karte/?zeitpunkt={typed}") == 200, typed
    for typed in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:30:00"):
        status = _status(world, f"{API}/events/{e}/features?at={typed}")
        assert status in (200, 422), (typed, status)
        status = _status(world, f"{API}/events/{e}/message-features?at={typed}")
        assert status in (200, 422), (typed, status)
    client = Client(raise_request_exception=False)
    client.force_login(world.s2)
    for typed in ("01.01.0001 00:30", "0001-01-01T00:30"):
        response = client.post(
            f"/krisenstab/lage/{e}/tagebuch/", {"text": "x", "category": "lage", "occurred_at": typed}
        )
        assert response.status_code in (200, 302), (typed, response.status_code)
        response = client.post(f"/krisenstab/lage/{e}/zusage/", {"arrival_at": typed})
        assert response.status_code in (200, 302), (typed, response.status_code)
    early = "0001-01-01T00:30:00+01:00"
    response = client.post(
        f"{API}/events/{e}/log", {"text": "x", "occurred_at": early}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("occurred_at: "), (
        response.content
    )
    message = {"sender": "P", "subject": "S", "text": "T", "written_at": early}
    response = client.post(f"{API}/events/{e}/messages", message, content_type="application/json")
    assert response.status_code == 422 and "written_at" in response.json()["detail"], response.content
    kgs = Client(raise_request_exception=False)
    kgs.force_login(world.kgs)
    assert (
        kgs.post(f"{API}/events/{e}/messages/1/screen", {}, content_type="application/json").status_code
        == 200
    )
    task = {"title": "t", "owner_function": "S2", "due_at": "9999-12-31T23:59:00-14:00"}
    response = kgs.post(f"{API}/events/{e}/messages/1/task", task, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"].startswith("due_at: "), response.content
    response = kgs.post(
        f"/krisenstab/lage/{e}/nachrichten/1/auftrag/",
        {"title": "t", "owner_function": "S2", "due_at": "31.12.9999 23:59"},
    )
    assert response.status_code in (200, 302), response.status_code
    response = client.post(
        f"/krisenstab/lage/{e}/nachrichten/neu/",
        {
            "direction": "eingang",
            "priority": "einfach",
            "sender": "P",
            "subject": "S",
            "text": "T",
            "written_at": "01.01.0001 00:30",
        },
    )
    assert response.status_code == 200


def test_digits_that_are_no_numbers_are_refused_not_a_crash(world: Any) -> None:
    e = world.event.pk
    lead = Client(raise_request_exception=False)
    lead.force_login(world.lead)
    for typed in ("²", "¹²", "٣", "1\u00a0", HUGE):
        response = lead.post(f"/krisenstab/lage/{e}/stufe/", {"level": typed})
        assert response.status_code == 302, (typed, response.status_code)
    s2 = Client(raise_request_exception=False)
    s2.force_login(world.s2)
    for typed in ("²", HUGE):
        response = s2.post(
            f"/krisenstab/lage/{e}/zusage/", {"arrival_at": "2030-01-01T10:00", "alert": typed}
        )
        assert response.status_code == 302, (typed, response.status_code)
        response = s2.post(f"/krisenstab/lage/{e}/absage/", {"alert": typed})
        assert response.status_code == 302, (typed, response.status_code)
    world.event.refresh_from_db()
    assert world.event.level == 2
