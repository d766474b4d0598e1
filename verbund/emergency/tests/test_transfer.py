"""Export of a whole event and its import into another staff (issue 13): the round trip keeps the log
(texts, times, authors, corrections) under a new, verifying chain, the messages, tasks, all versions of
the map objects (fresh uids) and the reports; one file imports twice; a changed entry, a wrong format,
version, schema or function code is refused with its place and nothing is stored; only members
export, only those who lead the target staff import."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import uuid
from typing import Any

import pytest
from django.utils import timezone

from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, ImportFileError, NotFound
from verbund.emergency.models import (
    Event,
    EventStatus,
    FeatureKind,
    LogEntry,
    MapFeature,
    Message,
    MessageState,
    SituationReport,
    Staff,
    StaffFunction,
    Task,
)
from verbund.emergency.policies import MANAGE
from verbund.emergency.services import log, transfer

from .factories import event, joint_staff_world, position

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
POINT = {"type": "Point", "coordinates": [7.75, 49.44]}


def full_event(w: Any) -> Event:
    """An event with entries (one a correction), messages, a task, a changed and a removed map object
    and a report."""
    e = event(w.staff, title="Hochwasser Lauter", description="Pegel steigt", level=3, opened_at=T0)
    log.append(actor=w.s2, event_id=e.pk, text="Pegel 4,20 m", function="S2", occurred_at=T0)
    log.append(actor=w.lead, event_id=e.pk, text="Stab auf Stufe 3", category="entscheidung", function="LdS")
    log.correct(actor=w.s2, event_id=e.pk, entry_seq=1, text="Pegel 4,30 m", function="S2")
    for n in range(3, 8):
        log.append(actor=w.kgs, event_id=e.pk, text=f"Meldung {n} – Übersicht „ä“", function="KGS")
    first = Message.objects.create(
        event=e,
        number=1,
        sender="Feuerwehr Kaiserslautern",
        recipient="Stab",
        subject="Keller voll",
        text="Bitte Pumpen",
        author=w.kgs,
        author_function="KGS",
        written_at=T0 + dt.timedelta(minutes=5),
        state=MessageState.ANSWERED,
        screened_by=w.lead,
        screened_at=T0 + dt.timedelta(minutes=6),
        assigned_to=["S3", "S4"],
        assigned_at=T0 + dt.timedelta(minutes=7),
        answer="Pumpen kommen",
        answered_by=w.s2,
        answered_at=T0 + dt.timedelta(minutes=9),
        latitude=49.44,
        longitude=7.76,
        place="Lauterstraße",
    )
    Message.objects.create(
        event=e, number=2, sender="Polizei", subject="Sperrung", text="B 270 gesperrt", written_at=T0
    )
    Task.objects.create(
        event=e,
        message=first,
        title="Pumpen stellen",
        owner_function="S4",
        owner=w.s2,
        due_at=T0 + dt.timedelta(hours=2),
        created_by=w.lead,
    )
    uid = uuid.uuid4()
    MapFeature.objects.create(
        event=e,
        uid=uid,
        kind=FeatureKind.DAMAGE,
        label="Keller",
        geometry=POINT,
        valid_from=T0,
        valid_to=T0 + dt.timedelta(hours=1),
        created_by=w.s2,
    )
    MapFeature.objects.create(
        event=e,
        uid=uid,
        kind=FeatureKind.DAMAGE,
        label="Keller (gepumpt)",
        geometry=POINT,
        valid_from=T0 + dt.timedelta(hours=1),
    )
    SituationReport.objects.create(
        event=e,
        number=1,
        as_of=T0,
        generated_at=T0,
        content={"level": 3, "log_entries": 2},
        text="Lagemeldung 1",
    )
    return e


def transfer_world() -> Any:
    """The joint staff with a full event, and a second staff (of Landkreis Nord) that the head of
    staff (LdS) leads and in which the coordinator (KGS) holds a function without leading."""
    w = joint_staff_world()
    w.event = full_event(w)
    w.target = Staff.objects.create(name="Verwaltungsstab Nord", body=w.kreise[0])
    position(w.target, w.lead, StaffFunction.LDS, body=w.kreise[0])
    position(w.target, w.kgs, StaffFunction.KGS, body=w.kreise[0])
    return w


@pytest.fixture
def world() -> Any:
    return transfer_world()


def export_bytes(actor: Any, event_id: int, *, compressed: bool = False) -> bytes:
    out = io.BytesIO()
    transfer.event_export(actor=actor, event_id=event_id, out=out, compressed=compressed)
    return out.getvalue()


def export_doc(actor: Any, event_id: int) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(export_bytes(actor, event_id))
    return loaded


def _entries(event_id: int) -> list[tuple[Any, ...]]:
    return list(
        LogEntry.objects.filter(event_id=event_id)
        .order_by("seq")
        .values_list(
            "seq", "occurred_at", "entered_at", "author_name", "function", "category", "text", "corrects__seq"
        )
    )


def _stored() -> tuple[int, ...]:
    return (
        Event.objects.count(),
        LogEntry.objects.count(),
        Message.objects.count(),
        Task.objects.count(),
        MapFeature.objects.count(),
        SituationReport.objects.count(),
    )


# --- the document -------------------------------------------------------------------------------------


def test_the_export_carries_the_whole_event(world: Any) -> None:
    doc = export_doc(world.s2, world.event.pk)
    assert doc["format"] == "verbund.emergency.event" and doc["version"] == 1
    assert doc["source"] == {"instance": transfer.instance_name(), "event_id": world.event.pk}
    assert doc["event"]["title"] == "Hochwasser Lauter" and doc["event"]["level"] == 3
    assert doc["event"]["staff"]["name"] == "Gemeinsamer Verwaltungsstab"
    assert doc["event"]["opened_at"].endswith("+01:00")  # local time with its offset
    assert [e["seq"] for e in doc["log"]] == list(range(1, 9))
    assert doc["log"][2]["corrects"] == 1 and doc["log"][0]["author_name"] == "Sina Lage"
    assert doc["log"][1]["hash"] == doc["log"][2]["prev_hash"]
    message = doc["messages"][0]
    assert message["author"] == "Karl Koordinator" and message["screened_by"] == "Lea Leitung"
    assert message["answered_by"] == "Sina Lage" and message["assigned_to"] == ["S3", "S4"]
    assert doc["tasks"][0]["message"] == 1 and doc["tasks"][0]["owner"] == "Sina Lage"
    assert len(doc["features"]) == 2 and doc["features"][0]["uid"] == doc["features"][1]["uid"]
    assert doc["reports"][0]["content"] == {"level": 3, "log_entries": 2}
    # the document satisfies its own schema
    transfer.check_document(doc)


def test_the_export_is_audited_and_offered_compressed(world: Any) -> None:
    packed = export_bytes(world.s2, world.event.pk, compressed=True)
    assert json.loads(gzip.decompress(packed))["source"]["event_id"] == world.event.pk
    entry = AuditEntry.objects.filter(action="emergency.event_export").get()
    assert entry.changes["Einträge"] == 8 and entry.changes["Komprimiert"] is True


def test_the_schema_names_the_codes_of_the_models() -> None:
    from verbund.emergency.models import Direction, LogCategory, Priority, TaskState

    defs = transfer.schema()["$defs"]
    assert defs["function"]["enum"] == list(StaffFunction.values)
    assert defs["entry"]["properties"]["category"]["enum"] == list(LogCategory.values)
    assert defs["message"]["properties"]["direction"]["enum"] == list(Direction.values)
    assert defs["message"]["properties"]["priority"]["enum"] == list(Priority.values)
    assert defs["message"]["properties"]["state"]["enum"] == list(MessageState.values)
    assert defs["task"]["properties"]["state"]["enum"] == list(TaskState.values)
    assert defs["feature"]["properties"]["kind"]["enum"] == list(FeatureKind.values)
    assert transfer.schema()["properties"]["event"]["properties"]["status"]["enum"] == list(
        EventStatus.values
    )


# --- round trip ---------------------------------------------------------------------------------------


def test_round_trip_into_another_staff(world: Any) -> None:
    data = export_bytes(world.s2, world.event.pk)
    done = transfer.event_import(actor=world.lead, staff_id=world.target.pk, data=data, name="lage.json")
    new = done.event
    assert new.staff_id == world.target.pk and new.title == "Hochwasser Lauter" and new.level == 3
    assert new.opened_at == T0 and new.status == EventStatus.OPEN
    assert (done.entries, done.messages, done.tasks, done.features, done.reports) == (8, 2, 1, 2, 1)
    # the log: same content, a new chain that verifies, and a last entry naming the source
    assert log.verify_chain(new.pk).ok and log.verify_chain(new.pk).checked == 9
    old, imported = _entries(world.event.pk), _entries(new.pk)
    assert imported[:8] == old
    last = LogEntry.objects.get(event=new, seq=9)
    source_hash = LogEntry.objects.get(event=world.event, seq=8).hash
    assert (
        f"Lage Nr. {world.event.pk}" in last.text and source_hash in last.text and "8 Einträge" in last.text
    )
    assert last.author_name == "Lea Leitung"
    assert LogEntry.objects.get(event=new, seq=1).hash != LogEntry.objects.get(event=world.event, seq=1).hash
    assert new.source["event_id"] == world.event.pk and new.source["entries"] == 8
    assert new.source["last_hash"] == source_hash and new.source["imported_by"] == "Lea Leitung"
    assert new.source["instance"] == transfer.instance_name()
    # messages, tasks, features and reports: equal apart from ids and people
    fields = (
        "number",
        "subject",
        "text",
        "state",
        "written_at",
        "screened_at",
        "assigned_to",
        "answer",
        "latitude",
    )
    assert list(Message.objects.filter(event=new).order_by("number").values_list(*fields)) == list(
        Message.objects.filter(event=world.event).order_by("number").values_list(*fields)
    )
    assert Message.objects.filter(event=new, number=1).values_list("screened_by", "answered_by").get() == (
        None,
        None,
    )
    task = Task.objects.get(event=new)
    assert task.message is not None and task.message.number == 1 and task.message.event_id == new.pk
    assert task.owner_function == "S4" and task.owner_id is None
    assert task.created_at == Task.objects.get(event=world.event).created_at
    keys = ("kind", "label", "geometry", "valid_from", "valid_to")
    assert list(MapFeature.objects.filter(event=new).order_by("valid_from").values_list(*keys)) == list(
        MapFeature.objects.filter(event=world.event).order_by("valid_from").values_list(*keys)
    )
    new_uids = set(MapFeature.objects.filter(event=new).values_list("uid", flat=True))
    assert len(new_uids) == 1 and not new_uids & set(
        MapFeature.objects.filter(event=world.event).values_list("uid", flat=True)
    )
    report = SituationReport.objects.get(event=new)
    assert (report.number, report.text, report.content) == (
        1,
        "Lagemeldung 1",
        {"level": 3, "log_entries": 2},
    )
    entry = AuditEntry.objects.filter(action="emergency.event_import").get()
    assert entry.changes["Einträge"] == 8 and entry.changes["Lage"] == world.event.pk


def test_one_file_imports_twice_and_an_import_exports_again(world: Any) -> None:
    data = export_bytes(world.s2, world.event.pk, compressed=True)
    first = transfer.event_import(actor=world.lead, staff_id=world.target.pk, data=data)
    second = transfer.event_import(actor=world.lead, staff_id=world.target.pk, data=data)
    assert first.event.pk != second.event.pk
    assert log.verify_chain(first.event.pk).ok and log.verify_chain(second.event.pk).ok
    assert MapFeature.objects.filter(valid_to__isnull=True).count() == 3
    # the imported event can be exported and imported again (a chain of instances)
    again = export_bytes(world.lead, second.event.pk)
    third = transfer.event_import(actor=world.lead, staff_id=world.staff.pk, data=again)
    assert _entries(third.event.pk)[:9] == _entries(second.event.pk)


def test_a_closed_event_stays_closed_and_an_empty_one_imports(world: Any) -> None:
    empty = event(world.staff, title="Übung", exercise=True, status=EventStatus.CLOSED, closed_at=T0)
    done = transfer.event_import(
        actor=world.lead, staff_id=world.target.pk, data=export_bytes(world.lead, empty.pk)
    )
    assert done.event.status == EventStatus.CLOSED and done.event.exercise and done.entries == 0
    assert LogEntry.objects.filter(event=done.event).count() == 1 and log.verify_chain(done.event.pk).ok


# --- refused files ------------------------------------------------------------------------------------


def _refused(world: Any, data: bytes | dict[str, Any]) -> str:
    if isinstance(data, dict):
        data = json.dumps(data).encode()
    before = _stored()
    with pytest.raises(ImportFileError) as caught:
        transfer.event_import(actor=world.lead, staff_id=world.target.pk, data=data, name="lage.json")
    assert _stored() == before
    return caught.value.detail


def test_a_changed_entry_is_refused_with_its_number(world: Any) -> None:
    doc = export_doc(world.s2, world.event.pk)
    doc["log"][4]["text"] = "Pegel sinkt"  # entry 5
    detail = _refused(world, doc)
    assert "log[4].hash" in detail and "Eintrag Nr. 5" in detail and "lage.json" in detail
    doc = export_doc(world.s2, world.event.pk)
    del doc["log"][3]
    assert "Eintrag Nr. 5" in _refused(world, doc)
    doc = export_doc(world.s2, world.event.pk)
    doc["source"]["event_id"] += 1  # the chain belongs to the source's event
    assert "Eintrag Nr. 1" in _refused(world, doc)


def test_wrong_files_are_refused_by_name(world: Any) -> None:
    assert "kein gültiges JSON" in _refused(world, b'{"format": ')
    assert "Zeile 1" in _refused(world, b'{"format": ')
    assert "nicht in UTF-8" in _refused(world, b"\xff\xfe{}")
    assert "kein Export einer Lage" in _refused(world, {"format": "csaf"})
    assert "kein Export einer Lage" in _refused(world, b"[1, 2]") or "kein JSON-Objekt" in _refused(
        world, b"[1]"
    )
    doc = export_doc(world.s2, world.event.pk)
    assert "Version 2 wird nicht unterstützt" in _refused(world, {**doc, "version": 2})
    broken = export_doc(world.s2, world.event.pk)
    broken["log"][17 % len(broken["log"])]["hash"] = "xyz"
    assert "log[1].hash" in _refused(world, broken) and "SHA-256" in _refused(world, broken)
    broken = export_doc(world.s2, world.event.pk)
    del broken["messages"][0]["subject"]
    assert "messages[0]" in _refused(world, broken) and "„subject“ fehlt" in _refused(world, broken)
    broken = export_doc(world.s2, world.event.pk)
    broken["log"][0]["occurred_at"] = "01.03.2026 08:00"
    assert "log[0].occurred_at" in _refused(world, broken)
    broken = export_doc(world.s2, world.event.pk)
    broken["extra"] = 1
    assert "Unbekanntes Feld „extra“" in _refused(world, broken)
    assert "gzip" in _refused(world, b"\x1f\x8bkaputt")


def test_an_unknown_function_code_is_named(world: Any) -> None:
    doc = export_doc(world.s2, world.event.pk)
    doc["tasks"][0]["owner_function"] = "S9"
    detail = _refused(world, doc)
    assert "tasks[0].owner_function" in detail and "Unbekannter Funktionscode" in detail and "S9" in detail


def test_broken_references_are_refused(world: Any) -> None:
    doc = export_doc(world.s2, world.event.pk)
    doc["tasks"][0]["message"] = 99
    assert "tasks[0].message" in _refused(world, doc)
    doc = export_doc(world.s2, world.event.pk)
    doc["messages"][1]["number"] = 1
    assert "messages[1].number" in _refused(world, doc)
    doc = export_doc(world.s2, world.event.pk)
    doc["features"][0]["valid_to"] = None  # two current versions of one object
    assert "features[1].valid_to" in _refused(world, doc)
    doc = export_doc(world.s2, world.event.pk)
    doc["features"][1]["geometry"] = {"type": "Point", "coordinates": [7.75, 95]}
    assert "features[1].geometry" in _refused(world, doc)


# --- who ----------------------------------------------------------------------------------------------


def test_only_members_export(world: Any) -> None:
    for person in (world.clerk, world.outsider, world.coordinator, world.head):
        with pytest.raises(NotFound):
            export_bytes(person, world.event.pk)
    assert not AuditEntry.objects.filter(action="emergency.event_export").exists()


def test_only_those_who_lead_the_target_staff_import(world: Any) -> None:
    data = export_bytes(world.s2, world.event.pk)
    before = _stored()
    with pytest.raises(NotFound):  # does not see the staff
        transfer.event_import(actor=world.s2, staff_id=world.target.pk, data=data)
    with pytest.raises(Forbidden):  # a member who does not lead it
        transfer.event_import(actor=world.kgs, staff_id=world.target.pk, data=data)
    with pytest.raises(NotFound):
        transfer.event_import(actor=world.lead, staff_id=424242, data=data)
    with pytest.raises(Forbidden):  # refused before the file is even read
        transfer.event_import(actor=world.kgs, staff_id=world.target.pk, data=b"kaputt")
    assert _stored() == before
    # the head of the staff's body leads it by office
    assert transfer.event_import(actor=world.head, staff_id=world.target.pk, data=data).entries == 8
    system = SystemActor(name="Test", capabilities=frozenset({MANAGE}))
    assert transfer.event_import(actor=system, staff_id=world.target.pk, data=data).entries == 8


def test_the_import_is_atomic(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = export_bytes(world.s2, world.event.pk)
    before = _stored()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(transfer, "_write_reports", fail)
    with pytest.raises(RuntimeError):
        transfer.event_import(actor=world.lead, staff_id=world.target.pk, data=data)
    assert _stored() == before


def test_many_entries_cross_the_batches(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer, "_BATCH", 3)
    monkeypatch.setattr(transfer, "_CHUNK", 2)
    e = event(world.staff, title="Viele Einträge", opened_at=timezone.now())
    log.append_many(actor=world.s2, event_id=e.pk, entries=[{"text": f"Eintrag {n}"} for n in range(10)])
    log.correct(actor=world.s2, event_id=e.pk, entry_seq=10, text="berichtigt")
    log.correct(actor=world.s2, event_id=e.pk, entry_seq=2, text="auch berichtigt")
    done = transfer.event_import(
        actor=world.lead, staff_id=world.target.pk, data=export_bytes(world.s2, e.pk)
    )
    assert done.entries == 12 and log.verify_chain(done.event.pk).ok
    assert _entries(done.event.pk)[:12] == _entries(e.pk)


MUTATIONS: list[tuple[str, Any]] = [
    ("seq", 0),
    ("seq", True),
    ("seq", "1"),
    ("occurred_at", "2026-03-01 08:00"),
    ("entered_at", None),
    ("author_name", "x" * 201),
    ("function", "S9"),
    ("category", "LAGE"),
    ("text", 5),
    ("corrects", 0),
    ("prev_hash", "0" * 63),
    ("hash", "A" * 64),
    ("extra", 1),
]


@pytest.mark.parametrize(("key", "value"), MUTATIONS)
def test_the_fast_entry_check_is_as_strict_as_the_schema(world: Any, key: str, value: Any) -> None:
    from jsonschema import Draft202012Validator

    row = export_doc(world.s2, world.event.pk)["log"][2]
    entry = Draft202012Validator({"$defs": transfer.schema()["$defs"], "$ref": "#/$defs/entry"})
    passes = transfer._entry_check()
    assert passes(row) and entry.is_valid(row)
    changed = {**row, key: value}
    assert not passes(changed) and not entry.is_valid(changed)
    if key in row:
        missing = {k: v for k, v in row.items() if k != key}
        assert not passes(missing) and not entry.is_valid(missing)
