"""Every real advisory of the data directory (BSI CERT-Bund, CISA, Red Hat incl. the gzipped VEX file,
the OASIS examples) is matched against assets built from its own product tree without an exception,
and an asset built from a product's identifiers or branch path matches that product id; a
relationship product matches a component asset on its platform."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from verbund.security.matching import AssetFacts, AssetIndex, compile_advisory
from verbund.security.matching.advisory import ProductSpec
from verbund.security.matching.versions import RuleKind


def _documents() -> list[Path]:
    root = Path(settings.VERBUND_DATA_DIR) / "csaf"
    return sorted([*root.glob("real_advisories/**/*.json*"), *root.glob("examples/csaf/**/*.json")])


def _load(path: Path) -> dict[str, Any]:
    opener: Any = gzip.open if path.suffix == ".gz" else Path.open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _asset(spec: ProductSpec, identifier: str) -> AssetFacts:
    exact = spec.rule is not None and spec.rule.kind is RuleKind.EXACT
    return AssetFacts(
        id=identifier,
        vendor=spec.vendor,
        product=spec.products[0] if spec.products else (spec.name if spec.fullname_keys else ""),
        version=spec.rule.text if exact and spec.rule is not None else "",
        cpe=spec.cpe.text if spec.cpe else "",
        purl=spec.purl_text,
        model_numbers=tuple(m.text for m in spec.models if m.regex is None),
        hashes=tuple((algorithm, value) for algorithm, value, _ in spec.hashes),
    )


def test_the_data_directory_has_the_advisories():
    if not (Path(settings.VERBUND_DATA_DIR) / "csaf").is_dir():
        pytest.skip(f"no csaf directory in VERBUND_DATA_DIR={settings.VERBUND_DATA_DIR}")
    paths = _documents()
    assert any(p.suffix == ".gz" for p in paths)
    assert len(paths) >= 40


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_every_product_of_a_real_advisory_matches_its_own_asset(path):
    advisory = compile_advisory(_load(path))
    assets = [_asset(spec, product_id) for product_id, spec in advisory.products.items()]
    found = {(r.asset_id, r.product_id) for r in AssetIndex(assets).match(advisory)}
    expected = {(pid, pid) for pid in advisory.relevant if pid in advisory.products}
    assert expected <= found


def test_every_relationship_of_a_real_advisory_matches_a_component_on_its_platform():
    checked = 0
    for path in _documents():
        advisory = compile_advisory(_load(path))
        relations = [
            r
            for pid, r in advisory.relationships.items()
            if pid in advisory.relevant
            and r.component in advisory.products
            and r.platform in advisory.products
        ]
        if not relations:
            continue
        assets = [
            dataclasses.replace(
                _asset(advisory.products[r.component], r.product_id),
                platforms=(_asset(advisory.products[r.platform], f"{r.product_id}/platform"),),
            )
            for r in relations
        ]
        found = {(r.asset_id, r.product_id) for r in AssetIndex(assets).match(advisory)}
        assert {(r.product_id, r.product_id) for r in relations} <= found, path.name
        checked += 1
    if not checked:
        pytest.skip(f"no advisory with relationships in VERBUND_DATA_DIR={settings.VERBUND_DATA_DIR}")
    assert checked >= 3


@pytest.mark.parametrize("name", ["icsa-18-079-02.json", "icsa-19-283-01.json"])
def test_the_siemens_vers_all_ranges_give_low_confidence(name):
    path = Path(settings.VERBUND_DATA_DIR) / "csaf/real_advisories/cisa_ot_more" / name
    if not path.is_file():
        pytest.skip(f"{path} not in VERBUND_DATA_DIR")
    advisory = compile_advisory(_load(path))
    ranges = [
        s for s in advisory.products.values() if s.rule is not None and s.rule.text.startswith("vers:all/<")
    ]
    assert ranges
    # Version 0.1 lies below every bound of these files ("vers:all/<V7.0.3" …).
    assets = [dataclasses.replace(_asset(s, s.product_id), version="V0.1") for s in ranges]
    records = [r for r in AssetIndex(assets).match(advisory) if r.asset_id == r.product_id]
    assert {r.product_id for r in records} >= {
        s.product_id for s in ranges if s.product_id in advisory.relevant
    }
    assert records and all(r.confidence.value == "niedrig" for r in records)
    assert all("nicht normgerecht" in r.reason.text for r in records)
