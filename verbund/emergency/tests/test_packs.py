"""The offline pack of an event: one German PDF with the roster, the contacts, the open tasks, the
latest situation report, the log and blank message forms; stored per event (the newest 24 kept),
written by the queue only when due (time passed in as ``now``, no sleeping); the page only for the
event's staff (404 for everyone else)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation

from verbund.audit.models import AuditEntry
from verbund.emergency import tasks
from verbund.emergency.models import Alert, EventStatus, Shift, StaffFunction, Task
from verbund.emergency.services import log, situation
from verbund.emergency.services import packs as svc

from .factories import event, joint_staff_world

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", re.sub("\u2010\n", "", text))


def _clear(event_id: int) -> None:
    folder = f"emergency/packs/{event_id}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


@pytest.fixture
def world() -> Any:
    w = joint_staff_world()
    w.event = event(w.staff, title="Hochwasser Lauter", opened_at=T0)
    _clear(w.event.pk)  # the in-memory storage outlives a test's database
    yield w
    _clear(w.event.pk)


def _fill(w: Any) -> None:
    lds = w.staff.positions.get(function=StaffFunction.LDS)
    lds.phone = "0631 7105-100"
    lds.save()
    Alert.objects.create(
        event=w.event,
        position=lds,
        person=w.lead,
        alerted_at=T0,
        confirmed_at=T0 + dt.timedelta(minutes=5),
        arrival_at=T0 + dt.timedelta(minutes=30),
    )
    s2 = w.staff.positions.get(function=StaffFunction.S2)
    Alert.objects.create(event=w.event, position=s2, person=w.s2, alerted_at=T0, present_at=T0)
    Shift.objects.create(
        staff=w.staff,
        function=StaffFunction.KGS,
        person=w.kgs,
        body=w.kreise[1],
        starts_at=T0 + dt.timedelta(hours=2),
        ends_at=T0 + dt.timedelta(hours=10),
        reachable="0171 5550123",
    )
    Task.objects.create(
        event=w.event,
        title="Notstromaggregat zum Pflegeheim bringen",
        owner_function=StaffFunction.S2,
        owner=w.s2,
        due_at=T0 + dt.timedelta(hours=1),
    )
    Task.objects.create(
        event=w.event,
        title="Erledigter Auftrag",
        owner_function=StaffFunction.S2,
        due_at=T0,
        state="erledigt",
    )
    log.append(actor=w.s2, event_id=w.event.pk, text="Pegel Lauter steigt weiter", occurred_at=T0)
    situation.write_report(actor=w.s2, event_id=w.event.pk, now=T0 + dt.timedelta(hours=1))


def test_the_pack_holds_roster_contacts_tasks_report_log_and_blank_forms(world) -> None:
    _fill(world)
    with translation.override("en"):  # an official document: German whatever the reader reads
        text = pdf_text(svc.build_pack(world.event, now=T0 + dt.timedelta(hours=1, minutes=30)))
    assert "Offline-Paket" in text and "Hochwasser Lauter" in text
    assert "Stand 01.02.2026, 10:30 Uhr" in text  # Europe/Berlin
    assert "Stufe 2" in text
    assert "Lea Leitung" in text and "Sina Lage" in text and "zugesagt" in text and "anwesend" in text
    assert "0631 7105-100" in text and "Karl Koordinator" in text and "0171 5550123" in text
    assert "Notstromaggregat zum Pflegeheim bringen" in text and "überfällig" in text
    assert "Erledigter Auftrag" not in text
    report = world.event.reports.get()
    first_line = report.text.splitlines()[0]
    assert re.sub(r"\s+", " ", first_line) in text
    assert "Pegel Lauter steigt weiter" in text
    for label in ("Nachrichtenvordruck", "Eingang/Ausgang", "Vorrang", "Absender", "Empfänger", "Betreff"):
        assert label in text
    for label in ("Inhalt", "aufgenommen von/um", "Sichtung", "zugewiesen an", "Blitz", "sofort"):
        assert label in text
    assert text.count("Nachrichtenvordruck (") == 3
    assert "noch keine Lagemeldung" not in text


def test_without_a_report_the_pack_says_so(world) -> None:
    text = pdf_text(svc.build_pack(world.event, now=T0))
    assert "noch keine Lagemeldung" in text and "Niemand alarmiert." in text


def test_the_queue_writes_a_pack_only_when_due_and_keeps_24(world, settings) -> None:
    settings.EMERGENCY_PACK_MINUTES = 60
    closed = event(world.staff, title="Alt", opened_at=T0, status=EventStatus.CLOSED)
    _clear(closed.pk)
    assert svc.latest_pack(world.event) is None
    first = svc.write_due_packs(now=T0)
    assert first == [f"emergency/packs/{world.event.pk}/20260201T080000Z.pdf"]
    assert svc.latest_pack(world.event) == first[0]
    assert svc.write_due_packs(now=T0 + dt.timedelta(minutes=59)) == []
    assert len(svc.write_due_packs(now=T0 + dt.timedelta(minutes=60))) == 1
    for hour in range(2, 30):
        svc.write_due_packs(now=T0 + dt.timedelta(hours=hour))
    stored = svc.packs(world.event)
    assert len(stored) == svc.KEEP == 24
    assert stored[0][0] == T0 + dt.timedelta(hours=29) and stored[-1][0] == T0 + dt.timedelta(hours=6)
    assert svc.latest_pack(world.event) == f"emergency/packs/{world.event.pk}/20260202T130000Z.pdf"
    assert svc.latest_pack(closed) is None
    entry = AuditEntry.objects.filter(action="emergency.pack_write").first()
    assert entry is not None and entry.object_id == str(world.event.pk)
    with default_storage.open(stored[0][1], "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_the_task_runs_the_job_and_is_on_the_beat_schedule(world) -> None:
    from celery import current_app

    paths = tasks.write_packs.delay(now=T0.isoformat()).get()
    assert paths == [f"emergency/packs/{world.event.pk}/20260201T080000Z.pdf"]
    assert tasks.write_packs.delay(now=(T0 + dt.timedelta(minutes=30)).isoformat()).get() == []
    assert current_app.conf.beat_schedule[tasks.PACKS_ENTRY]["task"] == "emergency.write_packs"


def test_the_page_downloads_the_newest_pack_and_builds_one_on_demand(client, world) -> None:
    url = reverse("emergency:pack", kwargs={"event_id": world.event.pk})
    client.force_login(world.kgs)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and "Hochwasser Lauter" in pdf_text(body)
    assert len(svc.packs(world.event)) == 1
    client.get(url)
    assert len(svc.packs(world.event)) == 1  # the newest is downloaded, none built
    assert AuditEntry.objects.filter(action="emergency.pack_write").count() == 1
    svc.write_pack(world.event, now=T0)  # an older one
    response = client.post(url, {"neu": "1"})
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="emergency.pack_write").count() == 3
    assert svc.packs(world.event)[-1][0] == T0  # the new one is newer than the one of T0
    assert svc.latest_pack(world.event) != f"emergency/packs/{world.event.pk}/20260201T080000Z.pdf"


def test_the_page_is_404_for_everyone_outside_the_staff(client, world) -> None:
    url = reverse("emergency:pack", kwargs={"event_id": world.event.pk})
    for person in (world.clerk, world.outsider, world.head, world.coordinator):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"neu": "1"}).status_code == 404
    assert svc.latest_pack(world.event) is None


def test_the_event_page_links_the_pack_in_english(client, world) -> None:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.s2)
    page = client.get(reverse("emergency:event_detail", kwargs={"event_id": world.event.pk})).content.decode()
    assert reverse("emergency:pack", kwargs={"event_id": world.event.pk}) in page
    assert "Offline pack (PDF)" in page and "Offline-Paket" not in page
