"""Creating and changing events through the API (``POST /api/v1/advisory/events``, ``PATCH
/api/v1/advisory/events/{id}``): the office only, German numbers and moments accepted as the pages
accept them, the same services (checks and audit record), a 422 naming the field, nothing stored on a
refusal, more places moving the waiting list up."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.advisory.models.events import Event, RegistrationStatus
from verbund.advisory.services import events as svc
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory

from .test_events_services import make_event, office

pytestmark = pytest.mark.django_db
URL = "/api/v1/advisory/events"


def _post(client: Any, data: dict[str, Any]) -> Any:
    return client.post(URL, data, content_type="application/json")


def _patch(client: Any, event_id: int, data: dict[str, Any]) -> Any:
    return client.patch(f"{URL}/{event_id}", data, content_type="application/json")


def _audits(event_id: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(action="advisory.event_set", object_id=str(event_id)).order_by("id")
    )


GERMAN = {
    "kind": "jahreskonferenz",
    "title": "Jahreskonferenz 2027",
    "starts_at": "12.03.2027 09:30",
    "ends_at": "12.03.2027, 16:00",
    "place": "Mainz, Rheingoldhalle",
    "capacity": "1.200",
    "registration_deadline": "2027-03-01T12:00:00+01:00",
}


def test_office_creates_an_event_with_german_numbers_and_dates(client: Any) -> None:
    client.force_login(office())
    response = _post(client, GERMAN)
    assert response.status_code == 201, response.content
    out = response.json()
    event = Event.objects.get(pk=out["id"])
    assert timezone.localtime(event.starts_at).strftime("%d.%m.%Y %H:%M") == "12.03.2027 09:30"
    assert timezone.localtime(event.ends_at).strftime("%H:%M") == "16:00"
    assert event.registration_deadline is not None
    assert timezone.localtime(event.registration_deadline).strftime("%d.%m.%Y %H:%M") == "01.03.2027 12:00"
    assert event.capacity == 1200 and out["capacity"] == 1200 and out["places_left"] == 1200
    assert event.kind == "jahreskonferenz" and not event.published and not out["published"]
    entries = _audits(event.pk)
    assert len(entries) == 1 and entries[0].changes["Plätze"] == 1200


def test_office_changes_only_the_fields_sent_and_more_places_move_the_waiting_list_up(client: Any) -> None:
    boss = office()
    event = make_event(boss, capacity=1)
    body = BodyFactory.create()
    first, second = UserFactory.create(staff_of=body), UserFactory.create(staff_of=body)
    svc.register(actor=first, event_id=event.pk)
    waiting = svc.register(actor=second, event_id=event.pk)
    assert waiting.status == RegistrationStatus.WAITING
    before = Event.objects.get(pk=event.pk)
    audited = len(_audits(event.pk))
    client.force_login(boss)

    response = _patch(client, event.pk, {"capacity": "2", "place": "Koblenz, Kurfürstliches Schloss"})

    assert response.status_code == 200, response.content
    after = Event.objects.get(pk=event.pk)
    assert after.capacity == 2 and after.place == "Koblenz, Kurfürstliches Schloss"
    assert after.title == before.title and after.starts_at == before.starts_at
    assert after.sequence == before.sequence + 1  # the place changed: calendars update
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    assert response.json()["places_left"] == 0
    entries = _audits(event.pk)
    assert len(entries) == audited + 1 and {"Plätze", "Ort"} <= set(entries[-1].changes)
    moved = _patch(client, event.pk, {"starts_at": "2030-05-04 10:00", "ends_at": "04.05.2030 12.30"})
    assert moved.status_code == 200, moved.content
    assert timezone.localtime(Event.objects.get(pk=event.pk).ends_at).strftime("%H:%M") == "12:30"
    emptied = _patch(client, event.pk, {"capacity": None})
    assert emptied.status_code == 200 and Event.objects.get(pk=event.pk).capacity is None


def test_others_are_refused_and_nothing_is_stored(client: Any) -> None:
    boss = office()
    event = make_event(boss)
    draft = svc.event_create(
        actor=boss,
        values={
            "kind": "workshop",
            "title": "Entwurf",
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "place": "Trier",
        },
    )
    count = Event.objects.count()
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    for who in (clerk, UserFactory.create(operator=True)):
        client.force_login(who)
        refused = _post(client, GERMAN)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        changed = _patch(client, event.pk, {"title": "Gekapert"})
        assert changed.status_code == 403
        assert _patch(client, draft.pk, {"title": "Gekapert"}).status_code == 404  # drafts stay invisible
    client.logout()
    assert _post(client, GERMAN).status_code == 401
    assert Event.objects.count() == count
    assert Event.objects.get(pk=event.pk).title == "Workshop Standesamt"
    assert Event.objects.get(pk=draft.pk).title == "Entwurf"
    assert not AuditEntry.objects.filter(
        action="advisory.event_set", object_repr__contains="Gekapert"
    ).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": "0"}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"capacity": "zwölf"}, "capacity"),
        ({"capacity": "1,5"}, "capacity"),
        ({"capacity": 10**12}, "capacity"),
        ({"starts_at": "31.02.2027 09:30"}, "starts_at"),
        ({"starts_at": "morgen früh"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00"}, "starts_at"),
        ({"ends_at": "11.03.2027 09:00"}, "ends_at"),  # before the start (the service's check)
        ({"registration_deadline": "13.03.2027 09:00"}, "registration_deadline"),
        ({"place": "", "online_url": ""}, "place"),
        ({"online_url": "kein link"}, "online_url"),
        ({"field_of_action": 999999}, "field_of_action"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_stored(
    client: Any, change: dict[str, Any], field: str
) -> None:
    boss = office()
    event = make_event(boss, capacity=5)
    client.force_login(boss)
    count, audits = Event.objects.count(), AuditEntry.objects.count()

    created = _post(client, {**GERMAN, **change})
    assert created.status_code == 422, created.content
    assert created.json()["code"] == "invalid" and f"{field}:" in created.json()["detail"]
    assert Event.objects.count() == count

    before = Event.objects.get(pk=event.pk)
    patch = dict(change)
    if field in ("ends_at", "registration_deadline"):
        patch["starts_at"] = GERMAN["starts_at"]  # the conflict needs the start it is measured against
    changed = _patch(client, event.pk, patch)
    assert changed.status_code == 422, changed.content
    assert f"{field}:" in changed.json()["detail"]
    after = Event.objects.get(pk=event.pk)
    assert (after.capacity, after.starts_at, after.ends_at, after.place, after.sequence) == (
        before.capacity,
        before.starts_at,
        before.ends_at,
        before.place,
        before.sequence,
    )
    assert AuditEntry.objects.count() == audits


def test_required_fields_cannot_be_emptied_or_left_out(client: Any) -> None:
    boss = office()
    event = make_event(boss)
    client.force_login(boss)
    emptied = _patch(client, event.pk, {"title": None})
    assert emptied.status_code == 422 and "title:" in emptied.json()["detail"]
    missing = _post(client, {k: v for k, v in GERMAN.items() if k != "starts_at"})
    assert missing.status_code == 422 and "starts_at:" in missing.json()["detail"]
    assert Event.objects.get(pk=event.pk).title == "Workshop Standesamt"
