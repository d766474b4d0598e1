"""Probes of the emergency part by people looking for leaks: every page and API endpoint of an event
answers 404 (anonymous: login or 401) to everyone without a function in the event's staff — a clerk of
an unrelated body, a member of another staff, a member of the same staff called in for another event
only, the alliance's coordinator, the heads of the member bodies, the Plattformbetrieb and the
Beratungsstelle — and nothing is changed by their POSTs; ids of another event in URLs and payloads
are not found; lists, notifications and the audit log do not carry an event's title to them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.roles import Role
from verbund.emergency import events_notify
from verbund.emergency.models import (
    Alert,
    Event,
    EventStatus,
    LogEntry,
    MapFeature,
    Message,
    Position,
    Shift,
    SituationReport,
    Staff,
    StaffFunction,
    Task,
)
from verbund.emergency.services import events, log, messages, situation
from verbund.notifications.models import Event as Published
from verbund.notifications.models import Notification

from .factories import event, joint_staff_world, position

pytestmark = pytest.mark.django_db

API = "/api/v1/emergency"
SECRET = "Geheimlage Chlorgas Nordhafen"
POINT = {"type": "Point", "coordinates": [7.76, 49.44]}


def _due() -> str:
    return (timezone.now() + dt.timedelta(hours=2)).isoformat()


@pytest.fixture
def world(django_capture_on_commit_callbacks: Any) -> SimpleNamespace:
    w = joint_staff_world()
    with django_capture_on_commit_callbacks(execute=True):
        w.a = events.event_open(actor=w.lead, staff=w.staff, title=SECRET)
    w.b = event(w.staff, title="Hochwasser Mosel")
    # called in for event B only
    w.evonly = UserFactory(staff_of=w.kreise[1], first_name="Eva", last_name="Einzel")
    position(w.staff, w.evonly, StaffFunction.S4, body=w.kreise[1], event=w.b)
    # a member of another staff, with its own event C
    w.foreign_staff = Staff.objects.create(name="Stab Fremd", body=w.other)
    w.foreign = UserFactory(staff_of=w.other, first_name="Fritz", last_name="Fremd")
    position(w.foreign_staff, w.foreign, StaffFunction.KGS, body=w.other)
    position(w.foreign_staff, w.foreign, StaffFunction.LDS, body=w.other)
    w.c = event(w.foreign_staff, title="Fremde Lage")
    w.operator = UserFactory(operator=True)
    w.advisor = UserFactory()
    RoleAssignmentFactory(user=w.advisor, role=Role.BERATUNGSSTELLE)
    # the work of event A
    log.append(actor=w.s2, event_id=w.a.pk, text="Chlorgas ausgetreten", function="S2")
    w.message = messages.write_message(
        actor=w.s2, event_id=w.a.pk, sender="Polizei", subject="Chlorgaswolke", text="Wolke zieht nach Osten"
    )
    messages.screen_message(actor=w.kgs, event_id=w.a.pk, number=1, functions=["S2"])
    w.task = messages.create_task(
        actor=w.kgs,
        event_id=w.a.pk,
        number=1,
        title="Warnung Bevölkerung",
        owner_function="S2",
        due_at=timezone.now() + dt.timedelta(hours=2),
    )
    w.feature = situation.add_feature(
        actor=w.s2, event_id=w.a.pk, kind="schaden", label="Leck Tank 3", geometry=POINT
    )
    w.report = situation.write_report(actor=w.s2, event_id=w.a.pk)
    w.alert = Alert.objects.filter(event=w.a, person=w.s2).get()
    return w


def outsiders(w: SimpleNamespace) -> dict[str, Any]:
    return {
        "clerk of an unrelated body": w.outsider,
        "clerk of a member body without function": w.clerk,
        "member of another staff": w.foreign,
        "member for another event only": w.evonly,
        "coordinator without function": w.coordinator,
        "head of a member body": w.head,
        "Plattformbetrieb": w.operator,
        "Beratungsstelle": w.advisor,
    }


def page_gets(w: SimpleNamespace) -> list[str]:
    e, uid = w.a.pk, w.feature.uid
    base = f"/krisenstab/lage/{e}"
    return [
        f"{base}/",
        f"{base}/tagebuch/",
        f"{base}/tagebuch/1/berichtigen/",
        f"{base}/nachrichten/",
        f"{base}/nachrichten/?q=Chlorgas",
        f"{base}/nachrichten/neu/",
        f"{base}/nachrichten/1/",
        f"{base}/auftraege/",
        f"{base}/karte/",
        f"{base}/karte/?at=2030-01-01T00:00",
        f"{base}/karte/objekt/{uid}/",
        f"{base}/lagemeldungen/1/",
        f"{base}/offline-paket/",
    ]


def page_posts(w: SimpleNamespace) -> list[tuple[str, dict[str, Any]]]:
    e, uid = w.a.pk, w.feature.uid
    base = f"/krisenstab/lage/{e}"
    return [
        (f"{base}/tagebuch/", {"text": "eingeschmuggelt", "category": "lage"}),
        (f"{base}/tagebuch/", {}),  # an invalid form must not render the event's page either
        (f"{base}/tagebuch/1/berichtigen/", {"text": "berichtigt"}),
        (f"{base}/tagebuch/1/berichtigen/", {}),
        (f"{base}/nachrichten/neu/", {"sender": "X", "subject": "Y", "text": "Z", "priority": "einfach"}),
        (f"{base}/nachrichten/neu/", {}),
        (f"{base}/nachrichten/1/sichten/", {"functions": ["S2"]}),
        (f"{base}/nachrichten/1/zuweisen/", {"functions": ["S3"]}),
        (f"{base}/nachrichten/1/beantworten/", {"answer": "erledigt"}),
        (f"{base}/nachrichten/1/beantworten/", {}),
        (f"{base}/nachrichten/1/erledigt/", {}),
        (
            f"{base}/nachrichten/1/auftrag/",
            {"title": "t", "owner_function": "S2", "due_at": "01.01.2030 10:00"},
        ),
        (f"{base}/nachrichten/1/auftrag/", {}),
        (f"{base}/auftraege/{w.task.pk}/abschliessen/", {"state": "erledigt"}),
        (f"{base}/zusage/", {"arrival_at": "2030-01-01T10:00"}),
        (f"{base}/absage/", {}),
        (f"{base}/anwesenheit/{w.alert.pk}/", {}),
        (f"{base}/stufe/", {"level": "4"}),
        (f"{base}/beenden/", {}),
        (f"{base}/karte/objekt/", {"kind": "schaden", "label": "x", "coordinates": "49,4; 7,7"}),
        (f"{base}/karte/objekt/", {}),
        (f"{base}/karte/objekt/{uid}/", {"kind": "schaden", "label": "y", "coordinates": "49,4; 7,7"}),
        (f"{base}/karte/objekt/{uid}/", {}),
        (f"{base}/karte/objekt/{uid}/entfernen/", {}),
        (f"{base}/lagemeldungen/", {}),
        (f"{base}/offline-paket/", {"neu": "1"}),
    ]


def api_gets(w: SimpleNamespace) -> list[str]:
    base = f"{API}/events/{w.a.pk}"
    return [
        base,
        f"{base}/log",
        f"{base}/log/1",
        f"{base}/messages",
        f"{base}/messages?state=zugewiesen",
        f"{base}/messages?mine=true",
        f"{base}/messages/1",
        f"{base}/tasks",
        f"{base}/tasks?all=true",
        f"{base}/features",
        f"{base}/features?at=2030-01-01T00:00:00",
        f"{base}/message-features",
        f"{base}/reports",
        f"{base}/reports/1",
    ]


def api_posts(w: SimpleNamespace) -> list[tuple[str, dict[str, Any]]]:
    base, uid = f"{API}/events/{w.a.pk}", w.feature.uid
    return [
        (f"{base}/log", {"text": "eingeschmuggelt"}),
        (f"{base}/log/1/corrections", {"text": "berichtigt"}),
        (f"{base}/level", {"level": 4}),
        (f"{base}/close", {}),
        (f"{base}/messages", {"sender": "X", "subject": "Y", "text": "Z"}),
        (f"{base}/messages/1/screen", {"functions": ["S2"]}),
        (f"{base}/messages/1/assign", {"functions": ["S3"]}),
        (f"{base}/messages/1/answer", {"answer": "a"}),
        (f"{base}/messages/1/close", {}),
        (f"{base}/messages/1/task", {"title": "t", "owner_function": "S2", "due_at": _due()}),
        (f"{base}/tasks/{w.task.pk}/done", {}),
        (f"{base}/tasks/{w.task.pk}/cancel", {}),
        (f"{base}/features", {"kind": "schaden", "label": "x", "geometry": POINT}),
        (f"{base}/features/{uid}/change", {"label": "y"}),
        (f"{base}/features/{uid}/remove", {}),
        (f"{base}/reports", {}),
    ]


def _snapshot() -> tuple[int, ...]:
    return (
        LogEntry.objects.count(),
        Message.objects.count(),
        Message.objects.filter(state="zugewiesen").count(),
        Task.objects.filter(state="offen").count(),
        MapFeature.objects.count(),
        MapFeature.objects.filter(valid_to__isnull=True).count(),
        SituationReport.objects.count(),
        Event.objects.filter(status=EventStatus.OPEN).count(),
        Event.objects.filter(level=4).count(),
        Alert.objects.filter(confirmed_at__isnull=False).count(),
        Alert.objects.filter(declined=True).count(),
        Alert.objects.filter(present_at__isnull=False).count(),
    )


def test_pages_answer_not_found_to_everyone_outside_and_change_nothing(world: Any) -> None:
    before = _snapshot()
    client = Client()
    for who, person in outsiders(world).items():
        client.force_login(person)
        for url in page_gets(world):
            response = client.get(url)
            assert response.status_code == 404, (who, url, response.status_code)
            assert SECRET not in response.content.decode(errors="replace")
        for url, data in page_posts(world):
            response = client.post(url, data)
            assert response.status_code == 404, (who, url, response.status_code)
            assert SECRET not in response.content.decode(errors="replace")
    assert _snapshot() == before
    client.logout()
    for url in page_gets(world):
        assert client.get(url).status_code == 302, url
    for url, data in page_posts(world):
        assert client.post(url, data).status_code == 302, url
    assert _snapshot() == before


def test_api_answers_not_found_to_everyone_outside_and_changes_nothing(world: Any) -> None:
    before = _snapshot()
    client = Client()
    for who, person in outsiders(world).items():
        client.force_login(person)
        for url in api_gets(world):
            response = client.get(url)
            assert response.status_code == 404, (who, url, response.status_code, response.content)
            assert SECRET not in response.content.decode()
        for url, data in api_posts(world):
            response = client.post(url, data, content_type="application/json")
            assert response.status_code == 404, (who, url, response.status_code, response.content)
            assert SECRET not in response.content.decode()
        listed = client.get(f"{API}/events").json()
        assert world.a.pk not in [item["id"] for item in listed["items"]], who
        assert SECRET not in str(listed)
    assert _snapshot() == before
    client.logout()
    for url in api_gets(world):
        assert client.get(url).status_code in (401, 403), url
    for url, data in api_posts(world):
        assert client.post(url, data, content_type="application/json").status_code in (401, 403), url
    assert _snapshot() == before


def test_a_missing_event_answers_like_an_invisible_one(world: Any) -> None:
    client = Client()
    client.force_login(world.outsider)
    missing = Event.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    absent = client.get(f"{API}/events/{missing}")
    hidden = client.get(f"{API}/events/{world.a.pk}")
    assert (
        (absent.status_code, absent.json())
        == (hidden.status_code, hidden.json())
        == (
            404,
            {"detail": "Nicht gefunden.", "code": "not_found"},
        )
    )
    absent = client.post(f"{API}/events/{missing}/log", {"text": "x"}, content_type="application/json")
    hidden = client.post(f"{API}/events/{world.a.pk}/log", {"text": "x"}, content_type="application/json")
    assert absent.json() == hidden.json()
    # the task endpoint does not look the owner up before it knows the caller sees the event
    payload = {"title": "t", "owner_function": "S2", "owner": "gibt-es-nicht", "due_at": _due()}
    for event_id in (missing, world.a.pk):
        response = client.post(
            f"{API}/events/{event_id}/messages/1/task", payload, content_type="application/json"
        )
        assert response.status_code == 404, response.content
    absent_page = client.get(f"/krisenstab/lage/{missing}/tagebuch/")
    hidden_page = client.get(f"/krisenstab/lage/{world.a.pk}/tagebuch/")
    assert absent_page.status_code == hidden_page.status_code == 404


def test_the_home_page_and_the_event_list_name_only_own_events(world: Any) -> None:
    client = Client()
    for person in outsiders(world).values():
        client.force_login(person)
        page = client.get("/krisenstab/").content.decode()
        assert SECRET not in page
    client.force_login(world.evonly)
    page = client.get("/krisenstab/").content.decode()
    assert "Hochwasser Mosel" in page and SECRET not in page
    ids = [e["id"] for e in client.get(f"{API}/events").json()["items"]]
    assert ids == [world.b.pk]


def test_the_staff_page_shows_the_coordinator_no_event_titles(world: Any) -> None:
    client = Client()
    client.force_login(world.coordinator)
    response = client.get(f"/krisenstab/stab/{world.staff.pk}/")
    assert response.status_code == 200  # the coordinator leads the staff (appoints its members)
    assert SECRET not in response.content.decode()
    for person in (world.outsider, world.foreign, world.evonly, world.operator, world.advisor):
        client.force_login(person)
        assert client.get(f"/krisenstab/stab/{world.staff.pk}/").status_code == 404


# --- ids of one event through the URL of another --------------------------------------------------


def test_ids_of_event_a_through_event_c_are_not_found(world: Any) -> None:
    w = world
    messages.write_message(actor=w.foreign, event_id=w.c.pk, sender="P", subject="S", text="T")
    client = Client()
    client.force_login(w.foreign)  # leads and screens in staff C
    base = f"{API}/events/{w.c.pk}"
    for url, data in [
        (f"{base}/tasks/{w.task.pk}/done", {}),
        (f"{base}/tasks/{w.task.pk}/cancel", {}),
        (f"{base}/features/{w.feature.uid}/change", {"label": "gekapert"}),
        (f"{base}/features/{w.feature.uid}/remove", {}),
    ]:
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 404, (url, response.content)
    pages = f"/krisenstab/lage/{w.c.pk}"
    assert (
        client.post(f"{pages}/auftraege/{w.task.pk}/abschliessen/", {"state": "erledigt"}).status_code == 404
    )
    assert client.get(f"{pages}/karte/objekt/{w.feature.uid}/").status_code == 404
    assert client.post(f"{pages}/karte/objekt/{w.feature.uid}/entfernen/", {}).status_code == 404
    assert client.post(f"{pages}/anwesenheit/{w.alert.pk}/", {}).status_code == 404
    # a foreign alert id on confirm/decline of one's own event is refused, the alert unchanged
    client.post(f"{pages}/zusage/", {"arrival_at": "2030-01-01T10:00", "alert": str(w.alert.pk)})
    client.post(f"{pages}/absage/", {"alert": str(w.alert.pk)})
    w.alert.refresh_from_db()
    assert (w.alert.confirmed_at, w.alert.declined) == (None, False)
    w.task.refresh_from_db()
    assert w.task.state == "offen"
    assert MapFeature.objects.get(uid=w.feature.uid, valid_to__isnull=True).label == "Leck Tank 3"


def test_positions_and_shifts_of_another_staff_through_ones_own_staff(world: Any) -> None:
    w = world
    target = Position.objects.filter(staff=w.staff, person=w.s2).get()
    start = timezone.now() + dt.timedelta(days=1)
    shift = Shift.objects.create(
        staff=w.staff,
        function="S2",
        person=w.s2,
        body=w.kreise[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
    )
    client = Client()
    client.force_login(w.foreign)  # leads staff C
    own = f"/krisenstab/stab/{w.foreign_staff.pk}"
    assert client.post(f"{own}/funktion/{target.pk}/beenden/", {}).status_code == 404
    assert client.post(f"{own}/dienstplan/{shift.pk}/entfernen/", {}).status_code == 404
    assert client.post(f"/krisenstab/stab/{w.staff.pk}/funktion/{target.pk}/beenden/", {}).status_code == 404
    target.refresh_from_db()
    assert target.ends_on is None and Shift.objects.filter(pk=shift.pk).exists()


def test_a_task_owner_from_another_staff_is_refused(world: Any) -> None:
    client = Client()
    client.force_login(world.kgs)
    response = client.post(
        f"{API}/events/{world.a.pk}/messages/1/task",
        {"title": "Übernahme", "owner_function": "KGS", "owner": world.foreign.username, "due_at": _due()},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("owner: "), response.json()
    # one called in for another event of the same staff does not hold the function in event A
    response = client.post(
        f"{API}/events/{world.a.pk}/messages/1/task",
        {"title": "Übernahme", "owner_function": "S4", "owner": world.evonly.username, "due_at": _due()},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("owner: "), response.json()
    assert Task.objects.count() == 1


def test_an_event_only_member_does_not_see_the_staffs_other_event_or_its_staff_page(world: Any) -> None:
    client = Client()
    client.force_login(world.evonly)
    assert client.get(f"/krisenstab/lage/{world.b.pk}/tagebuch/").status_code == 200
    assert client.get(f"/krisenstab/lage/{world.a.pk}/tagebuch/").status_code == 404
    assert client.get(f"/krisenstab/stab/{world.staff.pk}/").status_code == 404


# --- notifications and the audit log ------------------------------------------------------------------


def test_notifications_with_the_title_reach_only_members(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        messages.write_message(actor=w.s2, event_id=w.a.pk, sender="P", subject="S", text="T")
        messages.screen_message(actor=w.kgs, event_id=w.a.pk, number=2, functions=["S2", "S4", "S5"])
        events.event_set_level(actor=w.lead, event_id=w.a.pk, level=4)
    recipients = set(Notification.objects.filter(event__title=SECRET).values_list("recipient_id", flat=True))
    members = {w.lead.pk, w.kgs.pk, w.s2.pk}
    assert recipients and recipients <= members
    assert Published.objects.filter(event_type=events_notify.MESSAGE_ASSIGNED.name).exists()


def test_a_member_whose_position_ended_gets_no_news_of_the_event(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The S2 was alerted for the event, then their position ended: the level change and the close
    must not tell them the event's title any more (they no longer see it)."""
    w = world
    Position.objects.filter(person=w.s2).update(
        starts_on=timezone.localdate() - dt.timedelta(days=10),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        events.event_set_level(actor=w.lead, event_id=w.a.pk, level=4)
        events.event_close(actor=w.lead, event_id=w.a.pk)
    assert not Notification.objects.filter(
        recipient=w.s2, event__title=SECRET, event__event_type=events_notify.EVENT_CHANGED.name
    ).exists()


def test_the_audit_log_does_not_name_the_event_to_those_who_cannot_see_it(world: Any) -> None:
    """The Plattformbetrieb and the coordinator read the audit log but may not see the event: its
    entries name the event by number, not by title."""
    w = world
    events.event_set_level(actor=w.lead, event_id=w.a.pk, level=4)
    assert AuditEntry.objects.filter(object_type="emergency.event").exists()
    assert not AuditEntry.objects.filter(object_repr__icontains="Chlorgas").exists()
    client = Client()
    for person in (w.operator, w.coordinator):
        client.force_login(person)
        page = client.get("/protokoll/")
        assert page.status_code == 200
        assert SECRET not in page.content.decode()
        export = client.get("/protokoll/export.csv")
        assert SECRET not in export.content.decode("utf-8", errors="replace")


# --- steps beyond one's function --------------------------------------------------------------------


def test_members_cannot_take_steps_of_other_functions(world: Any) -> None:
    w = world
    s4: Any = UserFactory(staff_of=w.kreise[0])
    position(w.staff, s4, StaffFunction.S4, body=w.kreise[0], event=w.a)
    client = Client()
    client.force_login(s4)
    base = f"{API}/events/{w.a.pk}"
    # the message is assigned to S2 only; S4 may neither answer, close nor make a task of it
    for url, data in [
        (f"{base}/messages/1/answer", {"answer": "übernommen"}),
        (f"{base}/messages/1/close", {}),
        (f"{base}/messages/1/assign", {"functions": ["S4"]}),
        (f"{base}/tasks/{w.task.pk}/done", {}),
        (f"{base}/level", {"level": 4}),
        (f"{base}/close", {}),
    ]:
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 403, (url, response.status_code)
    write = client.post(
        f"{base}/messages", {"sender": "P", "subject": "S", "text": "T"}, content_type="application/json"
    )
    assert write.status_code == 201
    assert client.post(f"{base}/messages/2/screen", {}, content_type="application/json").status_code == 403
    # presence of someone else is registered by the Leitung and the Koordinierungsgruppe only
    assert client.post(f"/krisenstab/lage/{w.a.pk}/anwesenheit/{w.alert.pk}/", {}).status_code == 302
    w.alert.refresh_from_db()
    assert w.alert.present_at is None
    w.task.refresh_from_db()
    message = Message.objects.get(event=w.a, number=1)
    assert (w.task.state, message.state, message.assigned_to) == ("offen", "zugewiesen", ["S2"])
    assert Event.objects.get(pk=w.a.pk).status == EventStatus.OPEN


def test_an_assignment_tells_no_one_called_in_for_another_event(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        messages.write_message(actor=w.s2, event_id=w.a.pk, sender="P", subject="S", text="T")
        messages.screen_message(actor=w.kgs, event_id=w.a.pk, number=2, functions=["S4"])
    assert not Notification.objects.filter(recipient=w.evonly).exists()  # S4 for event B only


def test_a_staff_is_created_only_for_ones_own_body_or_alliance(world: Any) -> None:
    w = world
    client = Client()
    client.force_login(w.head)  # heads Nord
    before = Staff.objects.count()
    for owner in (f"k{w.other.pk}", f"k{w.kreise[1].pk}", f"v{w.alliance.pk}", "kx", "k"):
        response = client.post(
            "/krisenstab/stab/neu/", {"name": "Übernahme", "kind": "verwaltungsstab", "owner": owner}
        )
        assert response.status_code == 200, owner
    client.force_login(w.outsider)
    assert client.get("/krisenstab/stab/neu/").status_code == 403
    assert Staff.objects.count() == before


def test_opening_an_event_for_an_unseen_staff_answers_like_a_missing_one(world: Any) -> None:
    client = Client()
    client.force_login(world.outsider)
    missing = Staff.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    answers = [
        client.post(f"{API}/events", {"staff": staff, "title": "Übernahme"}, content_type="application/json")
        for staff in (world.staff.pk, missing)
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json() == answers[1].json()
    assert (
        client.post(
            f"/krisenstab/stab/{world.staff.pk}/lage/neu/", {"title": "Übernahme", "level": "2"}
        ).status_code
        == 404
    )
    client.force_login(world.s2)  # a member who does not lead
    response = client.post(
        f"{API}/events", {"staff": world.staff.pk, "title": "Übernahme"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Event.objects.filter(title="Übernahme").exists()


def test_a_typed_moment_is_not_reflected_unescaped(world: Any) -> None:
    client = Client()
    client.force_login(world.s2)
    script = "<script>alert(1)</script>"
    for url in (
        f"/krisenstab/lage/{world.a.pk}/karte/?zeitpunkt={script}",
        f"/krisenstab/lage/{world.a.pk}/nachrichten/?stand={script}",
    ):
        page = client.get(url)
        assert page.status_code == 200 and script not in page.content.decode()
