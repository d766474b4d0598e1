"""The staff assistant (:mod:`verbund.knowledge.services.assistant`): extractive answers cite the
passage that holds the answer; nothing found says so without citations; the assistant never cites
what the person may not see (another alliance's settlement or agreement); with a fake
OpenAI-compatible endpoint (a local ``http.server``): a trusted endpoint receives AMBER passages, an
untrusted one never receives AMBER passages or a question with personal data; an endpoint that is
down gives the extractive answer with a notice; the page and the API need a login."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import socket
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AgreementDocumentFactory, AllianceFactory
from verbund.knowledge.models import OParlObject, OParlSource, OParlType
from verbund.knowledge.services import assistant as svc
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import Settlement, SettlementLine, SettlementStatus
from verbund.shared_services.tests.factories import SharedServiceFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = "Dazu habe ich in den Unterlagen nichts gefunden."
_serial = itertools.count(1)

COUNCIL_TEXT = (
    "Der Stadtrat hat in seiner Sitzung die Einführung der Parkraumbewirtschaftung in der Altstadt "
    "beschlossen. Die Gebühr beträgt zwei Euro je Stunde; Anwohnerinnen und Anwohner erhalten einen "
    "Bewohnerparkausweis."
)
FILLER = (
    "Die Verwaltung legt dem Rat die Vorlage zur Kenntnisnahme vor. Der Ausschuss berät über den "
    "Haushalt, die Schulen und die Feuerwehr. "
)
#: B's distinctive figures: they must never reach a person of alliance A
B_SHARE = Decimal("98765.43")
B_SHARE_TEXT = "98.765,43"


def council_source() -> OParlSource:
    n = next(_serial)
    return OParlSource.objects.create(url=f"https://ris{n}.example.org/oparl/v1/system", name="Stadt Mainz")


def council_document(source: OParlSource, text: str, **values: Any) -> OParlObject:
    n = next(_serial)
    values.setdefault("type", OParlType.FILE)
    values.setdefault("name", f"Niederschrift {n}")
    values.setdefault("oparl_id", f"{source.url.removesuffix('/system')}/file/{n}")
    values.setdefault("harvested_at", timezone.now())
    values.setdefault("date", dt.date(2026, 3, 12))
    return OParlObject.objects.create(source=source, text=text, **values)


def finalized_settlement(service: Any, lines: list[tuple[Any, Decimal]]) -> Settlement:
    settlement = Settlement.objects.create(
        service=service,
        year=2025,
        kind="final",
        net_cost=sum((share for _body, share in lines), Decimal("0")),
        total=sum((share for _body, share in lines), Decimal("0")),
        key_description="nach Fallzahlen",
    )
    for body, share in lines:
        SettlementLine.objects.create(settlement=settlement, body=body, days=365, share=share, balance=share)
    settlement.status = SettlementStatus.FINALIZED
    settlement.finalized_at = timezone.now()
    settlement.save()
    return settlement


@pytest.fixture
def world() -> SimpleNamespace:
    """Alliance A (Landstuhl, Ramstein) and alliance B (Daun, Gerolstein), not published, each with
    a shared service, a finalized settlement and an agreement; a person in each; a council document."""
    a1 = BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Landstuhl")
    a2 = BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Ramstein")
    b1 = BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Daun")
    b2 = BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Gerolstein")
    alliance_a = AllianceFactory.create(name="Verbund Westpfalz", members=[a1, a2])
    alliance_b = AllianceFactory.create(name="Verbund Vulkaneifel", members=[b1, b2])
    service_a = SharedServiceFactory.create(
        alliance=alliance_a, name="Vergabestelle Westpfalz", provider=a1, recipients=[a1, a2]
    )
    service_b = SharedServiceFactory.create(
        alliance=alliance_b,
        name="Bußgeldstelle Vulkaneifel",
        provider=b1,
        recipients=[b1, b2],
        description="Die Bußgeldstelle verfolgt Ordnungswidrigkeiten im ruhenden Verkehr.",
    )
    settlement_a = finalized_settlement(service_a, [(a1, Decimal("1200.00")), (a2, Decimal("800.00"))])
    settlement_b = finalized_settlement(service_b, [(b1, B_SHARE), (b2, Decimal("1234.56"))])
    agreement_b = AgreementDocumentFactory.create(
        alliance=alliance_b,
        title="Zweckvereinbarung Bußgeldstelle Vulkaneifel",
        signed_on=dt.date(2024, 5, 2),
    )
    source = council_source()
    council = council_document(source, FILLER * 2 + COUNCIL_TEXT + " " + FILLER * 2)
    for _n in range(4):
        council_document(source, FILLER * 3)
    return SimpleNamespace(
        alliance_a=alliance_a,
        alliance_b=alliance_b,
        service_a=service_a,
        service_b=service_b,
        settlement_a=settlement_a,
        settlement_b=settlement_b,
        agreement_b=agreement_b,
        council=council,
        person_a=UserFactory.create(staff_of=a1),
        person_b=UserFactory.create(staff_of=b1),
        source=source,
    )


def cited(answer: svc.Answer, kind: str) -> set[str]:
    return {c.passage.source.object_id for c in answer.citations if c.kind == kind}


# --- extractive answers ------------------------------------------------------------------------------


def test_the_extractive_answer_cites_the_passage_with_the_answer(world: SimpleNamespace) -> None:
    answer = svc.ask(
        actor=world.person_a, question="Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"
    )
    assert answer.generated is False and answer.notice == ""
    first = answer.citations[0]
    assert first.n == 1 and first.kind == svc.COUNCIL
    assert first.passage.source.object_id == str(world.council.pk)
    assert "Parkraumbewirtschaftung in der Altstadt" in first.passage.text
    assert first.url == reverse("knowledge:council_object", kwargs={"object_id": world.council.pk})
    assert "[1] „" in answer.text and "Parkraumbewirtschaftung" in answer.text


def test_nothing_found_says_so_and_cites_nothing(world: SimpleNamespace) -> None:
    answer = svc.ask(actor=world.person_a, question="Wie viele Einhörner leben im Schlosspark von Atlantis?")
    assert answer.text == NOT_FOUND
    assert answer.citations == [] and not answer.found and answer.generated is False


def test_a_question_that_shares_only_one_common_word_finds_nothing(world: SimpleNamespace) -> None:
    # "Stadtrat" occurs, but the question is about something else entirely
    answer = svc.ask(
        actor=world.person_a, question="Welche Einhörner und Drachen hat der Stadtrat in Atlantis gezählt?"
    )
    assert answer.text == NOT_FOUND and answer.citations == []


def test_an_empty_or_too_long_question_is_refused() -> None:
    from verbund.common.errors import Invalid

    person = UserFactory.create()
    with pytest.raises(Invalid) as empty:
        svc.ask(actor=person, question="   ")
    assert "question" in (empty.value.fields or {})
    with pytest.raises(Invalid) as long:
        svc.ask(actor=person, question="Wort " * 300)
    assert "1000" in long.value.detail


# --- visibility --------------------------------------------------------------------------------------


QUESTION_B = "Wie hoch ist die Spitzabrechnung der Bußgeldstelle Vulkaneifel für Daun?"


def test_a_person_of_alliance_b_gets_their_settlement_cited(world: SimpleNamespace) -> None:
    """The control for the next test: the question does find B's settlement for B's members."""
    answer = svc.ask(actor=world.person_b, question=QUESTION_B)
    assert str(world.settlement_b.pk) in cited(answer, svc.SETTLEMENT)
    assert B_SHARE_TEXT in answer.text
    settlement = next(c for c in answer.citations if c.kind == svc.SETTLEMENT)
    assert settlement.tlp == svc.AMBER
    assert settlement.url == world.settlement_b.get_absolute_url()


def test_a_person_of_alliance_a_never_gets_alliance_b_s_settlement_or_agreement(
    world: SimpleNamespace,
) -> None:
    for question in (QUESTION_B, "Wann wurde die Zweckvereinbarung Bußgeldstelle Vulkaneifel unterzeichnet?"):
        answer = svc.ask(actor=world.person_a, question=question)
        assert str(world.settlement_b.pk) not in cited(answer, svc.SETTLEMENT)
        assert cited(answer, svc.AGREEMENT) == set()
        assert cited(answer, svc.SHARED_SERVICE) <= {str(world.service_a.pk)}
        assert B_SHARE_TEXT not in answer.text and "Vulkaneifel" not in answer.text
        assert all("Vulkaneifel" not in c.passage.text for c in answer.citations)


def test_the_agreement_is_cited_for_insiders_only(world: SimpleNamespace) -> None:
    question = "Wann wurde die Zweckvereinbarung Bußgeldstelle Vulkaneifel unterzeichnet?"
    answer = svc.ask(actor=world.person_b, question=question)
    assert cited(answer, svc.AGREEMENT) == {str(world.agreement_b.pk)}
    agreement = next(c for c in answer.citations if c.kind == svc.AGREEMENT)
    assert "02.05.2024" in agreement.passage.text and agreement.tlp == svc.AMBER
    # a published alliance shows its public face to everyone, never its agreements
    world.alliance_b.is_published = True
    world.alliance_b.save()
    answer = svc.ask(actor=world.person_a, question=question)
    assert cited(answer, svc.AGREEMENT) == set()
    assert str(world.settlement_b.pk) not in cited(answer, svc.SETTLEMENT)


def test_a_member_sees_only_its_own_settlement_line(world: SimpleNamespace) -> None:
    """Members see their own line and the totals, not the other members' shares."""
    clerk = UserFactory.create(
        staff_of=world.service_b.recipients.get(body__name__endswith="Gerolstein").body
    )
    answer = svc.ask(actor=clerk, question=QUESTION_B)
    passage = next(c.passage.text for c in answer.citations if c.kind == svc.SETTLEMENT)
    assert "Gerolstein: Anteil 1.234,56 EUR" in passage
    assert "Daun: Anteil" not in passage


# --- a fake OpenAI-compatible endpoint ---------------------------------------------------------------


class FakeEndpoint:
    """``POST /v1/chat/completions`` on 127.0.0.1 (port 0); records each request body."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.reply = "Laut den Unterlagen gilt Folgendes [1]."
        self.status = 200
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                endpoint.received.append(json.loads(self.rfile.read(length) or b"{}"))
                endpoint.headers.append({k.lower(): v for k, v in self.headers.items()})
                assert self.path == "/v1/chat/completions"
                body = json.dumps(
                    {"choices": [{"index": 0, "message": {"role": "assistant", "content": endpoint.reply}}]}
                ).encode()
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sent_text(self) -> str:
        return json.dumps(self.received, ensure_ascii=False)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[FakeEndpoint]:
    fake = FakeEndpoint()
    yield fake
    fake.close()


def configured(url: str, *, trusted: bool) -> Any:
    return override_settings(
        KNOWLEDGE_ASSISTANT_URL=url,
        KNOWLEDGE_ASSISTANT_MODEL="test-modell",
        KNOWLEDGE_ASSISTANT_API_KEY="geheim",
        KNOWLEDGE_ASSISTANT_TRUSTED=trusted,
        KNOWLEDGE_ASSISTANT_TIMEOUT_SECONDS=5,
    )


def test_a_trusted_endpoint_receives_amber_passages_and_writes_the_answer(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    endpoint.reply = "Der Anteil von Daun beträgt 98.765,43 EUR [1]; siehe auch [9]."
    with configured(endpoint.url, trusted=True):
        answer = svc.ask(actor=world.person_b, question=QUESTION_B)
    assert len(endpoint.received) == 1
    request = endpoint.received[0]
    assert request["model"] == "test-modell"
    assert endpoint.headers[0]["authorization"] == "Bearer geheim"
    assert request["messages"][0]["role"] == "system"
    assert NOT_FOUND in request["messages"][0]["content"]
    assert B_SHARE_TEXT in endpoint.sent_text() and QUESTION_B in endpoint.sent_text()
    assert answer.generated is True and answer.notice == ""
    # [1] is mapped to the first passage given; [9] was never given and is dropped
    assert [c.n for c in answer.citations] == [1]
    assert "[9]" not in answer.text and "[1]" in answer.text
    assert answer.citations[0].passage.source.object_id == str(world.settlement_b.pk)


def test_an_untrusted_endpoint_never_receives_amber_passages(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    with configured(endpoint.url, trusted=False):
        answer = svc.ask(actor=world.person_b, question=QUESTION_B)
    sent = endpoint.sent_text()
    assert B_SHARE_TEXT not in sent and "Kosten abzüglich Erlöse" not in sent
    assert "Zweckvereinbarung" not in sent and "Bußgeldstelle verfolgt" in sent  # GREEN may go
    assert all(c.tlp in svc.SENDABLE for c in answer.citations) or answer.generated is False
    assert answer.notice  # says that passages were withheld (or why it quotes)
    if not answer.generated:  # only AMBER passages matched: nothing was sent at all
        assert endpoint.received == []
        assert str(world.settlement_b.pk) in cited(answer, svc.SETTLEMENT)


def test_an_untrusted_endpoint_gets_the_public_passages_and_not_the_amber_ones(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    council_document(
        world.source, "Die Bußgeldstelle Vulkaneifel wurde im Kreistag vorgestellt; Daun übernimmt sie."
    )
    with configured(endpoint.url, trusted=False):
        answer = svc.ask(actor=world.person_b, question=QUESTION_B)
    assert len(endpoint.received) == 1
    sent = endpoint.sent_text()
    assert "im Kreistag vorgestellt" in sent
    assert B_SHARE_TEXT not in sent and "Zweckvereinbarung" not in sent
    assert answer.generated is True
    assert all(c.tlp in svc.SENDABLE for c in answer.citations)
    assert "nicht an das Sprachmodell gesendet" in answer.notice


def test_an_untrusted_endpoint_never_receives_a_question_with_an_email_address(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    question = (
        "Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen? Antwort an erika.muster@example.org"
    )
    with configured(endpoint.url, trusted=False):
        answer = svc.ask(actor=world.person_a, question=question)
    assert endpoint.received == []
    assert answer.generated is False and "E-Mail-Adresse" in answer.notice
    assert str(world.council.pk) in cited(answer, svc.COUNCIL)
    # a trusted endpoint may receive it
    with configured(endpoint.url, trusted=True):
        svc.ask(actor=world.person_a, question=question)
    assert "erika.muster@example.org" in endpoint.sent_text()


def test_an_untrusted_endpoint_never_receives_the_name_of_a_council_person(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    council_document(
        world.source,
        "Anna Beispielfrau",
        type=OParlType.PERSON,
        name="Dr. Anna Beispielfrau",
        data={"givenName": "Anna", "familyName": "Beispielfrau"},
    )
    question = "Was hat Frau Beispielfrau zur Parkraumbewirtschaftung in der Altstadt gesagt?"
    with configured(endpoint.url, trusted=False):
        answer = svc.ask(actor=world.person_a, question=question)
    assert endpoint.received == []
    assert "Name einer Person" in answer.notice and answer.generated is False
    with configured(endpoint.url, trusted=False):
        svc.ask(
            actor=world.person_a, question="Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"
        )
    assert len(endpoint.received) == 1 and "Parkraumbewirtschaftung in der Altstadt" in endpoint.sent_text()


def test_a_person_object_is_personal_data_and_stays_with_a_trusted_endpoint(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    council_document(
        world.source,
        "Anna Beispielfrau, Ratsmitglied, Sprecherin für Parkraumbewirtschaftung",
        type=OParlType.PERSON,
        name="Anna Beispielfrau",
    )
    with configured(endpoint.url, trusted=False):
        svc.ask(actor=world.person_a, question="Wer ist Sprecherin für Parkraumbewirtschaftung?")
    assert "Beispielfrau" not in endpoint.sent_text()


def test_an_endpoint_that_is_down_gives_the_extractive_answer_with_a_notice(world: SimpleNamespace) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with configured(f"http://127.0.0.1:{port}/v1", trusted=True):
        answer = svc.ask(
            actor=world.person_a, question="Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"
        )
    assert answer.generated is False
    assert "nicht verfügbar" in answer.notice and "nicht erreichbar" in answer.notice
    assert str(world.council.pk) in cited(answer, svc.COUNCIL)


def test_an_endpoint_error_status_gives_the_extractive_answer(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    endpoint.status = 500
    with configured(endpoint.url, trusted=True):
        answer = svc.ask(
            actor=world.person_a, question="Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"
        )
    assert len(endpoint.received) == 1
    assert answer.generated is False and "500" in answer.notice and answer.citations


def test_the_model_s_nothing_found_gives_no_citations(world: SimpleNamespace, endpoint: FakeEndpoint) -> None:
    endpoint.reply = NOT_FOUND
    with configured(endpoint.url, trusted=True):
        answer = svc.ask(
            actor=world.person_a, question="Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"
        )
    assert answer.text == NOT_FOUND and answer.citations == [] and answer.generated is True


def test_an_answer_without_citations_falls_back_to_quotes(
    world: SimpleNamespace, endpoint: FakeEndpoint
) -> None:
    endpoint.reply = "Das weiß ich auch so: Parken kostet nichts."
    with configured(endpoint.url, trusted=True):
        answer = svc.ask(
            actor=world.person_a, question="Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"
        )
    assert answer.generated is False and "nicht belegt" in answer.notice
    assert "kostet nichts" not in answer.text and answer.citations


def test_nothing_found_sends_nothing(world: SimpleNamespace, endpoint: FakeEndpoint) -> None:
    with configured(endpoint.url, trusted=True):
        answer = svc.ask(
            actor=world.person_a, question="Wie viele Einhörner leben im Schlosspark von Atlantis?"
        )
    assert answer.text == NOT_FOUND and endpoint.received == []


# --- personal data in text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Bitte an max.mustermann@example.org schreiben", "E-Mail-Adresse"),
        ("Rückruf unter 06131 123456", "Telefonnummer"),
        ("Rückruf unter +49 (0)6131 12-34-56", "Telefonnummer"),
        ("Tel.: 0651/12345", "Telefonnummer"),
        ("Überweisung auf DE89 3704 0044 0532 0130 00", "IBAN"),
        ("Herr Muster, geb. 01.02.1970, wohnt in Mainz", "Geburtsdatum"),
        ("geboren am 3. März 1985", "Geburtsdatum"),
    ],
)
def test_personal_data_patterns_are_found(text: str, kind: str) -> None:
    assert kind in svc.personal_data_patterns(text)


@pytest.mark.parametrize(
    "text",
    [
        "Was steht in der Drucksache 0123/2024?",
        "Die Kosten betragen 1.234,50 EUR im Jahr 2025.",
        "Was hat der Rat am 12.03.2024 beschlossen?",
        "Regionalschlüssel 073350000000",
        "Zweckvereinbarung vom 1. Januar 2024 über die Bußgeldstelle",
    ],
)
def test_ordinary_questions_are_not_personal(text: str) -> None:
    assert svc.personal_data_patterns(text) == []


def test_chunks_overlap_and_cover_the_text() -> None:
    text = " ".join(f"Wort{n}" for n in range(400))
    pieces = list(svc.chunks(text))
    assert len(pieces) > 3 and all(len(p) <= svc.CHUNK_CHARS for p in pieces)
    assert pieces[0].split()[-1] in pieces[1]  # overlap
    assert "Wort0" in pieces[0] and "Wort399" in pieces[-1]


# --- page and API ------------------------------------------------------------------------------------


URL = "/api/v1/knowledge/assistant"


def test_the_api_needs_a_login(client: Client) -> None:
    response = client.post(URL, {"question": "Parkraumbewirtschaftung"}, content_type="application/json")
    assert response.status_code == 401


def test_the_api_answers_with_citations(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.person_a)
    response = client.post(
        URL,
        {"question": "Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"answer", "generated", "citations", "notice"}
    assert body["generated"] is False and body["notice"] == ""
    first = body["citations"][0]
    assert {"n", "kind", "title", "url", "passage"} <= set(first)
    assert first["n"] == 1 and first["kind"] == "council" and "Parkraumbewirtschaftung" in first["passage"]
    response = client.post(URL, {"question": QUESTION_B}, content_type="application/json")
    assert B_SHARE_TEXT not in response.content.decode()


def test_the_api_refuses_an_empty_question(client: Client) -> None:
    client.force_login(UserFactory.create())
    response = client.post(URL, {"question": " "}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("question")


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get(reverse("knowledge:assistant"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_the_page_shows_the_answer_with_linked_citations(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.person_a)
    page = client.get(reverse("knowledge:assistant"))
    assert page.status_code == 200 and 'name="frage"' in page.content.decode()
    response = client.post(
        reverse("knowledge:assistant"),
        {"frage": "Was hat der Stadtrat zur Parkraumbewirtschaftung beschlossen?"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="vb-citation-1"' in html
    assert reverse("knowledge:council_object", kwargs={"object_id": world.council.pk}) in html
    response = client.post(reverse("knowledge:assistant"), {"frage": "Einhörner im Schlosspark von Atlantis"})
    assert NOT_FOUND in response.content.decode() and "vb-citation-1" not in response.content.decode()
