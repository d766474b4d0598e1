"""Versions and version ranges of a product tree (``product_version``, ``product_version_range``).

How a range is read, and how sure a match through it can be (:class:`VersionRule`):

1. ``vers:<scheme>/<constraints>`` with a scheme univers knows, parsed by univers
   (``vers:generic/>=3.0|<3.2.16``, ``vers:rpm/…``): conformant, no loss of confidence.
   ``vers:all/*`` (and ``vers:<scheme>/*``) is every version.
2. A bare vls constraint as CSAF 2.0 allows it (``<4.2``, ``>=5.3|<=6.4``, ``< 2.07.2``): read as
   ``vers:generic/…`` by univers, no loss either.
3. Non-conformant forms are read as vls with the segment comparison below and give at most
   "niedrig": ``vers:all/<V3.2.16`` of the Siemens/CISA files (the ``all`` scheme only allows ``*``),
   an unknown scheme, and the free text of real files (``All versions < V4.7 SP10 HF5``,
   ``0 < 9.8.12``, ``>FW16_up_to_and_including_FW26``, ``<=2.x``).
4. What cannot be read at all (``>=MCE_3.x_Cert_Edition``) matches every version with "niedrig" and
   says so: a false alarm that says it is unsure is better than a missed vulnerability.

Never an exception: a product tree's text is data, not code.

The segment comparison (for 3., and for exact versions that differ in spelling) is rpmvercmp's
idea: a version is a sequence of numbers and words; numbers compare as numbers, words as lower-case
text, a number is later than a word, and a longer sequence with the same start is later. So
``V3.2.16`` = ``3.2.16``, ``4.7 SP10 HF5`` > ``4.7 SP9`` > ``4.7``, ``FW16`` < ``FW26``. univers' generic
scheme cannot be used for these: it coerces ``4.7 SP10`` into the semver pre-release ``4.7.0-SP10``,
which sorts *before* 4.7, the opposite of what a service pack means.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from itertools import pairwise
from typing import Any

from semantic_version.base import MaxIdentifier
from univers.version_range import RANGE_CLASS_BY_SCHEMES, VersionRange
from univers.versions import SemverVersion

from verbund.security.matching.facts import Confidence

_SEGMENTS = re.compile(r"\d+|[^\W\d_]+")
_LEADING_V = re.compile(r"^v(?=\d)", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_OPERATORS = (">=", "<=", "!=", "<", ">", "=")


class RuleKind(Enum):
    ALL = "all"
    EXACT = "exact"
    RANGE = "range"
    VLS = "vls"
    HEURISTIC = "heuristic"
    UNREADABLE = "unreadable"


@lru_cache(maxsize=262144)
def clean_version(text: str) -> str:
    """A version for comparison: trimmed, single spaces, lower case, no ``v`` before the first digit."""
    return _LEADING_V.sub("", " ".join(text.split()).casefold())


@lru_cache(maxsize=131072)
def segment_key(text: str) -> tuple[tuple[int, Any], ...]:
    """The sort key of the segment comparison (see the module docstring)."""
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part) for part in _SEGMENTS.findall(clean_version(text))
    )


def same_version(left: str, right: str) -> bool:
    """Whether two spellings name the same version (``V3.2.16`` = ``3.2.16``; ``1.0`` ≠ ``1.0.0``)."""
    a, b = clean_version(left), clean_version(right)
    return a == b or (bool(a) and segment_key(a) == segment_key(b))


def _compare(version: tuple[tuple[int, Any], ...], operator: str, bound: tuple[tuple[int, Any], ...]) -> bool:
    if operator == "<":
        return version < bound
    if operator == "<=":
        return version <= bound
    if operator == ">":
        return version > bound
    if operator == ">=":
        return version >= bound
    if operator == "!=":
        return version != bound
    return version == bound


class VersionRule:
    """What a product tree says about the versions of one product, and how to check an asset's.

    ``ceiling`` is the highest confidence a match through this rule can have; :meth:`check` answers
    ``True``/``False``, or ``None`` when it cannot tell (no asset version). A range is read on first
    use (most products of most advisories are in no inventory, and univers takes a quarter of a
    millisecond per range); results are remembered per asset version, and rules are shared between
    advisories (see :func:`version_rule`).
    """

    __slots__ = (
        "_ceiling",
        "_interval",
        "_kind",
        "_pending",
        "_univers_range",
        "_vers",
        "constraints",
        "keyed",
        "memo",
        "steps",
        "text",
    )

    def __init__(
        self,
        text: str,
        kind: RuleKind | None = None,
        ceiling: Confidence = Confidence.HOCH,
        *,
        univers_range: Any = None,
        constraints: tuple[tuple[str, tuple[tuple[int, Any], ...]], ...] = (),
        keyed: tuple[tuple[str, Any], ...] | None = None,
        vers: str = "",
    ) -> None:
        self.text = text
        self._kind = kind
        self._ceiling = ceiling
        self._pending = kind is None
        self._univers_range = univers_range
        #: a range univers reads but that was read without it (:func:`_fast_keyed`), parsed by
        #: univers only when an asset version needs the segment reading
        self._vers = vers
        self.keyed = keyed if keyed is not None else _keyed_constraints(univers_range)
        self._interval = _interval(self.keyed)
        self.constraints = constraints
        self.memo: dict[str, bool | None] = {}
        #: :func:`~.evaluate.version_step` per asset version
        self.steps: dict[str, Any] = {}

    def _resolve(self) -> None:
        read = _read_range(self.text)
        self._kind, self._ceiling = read._kind, read._ceiling
        self._univers_range, self._vers = read._univers_range, read._vers
        self.constraints, self.keyed, self._interval = read.constraints, read.keyed, read._interval
        self._pending = False

    @property
    def univers_range(self) -> Any:
        """The univers ``VersionRange`` of a range univers reads (``None`` otherwise)."""
        if self._pending:
            self._resolve()
        if self._univers_range is None and self._vers:
            self._univers_range = VersionRange.from_string(self._vers)
        return self._univers_range

    @property
    def kind(self) -> RuleKind:
        if self._pending:
            self._resolve()
        assert self._kind is not None
        return self._kind

    @property
    def ceiling(self) -> Confidence:
        if self._pending:
            self._resolve()
        return self._ceiling

    def __repr__(self) -> str:
        return f"VersionRule({self.text!r})"

    def exact_key(self) -> tuple[tuple[int, Any], ...] | None:
        """The segment key of an exact version (only versions with this key can be it); ``None``
        for any other rule (a range is not read for this)."""
        if self._pending or self._kind is not RuleKind.EXACT:
            return None
        return segment_key(self.text)

    def check(self, version: str) -> bool | None:
        try:
            return self.memo[version]
        except KeyError:
            result = self.memo[version] = self.contains(version)
            return result

    def contains(self, version: str) -> bool | None:
        """:meth:`check` without remembering the answer (for callers that remember it themselves)."""
        if self._pending:
            self._resolve()
        kind = self._kind
        if kind is RuleKind.ALL or kind is RuleKind.UNREADABLE:
            return True
        if not version or version.isspace():
            return None
        if kind is RuleKind.EXACT:
            return same_version(self.text, version)
        if not _DIGIT.search(version):
            return None  # "latest", "unbekannt": no version to compare
        if self._vers or self._univers_range is not None:
            try:
                if self.keyed is not None:
                    key = _semver_key(version)
                    if len(key) <= 4 or not key[4]:  # no build (see _has_build)
                        interval = self._interval
                        if interval is not None:
                            low, low_closed, high, high_closed = interval
                            return (
                                low < key < high
                                or (low_closed and key == low)
                                or (high_closed and key == high)
                            )
                        return _contains(key, self.keyed)
                return _version_object(self.univers_range.version_class, version) in self.univers_range
            except Exception:
                # An asset version the scheme cannot read ("latest", "2019 R2"): compare by segments.
                return self._heuristic(version, _constraints_of(self.univers_range))
        return self._heuristic(version, self.constraints)

    @staticmethod
    def _heuristic(
        version: str, constraints: tuple[tuple[str, tuple[tuple[int, Any], ...]], ...]
    ) -> bool | None:
        key = segment_key(version)
        if not key:
            return None
        equal = [bound for operator, bound in constraints if operator == "="]
        if equal and key in equal:
            return True
        others = [(operator, bound) for operator, bound in constraints if operator != "="]
        return bool(others) and all(_compare(key, operator, bound) for operator, bound in others)

    def describe(self) -> str:
        return self.text


@lru_cache(maxsize=262144)
def _version_object(version_class: Any, version: str) -> Any:
    """An asset's version parsed once per scheme (univers' parsing is the costly part of a check)."""
    return version_class(clean_version(version))


def _keyed_constraints(univers_range: Any) -> tuple[tuple[str, Any], ...] | None:
    """A semver-based range (univers' ``generic``) as (comparator, precedence key) pairs, so that a
    check compares tuples instead of univers objects (the costly part); ``None`` for other schemes."""
    if univers_range is None or univers_range.version_class is not SemverVersion:
        return None
    try:
        keyed = tuple((c.comparator, c.version.value.precedence_key) for c in univers_range.constraints)
    except AttributeError:  # "*" has no version
        return None
    if any(_has_build(key) for _comparator, key in keyed):
        return None  # univers orders without the build but tests equality with it
    return keyed


def _interval(keyed: tuple[tuple[str, Any], ...] | None) -> tuple[Any, bool, Any, bool] | None:
    """``>=a|<b`` (``>``, ``<=`` too) as (a, closed at a, b, closed at b): what :func:`_contains`
    answers for these two constraints, in one comparison; ``None`` for other constraint lists."""
    if keyed is None or len(keyed) != 2:
        return None
    (low_operator, low), (high_operator, high) = keyed
    if low_operator not in (">", ">=") or high_operator not in ("<", "<="):
        return None
    return low, low_operator == ">=", high, high_operator == "<="


def _has_build(key: tuple[Any, ...]) -> bool:
    return len(key) > 4 and bool(key[4])


_NO_PRERELEASE = (MaxIdentifier(),)
_NUMERIC = re.compile(r"[0-9]+(?:\.[0-9]+){0,2}")
_FAST_OPERATORS = (">=", "<=", "!=", "<", ">", "=")  # univers' order of ``startswith`` tests


def fast_semver_key(text: str) -> tuple[Any, ...] | None:
    """univers' ``SemverVersion(text).value.precedence_key`` for a version of one to three numbers
    without spaces (``2``, ``4.7.11``, ``V01.2``), computed without univers; ``None`` otherwise.

    univers coerces such a version (semantic_version ``coerce``): major, minor and patch (missing
    ones 0, leading zeros dropped), no pre-release (its key is the maximal identifier), no build.
    A fourth number would be a build, which univers ignores when it orders versions but not when
    it tests them for equality: such versions are left to univers' own objects."""
    stripped = text.lstrip("vV")
    if not _NUMERIC.fullmatch(stripped):
        return None
    numbers = [int(part) for part in stripped.split(".")]
    numbers += [0] * (3 - len(numbers))
    return (*numbers, _NO_PRERELEASE, ())


def _fast_keyed(constraints: str) -> tuple[tuple[str, Any], ...] | None:
    """A ``vers:generic`` constraint list (``>=1.2|<2.0.1``, ``!=3``, ``4.1``) of numeric dotted
    versions as univers would read it — (comparator, precedence key) pairs sorted by version, then
    comparator —, or ``None`` when univers has to read it (anything else, ``*``, or an error)."""
    constraints = "".join(constraints.split())  # no white space
    constraints = constraints.strip("|")
    if not constraints:
        return None
    out: list[tuple[Any, str]] = []
    for piece in constraints.split("|"):
        operator = next((op for op in _FAST_OPERATORS if piece.startswith(op)), "=")
        version = piece[len(operator) :] if piece.startswith(operator) else piece
        key = fast_semver_key(version) if version else None
        if key is None:
            return None
        out.append((key, operator))
    out.sort()
    return tuple((operator, key) for key, operator in out)


@lru_cache(maxsize=262144)
def _semver_key(version: str) -> Any:
    cleaned = clean_version(version)
    fast = fast_semver_key(cleaned)
    if fast is not None:
        return fast
    return SemverVersion(cleaned).value.precedence_key


def _satisfies(key: Any, comparator: str, bound: Any) -> bool:
    if comparator == "*":
        return True
    return _compare(key, comparator, bound)


def _contains(key: Any, constraints: tuple[tuple[str, Any], ...]) -> bool:
    """The ``vers`` containment algorithm (univers' ``contains_version``) over sort keys."""
    if len(constraints) == 1:
        return _satisfies(key, *constraints[0])
    for comparator, bound in constraints:
        if comparator == "!=" and key == bound:
            return False
    for comparator, bound in constraints:
        if "=" in comparator and comparator != "!=" and key == bound:
            return True
    ranged = [c for c in constraints if c[0] not in ("=", "!=")]
    if not ranged:
        return False
    if len(ranged) == 1:
        return _satisfies(key, *ranged[0])
    if ranged[0][0] in ("<", "<=") and key < ranged[0][1]:
        return True
    if ranged[-1][0] in (">", ">=") and key > ranged[-1][1]:
        return True
    for (comparator, bound), (next_comparator, next_bound) in pairwise(ranged):
        if comparator in (">", ">=") and next_comparator in ("<", "<=") and bound < key < next_bound:
            return True
    return False


def _constraints_of(univers_range: Any) -> tuple[tuple[str, tuple[tuple[int, Any], ...]], ...]:
    out = []
    for constraint in univers_range.constraints:
        comparator = "=" if constraint.comparator == "=" else constraint.comparator
        if comparator == "*":
            continue
        out.append((comparator, segment_key(str(constraint.version))))
    return tuple(out)


def _next_prefix(prefix: str) -> str:
    """``2`` → ``3``, ``2.4`` → ``2.5`` (the first version after every ``2.4.x``)."""
    head, _, last = prefix.rpartition(".")
    if not last.isdigit():
        return prefix + "~"
    bumped = str(int(last) + 1)
    return f"{head}.{bumped}" if head else bumped


def _vls_constraints(text: str) -> tuple[tuple[str, tuple[tuple[int, Any], ...]], ...] | None:
    """``<V3.2.16`` or ``>=2.9|<=4.1`` as (operator, segment key) pairs; ``None`` if unreadable."""
    out: list[tuple[str, tuple[tuple[int, Any], ...]]] = []
    for piece in text.split("|"):
        piece = piece.strip()
        operator = next((op for op in _OPERATORS if piece.startswith(op)), "=")
        version = piece[len(operator) :].strip() if piece.startswith(operator) else piece
        wildcard = re.fullmatch(r"(.*?\d)\.[x*]", version, re.IGNORECASE)
        if wildcard:
            prefix = wildcard.group(1)
            if operator in ("<=", ">"):
                operator, version = ("<" if operator == "<=" else ">="), _next_prefix(prefix)
            elif operator == "=":
                out += [(">=", segment_key(prefix)), ("<", segment_key(_next_prefix(prefix)))]
                continue
            else:
                version = prefix
        if not re.search(r"\d", version):
            return None
        if not re.match(r"(?i)(v|fw|r)?\d", version):
            return None
        out.append((operator, segment_key(version)))
    return tuple(out) or None


def _free_text_vls(text: str) -> str | None:
    """Real free-text ranges rewritten as vls, or ``None``."""
    s = " ".join(text.split())
    s = re.sub(r"(?i)^(all versions|alle versionen)\s*", "", s)
    if not s:
        return "*"
    s = re.sub(r"^0\s*<\s*", "<", s)
    through = re.fullmatch(r"(?i)>\s*(.+?)_up_to_and_including_(.+)", s)
    if through:
        return f">{through.group(1)}|<={through.group(2)}"
    return s


def _univers(scheme: str, constraints: str) -> Any:
    try:
        return VersionRange.from_string(f"vers:{scheme}/{constraints}")
    except Exception:
        return None


def _vls_for_univers(constraints: str) -> str:
    """Spaces after operators removed (``< 2.07.2`` → ``<2.07.2``), a leading ``v`` dropped."""
    pieces = []
    for piece in constraints.split("|"):
        piece = piece.strip()
        operator = next((op for op in _OPERATORS if piece.startswith(op)), "")
        pieces.append(operator + clean_version(piece[len(operator) :]))
    return "|".join(pieces)


@lru_cache(maxsize=65536)
def version_rule(text: str) -> VersionRule:
    """The rule of a ``product_version_range`` (see the module docstring for the four cases), read
    when it is first used."""
    return VersionRule(text.strip())


def _read_range(text: str, *, fast: bool = True) -> VersionRule:
    """``fast``: numeric dotted ranges of a semver-based scheme read without univers (the same
    result, see :func:`_fast_keyed`); ``False`` only to compare the two in the tests."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered.startswith("vers:"):
        scheme, _, constraints = stripped[5:].partition("/")
        scheme = scheme.lower()
        if constraints.strip() == "*":
            return VersionRule(stripped, RuleKind.ALL, Confidence.HOCH)
        if scheme != "all" and scheme in RANGE_CLASS_BY_SCHEMES:
            if fast and RANGE_CLASS_BY_SCHEMES[scheme].version_class is SemverVersion:
                keyed = _fast_keyed(constraints)
                if keyed is not None:
                    vers = f"vers:{scheme}/{constraints}"
                    return VersionRule(stripped, RuleKind.RANGE, Confidence.HOCH, keyed=keyed, vers=vers)
            parsed = _univers(scheme, constraints)
            if parsed is not None:
                return VersionRule(stripped, RuleKind.RANGE, Confidence.HOCH, univers_range=parsed)
        heuristic = _vls_constraints(constraints)
        if heuristic is not None:
            return VersionRule(stripped, RuleKind.HEURISTIC, Confidence.NIEDRIG, constraints=heuristic)
        return VersionRule(stripped, RuleKind.UNREADABLE, Confidence.NIEDRIG)
    if lowered in ("*", "all", "all versions", "alle versionen"):
        return VersionRule(stripped, RuleKind.ALL, Confidence.HOCH)
    plain = re.fullmatch(r"(\s*(>=|<=|!=|<|>|=)\s*v?\d[\w.\-+~:]*\s*\|?)+", stripped, re.IGNORECASE)
    # "2.x" would be coerced by semver into 2.0.0+x; the segment reading knows what it means.
    if plain and not re.search(r"\.[x*]\s*(\||$)", stripped, re.IGNORECASE):
        constraints = _vls_for_univers(stripped.rstrip("|"))
        keyed = _fast_keyed(constraints) if fast else None
        if keyed is not None:
            vers = f"vers:generic/{constraints}"
            return VersionRule(stripped, RuleKind.VLS, Confidence.HOCH, keyed=keyed, vers=vers)
        parsed = _univers("generic", constraints)
        if parsed is not None:
            return VersionRule(stripped, RuleKind.VLS, Confidence.HOCH, univers_range=parsed)
    rewritten = _free_text_vls(stripped)
    if rewritten == "*":
        return VersionRule(stripped, RuleKind.ALL, Confidence.NIEDRIG)
    heuristic = _vls_constraints(rewritten) if rewritten else None
    if heuristic is not None:
        return VersionRule(stripped, RuleKind.HEURISTIC, Confidence.NIEDRIG, constraints=heuristic)
    return VersionRule(stripped, RuleKind.UNREADABLE, Confidence.NIEDRIG)


@lru_cache(maxsize=131072)
def exact_rule(text: str) -> VersionRule:
    """The rule of a ``product_version`` (one version, compared by :func:`same_version`)."""
    return VersionRule(text.strip(), RuleKind.EXACT, Confidence.HOCH)
