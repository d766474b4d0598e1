"""The funding conditions that must hold, and the alliances at risk (being built by the programme
area; the work queue and the dashboards read :func:`conditions_at_risk`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConditionRisk:
    """One condition of one alliance's grant that does not hold or is about to fail."""

    alliance_id: int
    alliance_name: str
    #: "dauer" (committed duration), "einsparung" (savings), "verwendungsnachweis" (proof of use due)
    kind: str
    #: German sentence naming the condition and what is wrong, e.g. "Verwendungsnachweis fällig am …"
    label: str
    due: dt.date | None = None
    #: where the user acts (a page path), may be ""
    url: str = ""
    detail: dict[str, Any] | None = None


def conditions_at_risk(*, today: dt.date | None = None) -> list[ConditionRisk]:
    """Every alliance's funding conditions at risk on ``today``, most urgent first."""
    return []
