"""The values the matcher takes and gives: asset facts in, match records out (pure, no Django).

:class:`AssetFacts` is what the inventory knows about one asset; :class:`MatchRecord` says which
product of which vulnerability of an advisory the asset is, with the status the advisory gives that
product, the remediations for it, why the matcher thinks so (:class:`Reason`, German) and how sure it
is (:class:`Confidence`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from verbund.common.i18n import _, gettext_noop


class Confidence(StrEnum):
    """How sure a match is; the values are stored, :attr:`label` is shown."""

    HOCH = "hoch"
    MITTEL = "mittel"
    NIEDRIG = "niedrig"

    @property
    def rank(self) -> int:
        return _CONFIDENCE_RANK[self]

    @property
    def label(self) -> str:
        return _(_CONFIDENCE_LABELS[self])

    @classmethod
    def lowest(cls, *values: Confidence) -> Confidence:
        """The weakest of ``values`` (a match is only as sure as its weakest step)."""
        return min(values, key=_CONFIDENCE_RANK.__getitem__)


_CONFIDENCE_RANK = {Confidence.NIEDRIG: 1, Confidence.MITTEL: 2, Confidence.HOCH: 3}
#: :attr:`Confidence.rank` as a plain mapping (for the matcher's inner loops)
RANK: dict[Confidence, int] = dict(_CONFIDENCE_RANK)
#: :meth:`Confidence.lowest` of two values, looked up
LOWEST: dict[tuple[Confidence, Confidence], Confidence] = {
    (a, b): a if _CONFIDENCE_RANK[a] <= _CONFIDENCE_RANK[b] else b for a in Confidence for b in Confidence
}
_CONFIDENCE_LABELS = {
    Confidence.HOCH: gettext_noop("hoch"),
    Confidence.MITTEL: gettext_noop("mittel"),
    Confidence.NIEDRIG: gettext_noop("niedrig"),
}


class StatusCategory(StrEnum):
    """The product status lists of CSAF 2.0 §3.2.3.9 (values as in the document)."""

    KNOWN_AFFECTED = "known_affected"
    FIRST_AFFECTED = "first_affected"
    LAST_AFFECTED = "last_affected"
    FIXED = "fixed"
    FIRST_FIXED = "first_fixed"
    KNOWN_NOT_AFFECTED = "known_not_affected"
    UNDER_INVESTIGATION = "under_investigation"
    RECOMMENDED = "recommended"

    @property
    def label(self) -> str:
        return _(_STATUS_LABELS[self])

    @property
    def is_affected(self) -> bool:
        return self in _AFFECTED

    @property
    def is_fixed(self) -> bool:
        return self in (StatusCategory.FIXED, StatusCategory.FIRST_FIXED)


_AFFECTED = frozenset(
    {StatusCategory.KNOWN_AFFECTED, StatusCategory.FIRST_AFFECTED, StatusCategory.LAST_AFFECTED}
)
_STATUS_LABELS = {
    StatusCategory.KNOWN_AFFECTED: gettext_noop("betroffen"),
    StatusCategory.FIRST_AFFECTED: gettext_noop("erste betroffene Version"),
    StatusCategory.LAST_AFFECTED: gettext_noop("letzte betroffene Version"),
    StatusCategory.FIXED: gettext_noop("behoben"),
    StatusCategory.FIRST_FIXED: gettext_noop("erste behobene Version"),
    StatusCategory.KNOWN_NOT_AFFECTED: gettext_noop("nicht betroffen"),
    StatusCategory.UNDER_INVESTIGATION: gettext_noop("in Untersuchung"),
    StatusCategory.RECOMMENDED: gettext_noop("empfohlen"),
}


@dataclass(frozen=True, slots=True)
class AssetFacts:
    """What the inventory knows about one asset; every field but ``id`` may be empty.

    ``cpe`` is a CPE 2.3 formatted string (a CPE 2.2 URI is read too), ``purl`` a package URL,
    ``hashes`` pairs of (algorithm, hex value) such as ``(("sha256", "9c81…"),)``. ``platforms``
    are the facts of what the asset runs on or is a part of (the operating system of a server, the
    device a firmware belongs to): the relationships of a product tree (``installed_on``,
    ``default_component_of``, …) are checked against them.
    """

    id: int | str
    vendor: str = ""
    product: str = ""
    version: str = ""
    cpe: str = ""
    purl: str = ""
    model_numbers: tuple[str, ...] = ()
    serial_numbers: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    hashes: tuple[tuple[str, str], ...] = ()
    platforms: tuple[AssetFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Remediation:
    """One remediation of a vulnerability (CSAF 2.0 §3.2.3.12) that applies to the matched product."""

    category: str
    details: str
    url: str = ""


class Reason:
    """Why an asset matched: the steps (identifier, version, platform), each a German message with
    its values; :attr:`text` joins them in the active language.

    The messages stay separate from their values so that a stored reason can be shown in the
    language of whoever reads it later.
    """

    __slots__ = ("steps",)

    def __init__(self, steps: tuple[tuple[str, dict[str, str]], ...]) -> None:
        self.steps = steps

    @classmethod
    def of(cls, message: str, **values: str) -> Reason:
        return cls(((message, values),))

    def __add__(self, other: Reason) -> Reason:
        return Reason(self.steps + other.steps)

    @property
    def text(self) -> str:
        return "; ".join(_(message) % values for message, values in self.steps)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Reason({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reason) and other.steps == self.steps

    def __hash__(self) -> int:
        return hash(tuple((m, tuple(sorted(v.items()))) for m, v in self.steps))


class Evidence(NamedTuple):
    """How one product of a product tree was found to be one asset."""

    confidence: Confidence
    reason: Reason


class MatchRecord(NamedTuple):
    """One asset is one product of one vulnerability of an advisory.

    ``vulnerability`` is the index in the document's ``vulnerabilities``; ``cve`` may be empty.
    An asset can be several products of the same vulnerability (a range and a fixed version): each
    gives its own record, and :func:`verbund.security.matching.decisive` picks the one that counts.
    """

    asset_id: int | str
    document_id: str
    vulnerability: int
    cve: str
    product_id: str
    status: StatusCategory
    remediations: tuple[Remediation, ...]
    reason: Reason
    confidence: Confidence


class GroupMatch(NamedTuple):
    """A :class:`MatchRecord` for several assets at once: the assets of ``asset_ids`` are the same
    product of the same vulnerability with the same status, reason and confidence (the inventory's
    assets with identical identifiers and version, which the index checks once).

    :meth:`records` gives the per-asset records; :func:`expand` those of many groups, lazily.
    """

    asset_ids: tuple[int | str, ...]
    document_id: str
    vulnerability: int
    cve: str
    product_id: str
    status: StatusCategory
    remediations: tuple[Remediation, ...]
    reason: Reason
    confidence: Confidence

    def records(self) -> Iterator[MatchRecord]:
        return expand((self,))


_new_tuple = tuple.__new__


def expand(groups: Iterable[GroupMatch]) -> Iterator[MatchRecord]:
    """The per-asset records of ``groups``, one at a time."""
    for group in groups:
        rest = group[1:]
        for asset_id in group.asset_ids:
            # MatchRecord(asset_id, *rest) without the generated __new__ (the same fields, in order)
            yield _new_tuple(MatchRecord, (asset_id, *rest))
