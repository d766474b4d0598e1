"""The router: a citizen's free-text request → the best services of a catalogue.

Components, fused by a weighted sum of scores (BM25F and character scores scaled to the best
service; the fusion weights, the BM25F field weights, the lexicon weight and the learned
component's weight chosen by 5-fold cross-validation over the development, held-out and fresh
requests; the blind requests were never used: ``bench/bench_knowledge_routing.py``):

* **BM25F** over stems of the service's name, keywords/synonyms and description, with German
  compound splitting against the catalogue's own vocabulary (both sides);
* **name coverage**: the idf-weighted share of the service's name that the request covers, so
  that the plain service ("Bewohnerparkausweis") beats its variants ("… – Neuantrag nach
  Verlust") unless the request names the variant; what a name excludes ("… ohne
  Auslandsbezug") does not count as part of the name;
* **character n-gram TF-IDF** (3–5, word-bounded) over name, keywords and the start of the
  description, which tolerates inflection, compounds and typos;
* the **lexicon** (:mod:`.lexicon`) adds administrative words for colloquial ones (Perso →
  Personalausweis, umziehen → Wohnsitz anmelden), at a lower weight than the request's own words;
* **spelling correction** of words the catalogue and the lexicon do not know (Damerau–Levenshtein
  distance ≤ 1, ≤ 2 from seven letters on, same first letter, candidates from shared trigrams);
* **learned** from staff corrections: nearest neighbours (character n-gram cosine) among the
  corrected requests, each voting for its service from a cosine of 0.8 on (near-duplicates), so
  that a correction takes effect for the same and similar wordings;
* a **classifier** (:mod:`.classifier`, softmax regression) trained on the labelled requests (staff
  corrections and the catalogue's example requests) and the catalogue's names and keywords: it
  learns the words citizens use for a service that neither the catalogue nor the lexicon contains
  ("nicht vorbestraft" → Führungszeugnis); its probabilities, scaled to the most likely service,
  are added to the lexical score scaled to the best service;
* an optional **prior** for documented services (description, keywords) over bare entries (off
  by default: the name coverage already prefers "Reisepass" over "SB Reisepass").

The confidence of the best service is a logistic function of how much of the request was
understood, how well the best service matches and its margin over the second; the decision is
``auto`` / ``suggest`` / ``human`` by configurable thresholds.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from operator import itemgetter
from pathlib import Path

import numpy as np
from scipy import sparse

from .catalogue import Catalogue, Service
from .classifier import OTHER, Classifier
from .index import BM25F, CharTfidf
from .lexicon import Lexicon
from .text import STOPWORDS, CompoundSplitter, char_ngrams, damerau, stem, words

AUTO = "auto"
SUGGEST = "suggest"
HUMAN = "human"


@dataclass(frozen=True)
class Hit:
    service_id: str
    score: float


@dataclass(frozen=True)
class Routing:
    items: tuple[Hit, ...]
    decision: str
    confidence: float

    @property
    def best(self) -> str | None:
        return self.items[0].service_id if self.items else None


@dataclass(frozen=True)
class Correction:
    """Staff said: ``text`` belongs to the service ``service_id``."""

    text: str
    service_id: str


@dataclass(frozen=True)
class Thresholds:
    """Confidence from which the router decides ``auto`` and ``suggest``; below: ``human``.

    Signalen (Amsterdam) hands requests below 40 % confidence to a person.
    """

    auto: float = 0.8
    suggest: float = 0.4

    def __post_init__(self) -> None:
        if not 0.0 <= self.suggest <= self.auto <= 1.0:
            raise ValueError("Schwellen: 0 ≤ suggest ≤ auto ≤ 1 erwartet.")

    def decide(self, confidence: float) -> str:
        if confidence >= self.auto:
            return AUTO
        if confidence >= self.suggest:
            return SUGGEST
        return HUMAN


@dataclass(frozen=True)
class Weights:
    """Weights of the fused components and of the request's parts."""

    bm25: float = 1.0
    char: float = 0.8
    learned: float = 1.0
    learned_floor: float = 0.8  # a correction counts from this cosine on (near-duplicates only)
    classifier: float = 0.8  # the classifier's probabilities relative to the lexical score
    classifier_l2: float = 0.1  # its regularisation
    classifier_grams: float = 0.3  # weight of a word's character 4-grams among its features
    classifier_classes: int = 1000  # above this many services, only those with labelled requests are classes
    classifier_saturation: float = (
        2.0  # labelled requests per service from which the classifier has its full weight
    )
    prior: float = 0.0  # a documented service (description, keywords) over a bare entry
    expansion: float = 0.55  # a lexicon word relative to a word of the request
    corrected: float = 0.9  # a spelling-corrected word
    part: float = 0.5  # a compound's part when the whole word is known
    coverage: float = 0.5  # how much of the service's name the request covers (idf-weighted)
    name_field: float = 3.0  # BM25F field weights
    keywords_field: float = 1.5
    description_field: float = 0.3


@dataclass(frozen=True)
class Calibration:
    """Logistic calibration of the top result's confidence.

    The coefficients were fitted (L2-regularised logistic regression; 5-fold cross-validated
    Brier score 0.129 against 0.193 for a constant) on the held-out and development requests plus
    30 out-of-scope requests (``testdata/``); ``learned`` is not fitted (no corrections there)
    and is a cautious guess: a request very close to a corrected one raises the confidence.
    """

    intercept: float = -2.917
    understood: float = 1.582  # share of the request's words the router knows
    coverage: float = 1.06  # idf-weighted share of the request's own terms found in the best service
    similarity: float = 3.473  # character n-gram cosine of the best service
    margin: float = 1.69  # (best − second) / best of the fused score
    learned: float = 2.0  # squared cosine of the nearest corrected request of the best service

    def confidence(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(getattr(self, name) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass
class Analysis:
    """A request taken apart: what the components score and the confidence features."""

    terms: dict[str, float]
    char_parts: list[tuple[str, float]]
    understood: float
    components: dict[str, np.ndarray] = field(default_factory=dict)
    #: the share of the request's words the catalogue or the lexicon knows (not only labelled requests)
    lexical: float = 1.0


#: a service less likely than this share of the classifier's most likely class gets nothing from it
CLASSIFIER_FLOOR = 0.1
_FIELDS = {"name": 3.0, "keywords": 1.5, "description": 0.3}
_B = {"name": 0.5, "keywords": 0.6, "description": 0.75}
_DESCRIPTION_WORDS = 55  # the start of a description counts for the character n-grams
_PLACE_PREPOSITIONS = frozenset({"nach", "aus", "in", "im", "von", "bei", "ab"})


class Router:
    def __init__(
        self,
        catalogue: Catalogue,
        synonyms: Lexicon | Mapping[str, Iterable[str] | str] | str | Path | None = None,
        corrections: Iterable[Correction | tuple[str, str]] = (),
        thresholds: Thresholds | None = None,
        weights: Weights | None = None,
        calibration: Calibration | None = None,
        examples: Iterable[Correction | tuple[str, str]] = (),
    ) -> None:
        self.catalogue = catalogue
        if synonyms is None:
            self.lexicon = Lexicon.default()
        elif isinstance(synonyms, Lexicon):
            self.lexicon = synonyms
        elif isinstance(synonyms, (str, Path)):
            self.lexicon = Lexicon.from_file(synonyms)
        else:
            self.lexicon = Lexicon.default().extended(synonyms)
        self.thresholds = thresholds or Thresholds()
        self.weights = weights or Weights()
        self.calibration = calibration or Calibration()
        self._build()
        self.corrections: list[Correction] = []
        self._learned_known: set[str] = set()
        self._learned: CharTfidf | None = None
        self._learned_service: np.ndarray = np.zeros(0, dtype=int)
        self.classifier: Classifier | None = None
        #: the share of its weight the classifier has: labelled requests per service relative to
        #: ``Weights.classifier_saturation`` (a classifier of a few corrections is a weak witness)
        self.classifier_share = 0.0
        #: labelled requests the classifier learns from besides the corrections (example requests
        #: of a known catalogue); unlike corrections, they are not remembered word for word
        self.examples = _labelled(examples, catalogue)
        self._example_known = {s for e in self.examples for s in _stems(e.text)}
        self._base_rows: tuple[list[dict[str, float]], list[int], bool] | None = None
        self.learn(corrections)

    # -- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        services = self.catalogue.services
        n = len(services)
        tokens = {
            "name": [_content(_affirmed(s.name)) for s in services],
            "keywords": [_content(" ".join((*s.keywords, *s.synonyms))) for s in services],
            "description": [_content(s.description) for s in services],
        }
        tokens["short"] = [ws[:_DESCRIPTION_WORDS] for ws in tokens["description"]]
        # documents × words count matrices, one per field (content words only)
        word_ids: dict[str, int] = {}
        triplets: dict[str, tuple[list[int], list[float], list[int]]] = {}
        frequency: Counter[str] = Counter()
        strong: set[str] = set()
        for name, column in tokens.items():
            cols: list[int] = []
            vals: list[float] = []
            indptr = [0]
            for content in column:
                counts = Counter(content)
                cols += [word_ids.setdefault(w, len(word_ids)) for w in counts]
                vals += counts.values()
                indptr.append(len(cols))
                if name != "short":
                    frequency.update(counts.keys())
                    if name != "description":
                        strong.update(counts)
            triplets[name] = (cols, vals, indptr)
        matrices = {
            name: sparse.csr_matrix(
                (np.array(v, dtype=float), np.array(c, dtype=np.int64), np.array(p, dtype=np.int64)),
                shape=(n, len(word_ids)),
            )
            for name, (c, v, p) in triplets.items()
        }
        lexicon_words = self.lexicon.surface_words()
        self.splitter = CompoundSplitter([w for w in frequency if not w.isdigit()] + sorted(lexicon_words))
        self._frequency = frequency
        self._strong = strong
        vocabulary = {w for w in frequency if not w.isdigit()} | lexicon_words
        self._known = {stem(w) for w in vocabulary if w not in STOPWORDS} | self.lexicon.trigger_words()
        self._trigrams: dict[str, list[str]] = defaultdict(list)
        for word in sorted(vocabulary):
            if len(word) >= 4 and word not in STOPWORDS:
                for gram in _trigrams(word):
                    self._trigrams[gram].append(word)
        self._corrections_cache: dict[str, str | None] = {}
        # a request that is exactly a service's name (case and punctuation aside) ranks it first,
        # whatever the classifier learned for its variants; a name several services share counts not
        exact: dict[str, int | None] = {}
        for position, service in enumerate(services):
            key = " ".join(words(service.name))
            exact[key] = None if key in exact else position
        self._exact = {key: position for key, position in exact.items() if position is not None}
        # words × terms (the stem, and the stems of a compound's parts at a lower weight) and
        # words × character n-grams: documents × words @ words × … gives the indexes' matrices
        term_ids: dict[str, int] = {}
        rows: list[int] = []
        cols = []
        vals = []
        gram_ids: dict[str, int] = {}
        grows: list[int] = []
        gcols: list[int] = []
        gvals: list[int] = []
        for word, row in word_ids.items():
            rows.append(row)
            cols.append(term_ids.setdefault(stem(word), len(term_ids)))
            vals.append(1.0)
            for part in self.splitter.split(word):
                rows.append(row)
                cols.append(term_ids.setdefault(stem(part), len(term_ids)))
                vals.append(self.weights.part)
            grams = Counter(char_ngrams(word, 3, 5))
            grows += [row] * len(grams)
            gcols += [gram_ids.setdefault(g, len(gram_ids)) for g in grams]
            gvals += grams.values()
        word_terms = sparse.csr_matrix((vals, (rows, cols)), shape=(len(word_ids), len(term_ids)))
        word_grams = sparse.csr_matrix(
            (gvals, (grows, gcols)), shape=(len(word_ids), len(gram_ids)), dtype=float
        )
        fields = {name: sparse.csr_matrix(matrices[name] @ word_terms) for name in _FIELDS}
        w = self.weights
        field_weights = {
            "name": w.name_field,
            "keywords": w.keywords_field,
            "description": w.description_field,
        }
        self.bm25 = BM25F(fields, term_ids, field_weights, _B)
        # name coverage: the idf-weighted share of a service's name terms that a request contains,
        # so that "Bewohnerparkausweis" beats "Bewohnerparkausweis – Neuantrag nach Verlust" when
        # the request says nothing about a loss
        names = sparse.csc_matrix(fields["name"])
        names.data = np.minimum(names.data, 1.0)  # a whole word 1, a compound's part w.part
        totals = np.asarray((names @ sparse.diags(self.bm25.idf)).sum(axis=1)).ravel()
        totals[totals == 0] = 1.0
        self._names = names
        self._name_totals = totals
        weighted = matrices["name"] + 0.7 * matrices["keywords"] + 0.2 * matrices["short"]
        self.char = CharTfidf([], counts=(sparse.csr_matrix(weighted @ word_grams), gram_ids))
        # documented services (a description, keywords) are what citizens look for; bare entries
        # ("SB Reisepass", "Shortlane 15 min") are often internal appointment types
        self._prior = np.array(
            [
                (min(len(s.description), 200) / 200 + (1.0 if s.keywords or s.synonyms else 0.0)) / 2
                for s in services
            ]
        )

    def learn(self, corrections: Iterable[Correction | tuple[str, str]]) -> None:
        """Add staff corrections (request text → right service) and retrain the learned part.

        Corrections naming a service that is not in the catalogue are ignored.
        """
        self.corrections = [*self.corrections, *_labelled(corrections, self.catalogue)]
        self._learned_known = self._example_known | {s for c in self.corrections for s in _stems(c.text)}
        self.classifier = self._train_classifier()
        labelled = len(self.examples) + len(self.corrections)
        saturation = self.weights.classifier_saturation * max(len(self.catalogue), 1)
        self.classifier_share = min(1.0, labelled / saturation) if self.classifier is not None else 0.0
        if not self.corrections:
            self._learned = None
            return
        self._learned = CharTfidf([self.analyse(c.text).char_parts for c in self.corrections])
        self._learned_service = np.array([self.catalogue.position(c.service_id) for c in self.corrections])

    def classifier_terms(self, text: str, analysis: Analysis | None = None) -> dict[str, float]:
        """The classifier's features of a request: the analysed terms (lexicon words included),
        the stem of every content word, known or not, and its character 4-grams (typos)."""
        terms = dict((analysis or self.analyse(text)).terms)
        grams = self.weights.classifier_grams
        for word in words(text):
            if len(word) > 1 and word not in STOPWORDS:
                s = stem(word)
                terms[s] = max(terms.get(s, 0.0), 1.0)
                if grams > 0:
                    for gram in set(char_ngrams(word, 4, 4)):
                        key = "#" + gram
                        terms[key] = max(terms.get(key, 0.0), grams)
        return terms

    def _train_classifier(self) -> Classifier | None:
        """The classifier over the examples, the corrections and the catalogue's own names and
        keywords; none without labelled requests or with a weight of zero."""
        labelled = [*self.examples, *self.corrections]
        if not labelled or self.weights.classifier <= 0 or not len(self.catalogue):
            return None
        # every service is a class (its name and keywords are its examples), so that the
        # probabilities compare all services; in a very large catalogue only the services with
        # labelled requests are, which bounds the model (terms × classes) and the training time
        everyone = len(self.catalogue) <= self.weights.classifier_classes
        if self._base_rows is None or self._base_rows[2] != everyone:
            rows: list[dict[str, float]] = []
            labels: list[int] = []
            wanted = {self.catalogue.position(e.service_id) for e in self.examples}
            for position, service in enumerate(self.catalogue.services):
                if everyone or position in wanted:
                    for text in (service.name, *service.keywords, *service.synonyms):
                        rows.append(self.classifier_terms(text))
                        labels.append(position)
            for example in self.examples:
                rows.append(self.classifier_terms(example.text))
                labels.append(self.catalogue.position(example.service_id))
            self._base_rows = (rows, labels, everyone)
        rows, labels, _ = self._base_rows
        rows = rows + [self.classifier_terms(c.text) for c in self.corrections]
        labels = labels + [self.catalogue.position(c.service_id) for c in self.corrections]
        if not everyone:
            # the corrected services' own names and keywords, if no example brought them in yet
            corrected = {self.catalogue.position(c.service_id) for c in self.corrections}
            for position in sorted(corrected - set(labels)):
                service = self.catalogue.services[position]
                for text in (service.name, *service.keywords, *service.synonyms):
                    rows.append(self.classifier_terms(text))
                    labels.append(position)
            # "none of these": the names of up to 1,000 other services, evenly spread over the
            # catalogue, so that a request about another service does not go to a labelled one
            classified = set(labels)
            others = [i for i in range(len(self.catalogue)) if i not in classified]
            for position in others[:: max(1, len(others) // 1000)]:
                rows.append(self.classifier_terms(self.catalogue.services[position].name))
                labels.append(OTHER)
        # a character 4-gram seen in one example only says nothing a word does not say: left out,
        # which keeps the model small (a third of the features for the Munich catalogue)
        grams = Counter(term for row in rows for term in row if term.startswith("#"))
        rare = {term for term, count in grams.items() if count < 2}
        if rare:
            rows = [{t: v for t, v in row.items() if t not in rare} for row in rows]
        if len(set(labels) - {OTHER}) < 2 and OTHER not in labels:
            return None  # one class has the probability 1 for every request: it says nothing
        return Classifier.train(rows, labels, len(self.catalogue), l2=self.weights.classifier_l2)

    # -- requests -----------------------------------------------------------------------------

    def correct(self, word: str) -> str | None:
        """The closest known word to an unknown ``word`` (or ``None``)."""
        if word in self._corrections_cache:
            return self._corrections_cache[word]
        result = None
        if len(word) >= 4 and not word.isdigit():
            limit = 1 if len(word) <= 6 else 2  # conservative: character n-grams also absorb typos
            shared: Counter[str] = Counter()
            for gram in _trigrams(word):
                for candidate in self._trigrams.get(gram, ()):
                    shared[candidate] += 1
            best: tuple[int, int, int, str] | None = None
            # an edit destroys at most four of the word's trigrams: a cheap filter, then the
            # 150 candidates sharing most trigrams (ties in vocabulary order); typists rarely miss
            # the first letter, and a word differing there is more often another real word
            # ("Garten" is not "warten", "Inder" not "Kinder")
            needed = len(word) - 4 * limit
            candidates = [
                c
                for c, n in heapq.nlargest(150, shared.items(), key=itemgetter(1))
                if n >= needed and abs(len(c) - len(word)) <= limit and c[0] == word[0]
            ]
            for candidate in candidates:
                distance = damerau(word, candidate, limit)
                if distance > limit:
                    continue
                key = (
                    distance,
                    0 if candidate in self._strong else 1,
                    -self._frequency[candidate],
                    candidate,
                )
                if best is None or key < best:
                    best = key
            result = best[3] if best else None
        self._corrections_cache[word] = result
        return result

    def analyse(self, text: str) -> Analysis:
        """Terms, character-n-gram text and the share of understood words of a request."""
        w = self.weights
        all_words = words(text)
        # stems of the content words, function words as they are ("ziehe … um"; "wegen" ≠ "weg")
        present = {x if x in STOPWORDS else stem(x) for x in all_words}
        content = [x for x in all_words if len(x) > 1 and x not in STOPWORDS]
        # an unknown word after "nach", "aus", "in" … is most likely a place ("nach Landstuhl"):
        # it neither helps nor counts against understanding the request
        places = {b for a, b in pairwise(all_words) if a in _PLACE_PREPOSITIONS}
        terms: dict[str, float] = {}
        surface: list[str] = []
        understood = 0
        learned_only = 0
        skipped = 0

        def add(term: str, weight: float) -> None:
            terms[term] = max(terms.get(term, 0.0), weight)

        for word in content:
            s = stem(word)
            parts = self.splitter.split(word)
            if s in self._known or s in self._learned_known or word.isdigit():
                understood += 1
                if s not in self._known and not word.isdigit():
                    learned_only += 1
                add(s, 1.0)
                surface.append(word)
                for part in parts:
                    add(stem(part), w.part)
                    present.add(stem(part))
            elif parts:
                understood += 1
                surface.append(" ".join(parts))
                for part in parts:
                    add(stem(part), 1.0)
                    present.add(stem(part))
            else:
                fixed = self.correct(word)
                if fixed is None:
                    if word in places:
                        skipped += 1
                    else:
                        surface.append(word)
                    continue
                understood += 1
                surface.append(fixed)
                add(stem(fixed), w.corrected)
                present.add(stem(fixed))
                for part in self.splitter.split(fixed):
                    add(stem(part), w.part * w.corrected)
                    present.add(stem(part))
        expansion = self.lexicon.expand(present)
        for word in expansion:
            add(stem(word), w.expansion)
            for part in self.splitter.split(word):
                add(stem(part), w.part * w.expansion)
        parts_for_char = [(" ".join(surface), 1.0)]
        if expansion:
            parts_for_char.append((" ".join(dict.fromkeys(expansion)), w.expansion))
        counted = len(content) - skipped
        share = understood / counted if counted else 0.0
        lexical = (understood - learned_only) / counted if counted else 0.0
        return Analysis(terms, parts_for_char, share, lexical=lexical)

    def score(self, text: str) -> Analysis:
        """:meth:`analyse` plus each component's scores over the catalogue."""
        analysis = self.analyse(text)
        n = len(self.catalogue)
        analysis.components["bm25"] = self.bm25.scores(analysis.terms) if n else np.zeros(0)
        analysis.components["char"] = self.char.similarities(analysis.char_parts) if n else np.zeros(0)
        analysis.components["coverage"] = self._coverage(analysis.terms) if n else np.zeros(0)
        learned = np.zeros(n)
        if self._learned is not None:
            similarity = self._learned.similarities(analysis.char_parts)
            np.maximum.at(learned, self._learned_service, similarity)
        analysis.components["learned"] = learned
        if self.classifier is not None and n:
            terms = self.classifier_terms(text, analysis)
            # a request of which the classifier knows no term gets uniform probabilities: no
            # preference, which would only give every service of the catalogue a score
            if any(term in self.classifier.vocabulary for term in terms):
                analysis.components["classifier"] = self.classifier.relative(terms)
        return analysis

    def _coverage(self, terms: Mapping[str, float]) -> np.ndarray:
        """The idf-weighted share of each service's name terms that occur in the request.

        A term counts with the smaller of its weight in the name (a whole word 1, a compound's
        part less) and in the request (own words 1, lexicon and corrected words less), so that a
        request naming the service exactly covers it fully.
        """
        covered = np.zeros(len(self.catalogue))
        names = self._names
        for term, weight in terms.items():
            column = self.bm25.vocabulary.get(term)
            if column is None:
                continue
            start, end = names.indptr[column], names.indptr[column + 1]
            rows = names.indices[start:end]
            covered[rows] += self.bm25.idf[column] * np.minimum(names.data[start:end], weight)
        return covered / self._name_totals

    def fuse(
        self, components: Mapping[str, np.ndarray], weights: Weights | None = None, lexical: float = 1.0
    ) -> np.ndarray:
        """The fused score: BM25 and character scores scaled to the best service, learned raw."""
        w = weights or self.weights
        fused = np.zeros(len(self.catalogue))
        total = 0.0
        for name, weight in (("bm25", w.bm25), ("char", w.char)):
            values = components[name]
            top = float(values.max()) if values.size else 0.0
            if top > 0 and weight > 0:
                fused += weight * values / top
            total += weight
        if w.coverage > 0 and "coverage" in components:
            fused += w.coverage * components["coverage"] * (fused > 0)
            total += w.coverage
        if self._learned is not None and w.learned > 0:
            floor = min(w.learned_floor, 0.99)
            fused += w.learned * np.maximum(components["learned"] - floor, 0.0) / (1.0 - floor)
            total += w.learned
        if total and w.prior:
            fused += w.prior * self._prior * (fused > 0)
            total += w.prior
        fused = fused / total if total else fused
        probabilities = components.get("classifier")
        weight = w.classifier * self.classifier_share
        if probabilities is not None and probabilities.size and probabilities.max() > 0 and weight > 0:
            # both parts scaled to their best service, so that the weight means the same for every
            # request; the sum scaled back to at most 1
            top = float(fused.max())
            # a request none of whose words the catalogue or the lexicon knows has no lexical
            # evidence, only chance overlaps of letters: the classifier alone decides
            scaled = fused / top if top > 0 and lexical > 0 else np.zeros_like(fused)
            # the probabilities relative to the most likely class (``Classifier.relative``); below
            # CLASSIFIER_FLOOR of it a service gets nothing (the long tail is noise)
            learned = np.where(probabilities >= CLASSIFIER_FLOOR, probabilities, 0.0)
            fused = (scaled + weight * learned) / (1.0 + weight)
        return fused

    def features(self, analysis: Analysis, fused: np.ndarray, order: Sequence[int]) -> dict[str, float]:
        """Confidence features of the best service ``order[0]``."""
        if not order or fused[order[0]] <= 0:
            return {
                "understood": analysis.understood,
                "coverage": 0.0,
                "similarity": 0.0,
                "margin": 0.0,
                "learned": 0.0,
            }
        best = order[0]
        second = float(fused[order[1]]) if len(order) > 1 else 0.0
        own = {t: wt for t, wt in analysis.terms.items() if wt >= self.weights.corrected}
        total = sum(self.bm25.idf_of(t) * wt for t, wt in own.items())
        matched = self.bm25.matched(own, best)
        covered = sum(self.bm25.idf_of(t) * own[t] for t in matched)
        return {
            "understood": analysis.understood,
            "coverage": covered / total if total > 0 else 0.0,
            "similarity": float(analysis.components["char"][best]),
            "margin": (float(fused[best]) - second) / float(fused[best]),
            "learned": float(analysis.components["learned"][best]) ** 2,
        }

    def route(self, text: str, k: int = 5) -> Routing:
        """The ``k`` best services for ``text``, best first, with decision and confidence."""
        analysis = self.score(text)
        fused = self.fuse(analysis.components, lexical=analysis.lexical)
        order = _ranking(fused, max(k, 2))
        named = self._exact.get(" ".join(words(text)))
        if named is not None and order and order[0] != named and fused[named] > 0:
            fused = fused.copy()
            fused[named] = fused[order[0]]  # level with the former best, and before it
            order = [named, *(i for i in order if i != named)][: max(k, 2)]
        features = self.features(analysis, fused, order)
        if not order or analysis.understood == 0:
            return Routing((), HUMAN, 0.0)
        confidence = self.calibration.confidence(features)
        ids = self.catalogue.services
        items = tuple(Hit(ids[i].id, round(float(fused[i]), 6)) for i in order[:k])
        return Routing(items, self.thresholds.decide(confidence), round(confidence, 6))

    def service(self, service_id: str) -> Service:
        return self.catalogue.get(service_id)


def _labelled(items: Iterable[Correction | tuple[str, str]], catalogue: Catalogue) -> list[Correction]:
    """The labelled requests whose service is in the catalogue and whose text is not blank."""
    result = []
    for item in items:
        labelled = item if isinstance(item, Correction) else Correction(*item)
        if labelled.service_id in catalogue and labelled.text.strip():
            result.append(labelled)
    return result


def _stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS}


def _content(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 1 and w not in STOPWORDS]


_NEGATION = re.compile(r"\bohne\b[^–(/]*", re.IGNORECASE)


def _affirmed(name: str) -> str:
    """A service's name without what it says it is *not* for: "Fahrzeug abmelden ohne
    Zulassungsbescheinigung I" is not about the Zulassungsbescheinigung, and "Eheschließung ohne
    Auslandsbezug" should not match a request about a foreign spouse as well as "mit Auslandsbezug"."""
    return _NEGATION.sub(" ", name)


def _trigrams(word: str) -> list[str]:
    padded = f"#{word}#"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def _ranking(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` best positive scores, best first; ties by catalogue order."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > 4 * k:
        # keep everything that ties with the k-th best, then order exactly
        kth = np.partition(scores[positive], positive.size - k)[positive.size - k]
        positive = positive[scores[positive] >= kth]
    ranked = sorted(positive.tolist(), key=lambda i: (-float(scores[i]), i))
    return ranked[:k]
