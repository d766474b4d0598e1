"""The attendance list of an event as a tagged PDF/UA (``…/teilnahmeliste.pdf``): the event's facts,
the people registered with body and attendance and a column to sign, the date of printing and page
numbers; the office only, like the CSV, and the participants page links it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from verbund.accounts.tests.factories import UserFactory
from verbund.advisory.models.events import Event
from verbund.advisory.services import events as svc
from verbund.registry.tests.factories import BodyFactory

from .test_events_services import make_event, office

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_office_downloads_a_tagged_attendance_list_with_the_participants(client: Any) -> None:
    boss = office()
    event = make_event(boss, capacity=1, title="Workshop Friedhofswesen")
    body = BodyFactory.create(name="Ortsgemeinde Musterhausen")
    present = UserFactory.create(staff_of=body, first_name="Hanna", last_name="Zeller")
    waiting = UserFactory.create(staff_of=body, first_name="Otto", last_name="Wartemann")
    svc.register(actor=present, event_id=event.pk)
    svc.register(actor=waiting, event_id=event.pk)
    client.force_login(boss)

    page = client.get(f"/beratung/veranstaltungen/{event.pk}/teilnehmende/")
    assert f"/beratung/veranstaltungen/{event.pk}/teilnahmeliste.pdf" in page.content.decode()
    response = client.get(f"/beratung/veranstaltungen/{event.pk}/teilnahmeliste.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="teilnahmeliste-{event.pk}.pdf"' in response["Content-Disposition"]
    data = response.content
    reader = PdfReader(io.BytesIO(data))
    catalog: Any = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]  # tagged
    assert reader.metadata is not None and "Workshop Friedhofswesen" in str(reader.metadata.title)
    text = _text(data)
    assert "Hanna Zeller" in text and "Ortsgemeinde Musterhausen" in text
    assert "Wartemann" not in text  # the waiting list does not sign
    assert "Unterschrift" in text and "Mainz, Schillerplatz 3" in text
    start = timezone.localtime(event.starts_at)
    assert start.strftime("%d.%m.%Y") in text
    assert f"Gedruckt am {timezone.localdate().strftime('%d.%m.%Y')}" in text
    assert "Seite 1 von 1" in text


def test_attendance_shows_yes_no_and_not_recorded() -> None:
    boss = office()
    event = make_event(boss, capacity=None)
    body = BodyFactory.create()
    people = [UserFactory.create(staff_of=body, last_name=name) for name in ("Anwesend", "Fehlend", "Offen")]
    rows = [svc.register(actor=p, event_id=event.pk) for p in people]
    # begun: attendance may be recorded
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    svc.attendance_set(actor=boss, event_id=event.pk, marks={rows[0].pk: True, rows[1].pk: False})
    client = Client()
    client.force_login(boss)
    text = _text(client.get(f"/beratung/veranstaltungen/{event.pk}/teilnahmeliste.pdf").content)
    lines = {
        line.split()[-1]
        for line in text.splitlines()
        if any(n in line for n in ("Anwesend", "Fehlend", "Offen"))
    }
    assert {"ja", "nein", "–"} <= lines, text


def test_outsiders_get_what_they_get_for_the_csv(client: Any) -> None:
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
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    svc.register(actor=clerk, event_id=event.pk)
    for who in (clerk, UserFactory.create(operator=True)):
        client.force_login(who)
        for target, expected in ((event, 403), (draft, 404)):
            base = f"/beratung/veranstaltungen/{target.pk}/teilnahmeliste"
            csv_status = client.get(base + ".csv").status_code
            pdf = client.get(base + ".pdf")
            assert pdf.status_code == csv_status == expected
            assert not pdf.content.startswith(b"%PDF")
    client.logout()
    anonymous = client.get(f"/beratung/veranstaltungen/{event.pk}/teilnahmeliste.pdf")
    assert anonymous.status_code == 302 and not anonymous.content.startswith(b"%PDF")
