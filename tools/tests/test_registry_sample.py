"""The built-in registry sample is what ``python -m tools.registry_sample`` derives from the data
directory: the GV100AD excerpt byte for byte, valid simplified boundaries of exactly the sample's
bodies, and exactly the published neighbour pairs among them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import shared_data_file
from tools import registry_sample


def test_the_committed_sample_matches_the_data_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    gv100ad = shared_data_file(registry_sample.GV100AD)
    monkeypatch.setenv("VERBUND_DATA_DIR", str(gv100ad.parents[1]))
    assert registry_sample.check() == []


def test_the_check_notices_a_changed_sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    gv100ad = shared_data_file(registry_sample.GV100AD)
    monkeypatch.setenv("VERBUND_DATA_DIR", str(gv100ad.parents[1]))
    for path in registry_sample.SAMPLE_DIR.glob("*.*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    layer = tmp_path / "rlp_sample_kreise.geojson"
    # Drop the last Kreis: its neighbours and the feature list no longer match.
    text = layer.read_text(encoding="utf-8")
    cut = text.rindex(',{"type":"Feature"')
    layer.write_text(text[:cut] + "]}\n", encoding="utf-8")
    problems = registry_sample.check(tmp_path)
    assert any(p.startswith("rlp_sample_kreise.geojson: Gebiete weichen ab") for p in problems), problems
