"""Routing a citizen's free-text German request to the best services of a catalogue (pure).

No Django here. :class:`Router` fuses BM25F with compound splitting, character n-gram TF-IDF, a
colloquial lexicon (``synonyms_de.txt``), spelling correction and nearest neighbours over staff
corrections; see :mod:`.router` for the method and :mod:`.evaluate` for the measurement.
"""

from .catalogue import Catalogue, CatalogueError, Service
from .lexicon import Lexicon, LexiconError
from .router import AUTO, HUMAN, SUGGEST, Calibration, Correction, Hit, Router, Routing, Thresholds, Weights

__all__ = [
    "AUTO",
    "HUMAN",
    "SUGGEST",
    "Calibration",
    "Catalogue",
    "CatalogueError",
    "Correction",
    "Hit",
    "Lexicon",
    "LexiconError",
    "Router",
    "Routing",
    "Service",
    "Thresholds",
    "Weights",
]
