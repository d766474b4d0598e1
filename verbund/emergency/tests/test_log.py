"""The staff log: members of the event's staff append and correct; nobody edits or deletes; the
chain detects a changed entry (``verify_log``); a person without a function in the staff gets 404."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from verbund.common.errors import Invalid, NotFound
from verbund.common.models import AppendOnlyError
from verbund.emergency.models import EventStatus, LogCategory, LogEntry, StaffFunction
from verbund.emergency.services import log

from .factories import event, joint_staff_world, position

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = joint_staff_world()
    w.event = event(w.staff)
    return w


def test_members_append_with_gapless_sequence_and_a_chain(world) -> None:
    first = log.append(
        actor=world.s2, event_id=world.event.pk, text="Stromausfall in drei Gemeinden", function="S2"
    )
    second = log.append(
        actor=world.kgs, event_id=world.event.pk, text="Stab zusammengetreten", category=LogCategory.STAFF
    )
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert first.author_name == "Sina Lage" and first.author == world.s2
    result = log.verify_chain(world.event.pk)
    assert result.ok and result.checked == 2


def test_people_without_a_function_get_not_found(world) -> None:
    log.append(actor=world.s2, event_id=world.event.pk, text="Lage ruhig")
    for person in (world.clerk, world.outsider, world.coordinator, world.head):
        with pytest.raises(NotFound):
            log.entries(person, world.event.pk)
        with pytest.raises(NotFound):
            log.append(actor=person, event_id=world.event.pk, text="eingeschmuggelt")
    assert LogEntry.objects.count() == 1


def test_a_position_for_one_event_opens_only_that_event(world) -> None:
    other_event = event(world.staff, title="Hochwasser")
    position(world.staff, world.clerk, StaffFunction.EMS, body=world.kreise[0], event=world.event)
    assert log.append(actor=world.clerk, event_id=world.event.pk, text="Fachberatung Strom").seq == 1
    with pytest.raises(NotFound):
        log.entries(world.clerk, other_event.pk)


def test_an_ended_position_closes_the_log(world) -> None:
    world.staff.positions.filter(person=world.s2).update(ends_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(NotFound):
        log.entries(world.s2, world.event.pk)


def test_bad_entries_are_refused_naming_the_field(world) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"text": "  "}, "text"),
        ({"text": "x", "category": "geheim"}, "category"),
        ({"text": "x", "function": "S9"}, "function"),
        ({"text": "x", "function": "S3"}, "function"),  # S2 does not hold S3
        ({"text": "x", "occurred_at": timezone.now() + dt.timedelta(hours=2)}, "occurred_at"),
    ]
    for kwargs, field in cases:
        with pytest.raises(Invalid) as refused:
            log.append(actor=world.s2, event_id=world.event.pk, **kwargs)
        assert field in refused.value.fields
    assert LogEntry.objects.count() == 0


def test_a_closed_event_takes_no_entries(world) -> None:
    world.event.status = EventStatus.CLOSED
    world.event.save()
    with pytest.raises(Invalid) as refused:
        log.append(actor=world.s2, event_id=world.event.pk, text="nachgetragen")
    assert "event" in refused.value.fields


def test_corrections_are_new_entries_and_the_old_one_stays(world) -> None:
    wrong = log.append(actor=world.s2, event_id=world.event.pk, text="Pegel 3,40 m", function="S2")
    fixed = log.correct(actor=world.s2, event_id=world.event.pk, entry_seq=wrong.seq, text="Pegel 4,30 m")
    wrong.refresh_from_db()
    assert wrong.text == "Pegel 3,40 m"
    assert fixed.corrects == wrong and fixed.category == LogCategory.CORRECTION and fixed.seq == 2
    assert fixed.occurred_at == wrong.occurred_at
    assert log.verify_chain(world.event.pk).ok
    with pytest.raises(Invalid):
        log.correct(actor=world.s2, event_id=world.event.pk, entry_seq=99, text="x")


def test_nothing_edits_or_deletes_an_entry(world) -> None:
    entry = log.append(actor=world.s2, event_id=world.event.pk, text="Original")
    entry.text = "geändert"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.filter(pk=entry.pk).update(text="geändert")
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.filter(pk=entry.pk).delete()


def _tamper(entry: LogEntry, text: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {LogEntry._meta.db_table} SET text = %s WHERE id = %s", [text, entry.pk])


def test_verify_log_detects_a_changed_entry(world) -> None:
    entries = [log.append(actor=world.s2, event_id=world.event.pk, text=f"Eintrag {n}") for n in range(1, 5)]
    out = StringIO()
    call_command("verify_log", str(world.event.pk), stdout=out)
    assert "4 Einträge, Kette in Ordnung" in out.getvalue()

    _tamper(entries[2], "Eintrag 3 (nachträglich geschönt)")
    err = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_log", str(world.event.pk), stdout=StringIO(), stderr=err)
    assert failed.value.returncode == 1
    assert "Kette unterbrochen bei Eintrag 3" in err.getvalue()
    assert "verändert" in err.getvalue()


def test_verify_log_refuses_unknown_events() -> None:
    with pytest.raises(CommandError) as failed:
        call_command("verify_log", "424242", stdout=StringIO())
    assert failed.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("verify_log", stdout=StringIO())


def test_append_many_chains_in_order_and_refuses_all_on_one_bad_entry(world) -> None:
    log.append(actor=world.s2, event_id=world.event.pk, text="vorher")
    written = log.append_many(
        actor=world.s2,
        event_id=world.event.pk,
        entries=[{"text": f"Nachtrag {n}", "function": "S2"} for n in range(1, 2501)],
    )
    assert written == 2500
    assert list(
        LogEntry.objects.filter(event=world.event).order_by("-seq").values_list("seq", flat=True)[:1]
    ) == [2501]
    assert log.verify_chain(world.event.pk).checked == 2501
    assert log.verify_chain(world.event.pk).ok
    with pytest.raises(Invalid) as refused:
        log.append_many(
            actor=world.s2,
            event_id=world.event.pk,
            entries=[{"text": "gut"}, {"text": "x", "category": "geheim"}],
        )
    assert "entries[1].category" in refused.value.fields
    assert LogEntry.objects.filter(event=world.event).count() == 2501
    with pytest.raises(NotFound):
        log.append_many(actor=world.outsider, event_id=world.event.pk, entries=[{"text": "fremd"}])
