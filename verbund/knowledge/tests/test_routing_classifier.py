"""The router's classifier (:mod:`verbund.knowledge.routing.classifier`): the optimiser, the
softmax regression, how the router learns from example requests and corrections, how much weight
the classifier gets, and the built-in example requests (their format, their services, no overlap
with the judge sets). The accuracy on unseen requests is measured on the two judge sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from verbund.knowledge.routing import Catalogue, Correction, Router, Weights
from verbund.knowledge.routing.classifier import OTHER, Classifier, lbfgs
from verbund.knowledge.routing.evaluate import (
    BUILTIN_EXAMPLES,
    BUILTIN_KEYS,
    JUDGE,
    JUDGE_B,
    JUDGE_C,
    TRAINING,
    DataError,
    accuracy,
    load_examples,
    load_keys,
    load_requests,
)
from verbund.knowledge.routing.text import words

from .test_routing import SAMPLE

# --- the optimiser and the model ----------------------------------------------------------------------


def test_lbfgs_finds_the_minimum_of_a_quadratic() -> None:
    rng = np.random.default_rng(7)
    m = rng.normal(size=(30, 30))
    a = m @ m.T + 30 * np.eye(30)  # positive definite
    centre = rng.normal(size=30)

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        d = x - centre
        return 0.5 * float(d @ a @ d), a @ d

    found = lbfgs(objective, np.zeros(30), steps=500, tolerance=1e-10)
    assert np.allclose(found, centre, atol=1e-5)


def test_the_classifier_learns_which_words_belong_to_which_class() -> None:
    examples = [{"hund": 1.0}, {"hund": 1.0, "steuer": 1.0}, {"pass": 1.0}, {"reise": 1.0, "pass": 1.0}]
    model = Classifier.train(examples, [0, 0, 2, 2], n_classes=3, l2=0.01)
    dog, passport = model.probabilities({"hund": 1.0}), model.probabilities({"pass": 1.0})
    assert dog.shape == (3,) and passport.shape == (3,)
    assert int(dog.argmax()) == 0 and int(passport.argmax()) == 2
    assert dog.sum() == pytest.approx(1.0) and passport.sum() == pytest.approx(1.0)
    # a service without examples is no class: probability 0, whatever the request
    assert dog[1] == 0.0 and passport[1] == 0.0
    # nothing known: no preference among the classes
    unknown = model.probabilities({"xylophon": 1.0})
    assert unknown[0] == pytest.approx(unknown[2]) == pytest.approx(0.5)


def test_the_classifier_refuses_labels_it_cannot_place() -> None:
    with pytest.raises(ValueError, match="length"):
        Classifier.train([{"a": 1.0}], [0, 1], n_classes=2)
    with pytest.raises(ValueError, match="service position"):
        Classifier.train([{"a": 1.0}], [5], n_classes=2)


# --- the router with examples -----------------------------------------------------------------------

#: how people say that they need a certificate of good conduct, without the catalogue's words
CONDUCT = [
    "mein neuer Arbeitgeber will einen Nachweis, dass ich nicht vorbestraft bin",
    "Nachweis keine Vorstrafen für den Verein",
    "bin nicht vorbestraft, brauche das schriftlich für die Kita",
    "Bescheinigung ohne Vorstrafen für die neue Stelle",
    "die Schule will wissen ob ich vorbestraft bin",
    "Papier dass ich keine Vorstrafe habe",
]
#: and that they are moving in (the lexical part knows this already)
MOVING = [
    "wir sind gerade in die neue Wohnung gezogen",
    "neue Wohnung bezogen, wo melde ich mich",
    "Umzug innerhalb der Stadt, was muss ich tun",
]


def _names(router: Router, text: str) -> list[str]:
    return [router.service(hit.service_id).name for hit in router.route(text).items]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_records(SAMPLE)


def _labelled(catalogue: Catalogue, texts: list[str], name: str) -> list[Correction]:
    service = catalogue.by_name()[name]
    return [Correction(text, service.id) for text in texts]


def test_examples_teach_the_router_words_the_catalogue_does_not_have(catalogue: Catalogue) -> None:
    request = "die Jugendfeuerwehr verlangt einen Beleg, dass ich nicht vorbestraft bin"
    plain = Router(catalogue)
    assert plain.classifier is None
    assert _names(plain, request)[:1] != ["Führungszeugnis"]
    examples = _labelled(catalogue, CONDUCT, "Führungszeugnis") + _labelled(
        catalogue, MOVING, "Wohnsitzanmeldung"
    )
    # enough examples per service for the classifier's full weight in this small catalogue
    trained = Router(catalogue, examples=examples * 4)
    assert trained.classifier is not None and trained.classifier_share == 1.0
    assert _names(trained, request)[0] == "Führungszeugnis"
    # what the lexical part knew before still holds
    for text, expected in (
        ("Perso verloren", "Verlust oder Diebstahl Personalausweis"),
        ("Angelschein", "Fischereischein beantragen"),
    ):
        assert _names(trained, text)[0] == expected
    # examples are not corrections: not remembered word for word, no near-duplicate votes
    assert trained.corrections == [] and trained._learned is None


def test_few_labelled_requests_give_the_classifier_little_weight(catalogue: Catalogue) -> None:
    few = Router(catalogue, examples=_labelled(catalogue, CONDUCT[:2], "Führungszeugnis"))
    assert few.classifier is not None
    assert 0 < few.classifier_share < 0.1  # 2 requests for 16 services, saturation at 2 per service
    many = Router(catalogue, examples=_labelled(catalogue, CONDUCT, "Führungszeugnis") * 6)
    assert many.classifier_share == 1.0
    # the weight is the configured one times the share: zero switches the classifier off
    off = Router(
        catalogue,
        examples=_labelled(catalogue, CONDUCT, "Führungszeugnis") * 6,
        weights=Weights(classifier=0),
    )
    assert off.classifier is None and off.classifier_share == 0.0
    request = "Nachweis dass ich nicht vorbestraft bin"
    assert [h.service_id for h in off.route(request).items] == [
        h.service_id for h in Router(catalogue).route(request).items
    ]


def test_examples_of_services_the_catalogue_lacks_are_left_out(catalogue: Catalogue) -> None:
    router = Router(catalogue, examples=[("Hundesteuer anmelden", "gibt-es-nicht"), ("   ", "1063565")])
    assert router.examples == [] and router.classifier is None


def test_a_correction_retrains_the_classifier(catalogue: Catalogue) -> None:
    examples = _labelled(catalogue, CONDUCT + MOVING, "Führungszeugnis")[: len(CONDUCT)] * 4
    router = Router(catalogue, examples=examples)
    before = router.classifier
    # a word nobody used before, corrected twice by staff for the fishing licence
    fishing = catalogue.by_name()["Fischereischein beantragen"].id
    router.learn(
        [Correction("Petri Heil, ich will an die Isar", fishing), Correction("Petri Heil am See", fishing)]
    )
    assert router.classifier is not None and router.classifier is not before
    position = catalogue.position(fishing)
    probabilities = router.classifier.probabilities(router.classifier_terms("Petri Heil"))
    assert int(probabilities.argmax()) == position


def test_a_very_large_catalogue_keeps_only_labelled_services_as_classes(catalogue: Catalogue) -> None:
    examples = _labelled(catalogue, CONDUCT, "Führungszeugnis") + _labelled(
        catalogue, MOVING, "Wohnsitzanmeldung"
    )
    router = Router(catalogue, examples=examples, weights=Weights(classifier_classes=3))
    assert router.classifier is not None
    classes = {catalogue.services[int(i)].name for i in router.classifier.classes if i != OTHER}
    assert classes == {"Führungszeugnis", "Wohnsitzanmeldung"}
    assert OTHER in router.classifier.classes  # the other services' names: "none of these"
    # a request about another service gets nothing from the classifier
    probabilities = router.score("Fischereischein beantragen").components["classifier"]
    assert probabilities.max() < 0.5
    everyone = Router(catalogue, examples=examples)
    assert everyone.classifier is not None and len(everyone.classifier.classes) == len(catalogue)


# --- example files ----------------------------------------------------------------------------------


def test_example_files_skip_unknown_services_and_name_bad_lines(catalogue: Catalogue, tmp_path: Path) -> None:
    good = tmp_path / "beispiele.tsv"
    good.write_text(
        "# Kommentar\n\nPerso weg\tVerlust oder Diebstahl Personalausweis\nHund anmelden\tHundesteuer\n",
        encoding="utf-8",
    )
    found, missing = load_examples([good], catalogue)
    assert [e.text for e in found] == ["Perso weg"] and missing == 1
    bad = tmp_path / "kaputt.tsv"
    bad.write_text("Perso weg\tVerlust oder Diebstahl Personalausweis\nnur eine Spalte\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"kaputt\.tsv, Zeile 2"):
        load_examples([good, bad], catalogue)


def test_examples_reach_another_catalogue_through_the_leika_key(tmp_path: Path) -> None:
    """A Verbandsgemeinde's catalogue names its services differently; the LeiKa key carries the
    examples written for Munich's names over. A key two services share carries nothing."""
    other = Catalogue.from_records(
        [
            {"id": "vg-1", "name": "Gewerbeanzeige (Anmeldung)", "leika": "99050012104000"},
            {
                "id": "vg-2",
                "name": "Meldebescheinigung ausstellen",
                "leika": "99115005000000, 99115005001000",
            },
            {"id": "vg-3", "name": "Hund anmelden", "leika": "99999000000001"},
            {"id": "vg-4", "name": "Hundesteuer", "leika": "99999000000001"},
        ]
    )
    examples = tmp_path / "beispiele.tsv"
    examples.write_text(
        "Ich mache einen Laden auf\tGewerbe-Anmeldung\n"
        "Bestätigung meiner Adresse\tMeldebescheinigung\t99115005001000\n"
        "Neuer Hund im Haus\tHund\t99999000000001\n"
        "Perso weg\tVerlust oder Diebstahl Personalausweis\n",
        encoding="utf-8",
    )
    keys = {"Gewerbe-Anmeldung": "99050012104000"}
    found, missing = load_examples([examples], other, keys)
    assert [(e.text, e.service_id) for e in found] == [
        ("Ich mache einen Laden auf", "vg-1"),  # the key of the name (the built-in key file)
        ("Bestätigung meiner Adresse", "vg-2"),  # the line's own key, one of the service's keys
    ]
    assert missing == 2  # a key two services share; no key at all


def test_the_builtin_keys_are_the_munich_catalogues(data_file) -> None:
    catalogue = Catalogue.from_jsonl(data_file("services/munich_services_de.jsonl"))
    keys = load_keys(BUILTIN_KEYS)
    by_name = catalogue.by_name()
    assert len(keys) >= 100
    assert all(by_name[name].leika == key for name, key in keys.items())


def test_the_builtin_examples_name_munich_services_and_never_a_judge_request(data_file) -> None:
    catalogue = Catalogue.from_jsonl(data_file("services/munich_services_de.jsonl"))
    assert BUILTIN_EXAMPLES and all(path.exists() for path in BUILTIN_EXAMPLES)
    assert not {JUDGE, JUDGE_B, JUDGE_C} & set(BUILTIN_EXAMPLES)
    assert all(path.parent == TRAINING or path.parent.name == "testdata" for path in BUILTIN_EXAMPLES)
    found, missing = load_examples(BUILTIN_EXAMPLES, catalogue)
    assert missing == 0, "every example names a service of the Munich catalogue"
    # every service of the catalogue has examples
    assert {e.service_id for e in found} == {s.id for s in catalogue}
    # the judge sets stay unseen: no example is one of their requests (case and punctuation aside)
    judged = {
        " ".join(words(e.text)) for path in (JUDGE, JUDGE_B, JUDGE_C) for e in load_requests(path, catalogue)
    }
    assert not judged & {" ".join(words(e.text)) for e in found}


def test_unseen_requests_meet_the_goal_with_the_builtin_examples(data_file) -> None:
    """The issue's goal (top-1 ≥ 0.75, top-3 ≥ 0.90 on requests nobody tuned for) on the three judge
    sets, which nobody read; measured on 05.12.2026 with the examples as shipped: 0.924 / 0.976,
    0.891 / 0.967 and 0.912 / 0.977."""
    catalogue = Catalogue.from_jsonl(data_file("services/munich_services_de.jsonl"))
    found, _ = load_examples(BUILTIN_EXAMPLES, catalogue)
    router = Router(catalogue, examples=[(e.text, e.service_id) for e in found])
    for path in (JUDGE, JUDGE_B, JUDGE_C):
        labelled = load_requests(path, catalogue)
        ranked = [[hit.service_id for hit in router.route(e.text).items] for e in labelled]
        assert len(labelled) >= 150
        assert accuracy(ranked, labelled, 1) >= 0.75, path.name
        assert accuracy(ranked, labelled, 3) >= 0.90, path.name
