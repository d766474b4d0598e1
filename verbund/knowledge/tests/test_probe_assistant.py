"""Probes of the staff assistant: another alliance's funding applications and internal description
never reach a person outside it; deleted council objects are never cited; anonymous callers are
refused; an untrusted endpoint never receives personal data (in the question, in a passage or in
a source's title); the page escapes what it quotes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from verbund.funding.tests.factories import ProgrammeFactory, draft_application
from verbund.knowledge.models import OParlType
from verbund.knowledge.services import assistant as svc
from verbund.knowledge.tests.test_assistant import (
    NOT_FOUND,
    FakeEndpoint,
    cited,
    configured,
    council_document,
)
from verbund.knowledge.tests.test_assistant import endpoint as endpoint
from verbund.knowledge.tests.test_assistant import world as world

pytestmark = pytest.mark.django_db

PARKING = "Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"


# --- visibility ---------------------------------------------------------------------------------------


def test_another_alliance_s_funding_application_is_never_cited(world: SimpleNamespace) -> None:
    application = draft_application(
        programme=ProgrammeFactory.create(),
        alliance=world.alliance_b,
        applicant=world.service_b.provider,
        title="Digitale Blitzerauswertung Vulkaneifel",
        description="Geheimplan: Blitzerauswertung mit Kennzeichenerkennung für Daun.",
    )
    question = "Was steht im Förderantrag zur Blitzerauswertung mit Kennzeichenerkennung?"
    own = svc.ask(actor=world.person_b, question=question)
    assert str(application.pk) in cited(own, svc.FUNDING)  # the control: B's staff find it
    other = svc.ask(actor=world.person_a, question=question)
    assert cited(other, svc.FUNDING) == set()
    assert "Blitzerauswertung" not in other.text and "Kennzeichenerkennung" not in other.text


@pytest.mark.parametrize("published", [False, True])
def test_another_alliance_s_internal_description_is_never_quoted(
    world: SimpleNamespace,
    published: bool,
) -> None:
    world.alliance_b.description = "Intern: Die Fusion der Kämmereien Daun und Gerolstein ist geplant."
    world.alliance_b.is_published = published
    world.alliance_b.save()
    question = "Ist eine Fusion der Kämmereien geplant?"
    assert "Fusion der Kämmereien" in svc.ask(actor=world.person_b, question=question).text
    other = svc.ask(actor=world.person_a, question=question)
    assert "Fusion" not in other.text
    assert all("Fusion" not in c.passage.text for c in other.citations)


def test_amounts_of_another_alliance_are_not_found_by_naming_its_members(world: SimpleNamespace) -> None:
    for question in (
        "Welchen Saldo hat die Verbandsgemeinde Daun in der Abrechnung?",
        "Wie hoch ist der Anteil von Gerolstein an der Bußgeldstelle, 98.765,43?",
        "Kosten abzüglich Erlöse verteilter Betrag Schlüssel nach Fallzahlen",
    ):
        answer = svc.ask(actor=world.person_a, question=question)
        assert str(world.settlement_b.pk) not in cited(answer, svc.SETTLEMENT), question
        assert "98.765,43" not in answer.text.replace(question, "")
        assert "1.234,56" not in answer.text


def test_a_deleted_council_object_is_never_cited(world: SimpleNamespace) -> None:
    council_document(
        world.source,
        "Der Windpark Zauberwald wird auf dem Hunsrückkamm mit zwölf Anlagen errichtet.",
        name="Beschluss Windpark Zauberwald",
        deleted=True,
    )
    answer = svc.ask(actor=world.person_a, question="Was wurde zum Windpark Zauberwald beschlossen?")
    assert answer.text == NOT_FOUND and answer.citations == []


def test_anonymous_people_cannot_ask() -> None:
    with pytest.raises(TypeError):  # services refuse an anonymous actor outright (a caller's bug)
        svc.ask(actor=AnonymousUser(), question=PARKING)


def test_the_api_refuses_anonymous_callers_without_an_answer(client: Client, world: SimpleNamespace) -> None:
    response = client.post(
        "/api/v1/knowledge/assistant", {"question": PARKING}, content_type="application/json"
    )
    assert response.status_code == 401
    assert "Parkraumbewirtschaftung in der Altstadt" not in response.content.decode()


# --- an untrusted endpoint -------------------------------------------------------------------------


def _person(world: SimpleNamespace, name: str, **data: str) -> None:
    council_document(world.source, name, type=OParlType.PERSON, name=name, data=data)


@pytest.mark.parametrize(
    "question",
    [
        PARKING + " IBAN DE89370400440532013000",
        PARKING + " Rückruf bitte unter +49 6131 123456",
        PARKING + " Mein Geburtsdatum: 01.02.1970",
        PARKING + " Das fragt Anna Beispielfrau.",
        PARKING + " Das fragt ANNA BEISPIELFRAU.",
        PARKING + " Das fragt Beispielfrau, Anna.",
        PARKING + " Das fragt Herr Jürgen Müller-Lüdenscheid.",
    ],
)
def test_an_untrusted_endpoint_never_receives_a_personal_question(
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
    question: str,
) -> None:
    _person(world, "Dr. Anna Beispielfrau", givenName="Anna", familyName="Beispielfrau")
    _person(world, "Jürgen Müller-Lüdenscheid", givenName="Jürgen", familyName="Müller-Lüdenscheid")
    with configured(endpoint.url, trusted=False):
        answer = svc.ask(actor=world.person_a, question=question)
    assert endpoint.received == []
    assert answer.generated is False and answer.notice


@pytest.mark.parametrize("how", ["Dr. Beispielfrau", "Ratsfrau Beispielfrau"])
def test_a_council_person_named_with_a_title_is_not_sent(
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
    how: str,
) -> None:
    _person(world, "Dr. Anna Beispielfrau", givenName="Anna", familyName="Beispielfrau")
    with configured(endpoint.url, trusted=False):
        answer = svc.ask(actor=world.person_a, question=PARKING + f" Das fragt {how}.")
    assert answer.citations  # passages were found: the question would go to the model
    assert endpoint.received == []


def test_a_council_person_stored_family_first_is_recognised(
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
) -> None:
    _person(world, "Beispielfrau, Anna")
    with configured(endpoint.url, trusted=False):
        svc.ask(actor=world.person_a, question=PARKING + " Das fragt Anna Beispielfrau.")
    assert endpoint.received == []


def test_the_name_of_a_deleted_council_person_is_still_personal(
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
) -> None:
    council_document(
        world.source,
        "",
        type=OParlType.PERSON,
        name="Anna Beispielfrau",
        data={"givenName": "Anna", "familyName": "Beispielfrau"},
        deleted=True,
    )
    with configured(endpoint.url, trusted=False):
        svc.ask(actor=world.person_a, question=PARKING + " Das fragt Anna Beispielfrau.")
    assert endpoint.received == []


def test_an_untrusted_endpoint_never_receives_personal_data_in_a_title(
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
) -> None:
    council_document(
        world.source,
        "Der Stadtrat hat die Parkraumbewirtschaftung in der Altstadt beschlossen; Gebühr zwei Euro.",
        name="Eingabe von erika.muster@example.org, Tel. 06131 123456",
    )
    with configured(endpoint.url, trusted=False):
        svc.ask(actor=world.person_a, question=PARKING)
    assert "erika.muster@example.org" not in endpoint.sent_text()
    assert "123456" not in endpoint.sent_text()


def test_an_untrusted_endpoint_never_receives_a_passage_with_personal_data(
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
) -> None:
    council_document(
        world.source,
        "Zur Parkraumbewirtschaftung beschlossen: Rückfragen an erika.muster@example.org oder "
        "IBAN DE89 3704 0044 0532 0130 00 für die Gebühr.",
    )
    with configured(endpoint.url, trusted=False):
        svc.ask(actor=world.person_a, question=PARKING)
    sent = endpoint.sent_text()
    assert "erika.muster@example.org" not in sent and "0532" not in sent


# --- escaping on the page ----------------------------------------------------------------------------


def test_the_page_escapes_quoted_passages_and_the_model_s_answer(
    client: Client,
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
) -> None:
    council_document(
        world.source,
        "Zur Parkraumbewirtschaftung beschlossen <script>alert('quote')</script> in der Altstadt.",
        name="<img src=x onerror=alert(1)>",
    )
    client.force_login(world.person_a)
    html = client.post(reverse("knowledge:assistant"), {"frage": PARKING}).content.decode()
    assert "<script>alert('quote')" not in html and "<img src=x" not in html
    endpoint.reply = "<script>alert('model')</script> Antwort [1]."
    with configured(endpoint.url, trusted=True):
        html = client.post(reverse("knowledge:assistant"), {"frage": PARKING}).content.decode()
    assert "<script>alert('model')" not in html and "&lt;script&gt;" in html


def test_the_notice_never_counts_passages_the_person_may_not_see(
    world: SimpleNamespace,
    endpoint: FakeEndpoint,
) -> None:
    council_document(
        world.source, "Die Bußgeldstelle Vulkaneifel wurde im Kreistag vorgestellt; Daun übernimmt sie."
    )
    question = "Wie hoch ist die Spitzabrechnung der Bußgeldstelle Vulkaneifel für Daun?"
    with configured(endpoint.url, trusted=False):
        answer = svc.ask(actor=world.person_a, question=question)
    assert "nicht an das Sprachmodell gesendet" not in answer.notice
    assert "vertraulich" not in answer.notice
    assert all(c.kind == svc.COUNCIL for c in answer.citations)
    assert "98.765,43" not in endpoint.sent_text() and "Spitzabrechnung 2025" not in endpoint.sent_text()
