"""The synonym and colloquial lexicon: request words → administrative words.

The default lexicon is the data file ``synonyms_de.txt`` next to this module (format described at
its top). Operators add their own entries (the Beratungsstelle's synonyms) with
:meth:`Lexicon.extended`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .text import STOPWORDS, stem, words

DEFAULT_PATH = Path(__file__).with_name("synonyms_de.txt")


class LexiconError(ValueError):
    """A line of a lexicon cannot be read."""


@dataclass(frozen=True)
class Entry:
    trigger: frozenset[str]  # stems, all of which must occur in the request
    expansion: tuple[str, ...]  # folded words
    words: tuple[str, ...] = ()  # the trigger's folded words (for spelling correction)


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...] = ()

    @classmethod
    def parse(cls, text: str, source: str = "Lexikon") -> Lexicon:
        entries = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            left, sep, right = line.partition("=")
            expansion = tuple(words(right))
            triggers = [t for t in left.split(",") if t.strip()]
            if not sep or not expansion or not triggers:
                raise LexiconError(f"{source}, Zeile {number}: erwartet „Auslöser, … = Ersatzwörter“.")
            for trigger in triggers:
                folded = tuple(words(trigger))
                if folded:
                    # function words stay as they are, as in a request ("deutscher werden")
                    trigger_stems = frozenset(w if w in STOPWORDS else stem(w) for w in folded)
                    entries.append(Entry(trigger_stems, expansion, folded))
        return cls(tuple(entries))

    @classmethod
    def from_file(cls, path: str | Path) -> Lexicon:
        return cls.parse(Path(path).read_text(encoding="utf-8"), source=str(path))

    @staticmethod
    @cache
    def default() -> Lexicon:
        """The lexicon shipped with the package (``synonyms_de.txt``)."""
        return Lexicon.from_file(DEFAULT_PATH)

    def extended(self, synonyms: Mapping[str, Iterable[str] | str]) -> Lexicon:
        """This lexicon plus ``{trigger: expansion words}`` entries."""
        lines = []
        for trigger, expansion in synonyms.items():
            text = expansion if isinstance(expansion, str) else " ".join(expansion)
            lines.append(f"{trigger.replace(',', ' ')} = {text}")
        return Lexicon(self.entries + Lexicon.parse("\n".join(lines), source="Synonyme").entries)

    def trigger_words(self) -> set[str]:
        """Stems of all trigger words (they count as understood words of a request)."""
        return {s for entry in self.entries for s in entry.trigger}

    def surface_words(self) -> set[str]:
        """The folded words of all triggers and expansions."""
        return {w for entry in self.entries for w in (*entry.words, *entry.expansion)}

    def expand(self, stems: set[str]) -> list[str]:
        """Expansion words of all entries whose trigger stems all occur in ``stems``."""
        result: list[str] = []
        for entry in self.entries:
            if entry.trigger <= stems:
                result.extend(entry.expansion)
        return result
