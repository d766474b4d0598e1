"""Events: opening alerts the holders (deputies when a holder is absent or declines) through the
notifications part; members confirm with their arrival, decline, are registered present and gone;
the level changes and the event closes. Each step stands in the log; who may do what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Conflict, Forbidden, Invalid, NotFound
from verbund.emergency import events_notify
from verbund.emergency.models import (
    Alert,
    Event,
    EventLevel,
    EventStatus,
    LogCategory,
    LogEntry,
    PositionRole,
    Shift,
    StaffFunction,
)
from verbund.emergency.services import events, log
from verbund.notifications.models import Event as Published
from verbund.notifications.models import Notification

from .factories import joint_staff_world, position

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = joint_staff_world()
    w.deputy = UserFactory(staff_of=w.kreise[0], first_name="Dora", last_name="Vertretung")
    position(w.staff, w.deputy, StaffFunction.S2, body=w.kreise[0], role=PositionRole.DEPUTY)
    for n, kreis in enumerate(w.kreise):
        kreis.centroid_lat, kreis.centroid_lon = 49.0 + n, 7.0 + n
        kreis.save(update_fields=["centroid_lat", "centroid_lon"])
    return w


def _open(world, django_capture_on_commit_callbacks, **extra) -> Event:
    with django_capture_on_commit_callbacks(execute=True):
        return events.event_open(actor=world.lead, staff=world.staff, title="Stromausfall", **extra)


def test_opening_alerts_every_holder_and_logs_it(world, django_capture_on_commit_callbacks) -> None:
    event = _open(world, django_capture_on_commit_callbacks, level=EventLevel.FULL, exercise=True)
    alerted = set(Alert.objects.filter(event=event).values_list("person_id", flat=True))
    assert alerted == {world.lead.pk, world.kgs.pk, world.s2.pk}  # not the deputy: S2 is there
    # in-app (and e-mail per preference) for each alerted person but the one who opened it
    published = Published.objects.filter(event_type=events_notify.STAFF_ALERT.name)
    assert published.count() == 3
    inbox = set(Notification.objects.filter(event__in=published).values_list("recipient_id", flat=True))
    assert inbox == {world.kgs.pk, world.s2.pk}
    # the centre defaults to the mean of the members' centroids
    assert (event.center_lat, event.center_lon) == pytest.approx((50.0, 8.0))
    texts = list(LogEntry.objects.filter(event=event).values_list("category", "text", "function"))
    assert texts[0][0] == LogCategory.STAFF and "Lage eröffnet: Stromausfall" in texts[0][1]
    assert texts[0][2] == StaffFunction.LDS
    assert "Alarmiert:" in texts[1][1] and "Sina Lage (S2)" in texts[1][1]
    assert AuditEntry.objects.filter(action="emergency.event_open").count() == 1
    assert log.verify_chain(event.pk).ok


def test_only_leaders_open_an_event(world) -> None:
    for person in (world.s2, world.kgs, world.clerk, world.outsider):
        with pytest.raises(Forbidden):
            events.event_open(actor=person, staff=world.staff, title="Hochwasser")
    with pytest.raises(Invalid) as refused:
        events.event_open(actor=world.lead, staff=world.staff, title=" ", level=9)
    assert {"title", "level"} <= set(refused.value.fields)
    assert not Event.objects.exists()


def test_alert_and_confirm_flow(world, django_capture_on_commit_callbacks) -> None:
    event = _open(world, django_capture_on_commit_callbacks)
    arrival = timezone.now() + dt.timedelta(minutes=40)
    alert = events.alert_confirm(actor=world.s2, event_id=event.pk, arrival_at=arrival)
    assert alert.confirmed_at is not None and alert.arrival_at == arrival
    assert events.alert_state(alert) == "confirmed"
    # S2 arrives; KGS registers it at the staff room, and later her leaving
    events.presence_set(actor=world.kgs, event_id=event.pk, alert_id=alert.pk, present=True)
    alert.refresh_from_db()
    assert events.alert_state(alert) == "present"
    assert list(events.alerts_of(event).filter(events.present_filter())) == [alert]
    with pytest.raises(Conflict):
        events.presence_set(actor=world.s2, event_id=event.pk, alert_id=alert.pk, present=True)
    events.presence_set(actor=world.s2, event_id=event.pk, alert_id=alert.pk, present=False)
    alert.refresh_from_db()
    assert events.alert_state(alert) == "left"
    texts = " | ".join(LogEntry.objects.filter(event=event).values_list("text", flat=True))
    assert "Sina Lage (S2) bestätigt, Eintreffen voraussichtlich" in texts
    assert "Sina Lage (S2) ist eingetroffen." in texts and "hat den Stab verlassen" in texts
    # S2 does not register someone else's presence
    lead_alert = Alert.objects.get(event=event, person=world.lead)
    with pytest.raises(Forbidden):
        events.presence_set(actor=world.s2, event_id=event.pk, alert_id=lead_alert.pk, present=True)


def test_a_bad_arrival_is_refused(world, django_capture_on_commit_callbacks) -> None:
    event = _open(world, django_capture_on_commit_callbacks)
    for arrival in (timezone.now() - dt.timedelta(hours=3), timezone.now() + dt.timedelta(days=5)):
        with pytest.raises(Invalid) as refused:
            events.alert_confirm(actor=world.s2, event_id=event.pk, arrival_at=arrival)
        assert "arrival_at" in refused.value.fields


def test_declining_alerts_the_deputies(world, django_capture_on_commit_callbacks) -> None:
    event = _open(world, django_capture_on_commit_callbacks)
    assert not Alert.objects.filter(event=event, person=world.deputy).exists()
    with django_capture_on_commit_callbacks(execute=True):
        events.alert_decline(actor=world.s2, event_id=event.pk)
    deputy_alert = Alert.objects.get(event=event, person=world.deputy)
    assert deputy_alert.position.role == PositionRole.DEPUTY
    assert Notification.objects.filter(recipient=world.deputy).count() == 1
    assert Alert.objects.get(event=event, person=world.s2).declined
    assert LogEntry.objects.filter(
        event=event, text__startswith="Vertretung alarmiert: Dora Vertretung"
    ).exists()


def test_an_absent_holder_is_replaced_by_the_substitute_of_the_roster(
    world, django_capture_on_commit_callbacks
) -> None:
    holder = world.staff.positions.get(person=world.s2)
    substitute: Any = UserFactory(staff_of=world.kreise[1], first_name="Stefan", last_name="Ersatz")
    now = timezone.now()
    Shift.objects.create(
        staff=world.staff,
        function=StaffFunction.S2,
        person=substitute,
        body=world.kreise[1],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=7),
        substitutes=holder,
    )
    event = _open(world, django_capture_on_commit_callbacks)
    alerted = set(Alert.objects.filter(event=event).values_list("person_id", flat=True))
    assert world.s2.pk not in alerted
    assert {substitute.pk, world.deputy.pk} <= alerted
    # the substitute holds the function for this event and so sees it
    assert events.get_event(substitute, event.pk) == event


def test_level_and_close_by_leaders_who_see_the_event(world, django_capture_on_commit_callbacks) -> None:
    event = _open(world, django_capture_on_commit_callbacks)
    with pytest.raises(Forbidden):
        events.event_set_level(actor=world.s2, event_id=event.pk, level=EventLevel.DISASTER)
    for outsider in (world.coordinator, world.clerk):  # the coordinator leads but holds no function
        with pytest.raises(NotFound):
            events.event_close(actor=outsider, event_id=event.pk)
    # a member appointed after the opening is alerted with the next level
    late: Any = UserFactory(staff_of=world.kreise[2])
    position(world.staff, late, StaffFunction.S4, body=world.kreise[2])
    with django_capture_on_commit_callbacks(execute=True):
        events.event_set_level(actor=world.lead, event_id=event.pk, level=EventLevel.DISASTER)
    assert Alert.objects.filter(event=event, person=late).exists()
    changed = Published.objects.filter(event_type=events_notify.EVENT_CHANGED.name).get()
    assert changed.payload["level"] == EventLevel.DISASTER
    with django_capture_on_commit_callbacks(execute=True):
        closed = events.event_close(actor=world.lead, event_id=event.pk)
    assert closed.status == EventStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(Conflict):
        events.event_close(actor=world.lead, event_id=event.pk)
    with pytest.raises(Conflict):
        events.alert_confirm(actor=world.s2, event_id=event.pk, arrival_at=timezone.now())
    texts = list(LogEntry.objects.filter(event=event).values_list("text", flat=True))
    assert texts[-1] == "Lage beendet." and any(t.startswith("Stufe geändert") for t in texts)
    assert (
        AuditEntry.objects.filter(action__in=["emergency.event_level", "emergency.event_close"]).count() == 2
    )
    assert log.verify_chain(event.pk).ok


def test_people_without_a_function_cannot_answer(world, django_capture_on_commit_callbacks) -> None:
    event = _open(world, django_capture_on_commit_callbacks)
    for person in (world.clerk, world.outsider, world.coordinator):
        with pytest.raises(NotFound):
            events.alert_confirm(actor=person, event_id=event.pk, arrival_at=timezone.now())
        with pytest.raises(NotFound):
            events.get_event(person, event.pk)
