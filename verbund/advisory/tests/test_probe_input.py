"""Probes as a careless user: German numbers and dates, impossible dates, NUL bytes, huge text,
disguised files, unknown values and foreign ids, double submits, pages beyond the end."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.advisory.models import Case, CaseNote
from verbund.alliances.tests.factories import pdf_bytes

from .test_cases_services import case_world, open_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: Any) -> SimpleNamespace:
    world = case_world()
    world.case = open_sample(world, alliance=world.alliance)
    world.client = Client()
    world.client.force_login(world.office)
    return world


def _post_json(client: Client, url: str, data: Any) -> Any:
    return client.post(url, data=data, content_type="application/json")


def test_api_unknown_origin_and_foreign_ids_are_422_naming_the_field(w: SimpleNamespace) -> None:
    c = w.client
    response = _post_json(c, "/api/v1/advisory/cases", {"title": "x", "origin": "erfunden"})
    assert response.status_code == 422 and "origin" in response.content.decode()
    response = _post_json(c, "/api/v1/advisory/cases", {"title": "x", "advisor": 999999})
    assert response.status_code in (404, 422) and (response.status_code == 404 or "advisor" in response.text)
    response = _post_json(c, "/api/v1/advisory/cases", {"title": "x", "parties": [{"body": 999999}]})
    assert response.status_code in (404, 422)
    response = _post_json(c, "/api/v1/advisory/cases", {"title": "x", "next_step_due": "31.12.2026"})
    assert response.status_code == 422 and "next_step_due" in response.text
    response = _post_json(c, "/api/v1/advisory/cases", {"title": "x", "next_step_due": "2026-02-31"})
    assert response.status_code == 422 and "next_step_due" in response.text
    response = c.get("/api/v1/advisory/cases?status=erfunden")
    assert response.status_code == 422 and "status" in response.text
    response = c.get("/api/v1/advisory/cases?advisor=abc")
    assert response.status_code == 422
    response = _post_json(c, f"/api/v1/advisory/cases/{w.case.pk}/transition", {"action": "zaubern"})
    assert response.status_code in (409, 422)
    assert _post_json(c, "/api/v1/advisory/cases/999999/transition", {"action": "ruhen"}).status_code == 404


def test_nul_bytes_and_huge_text_are_refused_not_500(w: SimpleNamespace) -> None:
    c = w.client
    # NUL bytes are refused for the whole request by the platform (422, "Nullzeichen")
    response = _post_json(c, "/api/v1/advisory/cases", {"title": "Null\x00Byte"})
    assert response.status_code == 422 and "Nullzeichen" in response.text
    response = _post_json(c, f"/api/v1/advisory/cases/{w.case.pk}/notes", {"text": "a\x00b"})
    assert response.status_code == 422 and "Nullzeichen" in response.text
    response = _post_json(c, f"/api/v1/advisory/cases/{w.case.pk}/notes", {"text": "x" * 2_000_000})
    assert response.status_code == 422 and "text" in response.text
    page = c.post(f"/beratung/faelle/{w.case.pk}/notizen/", {"text": "a\x00b"})
    assert page.status_code in (200, 302, 422)
    # (compared in Python: PostgreSQL refuses a NUL even as a query parameter)
    assert not any("\x00" in text for text in CaseNote.objects.values_list("text", flat=True))
    page = c.post(f"/beratung/faelle/{w.case.pk}/notizen/", {"text": "y" * 2_000_000})
    assert page.status_code in (200, 302, 413, 422)
    assert not CaseNote.objects.filter(text__startswith="yyyy").exists()


def test_double_close_is_a_conflict(w: SimpleNamespace) -> None:
    c = w.client
    url = f"/api/v1/advisory/cases/{w.case.pk}/transition"
    changes = w.case.status_changes.count()
    assert _post_json(c, url, {"action": "abschliessen"}).status_code == 200
    second = _post_json(c, url, {"action": "abschliessen"})
    assert second.status_code == 409
    page = c.post(f"/beratung/faelle/{w.case.pk}/stand/abschliessen/", {"confirmed": "1"})
    assert page.status_code in (200, 302, 409)
    assert Case.objects.get(pk=w.case.pk).status_changes.count() == changes + 1


def test_german_dates_in_the_case_form(w: SimpleNamespace) -> None:
    c = w.client
    ok = c.post(
        f"/beratung/faelle/{w.case.pk}/bearbeiten/",
        {"title": "Geändert", "origin": "anfrage", "next_step": "x", "next_step_due": "31.12.2026"},
    )
    assert ok.status_code == 302
    assert str(Case.objects.get(pk=w.case.pk).next_step_due) == "2026-12-31"
    bad = c.post(
        f"/beratung/faelle/{w.case.pk}/bearbeiten/",
        {"title": "Geändert", "origin": "anfrage", "next_step": "x", "next_step_due": "31.02.2026"},
    )
    assert bad.status_code == 200 and "Datum" in bad.content.decode()


def test_appointment_end_before_start_is_refused(w: SimpleNamespace) -> None:
    response = _post_json(
        w.client,
        f"/api/v1/advisory/cases/{w.case.pk}/appointments",
        {
            "subject": "Termin",
            "starts_at": "2026-12-31T10:00:00+01:00",
            "ends_at": "2026-12-31T09:00:00+01:00",
        },
    )
    assert response.status_code == 422 and "ends_at" in response.text
    page = w.client.post(
        f"/beratung/faelle/{w.case.pk}/termine/neu/",
        {"subject": "Termin", "starts_at": "31.12.2026 10:00", "ends_at": "31.12.2026 09:00"},
    )
    assert page.status_code == 200 and not w.case.appointments.filter(subject="Termin").exists()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name,content",
    [("vertrag.pdf", _zip_bytes()), ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 200), ("tool.exe", pdf_bytes())],
)
def test_disguised_files_are_refused(w: SimpleNamespace, name: str, content: bytes) -> None:
    before = w.case.documents.count()
    response = w.client.post(
        f"/api/v1/advisory/cases/{w.case.pk}/documents",
        {"file": SimpleUploadedFile(name, content), "title": "Vertrag"},
    )
    assert response.status_code == 422
    page = w.client.post(
        f"/beratung/faelle/{w.case.pk}/dokumente/",
        {"file": SimpleUploadedFile(name, content), "title": "Vertrag"},
    )
    assert page.status_code in (200, 302, 422)
    assert w.case.documents.count() == before


def test_paging_beyond_the_end_and_negative(w: SimpleNamespace) -> None:
    c = w.client
    response = c.get("/api/v1/advisory/cases?offset=100000&limit=10")
    assert response.status_code == 200 and response.json() == {"items": [], "count": 1}
    assert c.get("/api/v1/advisory/cases?offset=-1").status_code == 422
    assert c.get("/api/v1/advisory/practice?offset=99999999999999999999").status_code == 422
    assert c.get("/beratung/faelle/?seite=9999").status_code in (200, 404)
    assert c.get("/beratung/praxis/?seite=abc").status_code in (200, 404)
    assert c.get("/beratung/praxis/?size=riesig&legal_form=erfunden").status_code in (200, 422)
    assert c.get("/api/v1/advisory/practice?size=riesig").status_code == 422
    assert c.get("/api/v1/advisory/practice?legal_form=erfunden").status_code == 422


# --- events ----------------------------------------------------------------------------------------


def _event(w: SimpleNamespace, *, publish: bool = True) -> Any:
    import datetime as dt

    from django.utils import timezone

    from verbund.advisory.services import events as event_svc

    start = timezone.now() + dt.timedelta(days=10)
    event = event_svc.event_create(
        actor=w.office,
        values={
            "kind": "workshop",
            "title": "Probe-Workshop",
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
            "place": "Mainz",
            "capacity": 5,
        },
    )
    return event_svc.event_publish(actor=w.office, event_id=event.pk) if publish else event


def test_registering_twice_for_a_foreign_body_or_someone_else(w: SimpleNamespace) -> None:
    event = _event(w)
    clerk = Client()
    clerk.force_login(w.clerk_a)
    url = f"/api/v1/advisory/events/{event.pk}/registrations"
    foreign = _post_json(clerk, url, {"body": w.body_other.pk})
    assert foreign.status_code == 422 and "body" in foreign.text
    assert _post_json(clerk, url, {}).status_code == 201
    assert _post_json(clerk, url, {}).status_code == 409
    assert event.registrations.count() == 1
    # a page post naming another person registers only oneself (or is refused)
    other = Client()
    other.force_login(w.clerk_other)
    other.post(f"/beratung/veranstaltungen/{event.pk}/anmelden/", {"user": w.head_b.pk, "confirmed": "1"})
    assert not event.registrations.filter(user=w.head_b).exists()
    assert other.get(f"/api/v1/advisory/events/{event.pk}/participants").status_code == 403


def test_unpublished_event_is_invisible_and_minutes_are_the_offices(w: SimpleNamespace) -> None:
    draft = _event(w, publish=False)
    clerk = Client()
    clerk.force_login(w.clerk_a)
    assert clerk.get(f"/beratung/veranstaltungen/{draft.pk}/").status_code == 404
    assert clerk.get(f"/api/v1/advisory/events/{draft.pk}").status_code == 404
    assert clerk.get(f"/beratung/veranstaltungen/{draft.pk}/kalender.ics").status_code == 404
    assert "Probe-Workshop" not in clerk.get("/beratung/veranstaltungen.ics").content.decode()
    assert _post_json(clerk, f"/api/v1/advisory/events/{draft.pk}/registrations", {}).status_code == 404
    published = _event(w)
    minutes = clerk.post(f"/beratung/veranstaltungen/{published.pk}/protokoll/", {"minutes": "gefälscht"})
    assert minutes.status_code in (403, 404)
    published.refresh_from_db()
    assert "gefälscht" not in (published.minutes or "")


def test_event_form_german_dates_and_end_before_start(w: SimpleNamespace) -> None:
    from verbund.advisory.models import Event as AdvisoryEvent

    base = {"kind": "workshop", "title": "Datumsprobe", "place": "Mainz", "capacity": "1.000"}
    bad = w.client.post(
        "/beratung/veranstaltungen/neu/",
        {**base, "starts_at": "31.12.2026 10:00", "ends_at": "31.12.2026 09:00"},
    )
    assert bad.status_code in (200, 422) and not AdvisoryEvent.objects.filter(title="Datumsprobe").exists()
    impossible = w.client.post(
        "/beratung/veranstaltungen/neu/",
        {**base, "starts_at": "31.02.2026 10:00", "ends_at": "31.02.2026 12:00"},
    )
    assert (
        impossible.status_code in (200, 422)
        and not AdvisoryEvent.objects.filter(title="Datumsprobe").exists()
    )
    ok = w.client.post(
        "/beratung/veranstaltungen/neu/",
        {**base, "starts_at": "30.12.2026 10:00", "ends_at": "30.12.2026 12:00"},
    )
    assert ok.status_code == 302
    assert AdvisoryEvent.objects.get(title="Datumsprobe").capacity == 1000


def test_publishing_a_practice_record_twice_is_a_conflict(w: SimpleNamespace) -> None:
    from verbund.advisory.models import MemberRole
    from verbund.advisory.services import practice as practice_svc

    record = practice_svc.practice_create(
        actor=w.office,
        values={"title": "Doppelt", "summary": "S", "task_area": "Bauhof"},
        members=[(w.body_a, MemberRole.PARTNER)],
    )
    url = f"/api/v1/advisory/practice/{record.slug}/publish"
    first = _post_json(w.client, url, {"visibility": "oeffentlich"})
    assert first.status_code in (200, 201)
    assert _post_json(w.client, url, {"visibility": "oeffentlich"}).status_code == 409
    odd = _post_json(
        w.client,
        "/api/v1/advisory/practice",
        {"title": "x", "summary": "y", "task_area": "z", "visibility": "geheim"},
    )
    assert odd.status_code == 422 and "visibility" in odd.text
