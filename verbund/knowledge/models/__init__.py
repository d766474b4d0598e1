"""The knowledge part's models (one module per subject, re-exported here)."""

from .catalogue import (
    GROSSE_KREISANGEHOERIGE_STADT,
    Catalogue,
    HolderRule,
    OfficeContact,
    RouteCorrection,
    RouterEvaluation,
    Service,
    leika_validator,
)
from .oparl import OParlObject, OParlSource, OParlType

__all__ = [
    "GROSSE_KREISANGEHOERIGE_STADT",
    "Catalogue",
    "HolderRule",
    "OParlObject",
    "OParlSource",
    "OParlType",
    "OfficeContact",
    "RouteCorrection",
    "RouterEvaluation",
    "Service",
    "leika_validator",
]
