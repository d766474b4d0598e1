"""The message flow of staff work: write → screen (KGS/LdS) → assign → answer → close, a task made of a
message and finished; every step timed in the row and written to the log (one entry per step, the
chain intact); refusals name who may act or what must come first; a closed event takes nothing; people
without a function in the event's staff get 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.emergency.models import (
    EventStatus,
    LogCategory,
    LogEntry,
    Message,
    MessageState,
    Priority,
    StaffFunction,
    Task,
    TaskState,
)
from verbund.emergency.services import log
from verbund.emergency.services import messages as flow

from .factories import event, joint_staff_world, position

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff)
    w.s4 = w.clerk  # the clerk of Landkreis Nord serves as S4 for this event only
    position(w.staff, w.s4, StaffFunction.S4, body=w.kreise[0], event=w.event)
    return w


def _write(w: Any, **extra: Any) -> Message:
    values: dict[str, Any] = {
        "actor": w.s2,
        "event_id": w.event.pk,
        "sender": "Polizeiinspektion Kusel",
        "recipient": "Verwaltungsstab",
        "subject": "Stromausfall Ortsteil Nord",
        "text": "Seit 14:10 Uhr kein Strom in 300 Haushalten.",
    }
    values.update(extra)
    return flow.write_message(**values)


def _in_an_hour() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=1)


def _log_texts(w: Any) -> list[tuple[str, str, str]]:
    return list(
        LogEntry.objects.filter(event=w.event).order_by("seq").values_list("category", "function", "text")
    )


def test_the_whole_flow_is_timed_logged_and_chained(world: Any) -> None:
    w = world
    with translation.override("en"):  # the reader's language does not change the record
        message = _write(w, priority=Priority.FLASH)
    assert (message.number, message.state, message.author_function) == (1, MessageState.WRITTEN, "S2")
    assert message.written_at is not None and message.author == w.s2

    screened = flow.screen_message(
        actor=w.kgs, event_id=w.event.pk, number=1, note="Netzbetreiber informiert", functions=["S4", "S2"]
    )
    assert screened.state == MessageState.ASSIGNED and screened.assigned_to == ["S2", "S4"]
    assert screened.screened_by == w.kgs and screened.screened_at and screened.assigned_at

    reassigned = flow.assign_message(actor=w.lead, event_id=w.event.pk, number=1, functions=["S4"])
    assert reassigned.assigned_to == ["S4"]

    task = flow.create_task(
        actor=w.s4,
        event_id=w.event.pk,
        number=1,
        title="Notstromaggregat zum Pflegeheim",
        owner_function="S4",
        owner=w.s4,
        due_at=_in_an_hour(),
    )
    assert task.state == TaskState.OPEN and task.message == reassigned and task.created_by == w.s4

    answered = flow.answer_message(actor=w.s4, event_id=w.event.pk, number=1, answer="Aggregat unterwegs")
    assert answered.state == MessageState.ANSWERED and answered.answered_by == w.s4 and answered.answered_at
    done = flow.finish_task(actor=w.s4, event_id=w.event.pk, task_id=task.pk)
    assert done.state == TaskState.DONE and done.done_at is not None
    closed = flow.close_message(actor=w.kgs, event_id=w.event.pk, number=1)
    assert closed.state == MessageState.CLOSED and closed.closed_at is not None

    entries = _log_texts(w)
    assert len(entries) == 7  # one entry per step
    assert entries[0] == (
        LogCategory.MESSAGE,
        "S2",
        "Nachricht Nr. 1 aufgenommen (Eingang, Vorrang Blitz) von Polizeiinspektion Kusel an "
        "Verwaltungsstab: Stromausfall Ortsteil Nord",
    )
    assert entries[1] == (
        LogCategory.MESSAGE,
        "KGS",
        "Nachricht Nr. 1 gesichtet, zugewiesen an S2, S4; Vermerk: Netzbetreiber informiert",
    )
    assert entries[2] == (LogCategory.MESSAGE, "LdS", "Nachricht Nr. 1 zugewiesen an S4")
    category, function, text = entries[3]
    assert (category, function) == (LogCategory.ORDER, "S4")
    assert text.startswith("Auftrag aus Nachricht Nr. 1 an S4 (") and "Notstromaggregat" in text
    assert f"{timezone.localtime(task.due_at):%d.%m.%Y %H:%M}" in text
    assert entries[4] == (LogCategory.MESSAGE, "S4", "Nachricht Nr. 1 beantwortet: Aggregat unterwegs")
    assert entries[5] == (
        LogCategory.ORDER,
        "S4",
        "Auftrag „Notstromaggregat zum Pflegeheim“ erledigt (aus Nachricht Nr. 1)",
    )
    assert entries[6] == (LogCategory.MESSAGE, "KGS", "Nachricht Nr. 1 erledigt")
    result = log.verify_chain(w.event.pk)
    assert result.ok and result.checked == 7
    actions = list(
        AuditEntry.objects.filter(action__startswith="emergency.").values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(
        [
            "emergency.message_write",
            "emergency.message_screen",
            "emergency.message_assign",
            "emergency.task_create",
            "emergency.message_answer",
            "emergency.task_finish",
            "emergency.message_close",
        ]
    )


def test_numbers_are_gapless_per_event_and_lists_put_blitz_first(world: Any) -> None:
    w = world
    other = event(w.staff, title="Hochwasser")
    first = _write(w, priority=Priority.ROUTINE)
    second = _write(w, priority=Priority.FLASH)
    third = _write(w, priority=Priority.IMMEDIATE)
    fourth = _write(w, priority=Priority.FLASH)
    elsewhere = _write(w, event_id=other.pk)
    assert [m.number for m in (first, second, third, fourth)] == [1, 2, 3, 4]
    assert elsewhere.number == 1
    assert [m.number for m in flow.messages(w.s2, w.event.pk)] == [2, 4, 3, 1]

    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=3, functions=["S4"])
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1)
    assert [m.number for m in flow.messages(w.s4, w.event.pk, mine=True)] == [3]
    assert [m.number for m in flow.messages(w.s2, w.event.pk, mine=True)] == []
    assert [m.number for m in flow.messages(w.s2, w.event.pk, state=MessageState.SCREENED)] == [1]
    with pytest.raises(Invalid):
        flow.messages(w.s2, w.event.pk, state="geheim")


def test_only_kgs_and_lds_screen_and_assign(world: Any) -> None:
    w = world
    _write(w)
    for person in (w.s2, w.s4):
        with pytest.raises(Forbidden) as refused:
            flow.screen_message(actor=person, event_id=w.event.pk, number=1)
        assert "Koordinierungsgruppe" in refused.value.detail
    flow.screen_message(actor=w.lead, event_id=w.event.pk, number=1)
    with pytest.raises(Forbidden):
        flow.assign_message(actor=w.s2, event_id=w.event.pk, number=1, functions=["S2"])
    assert LogEntry.objects.filter(event=w.event).count() == 2


def test_answering_and_tasks_belong_to_the_assigned_functions_and_the_screeners(world: Any) -> None:
    w = world
    _write(w)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S4"])
    with pytest.raises(Forbidden):
        flow.answer_message(actor=w.s2, event_id=w.event.pk, number=1, answer="nicht meins")
    with pytest.raises(Forbidden):
        flow.create_task(
            actor=w.s2, event_id=w.event.pk, number=1, title="x", owner_function="S2", due_at=_in_an_hour()
        )
    with pytest.raises(Forbidden):
        flow.close_message(actor=w.s2, event_id=w.event.pk, number=1)
    # the screeners may answer too
    assert flow.answer_message(actor=w.kgs, event_id=w.event.pk, number=1, answer="erledigt durch KGS").state
    permitted = flow.permitted(w.s2, Message.objects.get(event=w.event, number=1))
    assert permitted == flow.Permitted(screen=False, assign=False, answer=False, close=False, task=False)


def test_steps_out_of_order_are_refused_in_words(world: Any) -> None:
    w = world
    _write(w)
    with pytest.raises(Conflict) as refused:
        flow.answer_message(actor=w.kgs, event_id=w.event.pk, number=1, answer="zu früh")
    assert "noch nicht gesichtet" in refused.value.detail
    for step in (
        lambda: flow.assign_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S2"]),
        lambda: flow.close_message(actor=w.kgs, event_id=w.event.pk, number=1),
        lambda: flow.create_task(
            actor=w.kgs, event_id=w.event.pk, number=1, title="x", owner_function="S2", due_at=_in_an_hour()
        ),
    ):
        with pytest.raises(Conflict, match="noch nicht gesichtet"):
            step()
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S2"])
    with pytest.raises(Conflict, match="bereits gesichtet"):
        flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1)
    flow.answer_message(actor=w.s2, event_id=w.event.pk, number=1, answer="Lage erfasst")
    with pytest.raises(Conflict, match="bereits beantwortet"):
        flow.answer_message(actor=w.s2, event_id=w.event.pk, number=1, answer="noch einmal")
    with pytest.raises(Conflict, match="bereits beantwortet"):
        flow.assign_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S4"])
    flow.close_message(actor=w.s2, event_id=w.event.pk, number=1)
    with pytest.raises(Conflict, match="erledigt"):
        flow.create_task(
            actor=w.kgs, event_id=w.event.pk, number=1, title="x", owner_function="S2", due_at=_in_an_hour()
        )
    assert LogEntry.objects.filter(event=w.event).count() == 4


def test_bad_input_is_refused_naming_the_field(world: Any) -> None:
    w = world
    cases: list[tuple[dict[str, Any], str]] = [
        ({"sender": " "}, "sender"),
        ({"subject": ""}, "subject"),
        ({"text": "  "}, "text"),
        ({"priority": "dringend"}, "priority"),
        ({"direction": "seitwärts"}, "direction"),
        ({"author_function": "S3"}, "author_function"),  # S2 does not hold S3
        ({"written_at": timezone.now() + dt.timedelta(hours=2)}, "written_at"),
    ]
    for kwargs, field in cases:
        with pytest.raises(Invalid) as refused:
            _write(w, **kwargs)
        assert field in refused.value.fields
    _write(w)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1)
    with pytest.raises(Invalid) as refused:
        flow.assign_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S9"])
    assert "functions" in refused.value.fields
    with pytest.raises(Invalid) as refused:
        flow.create_task(
            actor=w.kgs,
            event_id=w.event.pk,
            number=1,
            title="Sandsäcke",
            owner_function="S4",
            owner=w.s2,  # S2 does not hold S4
            due_at=timezone.now() - dt.timedelta(minutes=1),
        )
    assert set(refused.value.fields) == {"owner", "due_at"}
    assert Message.objects.count() == 1 and Task.objects.count() == 0


def test_tasks_are_finished_once_by_those_responsible(world: Any) -> None:
    w = world
    _write(w)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S4"])
    task = flow.create_task(
        actor=w.kgs,
        event_id=w.event.pk,
        number=1,
        title="Lagekarte",
        owner_function="S4",
        due_at=_in_an_hour(),
    )
    with pytest.raises(Forbidden):
        flow.finish_task(actor=w.s2, event_id=w.event.pk, task_id=task.pk)
    flow.finish_task(actor=w.s4, event_id=w.event.pk, task_id=task.pk, state=TaskState.CANCELLED)
    with pytest.raises(Conflict):
        flow.finish_task(actor=w.s4, event_id=w.event.pk, task_id=task.pk)
    assert "entfallen" in LogEntry.objects.filter(event=w.event).order_by("-seq").first().text  # type: ignore[union-attr]
    assert list(flow.tasks(w.s2, w.event.pk)) == []
    assert list(flow.tasks(w.s2, w.event.pk, open_only=False)) == [task]


def test_overdue_tasks_are_marked(world: Any) -> None:
    w = world
    _write(w)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1)
    task = flow.create_task(
        actor=w.kgs, event_id=w.event.pk, number=1, title="Bericht", owner_function="S2", due_at=_in_an_hour()
    )
    assert not flow.is_overdue(task)
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - dt.timedelta(minutes=10))
    task.refresh_from_db()
    assert flow.is_overdue(task)


def test_a_closed_event_takes_no_messages_and_no_steps(world: Any) -> None:
    w = world
    _write(w)
    w.event.status = EventStatus.CLOSED
    w.event.save()
    with pytest.raises(Invalid) as refused:
        _write(w)
    assert "event" in refused.value.fields
    with pytest.raises(Invalid):
        flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1)
    assert Message.objects.count() == 1
    assert flow.permitted(w.kgs, Message.objects.get()) == flow.Permitted(False, False, False, False, False)


def _every_step(w: Any, person: Any, task_id: int) -> list[Any]:
    return [
        lambda: flow.messages(person, w.event.pk),
        lambda: flow.get_message(person, w.event.pk, 1),
        lambda: flow.tasks(person, w.event.pk),
        lambda: _write(w, actor=person),
        lambda: flow.screen_message(actor=person, event_id=w.event.pk, number=1),
        lambda: flow.assign_message(actor=person, event_id=w.event.pk, number=1, functions=["S2"]),
        lambda: flow.answer_message(actor=person, event_id=w.event.pk, number=1, answer="x"),
        lambda: flow.close_message(actor=person, event_id=w.event.pk, number=1),
        lambda: flow.create_task(
            actor=person,
            event_id=w.event.pk,
            number=1,
            title="x",
            owner_function="S2",
            due_at=_in_an_hour(),
        ),
        lambda: flow.finish_task(actor=person, event_id=w.event.pk, task_id=task_id),
    ]


def test_people_without_a_function_in_the_staff_get_not_found(world: Any) -> None:
    w = world
    _write(w)
    flow.screen_message(actor=w.kgs, event_id=w.event.pk, number=1, functions=["S2"])
    task = flow.create_task(
        actor=w.kgs, event_id=w.event.pk, number=1, title="Bericht", owner_function="S2", due_at=_in_an_hour()
    )
    other_event = event(w.staff, title="Hochwasser")
    strangers = [w.outsider, w.coordinator, w.head]
    for person in strangers:
        steps = _every_step(w, person, task.pk)
        for step in steps:
            with pytest.raises(NotFound):
                step()
    # the clerk holds S4 for the first event only
    with pytest.raises(NotFound):
        flow.messages(w.s4, other_event.pk)
    with pytest.raises(NotFound):
        flow.get_message(w.s2, w.event.pk, 99)
    assert Message.objects.count() == 1 and LogEntry.objects.filter(event=w.event).count() == 3
