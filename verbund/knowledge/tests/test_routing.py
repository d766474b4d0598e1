"""The pure routing engine (:mod:`verbund.knowledge.routing`) without a database or the shared
data: a small sample of real services of the Munich catalogue (Landeshauptstadt München,
CC BY 4.0; descriptions shortened), clear cases, typos, the lexicon, learning from corrections,
the decision thresholds, garbage input and determinism. One test measures the held-out requests
on the whole catalogue and skips when the shared data is missing."""

from __future__ import annotations

import pytest

from verbund.knowledge.routing import (
    AUTO,
    HUMAN,
    SUGGEST,
    Catalogue,
    CatalogueError,
    Correction,
    Lexicon,
    LexiconError,
    Router,
    Thresholds,
    Weights,
)
from verbund.knowledge.routing.evaluate import (
    BASELINE,
    BASELINE_VARIANTS,
    BLIND,
    HELDOUT,
    BaselineCharTfidf,
    BaselineConfig,
    accuracy,
    load_requests,
)
from verbund.knowledge.routing.router import _affirmed
from verbund.knowledge.routing.text import CompoundSplitter, damerau, fold, stem, words

SAMPLE = [
    {
        "id": "1063441",
        "name": "Personalausweis",
        "leika": "99102013001000",
        "keywords": ["Pass", "Perso", "Ausweis", "Personaldokument", "Ausweispapiere"],
        "description": "Sie benötigen einen Personalausweis, wenn Sie Ihren Wohnsitz in Deutschland haben.",
    },
    {
        "id": "1063453",
        "name": "Reisepass",
        "keywords": ["Ausweis", "Personaldokument", "Pass", "Passport", "Expresspass"],
        "description": "Für Reisen in viele Länder brauchen Sie einen Reisepass.",
    },
    {
        "id": "1076889",
        "name": "Verlust oder Diebstahl Personalausweis",
        "keywords": ["Ausweis gestohlen", "Perso", "Ausweisverlust", "Personalausweisverlust"],
        "description": "Den Verlust oder Diebstahl Ihres Personalausweises müssen Sie unverzüglich anzeigen.",
    },
    {
        "id": "1078273",
        "name": "Verlust oder Diebstahl Reisepass",
        "keywords": ["Pass gestohlen", "Reisepass gestohlen", "Pass verloren", "Passverlust"],
        "description": "Den Verlust oder Diebstahl Ihres Reisepasses müssen Sie unverzüglich anzeigen.",
    },
    {
        "id": "1063475",
        "name": "Wohnsitzanmeldung",
        "keywords": ["Ummelden", "Anmelden", "Umzug", "Ummeldung", "Einwohnermeldeamt", "Zweitwohnsitz"],
        "description": "Wenn Sie in eine Wohnung einziehen, müssen Sie sich binnen zwei Wochen anmelden.",
    },
    {
        "id": "1063486",
        "name": "Wohnsitz abmelden",
        "keywords": ["Abmeldung", "Wegziehen", "Auswandern", "Wohnsitzabmeldung"],
        "description": "Wenn Sie ins Ausland ziehen, melden Sie Ihren Wohnsitz ab.",
    },
    {
        "id": "1063423",
        "name": "Gewerbe-Anmeldung",
        "keywords": ["Gewerbe anmelden", "Gewerbeanmeldung", "Gewerbliche Tätigkeit", "Gewerbeschein"],
        "description": "Sie haben eine gewerbliche Niederlassung als Haupt- oder Filialbetrieb.",
    },
    {
        "id": "1063435",
        "name": "Gewerbe-Abmeldung",
        "keywords": ["Abmeldung Gewerbe", "Gewerbeabmeldung"],
        "description": "Wenn Sie Ihren Betrieb aufgeben, müssen Sie das Gewerbe abmelden.",
    },
    {
        "id": "1064305",
        "name": "Fahrzeug abmelden",
        "keywords": ["Außerbetriebsetzung", "Fahrzeug stilllegen", "Stilllegung", "Fahrzeugabmeldung"],
        "description": "Sie können Ihr Fahrzeug außer Betrieb setzen lassen.",
    },
    {
        "id": "1063425",
        "name": "Anmeldung fabrikneues Fahrzeug oder Tageszulassung",
        "keywords": ["Neuwagen anmelden", "Fahrzeug erstmalig anmelden", "Motorrad zulassen"],
        "description": "Mit Ihrer Online-Ausweis-Funktion können Sie Ihr Fahrzeug online anmelden.",
    },
    {
        "id": "1063565",
        "name": "Führungszeugnis",
        "keywords": ["Polizeiliches Führungszeugnis", "Erweitertes Führungszeugnis"],
        "description": "Das Führungszeugnis ist ein Auszug aus dem Bundeszentralregister.",
    },
    {
        "id": "1063648",
        "name": "Anmeldung einer Eheschließung ohne Auslandsbezug",
        "keywords": ["Heiraten", "Ehe", "Hochzeit", "Aufgebot", "Trauungstermine"],
        "description": "Sie möchten heiraten und sind beide deutsche Staatsangehörige.",
    },
    {
        "id": "1073758",
        "name": "Fischereischein beantragen",
        "keywords": ["Angelschein", "Angeln", "Fischen"],
        "description": "Wer fischen will, braucht einen Fischereischein.",
    },
    {
        "id": "1074552",
        "name": "Mietberatung",
        "keywords": ["Miete", "Mieterberatung"],
        "description": "Beratung zu allen Fragen rund um das Mietverhältnis.",
    },
    {"id": "10431907", "name": "SB Reisepass", "keywords": [], "description": ""},
]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_records(SAMPLE)


@pytest.fixture(scope="module")
def router(catalogue: Catalogue) -> Router:
    return Router(catalogue)


def best_name(router: Router, text: str) -> str | None:
    routing = router.route(text)
    return router.service(routing.best).name if routing.best else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Personalausweis beantragen", "Personalausweis"),
        ("Gewerbe anmelden", "Gewerbe-Anmeldung"),
        ("Ich möchte mein Gewerbe abmelden", "Gewerbe-Abmeldung"),
        ("Reisepass verloren", "Verlust oder Diebstahl Reisepass"),
        ("Führungszeugnis für den neuen Arbeitgeber", "Führungszeugnis"),
        ("neues Fahrzeug zulassen", "Anmeldung fabrikneues Fahrzeug oder Tageszulassung"),
    ],
)
def test_clear_requests_rank_their_service_first(router: Router, text: str, expected: str) -> None:
    assert best_name(router, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reisepas verlorn", "Verlust oder Diebstahl Reisepass"),
        ("Fürungszeugnis", "Führungszeugnis"),
        ("Fischereischien", "Fischereischein beantragen"),
        ("Fuehrungszeugniss beantragen", "Führungszeugnis"),
    ],
)
def test_typos_are_tolerated(router: Router, text: str, expected: str) -> None:
    assert best_name(router, text) == expected


def test_spelling_correction_finds_the_catalogue_word(router: Router) -> None:
    assert router.correct("reisepas") == "reisepass"
    assert router.correct("xyzzyq") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Perso weg", "Verlust oder Diebstahl Personalausweis"),
        ("Mir wurde der Perso geklaut", "Verlust oder Diebstahl Personalausweis"),
        ("Wir ziehen nach Landstuhl", "Wohnsitzanmeldung"),
        ("Auto stilllegen", "Fahrzeug abmelden"),
        ("wir wollen heiraten", "Anmeldung einer Eheschließung ohne Auslandsbezug"),
        ("ich wandere nach Kanada aus, auswandern", "Wohnsitz abmelden"),
    ],
)
def test_colloquial_words_go_through_the_lexicon(router: Router, text: str, expected: str) -> None:
    assert best_name(router, text) == expected


def test_operator_synonyms_extend_the_lexicon(catalogue: Catalogue) -> None:
    plain = Router(catalogue)
    assert best_name(plain, "Petrijünger Lizenz") != "Fischereischein beantragen"
    extended = Router(catalogue, synonyms={"petrijuenger": ["angeln", "fischereischein"]})
    assert best_name(extended, "Petrijünger Lizenz") == "Fischereischein beantragen"


def test_a_correction_changes_the_result(catalogue: Catalogue) -> None:
    router = Router(catalogue)
    text = "Ärger mit dem Hausverwalter wegen der Nebenkosten"
    before = router.route(text)
    assert before.best != "1074552" or before.decision != AUTO
    router.learn([Correction(text, "1074552")])
    after = router.route(text)
    assert after.best == "1074552"
    assert after.confidence > before.confidence
    # a near variant profits too, an unrelated request does not
    assert router.route("Ärger mit dem Hausverwalter wegen Nebenkosten").best == "1074552"
    assert router.route("Personalausweis beantragen").best == "1063441"


def test_corrections_given_at_construction_and_unknown_services_ignored(catalogue: Catalogue) -> None:
    router = Router(catalogue, corrections=[("Angellizenz für den See", "1073758"), ("irgendwas", "404")])
    assert [c.service_id for c in router.corrections] == ["1073758"]
    assert router.route("Angellizenz für den See").best == "1073758"


def test_thresholds_decide() -> None:
    thresholds = Thresholds(auto=0.8, suggest=0.4)
    assert thresholds.decide(0.95) == AUTO
    assert thresholds.decide(0.8) == AUTO
    assert thresholds.decide(0.79) == SUGGEST
    assert thresholds.decide(0.4) == SUGGEST
    assert thresholds.decide(0.39) == HUMAN
    with pytest.raises(ValueError, match="Schwellen"):
        Thresholds(auto=0.3, suggest=0.5)


def test_thresholds_are_configurable_per_router(catalogue: Catalogue) -> None:
    text = "Personalausweis beantragen"
    confidence = Router(catalogue).route(text).confidence
    assert 0.0 < confidence < 1.0
    assert Router(catalogue, thresholds=Thresholds(auto=0.0, suggest=0.0)).route(text).decision == AUTO
    assert Router(catalogue, thresholds=Thresholds(auto=1.0, suggest=1.0)).route(text).decision == HUMAN
    suggest = Thresholds(auto=min(1.0, confidence + 0.01), suggest=max(0.0, confidence - 0.01))
    assert Router(catalogue, thresholds=suggest).route(text).decision == SUGGEST


def test_clear_requests_are_more_confident_than_vague_ones(router: Router) -> None:
    clear = router.route("Personalausweis verloren")
    vague = router.route("ich habe eine Frage zu Dingen")
    assert clear.confidence > vague.confidence
    assert vague.decision == HUMAN


@pytest.mark.parametrize("text", ["", "   ", "asdf qwertz", "?!?!", "123", "ich du er", "x" * 5000, "🙂 🙃"])
def test_empty_or_garbage_input_goes_to_a_human(router: Router, text: str) -> None:
    routing = router.route(text)
    assert routing.decision == HUMAN
    assert routing.items == ()
    assert routing.confidence == 0.0


def test_results_are_deterministic_and_ordered(catalogue: Catalogue) -> None:
    first, second = Router(catalogue), Router(catalogue)
    for text in ("Pass", "Perso weg", "Gewerbe", "Umzug nach Trier", "Fahrzeug"):
        one, two = first.route(text, k=5), second.route(text, k=5)
        assert one == two == first.route(text, k=5)
        scores = [hit.score for hit in one.items]
        assert scores == sorted(scores, reverse=True)
        assert len(one.items) <= 5
        assert len({hit.service_id for hit in one.items}) == len(one.items)


def test_k_limits_the_items(router: Router) -> None:
    assert len(router.route("Pass", k=1).items) == 1
    assert len(router.route("Pass", k=3).items) == 3


def test_the_prior_favours_documented_services_over_bare_entries(catalogue: Catalogue) -> None:
    # without the name coverage, which would also prefer the plain "Reisepass"
    plain = Router(catalogue, weights=Weights(prior=0.0, coverage=0.0))
    favoured = Router(catalogue, weights=Weights(prior=0.5, coverage=0.0))
    # (not the name alone: a request that is exactly a service's name ranks that service first)
    assert best_name(plain, "Reisepass bitte") == "SB Reisepass"
    assert best_name(favoured, "Reisepass bitte") == "Reisepass"


def test_catalogue_rejects_bad_records() -> None:
    with pytest.raises(CatalogueError, match="mehrfach"):
        Catalogue.from_records([{"id": "1", "name": "A"}, {"id": "1", "name": "B"}])
    with pytest.raises(CatalogueError, match="Eintrag 2"):
        Catalogue.from_records([{"id": "1", "name": "A"}, {"id": "2", "name": " "}])
    catalogue = Catalogue.from_records([{"id": 7, "name": "A  B", "keywords": None, "extra": 1}])
    assert catalogue.get("7").name == "A B"
    assert catalogue.get("7").keywords == ()


def test_an_empty_catalogue_routes_to_a_human() -> None:
    routing = Router(Catalogue([])).route("Perso weg")
    assert routing == routing.__class__((), HUMAN, 0.0)


def test_lexicon_format() -> None:
    lexicon = Lexicon.parse("# Kommentar\nperso, ziehe um = personalausweis\n")
    assert lexicon.expand({stem("perso")}) == ["personalausweis"]
    assert lexicon.expand({stem("ziehe")}) == []
    assert lexicon.expand({stem("ziehe"), "um"}) == ["personalausweis"]
    with pytest.raises(LexiconError, match="Zeile 2"):
        Lexicon.parse("a = b\nohne gleichheitszeichen\n")
    assert len(Lexicon.default().entries) > 100


def test_text_helpers() -> None:
    assert fold("Führerschein ÄRGER Straße") == "fuehrerschein aerger strasse"
    assert words("Kfz-Zulassung, „Perso“!") == ["kfz", "zulassung", "perso"]
    assert stem("gestohlen") == stem("gestohlene")
    assert stem("abgemeldet") == stem("abmelden")
    assert damerau("reisepas", "reisepass", 2) == 1
    assert damerau("ab", "ba", 2) == 1
    assert damerau("abcdef", "uvwxyz", 2) == 3
    splitter = CompoundSplitter(["anwohner", "park", "ausweis", "personal", "verlust"])
    assert splitter.split("anwohnerparkausweis") == ("anwohner", "park", "ausweis")
    assert splitter.split("personalausweisverlust") == ("personal", "ausweis", "verlust")
    assert splitter.split("personalsausweis") == ("personal", "ausweis")
    assert splitter.split("ausweis") == ()
    assert splitter.split("unbekanntesding") == ()


def test_heldout_requests_meet_the_target(data_file) -> None:
    """Top-3 ≥ 0.90 and top-1 ≥ 0.75 on the held-out requests over the whole Munich catalogue."""
    catalogue = Catalogue.from_jsonl(data_file("services/munich_services_de.jsonl"))
    router = Router(catalogue)
    examples = load_requests(HELDOUT, catalogue)
    ranked = [[hit.service_id for hit in router.route(e.text).items] for e in examples]
    assert len(examples) >= 120
    assert len({e.service_id for e in examples}) >= 60
    assert accuracy(ranked, examples, 3) >= 0.90
    assert accuracy(ranked, examples, 1) >= 0.75


VARIANTS = [
    {
        "id": "p1",
        "name": "Bewohnerparkausweis",
        "keywords": ["Anwohnerparken", "Parkausweis"],
        "description": "Parken im eigenen Viertel.",
    },
    {
        "id": "p2",
        "name": "Bewohnerparkausweis – Neuantrag nach Verlust",
        "keywords": ["Anwohnerparken", "Parkausweis"],
        "description": "Parken im eigenen Viertel.",
    },
    {
        "id": "p3",
        "name": "Bewohnerparkausweis – Umschreibung",
        "keywords": ["Anwohnerparken", "Parkausweis"],
        "description": "Parken im eigenen Viertel.",
    },
    {
        "id": "e1",
        "name": "Anmeldung einer Eheschließung mit Auslandsbezug",
        "keywords": ["Heirat", "Standesamt", "Trauung"],
        "description": "Die Eheschließung beim Standesamt anmelden, wenn ein Partner Ausländer ist.",
    },
    {
        "id": "e2",
        "name": "Anmeldung einer Eheschließung ohne Auslandsbezug",
        "keywords": ["Heirat", "Standesamt", "Trauung"],
        "description": "Die Eheschließung beim Standesamt anmelden.",
    },
    {"id": "w1", "name": "Wartezeit", "keywords": ["warten"], "description": ""},
]


@pytest.fixture(scope="module")
def variants() -> Router:
    return Router(Catalogue.from_records(VARIANTS))


def test_name_coverage_prefers_the_plain_service_over_its_variants(variants: Router) -> None:
    coverage = variants.score("Bewohnerparkausweis beantragen").components["coverage"]
    assert coverage[0] == pytest.approx(1.0)
    assert coverage[1] < 0.5 and coverage[2] < 1.0
    assert variants.route("Bewohnerparkausweis beantragen").best == "p1"
    assert variants.route("Anwohnerparkausweis verloren").best == "p2"
    assert variants.route("Bewohnerparkausweis umschreiben").best == "p3"


def test_what_a_name_excludes_does_not_count_for_it(variants: Router) -> None:
    assert _affirmed("Fahrzeug abmelden ohne Zulassungsbescheinigung I oder Fahrzeugschein").split() == [
        "Fahrzeug",
        "abmelden",
    ]
    assert _affirmed("Aufenthalt – Humanitär ohne Schutzstatus (§ 25)").split() == [
        "Aufenthalt",
        "–",
        "Humanitär",
        "(§",
        "25)",
    ]
    coverage = variants.score("Auslandsbezug").components["coverage"]
    assert coverage[3] > 0 and coverage[4] == 0
    assert variants.route("wir wollen heiraten").best == "e2"
    assert variants.route("Heirat mit Auslandsbezug, meine Verlobte ist Ausländerin").best == "e1"


def test_spelling_correction_keeps_the_first_letter(variants: Router) -> None:
    assert variants.correct("wartne") == "warten"
    assert variants.correct("garten") is None  # a real word, not a typo of "warten"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wir wandern nach Kanada aus", "Wohnsitz abmelden"),
        ("Ich mach meinen Imbiss zum Monatsende zu", "Gewerbe-Abmeldung"),
        ("Ich will mich nebenberuflich selbstständig machen", "Gewerbe-Anmeldung"),
        ("Streit mit dem Vermieter wegen Schimmel", "Mietberatung"),
        ("Angelschein", "Fischereischein beantragen"),
    ],
)
def test_the_general_lexicon_knows_everyday_words(router: Router, text: str, expected: str) -> None:
    assert best_name(router, text) == expected


def test_baseline_configurations(catalogue: Catalogue) -> None:
    assert BaselineConfig(2, 5, True, True) == BASELINE
    assert "char_wb 2-5" in BASELINE.label
    for config in (BASELINE, *BASELINE_VARIANTS):
        baseline = BaselineCharTfidf(catalogue, config)
        assert baseline.rank("Führungszeugnis", k=1) == ["1063565"]
        assert baseline.rank("", k=3) == []


def test_baseline_reproduces_the_issue_figure(data_file) -> None:
    """The issue states top-3 = 0.82 for character n-gram TF-IDF on the development requests."""
    catalogue = Catalogue.from_jsonl(data_file("services/munich_services_de.jsonl"))
    examples = load_requests(data_file("services/routing_dev_requests_de.tsv"), catalogue)
    baseline = BaselineCharTfidf(catalogue)
    ranked = [baseline.rank(e.text) for e in examples]
    assert 0.80 <= accuracy(ranked, examples, 3) <= 0.85


def test_blind_requests_meet_the_target(data_file) -> None:
    """A regression floor on the blind set (written before the second round of tuning; read in the
    third, so a tuning figure now) over the whole Munich catalogue: top-3 ≥ 0.90, top-1 ≥ 0.75. The
    honest figure on unseen requests is the judge set's, printed by the bench."""
    catalogue = Catalogue.from_jsonl(data_file("services/munich_services_de.jsonl"))
    router = Router(catalogue)
    examples = load_requests(BLIND, catalogue)
    ranked = [[hit.service_id for hit in router.route(e.text).items] for e in examples]
    assert len(examples) >= 100
    assert len({e.service_id for e in examples}) >= 70
    assert accuracy(ranked, examples, 3) >= 0.90
    assert accuracy(ranked, examples, 1) >= 0.75
