"""The Destatis Gemeindeverzeichnis GV100AD, read without Django (format: ``docs/DOMAIN.md`` §4).

* :mod:`.parser`: the fixed-width file into checked records (:func:`parse_gv100ad`), and the records
  into one :class:`BodyRow` per legal entity (:func:`build_bodies`).
* :mod:`.successions`: who succeeded the bodies that disappeared between two issues
  (:func:`find_successions`).

Both are pure, so that they can be tested and benchmarked without a database; the importer
(:mod:`verbund.registry.importer`) writes their results.
"""

from .parser import (
    ASSOCIATION_KIND_BY_TK,
    GEMEINDE,
    GEMEINDE_TKS,
    GEMEINDEVERBAND,
    KIND_GEMEINDEFREIES_GEBIET,
    KIND_KREIS,
    KIND_KREISFREIE_STADT,
    KIND_LAND,
    KIND_LANDKREIS,
    KIND_LEVEL,
    KIND_ORTSGEMEINDE,
    KIND_REGIERUNGSBEZIRK,
    KIND_REGIONALVERBAND,
    KIND_VERBANDSFREIE_GEMEINDE,
    KREIS,
    KREIS_KIND_BY_TK,
    LAND,
    LEVELS,
    RECORD_LENGTH,
    RECORD_TYPES,
    REGIERUNGSBEZIRK,
    REGION,
    TK_GEMEINDEFREI,
    TK_STADT,
    TK_VERBANDSFREI,
    BodyRow,
    Gv100adFile,
    Record,
    build_bodies,
    decode,
    parse_gv100ad,
    parse_gv100ad_bytes,
    summarize,
)
from .successions import AREA_TOLERANCE, AreaUnit, Succession, find_successions

__all__ = [
    "AREA_TOLERANCE",
    "ASSOCIATION_KIND_BY_TK",
    "GEMEINDE",
    "GEMEINDEVERBAND",
    "GEMEINDE_TKS",
    "KIND_GEMEINDEFREIES_GEBIET",
    "KIND_KREIS",
    "KIND_KREISFREIE_STADT",
    "KIND_LAND",
    "KIND_LANDKREIS",
    "KIND_LEVEL",
    "KIND_ORTSGEMEINDE",
    "KIND_REGIERUNGSBEZIRK",
    "KIND_REGIONALVERBAND",
    "KIND_VERBANDSFREIE_GEMEINDE",
    "KREIS",
    "KREIS_KIND_BY_TK",
    "LAND",
    "LEVELS",
    "RECORD_LENGTH",
    "RECORD_TYPES",
    "REGIERUNGSBEZIRK",
    "REGION",
    "TK_GEMEINDEFREI",
    "TK_STADT",
    "TK_VERBANDSFREI",
    "AreaUnit",
    "BodyRow",
    "Gv100adFile",
    "Record",
    "Succession",
    "build_bodies",
    "decode",
    "find_successions",
    "parse_gv100ad",
    "parse_gv100ad_bytes",
    "summarize",
]
