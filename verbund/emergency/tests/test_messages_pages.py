"""The pages of the message flow: the list (Blitz first, filters), the Nachrichtenvordruck, the detail
page that offers each step only to those who may take it, the open tasks with overdue ones marked;
404 for people without a function in the event's staff on every page; English without German left."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from verbund.emergency.models import (
    EventStatus,
    LogEntry,
    Message,
    MessageState,
    Priority,
    StaffFunction,
    Task,
)
from verbund.emergency.services import log
from verbund.emergency.services import messages as flow

from .factories import event, joint_staff_world, position

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff)
    w.s4 = w.clerk
    position(w.staff, w.s4, StaffFunction.S4, body=w.kreise[0], event=w.event)
    return w


def _write(w: Any, subject: str = "Stromausfall", **extra: Any) -> Message:
    values: dict[str, Any] = {"sender": "Polizei", "subject": subject, "text": "Kein Strom in Nord."}
    values.update(extra)
    return flow.write_message(actor=w.s2, event_id=w.event.pk, **values)


def _url(w: Any, name: str, **kwargs: Any) -> str:
    return reverse(f"emergency:{name}", kwargs={"event_id": w.event.pk, **kwargs})


def _page(client: Any, who: Any, url: str, **extra: Any) -> str:
    client.force_login(who)
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    return html


def test_the_list_puts_blitz_first_and_filters(client: Any, world: Any) -> None:
    w = world
    _write(w, "Routinemeldung", priority=Priority.ROUTINE)
    _write(w, "Deichbruch", priority=Priority.FLASH)
    _write(w, "Lagebericht", priority=Priority.IMMEDIATE)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=3, functions=["S4"])
    html = _page(client, w.s4, _url(w, "messages"))
    assert html.index("Deichbruch") < html.index("Lagebericht") < html.index("Routinemeldung")
    mine = _page(client, w.s4, _url(w, "messages") + "?meine=1")
    assert "Lagebericht" in mine and "Deichbruch" not in mine
    written = _page(client, w.s4, _url(w, "messages") + f"?stand={MessageState.WRITTEN}")
    assert "Deichbruch" in written and "Lagebericht" not in written


def test_writing_a_message_on_the_form(client: Any, world: Any) -> None:
    w = world
    html = _page(client, w.s2, _url(w, "message_create"))
    for label in (
        "Eingang/Ausgang",
        "Vorrang",
        "Absender/in",
        "Empfänger/in",
        "Betreff",
        "Inhalt",
        "aufgenommen um",
    ):
        assert label in html
    response = client.post(
        _url(w, "message_create"),
        {
            "direction": "eingang",
            "priority": "sofort",
            "sender": "Feuerwehr Kusel",
            "recipient": "Stab",
            "subject": "Pegel steigt",
            "text": "Pegel Glan 4,30 m",
            "author_function": "S2",
            "written_at": "",
        },
    )
    message = Message.objects.get(event=w.event)
    assert response.status_code == 302 and response["Location"] == _url(w, "message_detail", number=1)
    assert (message.number, message.priority, message.author, message.author_function) == (
        1,
        "sofort",
        w.s2,
        "S2",
    )
    assert LogEntry.objects.filter(event=w.event).count() == 1
    # a refusal lands on the form
    refused = client.post(
        _url(w, "message_create"),
        {
            "direction": "eingang",
            "priority": "blitz",
            "sender": "x",
            "subject": "y",
            "text": "z",
            "author_function": "KGS",
        },
    )
    assert refused.status_code == 200 and Message.objects.count() == 1


def test_the_detail_page_offers_each_step_only_to_those_who_may(client: Any, world: Any) -> None:
    w = world
    _write(w)
    screen = _url(w, "message_screen", number=1)
    answer = _url(w, "message_answer", number=1)
    task = _url(w, "message_task", number=1)
    html = _page(client, w.s2, _url(w, "message_detail", number=1))
    assert screen not in html and answer not in html
    html = _page(client, w.kgs, _url(w, "message_detail", number=1))
    assert screen in html and answer not in html and task not in html

    # answering before the screening is refused in words and nothing changes
    response = client.post(answer, {"answer": "zu früh"})
    assert response.status_code == 200 and "noch nicht gesichtet" in response.content.decode()
    assert Message.objects.get().state == MessageState.WRITTEN

    response = client.post(screen, {"note": "an Versorgung", "functions": ["S4"]})
    assert response.status_code == 302
    html = _page(client, w.s4, _url(w, "message_detail", number=1))
    assert answer in html and task in html and screen not in html
    assert "an Versorgung" in html
    html = _page(client, w.s2, _url(w, "message_detail", number=1))
    assert answer not in html and task not in html

    due = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(w.s4)
    response = client.post(
        task, {"title": "Aggregat holen", "owner_function": "S4", "owner": w.s4.username, "due_at": due}
    )
    assert response.status_code == 302
    assert Task.objects.get().owner == w.s4
    assert client.post(answer, {"answer": "Aggregat unterwegs"}).status_code == 302
    assert client.post(_url(w, "message_close", number=1)).status_code == 302
    assert Message.objects.get().state == MessageState.CLOSED
    assert LogEntry.objects.filter(event=w.event).count() == 5
    assert log.verify_chain(w.event.pk).ok


def test_the_tasks_page_marks_overdue_tasks_and_finishes_them(client: Any, world: Any) -> None:
    w = world
    _write(w)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S4"])
    soon = timezone.now() + dt.timedelta(hours=1)
    late = flow.create_task(
        actor=w.kgs, event_id=w.event.pk, number=1, title="Sandsäcke", owner_function="S4", due_at=soon
    )
    flow.create_task(
        actor=w.kgs, event_id=w.event.pk, number=1, title="Lagekarte", owner_function="S2", due_at=soon
    )
    Task.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(minutes=30))
    html = _page(client, w.s4, _url(w, "tasks"))
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>Sandsäcke.*?</tr>", html, flags=re.S)
    assert row and "überfällig" in row.group(0)
    other = re.search(r"<tr[^>]*>\s*<td[^>]*>Lagekarte.*?</tr>", html, flags=re.S)
    assert other and "überfällig" not in other.group(0)
    finish = _url(w, "task_finish", task_id=late.pk)
    assert finish in html
    assert client.post(finish, {"state": "erledigt"}).status_code == 302
    after = _page(client, w.s4, _url(w, "tasks"))
    assert finish not in after and "Lagekarte" in after


def test_a_closed_event_shows_no_steps(client: Any, world: Any) -> None:
    w = world
    _write(w)
    w.event.status = EventStatus.CLOSED
    w.event.save()
    html = _page(client, w.kgs, _url(w, "message_detail", number=1))
    assert _url(w, "message_screen", number=1) not in html
    assert _url(w, "message_create") not in _page(client, w.kgs, _url(w, "messages"))


def test_people_without_a_function_get_404_on_every_page(client: Any, world: Any) -> None:
    w = world
    _write(w)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S2"])
    task = flow.create_task(
        actor=w.kgs,
        event_id=w.event.pk,
        number=1,
        title="Bericht",
        owner_function="S2",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    gets = ["messages", "message_create", "tasks"]
    posts = ["message_screen", "message_assign", "message_answer", "message_close", "message_task"]
    for person in (w.outsider, w.coordinator, w.head):
        client.force_login(person)
        for name in gets:
            assert client.get(_url(w, name)).status_code == 404, name
        assert client.get(_url(w, "message_detail", number=1)).status_code == 404
        for name in posts:
            response = client.post(
                _url(w, name, number=1), {"answer": "x", "functions": ["S2"], "title": "x"}
            )
            assert response.status_code == 404, name
        assert client.post(_url(w, "message_create"), {"sender": "x"}).status_code == 404
        assert client.post(_url(w, "task_finish", task_id=task.pk)).status_code == 404
    assert Message.objects.get().state == MessageState.ASSIGNED
    assert LogEntry.objects.filter(event=w.event).count() == 3


def test_the_pages_in_english_leave_no_german(client: Any, world: Any) -> None:
    from verbund.web.tests.test_english import german_left_on

    w = world
    _write(w, priority=Priority.FLASH)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S4"])
    flow.create_task(
        actor=w.kgs,
        event_id=w.event.pk,
        number=1,
        title="Bericht",
        owner_function="S4",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    _write(w)
    pages = [
        (w.kgs, _url(w, "messages")),
        (w.kgs, _url(w, "message_create")),
        (w.kgs, _url(w, "message_detail", number=2)),
        (w.s4, _url(w, "message_detail", number=1)),
        (w.s4, _url(w, "tasks")),
    ]
    pages_seen: list[str] = []
    for who, url in pages:
        html = _page(client, who, url, **EN)
        assert '<html lang="en">' in html
        assert german_left_on(html) == [], url
        pages_seen.append(html)
    assert (
        "Record a message" in pages_seen[0] and "Screen" in pages_seen[2] and "overdue" not in pages_seen[4]
    )
