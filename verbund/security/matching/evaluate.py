"""Whether one product of a product tree is one asset, by one kind of identifier at a time.

An asset is described by *tokens* (:func:`asset_tokens`): for each identifier it has, the kind, the
index key a product's identifier must share with it, and the few values the check reads (the
identifier and the asset's version). Assets with equal tokens are the same for a product, so the
:class:`~.index.AssetIndex` checks a product once per distinct token, not once per asset, and
:func:`evaluate` (one product, one asset: the baseline and the one-new-asset path) uses the very same
checks. Each check answers an :class:`~.facts.Evidence` or ``None``.

Confidence (the weakest step counts):

- "hoch": a hash, an exact model/serial number or SKU, a purl, a CPE that names the asset
  (NISTIR 7696), or vendor and product spelled exactly alike — each with the version stated exactly
  or in a conformant range, or no version restriction;
- "mittel": a model/serial number through ``?``/``*``, names equal only after normalisation
  (:mod:`.names`), a full product name without identifiers, a CPE whose optional attributes (update,
  edition, target software …) the asset's CPE leaves open, a CPE with NA (``-``) as version that the
  tree uses as "the product" (BSI), a relationship's platform that matched so;
- "niedrig": a non-conformant or unreadable range (:mod:`.versions`), an asset without a version
  against a range, a relationship whose platform the inventory does not record.

An exact ``product_version`` never matches an asset without a version: nothing says it is that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from univers.version_range import RANGE_CLASS_BY_SCHEMES

from verbund.common.i18n import gettext_noop
from verbund.security.matching.advisory import ProductSpec, identifier_key, parse_purl, purl_key
from verbund.security.matching.cpe import (
    ANY,
    NA,
    PART,
    PRODUCT,
    VENDOR,
    VERSION,
    CpeError,
    CpeName,
    Relation,
    compare_attribute,
    parse_cpe,
    readable,
)
from verbund.security.matching.facts import LOWEST, RANK, AssetFacts, Confidence, Evidence, Reason
from verbund.security.matching.names import product_keys, same_spelling, vendor_key, words
from verbund.security.matching.versions import RuleKind, VersionRule, same_version

HOCH, MITTEL, NIEDRIG = Confidence.HOCH, Confidence.MITTEL, Confidence.NIEDRIG
_OK = (Relation.EQUAL, Relation.SUPERSET)

Token = tuple[str, tuple[Any, ...], tuple[Any, ...]]  # kind, index key, check arguments


_NO_RULE_STEP = (HOCH, Reason.of(gettext_noop("keine Versionsangabe im Produktbaum (alle Versionen)")))
_MISSING = object()


def version_step(rule: VersionRule | None, version: str) -> tuple[Confidence, Reason] | None:
    """The version part of a match: how sure, and the German reason; ``None`` if it does not match
    (remembered per rule and asset version: rules are shared between advisories)."""
    if rule is None:
        return _NO_RULE_STEP
    step = rule.steps.get(version, _MISSING)
    if step is _MISSING:
        step = rule.steps[version] = _version_step(rule, version)
    return step


def _version_step(rule: VersionRule, version: str) -> tuple[Confidence, Reason] | None:
    result = rule.contains(version)  # remembered here, per version: not in the rule as well
    kind = rule.kind
    if result is False:
        return None
    if result is None:
        if kind is RuleKind.EXACT:
            return None
        return NIEDRIG, Reason.of(
            gettext_noop("Version des Assets unbekannt, Bereich %(range)s nicht geprüft"), range=rule.text
        )
    if kind is RuleKind.EXACT:
        return HOCH, Reason.of(
            gettext_noop("Version %(version)s entspricht %(expected)s"), version=version, expected=rule.text
        )
    if kind is RuleKind.ALL:
        return rule.ceiling, Reason.of(gettext_noop("alle Versionen (%(range)s)"), range=rule.text)
    if kind is RuleKind.UNREADABLE:
        return NIEDRIG, Reason.of(
            gettext_noop("Bereich %(range)s nicht auswertbar, alle Versionen angenommen"), range=rule.text
        )
    if kind is RuleKind.HEURISTIC:
        return NIEDRIG, Reason.of(
            gettext_noop(
                "Version %(version)s liegt im Bereich %(range)s (nicht normgerecht, als vls gelesen)"
            ),
            version=version,
            range=rule.text,
        )
    return rule.ceiling, Reason.of(
        gettext_noop("Version %(version)s liegt im Bereich %(range)s"), version=version, range=rule.text
    )


def _with_version(
    confidence: Confidence, reason: Reason, rule: VersionRule | None, version: str
) -> Evidence | None:
    step = version_step(rule, version)
    if step is None:
        return None
    return Evidence(LOWEST[confidence, step[0]], reason + step[1])


def by_name(spec: ProductSpec, vendor: str, product: str, version: str) -> Evidence | None:
    if not spec.product_keys:
        return None
    step = version_step(spec.rule, version)  # first: the index already found the names equal
    if step is None:
        return None
    memo_key = ("name", vendor, product)
    names = spec.memo.get(memo_key, _MISSING)
    if names is _MISSING:
        names = spec.memo[memo_key] = _names(spec, vendor, product)
    if names is None:
        return None
    confidence, reason = names
    return Evidence(LOWEST[confidence, step[0]], reason + step[1])


def _names(spec: ProductSpec, vendor: str, product: str) -> tuple[Confidence, Reason] | None:
    """The vendor and product part of :func:`by_name` (the same for every version)."""
    if spec.vendor_key and spec.vendor_key != vendor_key(vendor):
        return None
    if not set(spec.product_keys).intersection(product_keys(vendor, product)):
        return None
    exact = (not spec.vendor or same_spelling(spec.vendor, vendor)) and any(
        same_spelling(name, product) for name in spec.products
    )
    confidence = HOCH if exact else MITTEL
    if not spec.vendor_key:
        confidence = NIEDRIG
    reason = Reason.of(
        gettext_noop("Hersteller „%(vendor)s“ und Produkt „%(product)s“ stimmen überein"),
        vendor=spec.vendor or vendor,
        product=spec.products[0] if spec.products else product,
    )
    return confidence, reason


def by_fullname(spec: ProductSpec, vendor: str, product: str, version: str) -> Evidence | None:
    if not spec.fullname_keys:
        return None
    if spec.fullname_keys[0] not in _fullname_keys(vendor, product, version):
        return None
    return Evidence(MITTEL, Reason.of(gettext_noop("Produktname „%(name)s“ stimmt überein"), name=spec.name))


@lru_cache(maxsize=65536)
def _fullname_keys(vendor: str, product: str, version: str) -> tuple[str, ...]:
    base = [f"{vendor} {product}", product] if vendor else [product]
    texts = [f"{b} {version}" for b in base] + base if version else base
    return tuple(dict.fromkeys("".join(words(t)) for t in texts if words(t)))


def by_cpe(spec: ProductSpec, cpe_text: str, version: str) -> Evidence | None:
    """``cpe_text``: the asset's CPE as written (the index groups assets by it; read again from the
    cache of :func:`parse_cpe`)."""
    source = spec.cpe
    if source is None:
        return None
    cpe = parse_cpe(cpe_text)
    attributes = cpe.attributes
    memo_key = ("cpe", attributes[:VERSION], attributes[VERSION + 1 :])
    names = spec.memo.get(memo_key, _MISSING)
    if names is _MISSING:
        names = spec.memo[memo_key] = _cpe_names(source, cpe)
    if names is None:
        return None
    confidence, reason = names
    s, t = source.version, cpe.version
    if spec.rule is not None and not (spec.rule.kind is RuleKind.EXACT and s not in (ANY, NA)):
        # A range in the branch decides, the CPE names the product (BSI writes the first fixed
        # version into the CPE of a "< 11.10.100" range, so its version attribute cannot count).
        return _with_version(confidence, reason, spec.rule, version)
    if s == ANY:
        return Evidence(confidence, reason)
    if s == NA:
        return Evidence(
            Confidence.lowest(confidence, MITTEL),
            reason + Reason.of(gettext_noop("CPE ohne Version (alle Versionen)")),
        )
    if compare_attribute(s, t) in _OK:
        return Evidence(confidence, reason)
    if t == ANY and version and same_version(readable(s), version):
        return Evidence(confidence, reason + Reason.of(gettext_noop("Version %(version)s"), version=version))
    return None


def _cpe_names(source: CpeName, cpe: CpeName) -> tuple[Confidence, Reason] | None:
    """The part of :func:`by_cpe` without the version (the same for every version of a name)."""
    confidence = HOCH
    for index, (s, t) in enumerate(zip(source.attributes, cpe.attributes, strict=True)):
        if index == VERSION or (s == t and s not in "*?"):
            continue
        relation = compare_attribute(s, t)
        if relation in _OK:
            continue
        if relation is Relation.SUBSET and index not in (PART, VENDOR, PRODUCT):
            confidence = MITTEL  # the asset's CPE leaves this attribute open
            continue
        return None
    return confidence, Reason.of(gettext_noop("CPE %(cpe)s passt"), cpe=source.text)


@lru_cache(maxsize=131072)
def _purl_versions_equal(purl_type: str, expected: str, version: str) -> bool:
    if same_version(expected, version):
        return True
    range_class = RANGE_CLASS_BY_SCHEMES.get(purl_type)
    if range_class is None:
        return False
    version_class: Any = range_class.version_class
    try:
        return bool(version_class(expected) == version_class(version))
    except Exception:
        return False


def by_purl(spec: ProductSpec, purl_text: str, key: tuple[str, str, str], version: str) -> Evidence | None:
    """``purl_text``: the asset's purl as written (the index groups assets by it; parsed again, from
    the cache of :func:`parse_purl`, only when the product's purl has qualifiers)."""
    source = spec.purl
    if source is None or spec.purl_key != key:
        return None
    if source.version:
        # The purl's version counts, not the branch's: Red Hat's product_version is the whole
        # package name ("bpftool-0:3.10.0-1062.79.1.el7.x86_64").
        if not version or not _purl_versions_equal(source.type, source.version, version):
            return None
        step: tuple[Confidence, Reason] | None = (
            HOCH,
            Reason.of(gettext_noop("Version %(version)s"), version=version),
        )
    elif spec.rule is not None:
        step = version_step(spec.rule, version)
    else:
        step = HOCH, Reason.of(gettext_noop("keine Version in der purl (alle Versionen)"))
    if step is None:
        return None
    ours = source.qualifiers if isinstance(source.qualifiers, dict) else {}
    purl = parse_purl(purl_text) if ours else None
    theirs = purl.qualifiers if purl is not None and isinstance(purl.qualifiers, dict) else {}
    for name, value in ours.items():
        if name in theirs and str(theirs[name]).casefold() != str(value).casefold():
            return None
    return Evidence(step[0], Reason.of(gettext_noop("purl %(purl)s passt"), purl=spec.purl_text) + step[1])


def by_model(spec: ProductSpec, value: str, version: str) -> Evidence | None:
    for pattern in spec.models:
        if pattern.matches(value):
            reason = Reason.of(
                gettext_noop("Modellnummer %(value)s passt zu %(pattern)s"), value=value, pattern=pattern.text
            )
            return _with_version(HOCH if pattern.regex is None else MITTEL, reason, spec.rule, version)
    return None


def by_serial(spec: ProductSpec, value: str, version: str) -> Evidence | None:
    for pattern in spec.serials:
        if pattern.matches(value):
            reason = Reason.of(
                gettext_noop("Seriennummer %(value)s passt zu %(pattern)s"), value=value, pattern=pattern.text
            )
            return _with_version(HOCH if pattern.regex is None else MITTEL, reason, spec.rule, version)
    return None


def by_sku(spec: ProductSpec, value: str, version: str) -> Evidence | None:
    if identifier_key(value) not in spec.skus:
        return None
    return _with_version(
        HOCH, Reason.of(gettext_noop("SKU %(value)s stimmt überein"), value=value), spec.rule, version
    )


def by_hash(spec: ProductSpec, algorithm: str, value: str) -> Evidence | None:
    for spec_algorithm, spec_value, filename in spec.hashes:
        if spec_value == value and (spec_algorithm == algorithm or not spec_algorithm or not algorithm):
            return Evidence(
                HOCH,
                Reason.of(
                    gettext_noop("Hashwert (%(algorithm)s) der Datei %(filename)s stimmt überein"),
                    algorithm=spec_algorithm or algorithm,
                    filename=filename or "–",
                ),
            )
    return None


CHECKS: dict[str, Callable[..., Evidence | None]] = {
    "name": by_name,
    "full": by_fullname,
    "cpe": by_cpe,
    "purl": by_purl,
    "model": by_model,
    "serial": by_serial,
    "sku": by_sku,
    "hash": by_hash,
}


def is_rare(kind: str, key: tuple[Any, ...]) -> bool:
    """Keys only products without a vendor or without any identifier look up (few trees have them)."""
    return kind == "full" or (kind == "name" and key[0] == "")


@lru_cache(maxsize=131072)
def name_tokens(vendor: str, product: str, version: str, rare: bool | None = None) -> tuple[Token, ...]:
    """The name tokens of :func:`asset_tokens` (the same for every asset with these three values)."""
    tokens: list[Token] = []
    args = (vendor, product, version)
    vkey = vendor_key(vendor) if vendor.strip() else ""
    for pkey in product_keys(vendor, product):
        if rare is not True or not vkey:
            tokens.append(("name", (vkey, pkey), args))
        if vkey and rare is not False:
            tokens.append(("name", ("", pkey), args))
    if rare is not False:
        tokens.extend(("full", (fkey,), args) for fkey in _fullname_keys(vendor, product, version))
    return tuple(tokens)


def asset_tokens(asset: AssetFacts, *, rare: bool | None = None) -> Iterator[Token]:
    """The (kind, key, check arguments) of each identifier of an asset (see the module docstring);
    with ``rare`` only the tokens whose keys are (``True``) or are not (``False``) :func:`is_rare`
    — an asset without a vendor has its vendorless name key among the common ones."""
    version = asset.version.strip()
    if asset.product.strip():
        yield from name_tokens(asset.vendor, asset.product, version, rare)
    if rare is not True:
        yield from identifier_tokens(asset, version)


def identifier_tokens(asset: AssetFacts, version: str) -> Iterator[Token]:
    """The tokens of :func:`asset_tokens` but the names (``version``: the asset's, stripped)."""
    if asset.cpe.strip():
        try:
            cpe = parse_cpe(asset.cpe)
        except CpeError:
            cpe = None
        if cpe is not None:
            own = cpe.version
            cpe_version = readable(own) if own not in (ANY, NA) else version
            yield "cpe", (cpe.attributes[VENDOR], cpe.attributes[PRODUCT]), (asset.cpe, cpe_version)
    if asset.purl.strip():
        purl = parse_purl(asset.purl)
        if purl is not None:
            key = purl_key(purl)
            yield "purl", key, (asset.purl, key, purl.version or version)
    for kind, values in (
        ("model", asset.model_numbers),
        ("serial", asset.serial_numbers),
        ("sku", asset.skus),
    ):
        for value in values:
            if value.strip():
                yield kind, (identifier_key(value),), (value.strip(), version)
    for algorithm, value in asset.hashes:
        if value.strip():
            yield (
                "hash",
                (value.strip().casefold(),),
                (algorithm.strip().casefold(), value.strip().casefold()),
            )


def better(left: Evidence | None, right: Evidence | None) -> Evidence | None:
    """The surer of two pieces of evidence (the first on a tie)."""
    if left is None:
        return right
    if right is None or RANK[left.confidence] >= RANK[right.confidence]:
        return left
    return right


def evaluate(spec: ProductSpec, asset: AssetFacts) -> Evidence | None:
    """Whether ``spec`` is ``asset``, by the surest of the asset's identifiers."""
    best: Evidence | None = None
    for kind, _key, args in asset_tokens(asset):
        best = better(best, CHECKS[kind](spec, *args))
    return best
