"""Probes as attackers: who must not see cases, notes, documents, appointments, good-practice records,
evidence and programme figures of others (404 for the unseen, 403 for the seen but not theirs)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from verbund.advisory.models import MemberRole, Visibility
from verbund.advisory.services import cases as svc
from verbund.advisory.services import practice as practice_svc
from verbund.alliances.tests.factories import pdf_bytes
from verbund.notifications.models import Event

from .test_cases_services import case_world, open_sample

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Geheimvermerk Kassenkredit Zwölf"
SECRET_DOC = "Interner Vermerk Haushaltssperre"
SECRET_CASE = "Vertrauliche Fusionsprüfung"
UNPUBLISHED = "Unveröffentlichtes Sondervorhaben"
INSIDE_ONLY = "Nur-Verbund Bauhofkooperation"


def _record(w: SimpleNamespace, title: str, *, visibility: str | None, members: list[Any]) -> Any:
    record = practice_svc.practice_create(
        actor=w.office,
        values={
            "title": title,
            "summary": "Zusammenfassung " + title,
            "task_area": "Bauhof",
            "alliance": w.alliance,
        },
        members=[(m, MemberRole.PARTNER) for m in members],
    )
    if visibility is not None:
        record = practice_svc.practice_publish(actor=w.office, record=record, visibility=visibility)
    return record


@pytest.fixture
def w(db: Any) -> SimpleNamespace:
    world = case_world()
    world.case = open_sample(world, title=SECRET_CASE, alliance=world.alliance)
    world.appointment = svc.create_appointment(
        actor=world.office, case_id=world.case.pk, subject="Erstgespräch Fusion", starts_at=timezone.now()
    )
    svc.add_note(actor=world.office, case_id=world.case.pk, text=SECRET_NOTE, internal=True)
    world.internal_doc = svc.add_document(
        actor=world.office,
        case_id=world.case.pk,
        upload=SimpleUploadedFile("vermerk.pdf", pdf_bytes()),
        title=SECRET_DOC,
        internal=True,
    )
    world.draft = _record(world, UNPUBLISHED, visibility=None, members=[world.body_a])
    world.inside = _record(world, INSIDE_ONLY, visibility=Visibility.ALLIANCE, members=[world.body_a])
    return world


def client_for(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


OUTSIDERS = ["clerk_other", "coordinator_other", "funding", "operator"]


@pytest.mark.parametrize("who", [None, *OUTSIDERS])
def test_case_is_invisible_through_filters_search_queue_and_start_page(
    w: SimpleNamespace, who: str | None
) -> None:
    client = client_for(getattr(w, who) if who else None)
    c = w.case.pk
    for url in [
        f"/beratung/faelle/{c}/",
        f"/beratung/faelle/{c}/dokumente/{w.internal_doc.pk}/",
        f"/beratung/faelle/{c}/termine/{w.appointment.pk}/termin.ics",
        f"/api/v1/advisory/cases/{c}",
        f"/api/v1/advisory/cases/{c}/notes",
        f"/api/v1/advisory/cases/{c}/appointments",
        f"/api/v1/advisory/cases/{c}/documents/{w.internal_doc.pk}/download",
    ]:
        expected = {302, 401} if who is None else {404}
        assert client.get(url).status_code in expected, url
    if who is None:
        return
    api = client.get(f"/api/v1/advisory/cases?alliance={w.alliance.pk}&status=angefragt")
    assert api.status_code == 200 and api.json()["count"] == 0
    for url in [
        f"/beratung/faelle/?q={SECRET_CASE[:10]}",
        f"/beratung/faelle/?verbund={w.alliance.pk}",
        "/start/",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        body = response.content.decode()
        assert SECRET_CASE not in body and w.case.number not in body, url
    queue = client.get("/beratung/arbeitsliste/")
    assert queue.status_code in (403, 404)
    assert SECRET_CASE not in queue.content.decode()


@pytest.mark.parametrize("who", ["clerk_a", "head_b", "coordinator"])
def test_parties_never_see_internal_notes_or_documents(w: SimpleNamespace, who: str) -> None:
    client = client_for(getattr(w, who))
    c = w.case.pk
    page = client.get(f"/beratung/faelle/{c}/")
    assert page.status_code == 200
    assert SECRET_NOTE not in page.content.decode() and SECRET_DOC not in page.content.decode()
    notes = client.get(f"/api/v1/advisory/cases/{c}/notes")
    assert notes.status_code == 200 and SECRET_NOTE not in notes.content.decode()
    docs = client.get(f"/api/v1/advisory/cases/{c}/documents")
    assert docs.status_code == 200 and SECRET_DOC not in docs.content.decode()
    assert client.get(f"/beratung/faelle/{c}/dokumente/{w.internal_doc.pk}/").status_code == 404
    assert client.get(f"/api/v1/advisory/cases/{c}/documents/{w.internal_doc.pk}/download").status_code == 404
    start = client.get("/start/")
    assert start.status_code == 200 and SECRET_NOTE not in start.content.decode()
    # the work queue is the office's
    assert client.get("/beratung/arbeitsliste/").status_code in (403, 404)


def test_notification_texts_carry_no_internal_note(w: SimpleNamespace) -> None:
    texts = " ".join(str(e.payload) + str(getattr(e, "title", "")) for e in Event.objects.all())
    assert SECRET_NOTE not in texts and SECRET_DOC not in texts


@pytest.mark.parametrize("who", [None, "clerk_other", "coordinator_other", "operator", "clerk_a"])
def test_unpublished_record_is_invisible(w: SimpleNamespace, who: str | None) -> None:
    client = client_for(getattr(w, who) if who else None)
    assert client.get(f"/beratung/praxis/{w.draft.slug}/").status_code in (
        (302, 404) if who is None else (404,)
    )
    assert client.get(f"/api/v1/advisory/practice/{w.draft.slug}").status_code in (401, 404)
    for url in [
        "/beratung/praxis/",
        "/beratung/praxis/?status=idee",
        f"/beratung/praxis/?q={UNPUBLISHED[:12]}",
        f"/beratung/praxis/wie-meine/{w.body_b.ars}/",
        "/api/v1/advisory/practice",
        "/api/v1/advisory/practice?q=Unver",
        f"/api/v1/advisory/practice/like/{w.body_b.ars}",
        f"/api/v1/advisory/practice/like/{w.body_other.ars}",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 302, 401), url
        assert UNPUBLISHED not in response.content.decode(), url


# The operator and the funding authority read every published record (platform rule
# ``reads_everything``); people of other alliances do not.
@pytest.mark.parametrize("who", [None, "clerk_other", "coordinator_other"])
def test_alliance_only_record_stays_inside(w: SimpleNamespace, who: str | None) -> None:
    client = client_for(getattr(w, who) if who else None)
    assert client.get(f"/beratung/praxis/{w.inside.slug}/").status_code in (
        (302, 404) if who is None else (404,)
    )
    assert client.get(f"/api/v1/advisory/practice/{w.inside.slug}").status_code in (401, 404)
    for url in [
        "/beratung/praxis/",
        f"/beratung/praxis/wie-meine/{w.body_other.ars}/",
        "/api/v1/advisory/practice?task=&q=Bauhof",
        f"/api/v1/advisory/practice/like/{w.body_other.ars}",
        f"/registry/{w.body_other.ars}/",
        f"/koerperschaften/{w.body_other.ars}/",
    ]:
        response = client.get(url)
        assert INSIDE_ONLY not in response.content.decode(), url
    listing = client.get("/api/v1/advisory/practice?q=Bauhof")
    if listing.status_code == 200:
        assert listing.json()["count"] == 0


def test_insiders_read_the_alliance_only_record(w: SimpleNamespace) -> None:
    client = client_for(w.clerk_a)
    assert client.get(f"/beratung/praxis/{w.inside.slug}/").status_code == 200
    assert client.get("/api/v1/advisory/practice?q=Bauhof").json()["count"] == 1


def test_template_fill_for_other_alliance(w: SimpleNamespace) -> None:
    from verbund.advisory.models import DocumentTemplate

    template = DocumentTemplate.objects.first()
    assert template is not None
    client = client_for(w.coordinator_other)
    url = f"/beratung/vorlagen/{template.slug}/herunterladen/"
    # another alliance the coordinator sees but is not inside
    response = client.get(url, {"verbund": w.alliance.slug, "fassung": "1", "format": "docx"})
    assert response.status_code in (403, 404)
    api = client.get(f"/api/v1/advisory/templates/{template.slug}/fill/{w.alliance.slug}")
    assert api.status_code in (403, 404, 405)
    assert client.get(url, {"verbund": "gibt-es-nicht", "fassung": "1"}).status_code == 404


@pytest.mark.parametrize("who", ["clerk_other", "coordinator_other", "operator", "clerk_a"])
def test_programme_pages_and_summary_are_the_offices(w: SimpleNamespace, who: str) -> None:
    client = client_for(getattr(w, who))
    assert client.get("/beratung/programm/").status_code == 403
    for url in ["/beratung/programm/ausrollung/", "/beratung/programm/berichte/"]:
        assert client.get(url).status_code == 404, url  # the rollout and the reports are hidden
    assert client.get("/api/v1/programme/summary").status_code == 403
    assert client.get("/api/v1/programme/summary?year=2026&kreis=07335").status_code == 403


def test_anonymous_gets_no_programme(w: SimpleNamespace) -> None:
    client = Client()
    assert client.get("/api/v1/programme/summary").status_code == 401
    assert client.get("/beratung/programm/").status_code in (302, 403)


@pytest.mark.parametrize("who", ["clerk_other", "coordinator_other", "head_other"])
def test_evidence_of_another_alliance(w: SimpleNamespace, who: str) -> None:
    from decimal import Decimal

    from verbund.accounts.tests.factories import UserFactory
    from verbund.advisory.models import EvidenceFigure
    from verbund.advisory.services import evidence as evidence_svc

    w.head_other = UserFactory.create(head_of=w.body_other)
    figure = evidence_svc.evidence_set(
        actor=w.office,
        alliance=w.alliance,
        values={
            "year": 2025,
            "metric": EvidenceFigure._meta.get_field("metric").choices[0][0],  # type: ignore[index]
            "before": Decimal("12.5"),
            "after": Decimal("10"),
            "source": "Geheime Kostenrechnung",
        },
    )
    client = client_for(getattr(w, who))
    assert client.get(f"/beratung/nachweise/{w.alliance.slug}/").status_code == 404
    assert client.get(f"/beratung/nachweise/{w.alliance.slug}/{figure.pk}/").status_code == 404
    assert client.get(f"/api/v1/advisory/evidence?alliance={w.alliance.slug}").status_code == 404
    assert client.get(f"/api/v1/advisory/evidence/{figure.pk}").status_code == 404
    listing = client.get("/api/v1/advisory/evidence")
    assert listing.status_code == 200 and listing.json()["count"] == 0
    assert "Geheime Kostenrechnung" not in listing.content.decode()


def test_open_data_do_not_reveal_suppressed_paid_sums_through_the_land_total(db: Any) -> None:
    from decimal import Decimal

    from .programme_world import world as programme_world
    from .test_reports_services import YEAR

    programme_world()
    data = Client().get("/opendata/programm.json").json()
    rows = [r for r in data["items"] if r["year"] == YEAR]
    land = next(r for r in rows if r["kreis"] == "")
    kreise = [r for r in rows if r["kreis"]]
    assert any(r["paid"] is None for r in kreise)  # a suppressed cell exists
    if land["paid"] is not None:
        shown = sum((Decimal(r["paid"]) for r in kreise if r["paid"] is not None), Decimal(0))
        hidden = Decimal(land["paid"]) - shown
        # the drawdowns of fewer than three grants must not be derivable
        assert hidden == 0
