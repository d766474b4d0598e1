"""The pages "Wer hilft mir weiter?" (/wissen/anliegen/) and the algorithm register: public results
with the responsible office and the decision in words, the municipality by name or ARS, one-click
corrections for staff only, and the register's facts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.knowledge.models import OfficeContact, RouteCorrection, RouterEvaluation, Service
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory

from . import test_routing_service as base
from .test_routing_service import ODD, vg_of

catalogue = base.catalogue  # the autouse fixture: rules, sample catalogue, fresh router

pytestmark = pytest.mark.django_db


@pytest.fixture
def town() -> Body:
    """An Ortsgemeinde named Erfweiler (its Verbandsgemeinde and Landkreis above it)."""
    return BodyFactory.create(name="Erfweiler")


URL = "/wissen/anliegen/"
CORRECT = "/wissen/anliegen/korrektur/"


def text_of(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_empty_page_has_a_labelled_form() -> None:
    response = Client().get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Wer hilft mir weiter?" in html
    assert '<label class="kern-label" for="id_anliegen">' in html and 'for="id_ort"' in html
    assert "keine Namen" in html
    assert "vb-route-result" not in html


def test_a_citizen_sees_the_service_the_office_its_contact_and_the_decision(town: Body) -> None:
    OfficeContact.objects.create(body=vg_of(town), office="Bürgerbüro", phone="06391 911-0")
    response = Client().post(URL, {"anliegen": "Personalausweis gestohlen", "ort": "Erfweiler"})
    page = text_of(response)
    assert response.status_code == 200
    assert "Verlust oder Diebstahl Personalausweis" in page
    assert "Wir leiten Ihr Anliegen weiter" in page or "Meinten Sie" in page
    assert f"Zuständig {vg_of(town).name}" in page
    assert "Personalausweisbehörde" in page  # the reason names the rule
    assert "Bürgerbüro" in page and "06391 911-0" in page
    assert "Richtige Leistung" not in page  # no corrections for the public


def test_the_municipality_by_ars_and_links_with_get(town: Body) -> None:
    page = text_of(Client().get(URL, {"anliegen": "Gewerbe anmelden", "ort": town.ars}))
    assert "Gewerbe-Anmeldung" in page and vg_of(town).name in page


def test_decisions_in_words() -> None:
    with override_settings(KNOWLEDGE_ROUTE_AUTO=0.0, KNOWLEDGE_ROUTE_SUGGEST=0.0):
        assert "Wir leiten Ihr Anliegen weiter" in text_of(Client().post(URL, {"anliegen": "Reisepass"}))
    with override_settings(KNOWLEDGE_ROUTE_AUTO=1.0, KNOWLEDGE_ROUTE_SUGGEST=0.0):
        assert "Meinten Sie …?" in text_of(Client().post(URL, {"anliegen": "Reisepass"}))
    page = text_of(Client().post(URL, {"anliegen": "asdf qwertz"}))
    assert "Eine Mitarbeiterin oder ein Mitarbeiter hilft Ihnen weiter" in page


def test_a_person_is_pointed_to_the_administration_of_the_municipality(town: Body) -> None:
    OfficeContact.objects.create(body=vg_of(town), office="Rathaus", phone="06391 1")
    page = text_of(Client().post(URL, {"anliegen": "asdf qwertz", "ort": town.ars}))
    assert f"Bitte wenden Sie sich an {vg_of(town).name}" in page and "Rathaus" in page


def test_an_ambiguous_or_unknown_municipality(town: Body) -> None:
    BodyFactory.create(name="Erfweiler-Ehlingen")
    page = Client().post(URL, {"anliegen": "Pass", "ort": "Erfw"}).content.decode()
    assert "Mehrere Gemeinden passen" in page and 'name="gemeinde"' in page
    chosen = text_of(
        Client().post(URL, {"anliegen": "Personalausweis gestohlen", "ort": "Erfw", "gemeinde": town.ars})
    )
    assert vg_of(town).name in chosen
    exact = text_of(Client().post(URL, {"anliegen": "Personalausweis gestohlen", "ort": "erfweiler"}))
    assert "Mehrere Gemeinden" not in exact and vg_of(town).name in exact
    unknown = text_of(Client().post(URL, {"anliegen": "Pass", "ort": "Nirgendwo"}))
    assert "Keine Gemeinde mit diesem Namen gefunden." in unknown and "Reisepass" in unknown


def test_a_too_long_request_is_refused() -> None:
    page = text_of(Client().post(URL, {"anliegen": "x" * 501}))
    assert "höchstens 500 Zeichen" in page.lower() or "Höchstens 500" in page or "500 Zeichen" in page
    assert "vb-route-result" not in page


def test_staff_correct_in_one_click_and_the_next_request_follows(town: Body) -> None:
    clerk = Client()
    clerk.force_login(UserFactory.create(staff_of=vg_of(town)))
    page = clerk.post(URL, {"anliegen": ODD, "ort": town.ars}).content.decode()
    assert "Zuordnung korrigieren" in page and "Richtige Leistung" in page
    assert "persönliche Angaben" in page
    target = Service.objects.get(name="Meldebescheinigung")
    response = clerk.post(
        CORRECT, {"text": ODD, "ars": town.ars, "routed": "1063475", "service": target.external_id}
    )
    assert response.status_code == 200
    correction = RouteCorrection.objects.get()
    assert correction.service == target and correction.routed.name == "Wohnsitzanmeldung"  # type: ignore[union-attr]
    assert "Gespeichert" in text_of(response)
    again = text_of(Client().post(URL, {"anliegen": ODD, "ort": town.ars}))
    first = re.search(
        r'<h3 class="kern-heading-small">([^<]+)</h3>', Client().post(URL, {"anliegen": ODD}).content.decode()
    )
    assert first is not None and first.group(1) == "Meldebescheinigung"
    assert "Meldebescheinigung" in again


def test_anonymous_and_people_without_a_body_cannot_correct() -> None:
    target = Service.objects.get(name="Meldebescheinigung").external_id
    anonymous = Client().post(CORRECT, {"text": ODD, "service": target})
    assert anonymous.status_code == 302 and "/konto/anmelden/" in anonymous["Location"]
    outsider = Client()
    outsider.force_login(UserFactory.create())
    assert "Zuordnung korrigieren" not in outsider.post(URL, {"anliegen": ODD}).content.decode()
    assert outsider.post(CORRECT, {"text": ODD, "service": target}).status_code == 403
    assert not RouteCorrection.objects.exists()


def test_a_bad_correction_changes_nothing(town: Body) -> None:
    clerk = Client()
    clerk.force_login(UserFactory.create(staff_of=vg_of(town)))
    response = clerk.post(CORRECT, {"text": ODD, "service": "gibt-es-nicht"})
    assert response.status_code == 422
    assert not RouteCorrection.objects.exists()


def test_the_algorithm_register() -> None:
    RouterEvaluation.objects.create(
        measured_at=timezone.now(),
        dataset="Zurückgehaltene Anliegen (test.tsv)",
        requests=157,
        top1=0.81,
        top3=0.93,
    )
    Service.objects.filter(name="Reisepass").update(synonyms=["Reisedokument", "Pass fürs Ausland"])
    response = Client().get("/wissen/algorithmenregister/")
    page = text_of(response)
    assert response.status_code == 200
    for part in ("Zweck", "Daten", "Methode", "Schwellen", "Gemessene Genauigkeit", "Verantwortlich"):
        assert part in page
    assert "14 aktive Leistungen" in page and "2 Synonyme" in page and "0 Korrekturen" in page
    assert "0,80" in page and "0,40" in page
    assert "81 %" in page and "93 %" in page and "157" in page
    assert "Transfer- und Beratungsstelle der ADD" in page
    assert "BM25F" in page


def test_staff_see_and_delete_their_own_corrections_the_beratungsstelle_all(town: Body) -> None:
    from verbund.accounts.tests.factories import RoleAssignmentFactory
    from verbund.audit.models import AuditEntry
    from verbund.common.roles import Role
    from verbund.knowledge.services import routing as svc

    target = Service.objects.get(name="Meldebescheinigung").external_id
    mine_user = UserFactory.create(staff_of=vg_of(town))
    other_user = UserFactory.create(staff_of=vg_of(town))
    mine = svc.correct(actor=mine_user, text=ODD, service_id=target)
    other = svc.correct(actor=other_user, text="Zettel für die Bank", service_id=target)
    assert svc.route(ODD).best.service.external_id == target  # type: ignore[union-attr]

    clerk = Client()
    clerk.force_login(mine_user)
    page = text_of(clerk.get("/wissen/anliegen/korrekturen/"))
    assert ODD in page and "Zettel für die Bank" not in page
    # another person's correction: as if it did not exist
    assert clerk.post(f"/wissen/anliegen/korrekturen/{other.pk}/loeschen/").status_code == 404
    response = clerk.post(f"/wissen/anliegen/korrekturen/{mine.pk}/loeschen/")
    assert response.status_code == 302
    assert list(RouteCorrection.objects.values_list("pk", flat=True)) == [other.pk]
    entry = AuditEntry.objects.get(action="knowledge.route_correction_delete")
    assert entry.object_id == str(mine.pk) and "Vermieter" not in entry.object_repr
    assert svc.route(ODD).best.service.external_id != target  # type: ignore[union-attr]

    adviser = Client()
    adviser.force_login(RoleAssignmentFactory.create(role=Role.BERATUNGSSTELLE).user)
    assert "Zettel für die Bank" in text_of(adviser.get("/wissen/anliegen/korrekturen/"))
    assert adviser.post(f"/wissen/anliegen/korrekturen/{other.pk}/loeschen/").status_code == 302
    assert not RouteCorrection.objects.exists()

    outsider = Client()
    outsider.force_login(UserFactory.create())
    assert outsider.get("/wissen/anliegen/korrekturen/").status_code == 403
