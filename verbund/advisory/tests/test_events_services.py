"""Events: capacity and waiting list, deadline, cancellation and change notices, reminders, material
access, iCalendar (parsed back with icalendar), pages and API probes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from icalendar import Calendar

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory.models.events import Event, EventMaterial, Registration, RegistrationStatus
from verbund.advisory.services import events as svc
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.notifications.models import Event as NotificationEvent
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office() -> Any:
    user = UserFactory.create()
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    return user


def make_event(actor: Any, *, capacity: int | None = 2, days: float = 10, **extra: Any) -> Event:
    start = timezone.now() + dt.timedelta(days=days)
    values: dict[str, Any] = {
        "kind": "workshop",
        "title": "Workshop Standesamt",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=4),
        "place": "Mainz, Schillerplatz 3",
        "capacity": capacity,
        **extra,
    }
    event = svc.event_create(actor=actor, values=values)
    return svc.event_publish(actor=actor, event_id=event.pk)


def notices(kind: str) -> list[NotificationEvent]:
    return list(NotificationEvent.objects.filter(event_type=kind).order_by("pk"))


def test_full_event_puts_people_on_the_waiting_list_and_a_cancellation_promotes_the_first() -> None:
    boss = office()
    event = make_event(boss, capacity=2)
    body = BodyFactory.create()
    a, b, c, d = (UserFactory.create(staff_of=body) for _ in range(4))
    ra = svc.register(actor=a, event_id=event.pk)
    svc.register(actor=b, event_id=event.pk)
    rc = svc.register(actor=c, event_id=event.pk, remark="vegetarisch")
    rd = svc.register(actor=d, event_id=event.pk)
    assert ra.status == RegistrationStatus.REGISTERED and ra.body_id == body.pk
    assert rc.status == rd.status == RegistrationStatus.WAITING
    assert (svc.waiting_rank(rc), svc.waiting_rank(rd)) == (1, 2)
    assert svc.places_left(event) == 0
    svc.registration_cancel(actor=a, registration_id=ra.pk)
    rc.refresh_from_db()
    rd.refresh_from_db()
    assert rc.status == RegistrationStatus.REGISTERED
    assert svc.waiting_rank(rd) == 1
    promoted = notices("advisory.event_promoted")
    assert len(promoted) == 1 and promoted[0].payload["registration"] == rc.pk
    with pytest.raises(Conflict):
        svc.register(actor=b, event_id=event.pk)


def test_registration_closes_at_the_deadline_and_for_cancelled_or_past_events() -> None:
    boss = office()
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    late = make_event(boss, registration_deadline=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(Conflict) as exc:
        svc.register(actor=clerk, event_id=late.pk)
    assert exc.value.code == "deadline"
    # the office may still add someone after the deadline
    assert svc.register(actor=boss, event_id=late.pk, user=clerk).status == RegistrationStatus.REGISTERED
    cancelled = make_event(boss)
    svc.event_cancel(actor=boss, event_id=cancelled.pk)
    with pytest.raises(Conflict):
        svc.register(actor=clerk, event_id=cancelled.pk)
    past = make_event(boss)
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=2), ends_at=timezone.now() - dt.timedelta(days=1)
    )
    with pytest.raises(Conflict):
        svc.register(actor=clerk, event_id=past.pk)


def test_a_person_without_a_body_cannot_register_and_several_bodies_must_choose() -> None:
    boss = office()
    event = make_event(boss)
    with pytest.raises(Forbidden):
        svc.register(actor=UserFactory.create(), event_id=event.pk)
    one, two = BodyFactory.create(), BodyFactory.create()
    both = UserFactory.create(staff_of=one, head_of=two)
    with pytest.raises(Invalid) as exc:
        svc.register(actor=both, event_id=event.pk)
    assert "body" in exc.value.fields
    with pytest.raises(Invalid):
        svc.register(actor=both, event_id=event.pk, body_id=BodyFactory.create().pk)
    assert svc.register(actor=both, event_id=event.pk, body_id=two.pk).body_id == two.pk
    other = UserFactory.create(staff_of=one)
    with pytest.raises(Forbidden):
        svc.register(actor=both, event_id=event.pk, user=other)


def test_cancellation_and_changes_raise_the_sequence_and_notify_the_registered() -> None:
    boss = office()
    event = make_event(boss)
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    svc.register(actor=clerk, event_id=event.pk)
    svc.event_update(actor=boss, event_id=event.pk, values={"title": "Neuer Titel"})
    event.refresh_from_db()
    assert event.sequence == 0 and notices("advisory.event_changed") == []
    svc.event_update(actor=boss, event_id=event.pk, values={"place": "Koblenz"})
    event.refresh_from_db()
    assert event.sequence == 1
    changed = notices("advisory.event_changed")
    assert len(changed) == 1
    svc.event_cancel(actor=boss, event_id=event.pk, reason="Krankheit")
    event.refresh_from_db()
    assert event.cancelled_at is not None and event.sequence == 2
    assert len(notices("advisory.event_cancelled")) == 1
    with pytest.raises(Conflict):
        svc.event_cancel(actor=boss, event_id=event.pk)


def test_only_the_office_manages_events() -> None:
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    with pytest.raises(Forbidden):
        svc.event_create(actor=clerk, values={"kind": "workshop", "title": "x"})
    with pytest.raises(Forbidden):
        svc.event_cancel(actor=clerk, event_id=make_event(office()).pk)


def test_reminders_go_out_once_per_registration() -> None:
    boss = office()
    soon = make_event(boss, days=0.5)
    later = make_event(boss, days=5)
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    mine = svc.register(actor=clerk, event_id=soon.pk)
    svc.register(actor=clerk, event_id=later.pk)
    from verbund.advisory.tasks import send_event_reminders

    assert send_event_reminders.delay().get() == 1
    assert svc.send_reminders() == 0
    mine.refresh_from_db()
    assert mine.reminded_at is not None
    assert len(notices("advisory.event_reminder")) == 1


def test_attendance_is_recorded_after_the_start_only() -> None:
    boss = office()
    event = make_event(boss)
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    registration = svc.register(actor=clerk, event_id=event.pk)
    with pytest.raises(Conflict):
        svc.attendance_set(actor=boss, event_id=event.pk, marks={registration.pk: True})
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    assert svc.attendance_set(actor=boss, event_id=event.pk, marks={registration.pk: True}) == 1
    registration.refresh_from_db()
    assert registration.attended is True


def _material(boss: Any, event: Event, *, public: bool, name: str = "folien.pdf") -> EventMaterial:
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    return svc.material_add(actor=boss, event_id=event.pk, title="Folien", upload=upload, public=public)


def test_material_types_are_checked() -> None:
    boss = office()
    event = make_event(boss)
    with pytest.raises(Invalid):
        svc.material_add(actor=boss, event_id=event.pk, title="x", upload=SimpleUploadedFile("a.exe", b"MZ"))
    with pytest.raises(Invalid):
        svc.material_add(
            actor=boss, event_id=event.pk, title="x", upload=SimpleUploadedFile("a.pdf", b"nicht pdf")
        )
    assert _material(boss, event, public=False).pk


def test_material_download_for_participants_and_office_only(client: Any) -> None:
    boss = office()
    event = make_event(boss)
    private = _material(boss, event, public=False)
    public = _material(boss, event, public=True)
    participant = UserFactory.create(staff_of=BodyFactory.create())
    svc.register(actor=participant, event_id=event.pk)
    stranger = UserFactory.create(staff_of=BodyFactory.create())
    url = f"/beratung/veranstaltungen/{event.pk}/material/{private.pk}/"
    public_url = f"/beratung/veranstaltungen/{event.pk}/material/{public.pk}/"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(public_url).status_code == 200
    client.force_login(participant)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(boss)
    assert client.get(url).status_code == 200


def test_the_feed_is_public_and_parses_back_with_escaping(client: Any) -> None:
    boss = office()
    event = make_event(
        boss, title="Workshop; Standesamt, Teil 1", agenda="9 Uhr: Begrüßung\n10 Uhr: Arbeit, Pause; Ende"
    )
    cancelled = make_event(boss, title="Abgesagt")
    svc.event_cancel(actor=boss, event_id=cancelled.pk)
    draft = svc.event_create(
        actor=boss,
        values={
            "kind": "webinar",
            "title": "Entwurf",
            "starts_at": timezone.now() + dt.timedelta(days=3),
            "ends_at": timezone.now() + dt.timedelta(days=3, hours=1),
            "online_url": "https://example.org/raum",
        },
    )
    response = client.get("/beratung/veranstaltungen.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    raw = response.content.decode()
    assert "Workshop\\; Standesamt\\, Teil 1" in raw
    assert "Begrüßung\\n10 Uhr: Arbeit\\, Pause\\; Ende" in raw.replace("\r\n ", "")
    calendar = Calendar.from_ical(response.content)
    items = {str(c["summary"]): c for c in calendar.walk("VEVENT")}
    assert "Entwurf" not in items and draft.pk
    assert (
        str(items["Workshop; Standesamt, Teil 1"]["uid"])
        == f"event-{event.pk}@" + str(items["Workshop; Standesamt, Teil 1"]["uid"]).split("@", 1)[1]
    )
    assert "9 Uhr: Begrüßung\n10 Uhr" in str(items["Workshop; Standesamt, Teil 1"]["description"])
    assert str(items["Abgesagt"]["status"]) == "CANCELLED" and items["Abgesagt"].decoded("sequence") == 1
    start = items["Workshop; Standesamt, Teil 1"].decoded("dtstart")
    assert start == event.starts_at.replace(microsecond=0) and "dtstamp" in items["Abgesagt"]
    one = client.get(f"/beratung/veranstaltungen/{event.pk}/kalender.ics")
    assert one.status_code == 200
    assert len(Calendar.from_ical(one.content).walk("VEVENT")) == 1
    assert client.get(f"/beratung/veranstaltungen/{draft.pk}/kalender.ics").status_code == 404


def test_pages_for_anonymous_clerk_and_office(client: Any) -> None:
    boss = office()
    event = make_event(boss, capacity=1)
    assert client.get("/beratung/veranstaltungen/").status_code == 302
    assert client.post(f"/beratung/veranstaltungen/{event.pk}/anmelden/").status_code == 302
    assert not Registration.objects.exists()
    nobody = UserFactory.create()
    client.force_login(nobody)
    assert client.get(f"/beratung/veranstaltungen/{event.pk}/anmelden/").status_code == 403
    body = BodyFactory.create()
    clerk = UserFactory.create(staff_of=body)
    client.force_login(clerk)
    page = client.get(f"/beratung/veranstaltungen/{event.pk}/")
    assert page.status_code == 200 and "Anmelden" in page.content.decode()
    response = client.post(f"/beratung/veranstaltungen/{event.pk}/anmelden/", {"body": body.pk, "remark": ""})
    assert response.status_code == 302
    assert Registration.objects.get(user=clerk).status == RegistrationStatus.REGISTERED
    assert client.get(f"/beratung/veranstaltungen/{event.pk}/teilnehmende/").status_code == 403
    client.force_login(boss)
    page = client.get(f"/beratung/veranstaltungen/{event.pk}/teilnehmende/")
    assert page.status_code == 200 and clerk.last_name in page.content.decode()
    csv = client.get(f"/beratung/veranstaltungen/{event.pk}/teilnahmeliste.csv")
    assert csv.status_code == 200 and clerk.last_name in csv.content.decode()
    confirm = client.get(f"/beratung/veranstaltungen/{event.pk}/absagen/")
    assert confirm.status_code == 200 and Event.objects.get(pk=event.pk).cancelled_at is None
    assert client.post(f"/beratung/veranstaltungen/{event.pk}/absagen/", {"reason": ""}).status_code == 302
    assert Event.objects.get(pk=event.pk).cancelled_at is not None


def test_office_creates_an_event_with_german_dates(client: Any) -> None:
    boss = office()
    client.force_login(boss)
    response = client.post(
        "/beratung/veranstaltungen/neu/",
        {
            "kind": "jahreskonferenz",
            "title": "Jahreskonferenz 2027",
            "starts_at": "12.03.2027 09:30",
            "ends_at": "12.03.2027 16:00",
            "place": "Mainz",
            "capacity": "150",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get(title="Jahreskonferenz 2027")
    assert timezone.localtime(event.starts_at).strftime("%d.%m.%Y %H:%M") == "12.03.2027 09:30"
    assert not event.published


def test_api_list_register_and_cancel(client: Any) -> None:
    boss = office()
    event = make_event(boss, capacity=1)
    assert client.get("/api/v1/advisory/events").status_code == 401
    body = BodyFactory.create()
    first, second = UserFactory.create(staff_of=body), UserFactory.create(staff_of=body)
    client.force_login(first)
    listing = client.get("/api/v1/advisory/events").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == event.pk
    made = client.post(
        f"/api/v1/advisory/events/{event.pk}/registrations", {}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["status"] == "angemeldet"
    assert client.get(f"/api/v1/advisory/events/{event.pk}/participants").status_code == 403
    client.force_login(second)
    waiting = client.post(
        f"/api/v1/advisory/events/{event.pk}/registrations", {"remark": "x"}, content_type="application/json"
    )
    assert waiting.json()["status"] == "warteliste" and waiting.json()["waiting_rank"] == 1
    client.force_login(first)
    assert client.delete(f"/api/v1/advisory/events/{event.pk}/registration").status_code == 204
    client.force_login(boss)
    rows = client.get(f"/api/v1/advisory/events/{event.pk}/participants").json()
    assert [(r["user"], r["status"]) for r in rows] == [(second.username, "angemeldet")]
    nobody = UserFactory.create()
    client.force_login(nobody)
    refused = client.post(
        f"/api/v1/advisory/events/{event.pk}/registrations", {}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"]
    assert client.get("/api/v1/advisory/events/999999").status_code == 404
