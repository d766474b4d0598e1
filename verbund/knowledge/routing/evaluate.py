"""Measuring a router: labelled requests, top-k accuracy, the character n-gram TF-IDF baseline
and cross-validation of the fusion weights and the confidence calibration. Pure."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .catalogue import Catalogue, Service
from .index import CharTfidf

#: Where the real data lies: ``$VERBUND_DATA_DIR`` or ``../shared/data`` next to the repository.
REPOSITORY = Path(__file__).resolve().parents[3]
HELDOUT = Path(__file__).with_name("testdata") / "heldout_requests_de.tsv"
#: written after tuning and never used for it (a check that the figures hold)
FRESH = Path(__file__).with_name("testdata") / "fresh_requests_de.tsv"
#: written before the second round of tuning; its errors were read in the third round (tuning data)
BLIND = Path(__file__).with_name("testdata") / "blind_requests_de.tsv"
#: written after all tuning by a helper who read neither the router nor the other sets (first contact
#: on 2026-12-04: top-1 0.650, top-3 0.825, top-5 0.894; the baseline 0.350 / 0.575); from then on
#: used for tuning (its errors analysed for the third round of the lexicon and the stop words), so
#: no longer an unseen judge
FINAL = Path(__file__).with_name("testdata") / "final_requests_de.tsv"
#: written during the third round by a helper who read neither the router nor the other sets; measured
#: after it and never read or tuned on (2026-12-04: top-1 0.653, top-3 0.865, top-5 0.906; baseline
#: 0.347 / 0.518): the honest figure for requests nobody tuned for. Keep it unread.
JUDGE = Path(__file__).with_name("testdata") / "judge_requests_de.tsv"
#: a second judge set, written on 2026-12-05 by another helper who read neither the router nor the
#: sets; measured after the first round of examples (top-1 0.863, top-3 0.953; the router without
#: examples 0.611 / 0.796; baseline 0.327 / 0.488) and after the second (0.891 / 0.967). Keep it unread.
JUDGE_B = Path(__file__).with_name("testdata") / "judge_b_requests_de.tsv"
#: a third, written while the second round of examples was (by other helpers): first measured with the
#: first round (0.894 / 0.968; without examples 0.659 / 0.903; baseline 0.406 / 0.585), then with both
#: (0.912 / 0.977), the figure for the examples as shipped. Keep it unread.
JUDGE_C = Path(__file__).with_name("testdata") / "judge_c_requests_de.tsv"
OUT_OF_SCOPE = Path(__file__).with_name("testdata") / "heldout_out_of_scope_de.txt"
#: Example requests for the Munich catalogue written to train the classifier (never used to measure)
TRAINING = Path(__file__).with_name("training")
#: What the classifier learns from by default (``KNOWLEDGE_ROUTE_EXAMPLES=builtin``): the training
#: files and the sets that were read while tuning; never the judge set
BUILTIN_EXAMPLES: tuple[Path, ...] = (HELDOUT, FRESH, BLIND, FINAL, *sorted(TRAINING.glob("examples_*.tsv")))
#: The LeiKa key of each Munich service the built-in examples name (another catalogue's service with
#: the same key gets them)
BUILTIN_KEYS = TRAINING / "leika_keys.tsv"


def data_dir() -> Path:
    return Path(os.environ.get("VERBUND_DATA_DIR") or REPOSITORY.parent / "shared" / "data")


def catalogue_path() -> Path:
    return data_dir() / "services" / "munich_services_de.jsonl"


def dev_path() -> Path:
    return data_dir() / "services" / "routing_dev_requests_de.tsv"


@dataclass(frozen=True)
class Example:
    text: str
    service_id: str


class DataError(ValueError):
    """A labelled request file names a service the catalogue does not have, or is malformed."""


def load_requests(path: str | Path, catalogue: Catalogue) -> list[Example]:
    """Tab-separated ``request<TAB>service name`` lines (``#`` comments, blank lines skipped); a
    service the catalogue lacks is an error naming its line (a measurement must not shrink)."""
    names = {name: service.id for name, service in catalogue.by_name().items()}
    examples = []
    for number, parts in _rows(path, (2,)):
        name = " ".join(parts[1].split())
        if name not in names:
            raise DataError(f"{path}, Zeile {number}: Leistung {name!r} fehlt im Katalog.")
        examples.append(Example(parts[0].strip(), names[name]))
    return examples


def load_examples(
    paths: Iterable[str | Path], catalogue: Catalogue, keys: Mapping[str, str] | None = None
) -> tuple[list[Example], int]:
    """The labelled requests of ``paths`` for the services of ``catalogue``, and how many lines were
    left out because it has no such service (another catalogue, or a service removed).

    A line is ``request<TAB>service name`` with an optional third column, the service's LeiKa key.
    A request goes to the service of that name; failing that, to the one service of the catalogue
    with the line's LeiKa key, or with the key ``keys`` gives for the name (so that examples written
    for one catalogue serve another that uses the LeiKa keys; none when several services share the
    key). A malformed line or a file not in UTF-8 is an error naming its file and line."""
    names = {name: service.id for name, service in catalogue.by_name().items()}
    holders: dict[str, list[str]] = {}
    for service in catalogue:
        for key in leika_keys(service.leika):
            holders.setdefault(key, []).append(service.id)
    keys = keys or {}
    examples: list[Example] = []
    missing = 0
    for path in paths:
        for _number, parts in _rows(path, (2, 3)):
            name = " ".join(parts[1].split())
            service_id = names.get(name)
            if service_id is None:
                key = parts[2].strip() if len(parts) == 3 and parts[2].strip() else keys.get(name, "")
                found = holders.get(key, [])
                service_id = found[0] if len(found) == 1 else None
            if service_id is None:
                missing += 1
            else:
                examples.append(Example(parts[0].strip(), service_id))
    return examples, missing


def load_keys(path: str | Path) -> dict[str, str]:
    """``service name<TAB>LeiKa key`` lines: the key of each name."""
    return {" ".join(parts[0].split()): parts[1].strip() for _number, parts in _rows(path, (2,))}


def leika_keys(value: str) -> list[str]:
    """The LeiKa keys of a service's ``leika`` field (several separated by commas or spaces)."""
    return [key for key in re.split(r"[\s,;]+", value or "") if key]


def _rows(path: str | Path, widths: tuple[int, ...]) -> Iterator[tuple[int, list[str]]]:
    """The numbered, tab-separated lines of a UTF-8 file (BOM allowed; blank and ``#`` lines left out)."""
    try:
        lines = Path(path).read_bytes().decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        at = exc.object[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}, Zeile {at}: kein UTF-8 (Byte {exc.object[exc.start]:#04x}).") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) not in widths or not parts[0].strip() or not parts[1].strip() or "\x00" in line:
            columns = " oder ".join(str(w) for w in widths)
            raise DataError(f"{path}, Zeile {number}: {columns} Spalten (Anfrage, Leistung …) erwartet.")
        yield number, parts


def load_lines(path: str | Path) -> list[str]:
    """The non-blank, non-comment lines of a text file."""
    with open(path, encoding="utf-8-sig") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def accuracy(ranked: Sequence[Sequence[str]], examples: Sequence[Example], k: int) -> float:
    """Share of examples whose service is among the first ``k`` of its ranking."""
    if not examples:
        return math.nan
    hits = sum(
        1 for ranking, example in zip(ranked, examples, strict=True) if example.service_id in ranking[:k]
    )
    return hits / len(examples)


@dataclass(frozen=True)
class BaselineConfig:
    """A scikit-learn-like ``TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high),
    sublinear_tf=…)`` over the catalogue, cosine similarity; ``separate`` fits one vectorizer per
    field (name, keywords, description) and sums the three cosines, otherwise one vectorizer
    over the joined fields."""

    low: int = 2
    high: int = 5
    sublinear: bool = True
    separate: bool = True
    fields: tuple[str, ...] = ("name", "keywords", "description")

    @property
    def label(self) -> str:
        how = "je Feld, Summe der Kosinus" if self.separate else "ein Vektor"
        tf = "sublinear" if self.sublinear else "linear"
        return f"char_wb {self.low}-{self.high}, tf {tf}, {'+'.join(self.fields)}, {how}"


#: The issue's baseline (character n-gram TF-IDF, top-3 = 0.82 on the development requests) is
#: not specified further; of the standard configurations tried (``BASELINE_VARIANTS``) this one
#: reproduces it (0.825 = 33 of 40; scikit-learn's defaults: lower case, smooth idf, l2 norm).
BASELINE = BaselineConfig()
#: Other standard configurations, measured next to it in the bench (dev top-1/top-3 in brackets
#: as measured on 2026-12-04).
BASELINE_VARIANTS = (
    BaselineConfig(2, 4, False, False),  # joined fields, TfidfVectorizer defaults (0.475/0.725)
    BaselineConfig(3, 5, True, False),  # (0.525/0.725)
    BaselineConfig(2, 4, False, False, ("name", "keywords")),  # (0.550/0.725)
    BaselineConfig(2, 5, True, False, ("name", "keywords")),  # (0.450/0.775)
    BaselineConfig(3, 5, False, True),  # one per field, summed (0.525/0.850)
)


class BaselineCharTfidf:
    """The issue's baseline (:data:`BASELINE`): character n-gram TF-IDF re-implemented without
    scikit-learn (lower case, whitespace words padded with a space, smooth idf, l2, cosine)."""

    def __init__(self, catalogue: Catalogue, config: BaselineConfig = BASELINE) -> None:
        self.ids = [s.id for s in catalogue]
        self.config = config

        def text(service: Service, field: str) -> str:
            if field == "name":
                return service.name
            if field == "keywords":
                return " ".join(service.keywords)
            return service.description

        if config.separate:
            self.indexes = [
                CharTfidf(
                    [[(text(s, f), 1.0)] for s in catalogue],
                    low=config.low,
                    high=config.high,
                    sublinear=config.sublinear,
                    grams=_sklearn_char_wb,
                )
                for f in config.fields
            ]
        else:
            self.indexes = [
                CharTfidf(
                    [[(" ".join(text(s, f) for f in config.fields), 1.0)] for s in catalogue],
                    low=config.low,
                    high=config.high,
                    sublinear=config.sublinear,
                    grams=_sklearn_char_wb,
                )
            ]

    def rank(self, text: str, k: int = 5) -> list[str]:
        scores = sum((index.similarities([(text, 1.0)]) for index in self.indexes), np.zeros(len(self.ids)))
        order = np.argsort(-scores, kind="stable")[:k]
        return [self.ids[i] for i in order if scores[i] > 0]


def _sklearn_char_wb(text: str, low: int, high: int) -> list[str]:
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
            if n >= len(padded):
                break
    return grams


def folds(n: int, k: int, seed: int = 20261204) -> list[np.ndarray]:
    """``k`` disjoint folds of ``range(n)`` in a seeded random order."""
    order = np.random.default_rng(seed).permutation(n)
    return [order[i::k] for i in range(k)]


def logistic_fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Coefficients (intercept first) of an L2-regularised logistic regression by Newton's method."""
    design = np.hstack([np.ones((x.shape[0], 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return beta


def brier(p: Iterable[float], y: Iterable[float]) -> float:
    pa, ya = np.fromiter(p, float), np.fromiter(y, float)
    return float(np.mean((pa - ya) ** 2)) if pa.size else math.nan


def choose(candidates: Sequence[object], objective: Callable[[object], float]) -> object:
    """The candidate with the highest objective (the first of equals)."""
    best, best_value = candidates[0], -math.inf
    for candidate in candidates:
        value = objective(candidate)
        if value > best_value:
            best, best_value = candidate, value
    return best
