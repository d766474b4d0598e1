"""CVSS vectors of CSAF documents, parsed and scored with the ``cvss`` package (pure, no Django).

CSAF 2.0 carries ``cvss_v2`` and ``cvss_v3`` (3.0 or 3.1) objects in ``vulnerabilities[].scores[]``;
CSAF 2.1 carries them, and ``cvss_v4``, in ``vulnerabilities[].metrics[].content``. The vector is the
truth: the base score is computed from it, the score printed in the document is kept beside it.
An invalid vector never raises: the :class:`Score` says why in ``error``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4, CVSSError

from verbund.common.i18n import _

#: English severity (FIRST) → the German label shown in Verbund.
SEVERITY_DE = {
    "CRITICAL": "kritisch",
    "HIGH": "hoch",
    "MEDIUM": "mittel",
    "LOW": "niedrig",
    "NONE": "keine",
}
#: Order for sorting lists by severity (higher is worse).
SEVERITY_RANK = {"keine": 0, "niedrig": 1, "mittel": 2, "hoch": 3, "kritisch": 4}

_PREFIXES = {"CVSS:3.0/": "3.0", "CVSS:3.1/": "3.1", "CVSS:4.0/": "4.0"}
_CSAF_KEYS = {"cvss_v2": "2.0", "cvss_v3": "3", "cvss_v4": "4.0"}


@dataclass(frozen=True)
class Score:
    """One CVSS vector with its computed base score; ``error`` is set (German) when it is invalid."""

    version: str
    vector: str
    base_score: float | None = None
    severity: str = ""  # German label: kritisch / hoch / mittel / niedrig / keine
    published_base_score: float | None = None
    products: tuple[str, ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, -1)

    @property
    def label(self) -> str:
        """``"CVSS 3.1: 9.8 (kritisch)"``, or the error."""
        if self.error:
            return self.error
        return f"CVSS {self.version}: {self.base_score:.1f} ({self.severity})"


def version_of(vector: str) -> str:
    """The CVSS version a vector is written in: ``2.0`` when it has no ``CVSS:x.y/`` prefix."""
    for prefix, version in _PREFIXES.items():
        if vector.startswith(prefix):
            return version
    return "2.0"


def _severity_v2(score: float) -> str:
    # CVSS v2 has no severity of its own; NVD's ranges (Low 0–3.9, Medium 4–6.9, High 7–10).
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    return "LOW"


def score_vector(
    vector: str,
    *,
    version: str | None = None,
    published_base_score: float | None = None,
    products: Iterable[str] = (),
) -> Score:
    """Parse and score ``vector``; ``version`` (as the document states it) is checked against it."""
    vector = (vector or "").strip()
    found = version_of(vector)
    products = tuple(products)
    if not vector:
        return Score(
            version=version or "",
            vector="",
            products=products,
            error=_("Kein CVSS-Vektor angegeben."),
        )
    if version and version != found and not (version == "2" and found == "2.0"):
        return Score(
            version=version,
            vector=vector,
            published_base_score=published_base_score,
            products=products,
            error=_("CVSS-Vektor %(vector)s passt nicht zur angegebenen Version %(version)s.")
            % {"vector": vector, "version": version},
        )
    try:
        if found == "2.0":
            cvss2 = CVSS2(vector.removeprefix("(").removesuffix(")"))
            base = float(cvss2.base_score)
            severity = _severity_v2(base)
        elif found == "4.0":
            cvss4 = CVSS4(vector)
            base = float(cvss4.base_score)
            severity = str(cvss4.severity).upper()
        else:
            cvss3 = CVSS3(vector)
            base = float(cvss3.base_score)
            severity = str(cvss3.severities()[0]).upper()
    except (CVSSError, ValueError, KeyError, IndexError, TypeError) as error:
        return Score(
            version=found,
            vector=vector,
            published_base_score=published_base_score,
            products=products,
            error=_("Ungültiger CVSS-%(version)s-Vektor %(vector)s: %(detail)s")
            % {"version": found, "vector": vector, "detail": error},
        )
    return Score(
        version=found,
        vector=vector,
        base_score=round(base, 1),
        severity=SEVERITY_DE.get(severity, severity.lower()),
        published_base_score=published_base_score,
        products=products,
    )


def _from_cvss_object(key: str, obj: Mapping[str, Any], products: tuple[str, ...]) -> Score:
    published = obj.get("baseScore")
    return score_vector(
        str(obj.get("vectorString") or ""),
        version=str(obj.get("version") or "") or None,
        published_base_score=float(published) if isinstance(published, int | float) else None,
        products=products,
    )


def scores_of_vulnerability(vulnerability: Mapping[str, Any]) -> tuple[Score, ...]:
    """Every CVSS score of one CSAF vulnerability (2.0 ``scores`` and 2.1 ``metrics``)."""
    found: list[Score] = []
    for entry in vulnerability.get("scores") or ():
        products = tuple(str(p) for p in entry.get("products") or ())
        for key in _CSAF_KEYS:
            if isinstance(entry.get(key), Mapping):
                found.append(_from_cvss_object(key, entry[key], products))
    for entry in vulnerability.get("metrics") or ():
        products = tuple(str(p) for p in entry.get("products") or ())
        content = entry.get("content") or {}
        for key in _CSAF_KEYS:
            if isinstance(content.get(key), Mapping):
                found.append(_from_cvss_object(key, content[key], products))
    return tuple(found)


def highest(scores: Iterable[Score]) -> Score | None:
    """The valid score with the highest base score (the newest CVSS version wins a tie)."""
    valid = [s for s in scores if s.ok and s.base_score is not None]
    if not valid:
        return None
    return max(valid, key=lambda s: (s.base_score, s.version))
