"""A CSAF 2.0 document (a dict as ``json.load`` gives it) compiled into what the matcher needs.

The product tree is followed completely (CSAF 2.0 §3.1.2, §3.2.2):

- every path of ``branches`` down to a leaf with a ``product``: ``vendor`` gives the vendor,
  ``product_name`` (and ``product_family``, used as the name where no ``product_name`` follows, and
  also combined with it: Mobotix' family ``P3`` + name ``D24M``) the product, ``product_version`` an
  exact version, ``product_version_range`` a range (:mod:`.versions`), ``service_pack`` and
  ``patch_level`` below a version a more precise version (Cisco's ``12.2SE`` → ``12.2(55)SE``).
  ``architecture``, ``language``, ``legacy``, ``specification``, ``host_name`` do not restrict the
  match (an inventory rarely records them);
- ``full_product_names`` without branches (matched by their identifiers, or by the full name);
- ``product_identification_helper`` of any product: cpe, purl, hashes, model_numbers,
  serial_numbers, skus (``sbom_urls`` and ``x_generic_uris`` cannot be compared with an inventory);
- ``relationships``: the product ``product_id`` is ``product_reference`` as ``category`` of
  ``relates_to_product_reference`` (see :mod:`.index` for how it matches);
- ``product_groups``: a ``group_ids`` list of a remediation applies to every product of the group;
  a group id in a status list (not allowed, but seen) stands for its products.

Nothing here raises on odd input: an unreadable part of a tree is left out, never fatal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeGuard

from packageurl import PackageURL

from verbund.security.matching.cpe import CpeError, CpeName, parse_cpe
from verbund.security.matching.facts import Remediation, StatusCategory
from verbund.security.matching.names import product_keys, vendor_key, words
from verbund.security.matching.versions import VersionRule, exact_rule, version_rule

_VERSION_DETAIL = ("service_pack", "patch_level")
_STATUS_BY_NAME = {category.value: category for category in StatusCategory}


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A model or serial number of a product tree; ``?`` is one character, ``*`` any (``\\`` quotes)."""

    text: str
    prefix: str
    regex: re.Pattern[str] | None

    def matches(self, value: str) -> bool:
        value = identifier_key(value)
        if self.regex is None:
            return value == self.prefix
        return self.regex.fullmatch(value) is not None


def _mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(value, Mapping)``, the common case (a dict from ``json.load``) first."""
    return type(value) is dict or isinstance(value, Mapping)


def identifier_key(value: str) -> str:
    """Model, serial and SKU values compared without case and surrounding white space."""
    return value.strip().casefold()


@lru_cache(maxsize=65536)
def wildcard(text: str) -> Wildcard:
    parts: list[str] = []
    prefix: list[str] = []
    literal = True
    chars = iter(identifier_key(text))
    for char in chars:
        if char == "\\":
            char = next(chars, "\\")
            parts.append(re.escape(char))
        elif char in "*?":
            literal = False
            parts.append(".*" if char == "*" else ".")
            continue
        else:
            parts.append(re.escape(char))
        if literal:
            prefix.append(char)
    return Wildcard(text, "".join(prefix), None if literal else re.compile("".join(parts), re.DOTALL))


@lru_cache(maxsize=131072)
def parse_purl(text: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(text.strip())
    except ValueError:
        return None


def purl_key(purl: PackageURL) -> tuple[str, str, str]:
    """Type, namespace and name compared without case; PyPI names with ``_``/``.`` as ``-`` (PEP 503)."""
    name = purl.name.casefold()
    if purl.type == "pypi":
        name = re.sub(r"[-_.]+", "-", name)
    return purl.type.casefold(), (purl.namespace or "").casefold(), name


def _cpe_or_none(text: Any) -> CpeName | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_cpe(text)
    except CpeError:
        return None


@dataclass(slots=True)
class ProductSpec:
    """One product of a product tree as the matcher compares it."""

    product_id: str
    name: str
    vendor: str = ""
    products: tuple[str, ...] = ()
    vendor_key: str = ""
    product_keys: tuple[str, ...] = ()
    rule: VersionRule | None = None
    cpe: CpeName | None = None
    purl: PackageURL | None = None
    purl_text: str = ""
    purl_key: tuple[str, str, str] = ("", "", "")
    hashes: tuple[tuple[str, str, str], ...] = ()
    models: tuple[Wildcard, ...] = ()
    serials: tuple[Wildcard, ...] = ()
    skus: tuple[str, ...] = ()
    #: keys of the full name, used only when neither branches nor identifiers say what it is
    fullname_keys: tuple[str, ...] = ()
    #: the matcher's memory of checks that depend on this product only and an asset's values
    #: (:func:`~.evaluate.by_name` per vendor and product), not part of its value
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class RelationshipSpec:
    product_id: str
    name: str
    category: str
    component: str
    platform: str


@dataclass(slots=True)
class Vulnerability:
    index: int
    cve: str
    statuses: dict[str, tuple[StatusCategory, ...]]
    remediations: dict[str, tuple[Remediation, ...]]


@dataclass(slots=True)
class Advisory:
    """A compiled CSAF document; ``key`` names it in an :class:`~.index.AdvisoryIndex`
    (the document's ``tracking.id`` unless the caller gives one)."""

    key: str
    document_id: str
    products: dict[str, ProductSpec]
    relationships: dict[str, RelationshipSpec]
    groups: dict[str, tuple[str, ...]]
    vulnerabilities: list[Vulnerability]
    #: product ids named by some status list (only these can give a match record)
    relevant: frozenset[str] = field(default_factory=frozenset)

    def name_of(self, product_id: str) -> str:
        spec = self.products.get(product_id) or self.relationships.get(product_id)
        return spec.name if spec else product_id


def _helper(spec: ProductSpec, helper: Any) -> None:
    if not _mapping(helper):
        return
    spec.cpe = _cpe_or_none(helper.get("cpe"))
    purl = helper.get("purl")
    spec.purl = parse_purl(purl) if isinstance(purl, str) else None
    if spec.purl is not None and isinstance(purl, str):
        spec.purl_text, spec.purl_key = purl.strip(), purl_key(spec.purl)
    hashes = []
    for entry in helper.get("hashes") or ():
        if not _mapping(entry):
            continue
        filename = str(entry.get("filename") or "")
        for file_hash in entry.get("file_hashes") or ():
            if _mapping(file_hash) and file_hash.get("value"):
                algorithm = str(file_hash.get("algorithm") or "").casefold()
                hashes.append((algorithm, str(file_hash["value"]).strip().casefold(), filename))
    spec.hashes = tuple(hashes)
    spec.models = tuple(wildcard(str(m)) for m in helper.get("model_numbers") or () if str(m).strip())
    spec.serials = tuple(wildcard(str(s)) for s in helper.get("serial_numbers") or () if str(s).strip())
    spec.skus = tuple(identifier_key(str(s)) for s in helper.get("skus") or () if str(s).strip())


def _has_identifier(spec: ProductSpec) -> bool:
    return bool(spec.cpe or spec.purl or spec.hashes or spec.models or spec.serials or spec.skus)


def _leaf(path: list[Mapping[str, Any]], product: Mapping[str, Any]) -> ProductSpec:
    vendor = ""
    names: list[str] = []
    family = ""
    rule: VersionRule | None = None
    for branch in path:
        category, name = branch.get("category"), str(branch.get("name") or "").strip()
        if not name:
            continue
        if category == "vendor":
            vendor = name
        elif category == "product_family":
            if not names:
                family = name
        elif category == "product_name":
            combined = family and words(name)[: len(words(family))] != words(family)
            names = [name, f"{family} {name}"] if combined else [name]
        elif category == "product_version":
            rule = exact_rule(name)
        elif category == "product_version_range":
            rule = version_rule(name)
        elif category in _VERSION_DETAIL and rule is not None:
            rule = exact_rule(name)
    if not names and family:
        names = [family]
    spec = ProductSpec(
        product_id=str(product.get("product_id")),
        name=str(product.get("name") or ""),
        vendor=vendor,
        products=tuple(names),
        vendor_key=vendor_key(vendor) if vendor else "",
        product_keys=tuple(dict.fromkeys(k for n in names for k in product_keys(vendor, n))),
        rule=rule,
    )
    _helper(spec, product.get("product_identification_helper"))
    if not spec.product_keys and not _has_identifier(spec) and words(spec.name):
        spec.fullname_keys = ("".join(words(spec.name)),)
    return spec


def _walk(branches: Any, path: list[Mapping[str, Any]], out: dict[str, ProductSpec]) -> None:
    if not isinstance(branches, list):
        return
    for branch in branches:
        if not _mapping(branch):
            continue
        path.append(branch)
        product = branch.get("product")
        if _mapping(product) and product.get("product_id"):
            spec = _leaf(path, product)
            out[spec.product_id] = spec
        _walk(branch.get("branches"), path, out)
        path.pop()


def _full_product_name(product: Mapping[str, Any]) -> ProductSpec:
    name = str(product.get("name") or "")
    spec = ProductSpec(product_id=str(product.get("product_id")), name=name)
    _helper(spec, product.get("product_identification_helper"))
    if not _has_identifier(spec) and words(name):
        spec.fullname_keys = ("".join(words(name)),)
    return spec


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v if type(v) is str else str(v) for v in value]


def compile_advisory(document: Mapping[str, Any], *, key: str | None = None) -> Advisory:
    """The matcher's view of one CSAF document (see the module docstring)."""
    tracking = (document.get("document") or {}).get("tracking") or {}
    document_id = str(tracking.get("id") or "")
    tree = document.get("product_tree") or {}
    products: dict[str, ProductSpec] = {}
    _walk(tree.get("branches"), [], products)
    for product in tree.get("full_product_names") or ():
        if _mapping(product) and product.get("product_id"):
            spec = _full_product_name(product)
            products.setdefault(spec.product_id, spec)
    relationships: dict[str, RelationshipSpec] = {}
    for relation in tree.get("relationships") or ():
        if not _mapping(relation):
            continue
        product = relation.get("full_product_name") or {}
        product_id = product.get("product_id") if _mapping(product) else None
        if not product_id:
            continue
        relationships[str(product_id)] = RelationshipSpec(
            product_id=str(product_id),
            name=str(product.get("name") or ""),
            category=str(relation.get("category") or ""),
            component=str(relation.get("product_reference") or ""),
            platform=str(relation.get("relates_to_product_reference") or ""),
        )
        # A relationship product may carry identifiers of its own; then it also matches by them.
        if product.get("product_identification_helper"):
            spec = _full_product_name(product)
            if _has_identifier(spec):
                products.setdefault(spec.product_id, spec)
    groups = {
        str(g["group_id"]): tuple(_ids(g.get("product_ids")))
        for g in tree.get("product_groups") or ()
        if _mapping(g) and g.get("group_id")
    }
    vulnerabilities = [
        _vulnerability(index, v, groups)
        for index, v in enumerate(document.get("vulnerabilities") or ())
        if _mapping(v)
    ]
    relevant = frozenset(pid for v in vulnerabilities for pid in v.statuses)
    return Advisory(
        key=key if key is not None else document_id,
        document_id=document_id,
        products=products,
        relationships=relationships,
        groups=groups,
        vulnerabilities=vulnerabilities,
        relevant=relevant,
    )


def _expand(ids: list[str], groups: Mapping[str, tuple[str, ...]]) -> list[str]:
    if not groups:
        return ids
    out: list[str] = []
    for product_id in ids:
        out.extend(groups.get(product_id, (product_id,)))
    return out


def _vulnerability(
    index: int, vulnerability: Mapping[str, Any], groups: Mapping[str, tuple[str, ...]]
) -> Vulnerability:
    statuses: dict[str, tuple[StatusCategory, ...]] = {}
    status_lists = vulnerability.get("product_status") or {}
    if _mapping(status_lists):
        for name, ids in status_lists.items():
            category = _STATUS_BY_NAME.get(name)
            if category is None or not isinstance(ids, list):
                continue
            for product_id in _expand(_ids(ids), groups):
                current = statuses.get(product_id)
                if current is None:
                    statuses[product_id] = (category,)
                elif category not in current:
                    statuses[product_id] = (*current, category)
    remediations: dict[str, list[Remediation]] = {}
    for entry in vulnerability.get("remediations") or ():
        if not _mapping(entry):
            continue
        remediation = Remediation(
            category=str(entry.get("category") or ""),
            details=str(entry.get("details") or ""),
            url=str(entry.get("url") or ""),
        )
        product_ids = _ids(entry.get("product_ids"))
        for group_id in _ids(entry.get("group_ids")):
            product_ids.extend(groups.get(group_id, ()))
        for product_id in dict.fromkeys(product_ids):
            remediations.setdefault(product_id, []).append(remediation)
    return Vulnerability(
        index=index,
        cve=str(vulnerability.get("cve") or ""),
        statuses=statuses,
        remediations={pid: tuple(r) for pid, r in remediations.items()},
    )
