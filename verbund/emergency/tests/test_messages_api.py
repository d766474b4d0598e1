"""The message flow's API: the whole flow as on the pages; 403 for a step by someone who may not take it,
409 for a step out of order, 422 naming the field (a closed event: ``event``); 404 for people without a
function in the event's staff on every endpoint, in the API's one error shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from verbund.emergency.models import EventStatus, LogEntry, Message, StaffFunction, Task
from verbund.emergency.services import log

from .factories import event, joint_staff_world, position

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency/events"


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff)
    w.s4 = w.clerk
    position(w.staff, w.s4, StaffFunction.S4, body=w.kreise[0], event=w.event)
    w.base = f"{API}/{w.event.pk}"
    return w


def _post(client: Any, who: Any, url: str, payload: Any = None) -> Any:
    client.force_login(who)
    return client.post(url, payload or {}, content_type="application/json")


def _get(client: Any, who: Any, url: str, **params: Any) -> Any:
    client.force_login(who)
    return client.get(url, params)


MESSAGE = {"sender": "Polizei", "recipient": "Stab", "subject": "Stromausfall", "text": "Nord ohne Strom"}


def _due() -> str:
    return (timezone.now() + dt.timedelta(hours=3)).isoformat()


def test_the_whole_flow_through_the_api(client: Any, world: Any) -> None:
    w = world
    routine = _post(client, w.s2, f"{w.base}/messages", MESSAGE)
    assert routine.status_code == 201, routine.content
    body = routine.json()
    assert (body["number"], body["state"], body["author_function"], body["priority"]) == (
        1,
        "erfasst",
        "S2",
        "einfach",
    )
    flash = _post(client, w.s2, f"{w.base}/messages", {**MESSAGE, "priority": "blitz", "subject": "Deich"})
    assert flash.json()["number"] == 2
    listed = _get(client, w.s2, f"{w.base}/messages").json()
    assert listed["count"] == 2 and [m["number"] for m in listed["items"]] == [2, 1]

    screened = _post(client, w.kgs, f"{w.base}/messages/1/screen", {"note": "prüfen", "functions": ["S4"]})
    assert screened.status_code == 200 and screened.json()["state"] == "zugewiesen"
    assert screened.json()["assigned_to"] == ["S4"] and screened.json()["screened_by"] == "Karl Koordinator"
    assigned = _post(client, w.lead, f"{w.base}/messages/1/assign", {"functions": ["S4", "S2"]})
    assert assigned.json()["assigned_to"] == ["S2", "S4"]
    mine = _get(client, w.s4, f"{w.base}/messages", mine="true").json()
    assert [m["number"] for m in mine["items"]] == [1]

    task = _post(
        client,
        w.s4,
        f"{w.base}/messages/1/task",
        {"title": "Aggregat", "owner_function": "S4", "owner": w.s4.username, "due_at": _due()},
    )
    assert task.status_code == 201, task.content
    assert task.json()["message"] == 1 and task.json()["state"] == "offen" and not task.json()["overdue"]
    tasks = _get(client, w.s2, f"{w.base}/tasks").json()
    assert [t["id"] for t in tasks["items"]] == [task.json()["id"]]

    answered = _post(client, w.s4, f"{w.base}/messages/1/answer", {"answer": "Aggregat unterwegs"})
    assert answered.json()["state"] == "beantwortet" and answered.json()["answered_at"]
    done = _post(client, w.s4, f"{w.base}/tasks/{task.json()['id']}/done")
    assert done.status_code == 200 and done.json()["state"] == "erledigt"
    closed = _post(client, w.s2, f"{w.base}/messages/1/close")
    assert closed.json()["state"] == "erledigt" and closed.json()["closed_at"]
    detail = _get(client, w.s2, f"{w.base}/messages/1").json()
    assert detail["answer"] == "Aggregat unterwegs" and detail["screening_note"] == "prüfen"

    assert _get(client, w.s2, f"{w.base}/tasks").json()["count"] == 0
    assert _get(client, w.s2, f"{w.base}/tasks", all="true").json()["count"] == 1
    assert (
        LogEntry.objects.filter(event=w.event).count() == 8
    )  # 2 written, screen, assign, task, answer, done, close
    assert log.verify_chain(w.event.pk).ok


def test_refusals_have_the_apis_error_shape(client: Any, world: Any) -> None:
    w = world
    _post(client, w.s2, f"{w.base}/messages", MESSAGE)
    # who: S2 does not screen
    refused = _post(client, w.s2, f"{w.base}/messages/1/screen")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "Koordinierungsgruppe" in refused.json()["detail"]
    # order: no answer before the screening
    early = _post(client, w.kgs, f"{w.base}/messages/1/answer", {"answer": "zu früh"})
    assert early.status_code == 409 and early.json()["code"] == "conflict"
    assert "noch nicht gesichtet" in early.json()["detail"]
    # input: the field is named
    bad = _post(client, w.s2, f"{w.base}/messages", {**MESSAGE, "author_function": "S3"})
    assert bad.status_code == 422 and "Funktion" in bad.json()["detail"]
    wrong = _post(client, w.s2, f"{w.base}/messages", {**MESSAGE, "priority": "dringend"})
    assert wrong.status_code == 422
    _post(client, w.kgs, f"{w.base}/messages/1/screen")
    unknown = _post(
        client,
        w.kgs,
        f"{w.base}/messages/1/task",
        {"title": "x", "owner_function": "S4", "owner": "niemand", "due_at": _due()},
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid"
    assert _get(client, w.s2, f"{w.base}/messages", state="geheim").status_code == 422
    # a closed event takes no new messages
    w.event.status = EventStatus.CLOSED
    w.event.save()
    closed = _post(client, w.s2, f"{w.base}/messages", MESSAGE)
    assert closed.status_code == 422 and "beendet" in closed.json()["detail"]
    assert Message.objects.count() == 1 and Task.objects.count() == 0


def test_people_without_a_function_get_404_on_every_endpoint(client: Any, world: Any) -> None:
    w = world
    _post(client, w.s2, f"{w.base}/messages", MESSAGE)
    _post(client, w.kgs, f"{w.base}/messages/1/screen", {"functions": ["S2"]})
    task = _post(
        client, w.kgs, f"{w.base}/messages/1/task", {"title": "x", "owner_function": "S2", "due_at": _due()}
    )
    task_id = task.json()["id"]
    gets = [f"{w.base}/messages", f"{w.base}/messages/1", f"{w.base}/tasks"]
    posts = [
        (f"{w.base}/messages", MESSAGE),
        (f"{w.base}/messages/1/screen", {}),
        (f"{w.base}/messages/1/assign", {"functions": ["S2"]}),
        (f"{w.base}/messages/1/answer", {"answer": "x"}),
        (f"{w.base}/messages/1/close", {}),
        (f"{w.base}/messages/1/task", {"title": "x", "owner_function": "S2", "due_at": _due()}),
        (f"{w.base}/tasks/{task_id}/done", {}),
        (f"{w.base}/tasks/{task_id}/cancel", {}),
    ]
    for person in (w.outsider, w.coordinator, w.head):
        for url in gets:
            response = _get(client, person, url)
            assert response.status_code == 404, url
            assert response.json()["code"] == "not_found"
        for url, payload in posts:
            response = _post(client, person, url, payload)
            assert response.status_code == 404, url
            assert response.json()["code"] == "not_found"
    assert _get(client, w.s2, f"{API}/999999/messages").status_code == 404
    assert _get(client, w.s2, f"{w.base}/messages/99").status_code == 404
    assert LogEntry.objects.filter(event=w.event).count() == 3
    client.logout()
    assert client.get(f"{w.base}/messages").status_code == 401
