"""The pages of the staff log and the event: members read and write the log, correct an entry (the
correction is shown with the corrected entry), see who is alerted and present; everyone without a
function in the event's staff gets 404 on every page of the event. The English pages carry no German
text of the catalogues. No page offers editing or deleting an entry."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.emergency.models import LogCategory, LogEntry, StaffFunction
from verbund.emergency.services import events, log
from verbund.web.tests.test_english import german_left_on

from .factories import event, joint_staff_world

pytestmark = pytest.mark.django_db

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff, title="Stromausfall Westpfalz")
    w.first = log.append(actor=w.s2, event_id=w.event.pk, text="Umspannwerk ausgefallen", function="S2")
    return w


def _urls(world: Any) -> list[str]:
    e = world.event.pk
    return [
        reverse("emergency:event_detail", kwargs={"event_id": e}),
        reverse("emergency:log", kwargs={"event_id": e}),
        reverse("emergency:log_correct", kwargs={"event_id": e, "seq": 1}),
    ]


def test_people_without_a_function_get_not_found(client: Client, world: Any) -> None:
    operator: Any = UserFactory(operator=True)
    for person in (world.clerk, world.outsider, world.coordinator, world.head, operator):
        client.force_login(person)
        for url in _urls(world):
            assert client.get(url).status_code == 404, (person, url)
        response = client.post(_urls(world)[1], {"text": "eingeschmuggelt", "category": "lage"})
        assert response.status_code == 404
        response = client.post(_urls(world)[2], {"text": "berichtigt"})
        assert response.status_code == 404
    assert LogEntry.objects.count() == 1
    client.logout()
    assert client.get(_urls(world)[1]).status_code == 302  # to the login


def test_a_member_writes_an_entry(client: Client, world: Any) -> None:
    client.force_login(world.kgs)
    url = reverse("emergency:log", kwargs={"event_id": world.event.pk})
    response = client.post(
        url, {"text": "Notstromaggregat angefordert", "category": LogCategory.MEASURE, "function": "KGS"}
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get(seq=2)
    assert (entry.author, entry.function, entry.category) == (world.kgs, "KGS", LogCategory.MEASURE)
    # a function the member does not hold is refused at the field
    response = client.post(url, {"text": "x", "category": LogCategory.SITUATION, "function": "S2"})
    assert response.status_code == 200 and LogEntry.objects.count() == 2
    page = client.get(url).content.decode()
    assert "Notstromaggregat angefordert" in page and "Karl Koordinator" in page
    assert "Maßnahme" in page


def test_the_log_page_shows_a_correction_next_to_the_corrected_entry(client: Client, world: Any) -> None:
    client.force_login(world.kgs)
    url = reverse("emergency:log_correct", kwargs={"event_id": world.event.pk, "seq": 1})
    assert "Umspannwerk ausgefallen" in client.get(url).content.decode()
    response = client.post(url, {"text": "Nur Trafo 2 ausgefallen, Umspannwerk teilweise in Betrieb"})
    assert response.status_code == 302
    correction = LogEntry.objects.get(seq=2)
    assert correction.corrects == world.first and correction.category == LogCategory.CORRECTION
    assert LogEntry.objects.get(seq=1).text == "Umspannwerk ausgefallen"  # the old entry stays
    page = client.get(reverse("emergency:log", kwargs={"event_id": world.event.pk})).content.decode()
    row = page.split('id="eintrag-1"', 1)[1].split("</tr>", 1)[0]
    assert "Umspannwerk ausgefallen" in row
    assert "Berichtigt durch Eintrag Nr. 2" in row and "Nur Trafo 2 ausgefallen" in row
    # nothing on the page edits or deletes an entry
    assert not re.search(r"(bearbeiten|löschen|loeschen)/", page)
    assert log.verify_chain(world.event.pk).ok


def test_the_event_page_shows_who_is_alerted_confirmed_and_present(
    client: Client, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        opened = events.event_open(actor=world.lead, staff=world.staff, title="Hochwasser Glan")
    client.force_login(world.s2)
    url = reverse("emergency:event_detail", kwargs={"event_id": opened.pk})
    page = client.get(url).content.decode()
    assert "Zusagen" in page and "Absagen (nicht verfügbar)" in page
    arrival = timezone.localtime(timezone.now() + dt.timedelta(minutes=45))
    response = client.post(
        reverse("emergency:alert_confirm", kwargs={"event_id": opened.pk}),
        {"arrival_at": arrival.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    alert = opened.alerts.get(person=world.s2)
    assert alert.arrival_at is not None and alert.confirmed_at is not None
    client.force_login(world.kgs)  # the Koordinierungsgruppe registers her arrival
    response = client.post(
        reverse("emergency:presence", kwargs={"event_id": opened.pk, "alert_id": alert.pk}), {"state": "da"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Sina Lage" in page and "anwesend seit" in page
    assert arrival.strftime("%d.%m.%Y %H:%M") in page
    assert "1 anwesend, 1 zugesagt, 3 alarmiert" in page
    # S2 does not lead: no level or close for her
    client.force_login(world.s2)
    assert "Lage beenden" not in client.get(url).content.decode()
    response = client.post(reverse("emergency:event_close", kwargs={"event_id": opened.pk}))
    assert response.status_code == 302 and opened.alerts.exists()
    opened.refresh_from_db()
    assert opened.status == "offen"
    client.force_login(world.lead)
    assert "Lage beenden" in client.get(url).content.decode()
    client.post(reverse("emergency:event_close", kwargs={"event_id": opened.pk}))
    opened.refresh_from_db()
    assert opened.status == "beendet"


def test_start_and_staff_pages(client: Client, world: Any) -> None:
    client.force_login(world.lead)
    page = client.get(reverse("emergency:home")).content.decode()
    assert "Stromausfall Westpfalz" in page and "Gemeinsamer Verwaltungsstab" in page
    assert 'href="/krisenstab/"' in page  # the navigation shows "Krisenstab" to a staff member
    page = client.get(reverse("emergency:staff_detail", kwargs={"staff_id": world.staff.pk})).content.decode()
    assert "Lea Leitung" in page and "Funktion besetzen" in page
    # the clerk without a function: no staff page, no navigation entry, an empty start page
    client.force_login(world.clerk)
    assert (
        client.get(reverse("emergency:staff_detail", kwargs={"staff_id": world.staff.pk})).status_code == 404
    )
    page = client.get(reverse("emergency:home")).content.decode()
    assert "Stromausfall Westpfalz" not in page and 'href="/krisenstab/"' not in page
    # the coordinator leads the joint staff (positions, roster) but sees none of its events
    client.force_login(world.coordinator)
    page = client.get(reverse("emergency:staff_detail", kwargs={"staff_id": world.staff.pk})).content.decode()
    assert "Stromausfall Westpfalz" not in page and "Funktion besetzen" in page


def test_a_head_creates_a_staff_and_appoints_a_member(client: Client, world: Any) -> None:
    client.force_login(world.head)
    kreis = world.kreise[0]
    response = client.post(
        reverse("emergency:staff_create"),
        {"name": "Verwaltungsstab Nord", "kind": "verwaltungsstab", "owner": f"k{kreis.pk}"},
    )
    assert response.status_code == 302
    staff_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    response = client.post(
        reverse("emergency:position_create", kwargs={"staff_id": staff_id}),
        {
            "function": StaffFunction.LDS,
            "role": "inhaber",
            "person": world.clerk.username,
            "body": kreis.ars,
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # the clerk now holds a function: the staff page opens for them
    client.force_login(world.clerk)
    assert client.get(reverse("emergency:staff_detail", kwargs={"staff_id": staff_id})).status_code == 200
    # a clerk cannot create staffs
    assert client.get(reverse("emergency:staff_create")).status_code == 403


def test_english_pages_have_no_german_left(
    client: Client, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.conf import settings

    with django_capture_on_commit_callbacks(execute=True):
        opened = events.event_open(actor=world.lead, staff=world.staff, title="Hochwasser Glan")
    log.correct(actor=world.s2, event_id=world.event.pk, entry_seq=1, text="Trafo 2")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.lead)
    urls = [
        reverse("emergency:home"),
        reverse("emergency:staff_detail", kwargs={"staff_id": world.staff.pk}),
        reverse("emergency:position_create", kwargs={"staff_id": world.staff.pk}),
        reverse("emergency:shift_create", kwargs={"staff_id": world.staff.pk}),
        reverse("emergency:event_open", kwargs={"staff_id": world.staff.pk}),
        reverse("emergency:event_detail", kwargs={"event_id": opened.pk}),
        reverse("emergency:log", kwargs={"event_id": world.event.pk}),
        reverse("emergency:log", kwargs={"event_id": opened.pk}),
        reverse("emergency:log_correct", kwargs={"event_id": world.event.pk, "seq": 1}),
    ]
    left = {}
    for url in urls:
        response = client.get(url, **EN)
        assert response.status_code == 200, url
        found = german_left_on(response.content.decode())
        if found:
            left[url] = found
    assert not left
