"""The situation picture: features in versions (add, change, remove) and the replay of any past
moment; geometry checks naming the field; only the event's staff (404 for everyone else); each
change in the staff log; the situation reports, numbered, generated from the map and the log, on
demand and by the periodic job only when due (time passed in as ``now``, no sleeping)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from verbund.audit.models import AuditEntry
from verbund.common.errors import Invalid, NotFound
from verbund.emergency import tasks
from verbund.emergency.models import (
    EventStatus,
    FeatureKind,
    LogCategory,
    LogEntry,
    MapFeature,
    Message,
    SituationReport,
    Task,
)
from verbund.emergency.services import log
from verbund.emergency.services import situation as svc

from .factories import event, joint_staff_world

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
POINT = {"type": "Point", "coordinates": [7.769, 49.4447]}
AREA = {
    "type": "Polygon",
    "coordinates": [[[7.7, 49.4], [7.8, 49.4], [7.8, 49.5], [7.7, 49.5], [7.7, 49.4]]],
}


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff, opened_at=T0)
    return w


def _add(world: Any, **kwargs: Any) -> MapFeature:
    values: dict[str, Any] = {
        "kind": FeatureKind.DAMAGE,
        "label": "Umspannwerk Nord",
        "geometry": POINT,
        "now": T0 + dt.timedelta(minutes=10),
    }
    values.update(kwargs)
    return svc.add_feature(actor=world.s2, event_id=world.event.pk, **values)


def test_replay_at_three_moments_returns_the_versions_valid_then(world) -> None:
    t1, t2, t3 = (T0 + dt.timedelta(hours=h) for h in (1, 2, 3))
    first = _add(world, now=t1, label="Stromausfall Ortsnetz", kind=FeatureKind.AREA, geometry=AREA)
    changed = svc.change_feature(
        actor=world.kgs, event_id=world.event.pk, uid=first.uid, label="Stromausfall ausgeweitet", now=t2
    )
    other = _add(world, now=t2 + dt.timedelta(minutes=5), symbol="fachaufgaben/versorgung-elektrizitaet")
    svc.remove_feature(actor=world.s2, event_id=world.event.pk, uid=first.uid, now=t3)

    def labels(at: dt.datetime) -> set[str]:
        return {f.label for f in svc.features(world.s2, world.event.pk, at=at)}

    assert labels(t1 - dt.timedelta(seconds=1)) == set()
    assert labels(t1 + dt.timedelta(minutes=30)) == {"Stromausfall Ortsnetz"}
    assert labels(t2 + dt.timedelta(minutes=30)) == {"Stromausfall ausgeweitet", "Umspannwerk Nord"}
    assert labels(t3 + dt.timedelta(minutes=30)) == {"Umspannwerk Nord"}
    assert labels(t2) == {"Stromausfall ausgeweitet"}  # valid_from inclusive, valid_to exclusive

    versions = list(MapFeature.objects.filter(uid=first.uid).order_by("valid_from"))
    assert [(v.valid_from, v.valid_to) for v in versions] == [(t1, t2), (t2, t3)]
    assert changed.uid == first.uid and changed.pk != first.pk and changed.geometry == first.geometry
    assert other.valid_to is None
    assert svc.change_moments(world.event) == [t1, t2, t2 + dt.timedelta(minutes=5), t3]


def test_each_change_is_written_to_the_log_and_audited(world) -> None:
    feature = _add(world)
    svc.change_feature(
        actor=world.s2,
        event_id=world.event.pk,
        uid=feature.uid,
        geometry={"type": "Point", "coordinates": [7.8, 49.45]},
        now=T0 + dt.timedelta(minutes=20),
    )
    svc.remove_feature(
        actor=world.s2, event_id=world.event.pk, uid=feature.uid, now=T0 + dt.timedelta(minutes=30)
    )
    entries = list(LogEntry.objects.filter(event=world.event).order_by("seq"))
    assert [e.category for e in entries] == [LogCategory.SITUATION] * 3
    assert entries[0].text == "Lagekarte: Schadensstelle „Umspannwerk Nord“ eingetragen."
    assert "geändert" in entries[1].text and "entfernt" in entries[2].text
    assert entries[0].author_name == "Sina Lage"
    assert log.verify_chain(world.event.pk).ok
    actions = list(
        AuditEntry.objects.filter(action__startswith="emergency.feature").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "emergency.feature_add",
        "emergency.feature_change",
        "emergency.feature_remove",
    ]


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        ({"type": "Point", "coordinates": [7.7, 95.0]}, "Breite 95"),
        ({"type": "Point", "coordinates": [190, 49.4]}, "Länge 190"),
        ({"type": "Point", "coordinates": ["7,7", 49.4]}, "Zahlen"),
        ({"type": "Point", "coordinates": [True, 49.4]}, "Zahlen"),
        ({"type": "LineString", "coordinates": [[7.7, 49.4]]}, "mindestens 2"),
        (
            {"type": "Polygon", "coordinates": [[[7.7, 49.4], [7.8, 49.4], [7.8, 49.5], [7.7, 49.5]]]},
            "nicht geschlossen",
        ),
        ({"type": "MultiPoint", "coordinates": [[7.7, 49.4]]}, "MultiPoint"),
        ("POINT(7 49)", "GeoJSON-Objekt"),
    ],
)
def test_bad_geometry_is_refused_naming_the_field(world, geometry: Any, words: str) -> None:
    with pytest.raises(Invalid) as refused:
        _add(world, geometry=geometry)
    assert list(refused.value.fields) == ["geometry"]
    assert words in " ".join(refused.value.fields["geometry"])
    assert not MapFeature.objects.exists() and not LogEntry.objects.exists()


def test_unknown_symbol_kind_and_empty_label_are_refused(world) -> None:
    with pytest.raises(Invalid) as refused:
        _add(world, symbol="fachaufgaben/zauberei", kind="ufo", label=" ")
    assert set(refused.value.fields) == {"symbol", "kind", "label"}
    assert _add(world, symbol="").symbol == ""


def test_a_change_must_change_something_and_come_later(world) -> None:
    feature = _add(world)
    with pytest.raises(Invalid):
        svc.change_feature(actor=world.s2, event_id=world.event.pk, uid=feature.uid, label="Umspannwerk Nord")
    with pytest.raises(Invalid) as refused:
        svc.change_feature(actor=world.s2, event_id=world.event.pk, uid=feature.uid, label="x", now=T0)
    assert "valid_from" in refused.value.fields
    svc.remove_feature(
        actor=world.s2, event_id=world.event.pk, uid=feature.uid, now=T0 + dt.timedelta(hours=1)
    )
    with pytest.raises(NotFound):  # removed: nothing current to change
        svc.remove_feature(actor=world.s2, event_id=world.event.pk, uid=feature.uid)
    with pytest.raises(NotFound):
        svc.remove_feature(actor=world.s2, event_id=world.event.pk, uid="kein-uuid")


def test_people_without_a_function_get_not_found(world) -> None:
    feature = _add(world)
    for person in (world.clerk, world.outsider, world.coordinator, world.head):
        with pytest.raises(NotFound):
            svc.features(person, world.event.pk)
        with pytest.raises(NotFound):
            _add(SimpleNamespace(**{**vars(world), "s2": person}))
        with pytest.raises(NotFound):
            svc.change_feature(actor=person, event_id=world.event.pk, uid=feature.uid, label="x")
        with pytest.raises(NotFound):
            svc.write_report(actor=person, event_id=world.event.pk)
        with pytest.raises(NotFound):
            svc.reports(person, world.event.pk)
    assert MapFeature.objects.count() == 1


def test_a_closed_event_keeps_its_map(world) -> None:
    _add(world)
    world.event.status = EventStatus.CLOSED
    world.event.save()
    with pytest.raises(Invalid) as refused:
        _add(world, now=T0 + dt.timedelta(hours=1))
    assert "event" in refused.value.fields
    assert svc.features(world.s2, world.event.pk).count() == 1


def test_german_coordinates_are_read() -> None:
    assert svc.parse_coordinates("49,4447; 7,7690") == {"type": "Point", "coordinates": [7.769, 49.4447]}
    assert svc.parse_coordinates("49.4447, 7.7690")["coordinates"] == [7.769, 49.4447]
    line = svc.parse_coordinates("49,44; 7,76\n49,45; 7,78")
    assert line["type"] == "LineString" and len(line["coordinates"]) == 2
    area = svc.parse_coordinates("49,44; 7,76\n49,45; 7,78\n49,46; 7,76", area=True)
    assert area["type"] == "Polygon" and area["coordinates"][0][0] == area["coordinates"][0][-1]
    with pytest.raises(Invalid) as refused:
        svc.parse_coordinates("Kaiserslautern")
    assert list(refused.value.fields) == ["coordinates"]
    with pytest.raises(Invalid) as refused:
        svc.parse_coordinates("97,1; 7,7")
    assert "Breite 97.1" in refused.value.fields["coordinates"][0]
    assert svc.format_coordinates({"type": "Point", "coordinates": [7.769, 49.4447]}) == "49,4447; 7,769"


def test_report_from_the_map_and_the_log(world) -> None:
    _add(world, label="Umspannwerk Nord", note="Trafo ausgefallen")
    _add(
        world,
        kind=FeatureKind.RESOURCE,
        label="Netzersatzanlage",
        symbol="fachaufgaben/versorgung-elektrizitaet",
    )
    _add(world, kind=FeatureKind.FACILITY, label="Notunterkunft", now=T0 + dt.timedelta(minutes=11))
    log.append(actor=world.lead, event_id=world.event.pk, text="Stab aufgerufen", category=LogCategory.STAFF)
    Task.objects.create(
        event=world.event,
        title="Kraftstoff",
        owner_function="S4",
        due_at=timezone.now() - dt.timedelta(hours=1),
    )
    Message.objects.create(
        event=world.event, number=1, sender="Polizei", subject="Ampeln", text="aus", written_at=timezone.now()
    )
    now = timezone.now()
    first = svc.write_report(actor=world.s2, event_id=world.event.pk, now=now)
    assert first.number == 1 and first.as_of == now and first.created_by == world.s2
    content = first.content
    assert content["features"][FeatureKind.DAMAGE] == 1 and content["features_total"] == 3
    assert content["damage_points"] == [
        {"label": "Umspannwerk Nord", "symbol": "", "note": "Trafo ausgefallen"}
    ]
    assert content["resources_on_map"] == 1
    assert (content["tasks_open"], content["tasks_overdue"], content["messages_open"]) == (1, 1, 1)
    assert content["log_entries"] == 4 and content["log_by_category"] == {"lage": 3, "personal": 1}
    assert content["level"] == world.event.level
    text = first.text
    assert text.startswith("Lagemeldung Nr. 1 zur Lage „Stromausfall“")
    assert "Auf der Lagekarte ist 1 Schadensstelle verzeichnet:" in text
    assert "– Umspannwerk Nord (Trafo ausgefallen)" in text
    assert "seit Eröffnung der Lage 4 Einträge" in text
    assert "Stufe 2" in text

    log.append(actor=world.lead, event_id=world.event.pk, text="Pressemitteilung", category=LogCategory.PRESS)
    second = svc.write_report(actor=world.kgs, event_id=world.event.pk)
    assert second.number == 2
    # since the first report: the entry that announced it and the press entry
    assert second.content["log_by_category"] == {"lage": 1, "presse": 1}
    assert "seit der letzten Lagemeldung" in second.text
    with pytest.raises(Invalid):
        svc.write_report(actor=world.kgs, event_id=world.event.pk, now=now)
    assert [r.number for r in svc.reports(world.s2, world.event.pk)] == [2, 1]
    assert svc.get_report(world.s2, world.event.pk, 1) == first
    with pytest.raises(NotFound):
        svc.get_report(world.s2, world.event.pk, 3)


def test_the_report_is_german_whatever_the_writer_reads(world) -> None:
    from django.utils import translation

    with translation.override("en"):
        report = svc.write_report(actor=world.s2, event_id=world.event.pk, now=T0 + dt.timedelta(hours=1))
    assert "Allgemeine Lage" in report.text


def test_the_periodic_job_writes_a_report_only_when_due(world) -> None:
    closed = event(world.staff, title="Alt", opened_at=T0, status=EventStatus.CLOSED)
    hourly = event(world.staff, title="Hochwasser", opened_at=T0, report_interval_minutes=60)
    assert svc.write_due_reports(now=T0 + dt.timedelta(minutes=59)) == []
    written = svc.write_due_reports(now=T0 + dt.timedelta(minutes=60))
    assert [(r.event, r.number) for r in written] == [(hourly, 1)]
    assert written[0].created_by is None
    assert svc.write_due_reports(now=T0 + dt.timedelta(minutes=119)) == []
    written = svc.write_due_reports(now=T0 + dt.timedelta(hours=3))
    assert sorted((r.event.title, r.number) for r in written) == [("Hochwasser", 2), ("Stromausfall", 1)]
    assert svc.write_due_reports(now=T0 + dt.timedelta(hours=3, minutes=1)) == []
    assert not SituationReport.objects.filter(event=closed).exists()
    entry = LogEntry.objects.filter(event=world.event).last()
    assert entry is not None and entry.author_name == "Lagemeldung (automatisch)"


def test_a_report_on_demand_resets_the_interval(world) -> None:
    svc.write_report(actor=world.s2, event_id=world.event.pk, now=T0 + dt.timedelta(hours=2))
    assert svc.write_due_reports(now=T0 + dt.timedelta(hours=3)) == []
    assert len(svc.write_due_reports(now=T0 + dt.timedelta(hours=5))) == 1


def test_the_task_runs_the_job_and_is_on_the_beat_schedule(world) -> None:
    from celery import current_app

    world.event.opened_at = timezone.now() - dt.timedelta(hours=4)
    world.event.save()
    ids = tasks.write_due_reports.delay().get()
    assert list(SituationReport.objects.values_list("pk", flat=True)) == ids and len(ids) == 1
    assert current_app.conf.beat_schedule[tasks.REPORTS_ENTRY]["task"] == "emergency.write_due_reports"


def test_feature_collection_carries_the_symbol(world) -> None:
    _add(world, symbol="organisationen/thw", kind=FeatureKind.RESOURCE, label="THW OV Kaiserslautern")
    collection = svc.feature_collection(svc.features(world.s2, world.event.pk))
    feature = collection["features"][0]
    assert feature["geometry"] == POINT
    assert feature["properties"]["symbol_label"] == "THW"
    assert feature["properties"]["icon"].startswith("data:image/svg+xml")
