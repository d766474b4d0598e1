"""Probing the router's classifier as a careless user and as an operator: requests the classifier
knows nothing of, a request naming a service exactly, a one-class classifier of a very large
catalogue, determinism, staff corrections through the service layer (learned in the copy of the
router, forgotten after deletion), example files of odd shape and the register's example count."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client, override_settings

from verbund.accounts.tests.factories import UserFactory
from verbund.common.actors import SystemActor
from verbund.knowledge.models import RouteCorrection, Service
from verbund.knowledge.policies import MANAGE
from verbund.knowledge.routing import HUMAN, Catalogue, Correction, Router, Weights
from verbund.knowledge.routing.evaluate import BUILTIN_EXAMPLES, load_examples
from verbund.knowledge.services import routing as svc
from verbund.knowledge.services.catalogue import import_services, read_file
from verbund.registry.tests.factories import BodyFactory

from .test_routing import SAMPLE
from .test_routing_classifier import CONDUCT, MOVING

#: how people say that they lost their identity card (all naming the card)
LOSS = [
    "Personalausweis verloren",
    "mein Personalausweis ist weg",
    "Personalausweis gestohlen worden",
    "Personalausweis im Zug liegen lassen",
    "Personalausweis nicht mehr auffindbar",
]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_records(SAMPLE)


def _labelled(catalogue: Catalogue, texts: list[str], name: str) -> list[Correction]:
    service = catalogue.by_name()[name]
    return [Correction(text, service.id) for text in texts]


@pytest.fixture(scope="module")
def trained(catalogue: Catalogue) -> Router:
    """A router whose classifier has its full weight."""
    examples = (
        _labelled(catalogue, CONDUCT, "Führungszeugnis")
        + _labelled(catalogue, MOVING, "Wohnsitzanmeldung")
        + _labelled(catalogue, LOSS, "Verlust oder Diebstahl Personalausweis")
    ) * 4
    router = Router(catalogue, examples=examples)
    assert router.classifier is not None and router.classifier_share == 1.0
    return router


def _ids(router: Router, text: str) -> list[str]:
    return [hit.service_id for hit in router.route(text).items]


# --- the pure engine -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["12345", "0815 4711"])
def test_a_request_the_classifier_knows_nothing_of_adds_no_service(
    catalogue: Catalogue, trained: Router, text: str
) -> None:
    """Uniform probabilities say nothing: they must not give every service of the catalogue a score
    (before the fix: all services at 0.44, the first five by catalogue order)."""
    assert _ids(trained, text) == _ids(Router(catalogue), text)


def test_a_request_naming_a_service_exactly_ranks_it_first(catalogue: Catalogue, trained: Router) -> None:
    """Many examples for "Verlust oder Diebstahl Personalausweis" name the card: the classifier must
    not push the service "Personalausweis" below its variant for the request "Personalausweis"."""
    for service in catalogue.services:
        for text in (service.name, service.name.upper(), f"  {service.name.lower()}! "):
            assert _ids(trained, text)[0] == service.id, text


def test_a_request_naming_a_service_exactly_ranks_it_first_in_munich(
    data_file: Callable[[str], Path],
) -> None:
    """Munich's catalogue with the built-in examples: before the fix "Parkausweis" gave "Parkausweis –
    Altstadt" and "Reiseausweis für Staatenlose" gave "Reiseausweis für Ausländer"."""
    path = data_file("services/munich_services_de.jsonl")
    with open(path, encoding="utf-8") as handle:
        munich = Catalogue.from_records(json.loads(line) for line in handle if line.strip())
    found, _ = load_examples(BUILTIN_EXAMPLES, munich)
    router = Router(munich, examples=[(e.text, e.service_id) for e in found])
    by_name = munich.by_name()
    wrong = [name for name, service in by_name.items() if _ids(router, name)[:1] != [service.id]]
    assert wrong == []


def _weak(router: Router, text: str, service_id: str) -> bool:
    """``service_id`` is not first for ``text`` and scores under a quarter of the best, and the
    classifier finds "none of these" at least twice as likely as it."""
    routing = router.route(text)
    scores = {hit.service_id: hit.score for hit in routing.items}
    relative = router.score(text).components.get("classifier")
    position = router.catalogue.position(service_id)
    return (
        routing.best != service_id
        and scores.get(service_id, 0.0) < 0.25 * routing.items[0].score
        and (relative is None or relative[position] < 0.5)
    )


def test_a_classifier_of_one_service_does_not_favour_it_for_every_request(catalogue: Catalogue) -> None:
    """In a very large catalogue the labelled services are the classes, next to "none of these"
    (other services' names); with one labelled service it must not be pushed into every routing."""
    examples = _labelled(catalogue, CONDUCT, "Führungszeugnis") * 20
    weights = Weights(classifier_classes=3)
    router = Router(catalogue, examples=examples, weights=weights)
    conduct = catalogue.by_name()["Führungszeugnis"].id
    for text in ("Fischereischein beantragen", "Gewerbe anmelden", "Reisepass"):
        assert _weak(router, text, conduct), text
    # with a second labelled service the classifier tells them apart again and teaches its words
    examples += _labelled(catalogue, MOVING, "Wohnsitzanmeldung") * 20
    router = Router(catalogue, examples=examples, weights=weights)
    assert (
        _ids(router, "die Jugendfeuerwehr verlangt einen Beleg, dass ich nicht vorbestraft bin")[0] == conduct
    )


def test_a_few_classes_of_a_very_large_catalogue_do_not_enter_every_routing(catalogue: Catalogue) -> None:
    """Above ``classifier_classes`` services the classes are the labelled ones and "none of these";
    a request about another service with a word the classifier knows ("beantragen") gives the
    labelled ones no weight (found 2026-12-05 before the "none of these" class)."""
    examples = (
        _labelled(catalogue, CONDUCT, "Führungszeugnis") + _labelled(catalogue, MOVING, "Wohnsitzanmeldung")
    ) * 20
    router = Router(catalogue, examples=examples, weights=Weights(classifier_classes=3))
    fishing = catalogue.by_name()["Fischereischein beantragen"].id
    assert _ids(router, "Fischereischein beantragen")[0] == fishing
    for name in ("Führungszeugnis", "Wohnsitzanmeldung"):
        assert _weak(router, "Fischereischein beantragen", catalogue.by_name()[name].id), name


def test_two_builds_rank_alike(catalogue: Catalogue) -> None:
    examples = _labelled(catalogue, CONDUCT, "Führungszeugnis") + _labelled(
        catalogue, MOVING, "Wohnsitzanmeldung"
    )
    a, b = Router(catalogue, examples=examples), Router(catalogue, examples=examples)
    for text in (*CONDUCT, *MOVING, "Perso weg", "Hund anmelden", "vorbestraft Umzug"):
        assert a.route(text) == b.route(text)


@pytest.mark.parametrize(
    "text", ["", "   ", "und oder der die das", "a" * 500, "🐶🐶🐶", "\x00\x00", "ß" * 300]
)
def test_garbage_still_goes_to_a_person(trained: Router, text: str) -> None:
    result = trained.route(text)
    assert result.items == () and result.decision == HUMAN and result.confidence == 0.0


# --- the service layer ---------------------------------------------------------------------------------

ACTOR = SystemActor(name="Test", capabilities=frozenset({MANAGE}))
SAMPLE_FILE = Path(svc.__file__).resolve().parents[1] / "sample_services_de.jsonl"
#: words neither the catalogue, the lexicon nor the examples know
NEW = ["Zwirbelquokka Flimmerbrett bitte", "ich brauche das Flimmerbrett für Zwirbelquokka"]


@pytest.fixture
def database() -> Iterator[None]:
    importlib.import_module("verbund.knowledge.migrations.0002_seed_rlp_holder_rules").seed(apps, None)
    import_services(actor=ACTOR, records=read_file(SAMPLE_FILE), name="Beispiel", slug="beispiel")
    svc.reset()
    yield
    svc.reset()


def _best(text: str) -> str | None:
    result = svc.route(text)
    return result.best.service.name if result.best else None


@pytest.mark.django_db
def test_corrections_with_new_words_retrain_the_classifier_of_the_copy_and_deletion_forgets(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Service.objects.get(name="Meldebescheinigung")
    assert _best("Flimmerbrett") is None  # nobody knows the word yet
    svc.router()
    real_build = svc.build_router
    builds: list[int] = []

    def counted() -> object:
        builds.append(1)
        return real_build()

    monkeypatch.setattr(svc, "build_router", counted)
    clerk = UserFactory.create(staff_of=BodyFactory.create())
    for text in NEW:
        svc.correct(actor=clerk, text=text, service_id=target.external_id)
    # another wording than the corrected ones: the classifier, not the exact memory
    router = svc.router()
    assert builds == []  # learned into a copy of the router
    position = router.catalogue.position(target.external_id)
    assert router.classifier is not None
    assert int(router.classifier.probabilities(router.classifier_terms("Flimmerbrett")).argmax()) == position
    assert "Meldebescheinigung" in [item.service.name for item in svc.route("Flimmerbrett").items]
    assert _best("Zwirbelquokka und Flimmerbrett") == "Meldebescheinigung"
    for correction in RouteCorrection.objects.all():
        svc.delete_correction(actor=ACTOR, correction_id=correction.pk)
    assert _best("Flimmerbrett") is None
    assert _best("Zwirbelquokka und Flimmerbrett") is None
    assert builds == [1]


def test_a_word_only_corrections_know_routes_to_their_service(catalogue: Catalogue) -> None:
    """Two corrections teach the word "Flimmerbrett"; the request "Flimmerbrett" alone has no
    lexical evidence but a character n-gram similarity of 0.04 with "Personalausweis", which the
    fusion scaled to the best lexical score (1.0) and so outweighed the classifier (found
    2026-12-05): a request none of whose words the catalogue or the lexicon knows has no lexical
    evidence, and the classifier decides."""
    with open(SAMPLE_FILE, encoding="utf-8") as handle:
        sample = Catalogue.from_records(json.loads(line) for line in handle if line.strip())
    found, _ = load_examples(BUILTIN_EXAMPLES, sample)
    target = sample.by_name()["Meldebescheinigung"].id
    router = Router(
        sample,
        examples=[(e.text, e.service_id) for e in found],
        corrections=[Correction(text, target) for text in NEW],
    )
    assert _ids(router, "Flimmerbrett")[0] == target


@pytest.mark.django_db
def test_a_deactivated_service_named_by_examples_is_neither_a_class_nor_routed(database: None) -> None:
    router = svc.router()
    conduct = Service.objects.get(name="Führungszeugnis")
    assert any(e.service_id == conduct.external_id for e in router.examples)
    Service.objects.filter(pk=conduct.pk).update(active=False)
    fresh = svc.router()
    assert fresh is not router
    assert all(e.service_id != conduct.external_id for e in fresh.examples)
    assert fresh.classifier is not None and len(fresh.classifier.classes) == len(fresh.catalogue)
    for text in CONDUCT:
        assert _best(text) != "Führungszeugnis"


@pytest.mark.django_db
def test_odd_example_files_load_and_a_directory_is_named(database: None, tmp_path: Path) -> None:
    odd = tmp_path / "mit leerzeichen.tsv"
    long_text = "Zwirbelquokka " * 2000
    odd.write_bytes(
        (
            "Zwirbelquokka gesucht\tMeldebescheinigung\r\n"
            "Zwirbelquokka gesucht\tMeldebescheinigung\r\n"  # a duplicate
            "Flimmerbrett nötig\tMeldebescheinigung\t\r\n"  # a trailing tab
            f"{long_text}\tMeldebescheinigung\r\n"
        ).encode()
    )
    with override_settings(KNOWLEDGE_ROUTE_EXAMPLES=f" {odd} "):
        assert svc.example_problem() is None
        router = svc.build_router()
    assert [e.text for e in router.examples][:3] == [
        "Zwirbelquokka gesucht",
        "Zwirbelquokka gesucht",
        "Flimmerbrett nötig",
    ]
    assert len(router.examples) == 4
    with override_settings(KNOWLEDGE_ROUTE_EXAMPLES=str(tmp_path)):
        problem = svc.example_problem()
        assert problem is not None and str(tmp_path) in problem
        assert svc.examples(svc.engine_catalogue()) == []  # routing goes on without examples


@pytest.mark.django_db
def test_the_register_shows_the_example_count_and_the_api_answer_keeps_its_shape(database: None) -> None:
    count = len(svc.router().examples)
    assert count > 0
    page = Client().get("/wissen/algorithmenregister/")
    assert page.status_code == 200
    assert f"{count} Beispielanliegen" in page.content.decode().replace("\xa0", " ").replace(".", "")
    for text in ("12345", "Führungszeugnis beantragen"):
        answer = Client().get("/api/v1/knowledge/route", {"q": text})
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"decision", "items"}
        assert all(set(item) == {"service", "score", "responsible"} for item in body["items"])
    assert body["items"][0]["service"]["name"] == "Führungszeugnis"
