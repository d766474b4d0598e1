"""Rebuild the registry's built-in sample (``verbund/registry/sample/``) from the data directory.

    python -m tools.registry_sample            # write the sample files, then check them
    python -m tools.registry_sample --check    # only check the committed files against the data

The sample is what ``make run`` loads on a fresh clone without ``../shared/data``. It holds

* ``gv100ad_rlp_sample.txt``: whole records of the Destatis GV100AD 30.11.2025, unchanged and in
  their original order: the Land Rheinland-Pfalz, its Regierungsbezirk keys, all 36 Kreise, and
  every Gemeindeverband and Gemeinde of the Kreise in :data:`SAMPLE_KREISE`;
* ``rlp_sample_{kreise,verbandsgemeinden,gemeinden}.geojson``: the boundaries of those bodies
  (all 36 Kreise; the Verbandsgemeinden and Gemeinden of :data:`SAMPLE_KREISE`), simplified as a
  *coverage* (``shapely.coverage_simplify``: a border shared by two areas is simplified once, so
  neighbours stay neighbours, without gaps or overlaps), in EPSG:25832 with the tolerances of
  :data:`TOLERANCE_M`, then rounded to 5 decimals (about 1 m).

The check compares the neighbour pairs computed from the sample (the registry's own rule,
:mod:`verbund.registry.geometry`) with the published lists of the data directory, restricted to the
sample's bodies, and requires every geometry to be valid. Pure Python (no Django).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from verbund.registry.geometry import compute_boundaries, to_geographic, to_metric

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "verbund" / "registry" / "sample"
GV100AD = "gemeindeverzeichnis/GV100AD_30112025.txt"
GV100AD_SAMPLE = "gv100ad_rlp_sample.txt"

#: The Kreise whose Gemeindeverbände and Gemeinden are in the sample: the twelve kreisfreie Städte
#: and the Landkreise of the demo alliances, shared services and plans (DOMAIN.md §1).
SAMPLE_KREISE = (
    "07111",  # Koblenz
    "07137",  # Mayen-Koblenz
    "07211",  # Trier
    "07232",  # Eifelkreis Bitburg-Prüm
    "07311",  # Frankenthal (Pfalz)
    "07312",  # Kaiserslautern
    "07313",  # Landau in der Pfalz
    "07314",  # Ludwigshafen am Rhein
    "07315",  # Mainz
    "07316",  # Neustadt an der Weinstraße
    "07317",  # Pirmasens
    "07318",  # Speyer
    "07319",  # Worms
    "07320",  # Zweibrücken
    "07331",  # Alzey-Worms
    "07333",  # Donnersbergkreis
    "07334",  # Germersheim
    "07335",  # Kaiserslautern (Landkreis)
    "07337",  # Südliche Weinstraße
)

#: layer name -> (source file in the data directory, key property, tolerance in metres).
LAYERS: dict[str, tuple[str, str]] = {
    "kreise": ("geo/rlp/rlp_kreise.geojson", "kreis_ags"),
    "verbandsgemeinden": ("geo/rlp/rlp_verbandsgemeinden.geojson", "gemeindeverband_ars"),
    "gemeinden": ("geo/rlp/rlp_gemeinden.geojson", "ags"),
}
TOLERANCE_M = {"kreise": 500.0, "verbandsgemeinden": 250.0, "gemeinden": 200.0}
NEIGHBOUR_LISTS = {
    "kreise": "geo/rlp/rlp_kreise_neighbours.csv",
    "verbandsgemeinden": "geo/rlp/rlp_verbandsgemeinden_neighbours.csv",
    "gemeinden": "geo/rlp/rlp_gemeinden_neighbours.csv",
}
DECIMALS = 5

SOURCE = (
    "Landeswahlleiter Rheinland-Pfalz, Geodaten Bundestagswahl 2025 (SHP_BTW2025), über "
    "github.com/s4padoer/kleinraeumige_analyse_gruene_btw25_rlp; Schlüssel aus Destatis GV100AD "
    "30.11.2025; für die Stichprobe von Verbund vereinfacht (verbund/registry/sample/README.md)"
)


def data_dir() -> Path:
    return Path(os.environ.get("VERBUND_DATA_DIR") or ROOT.parent / "shared" / "data")


def in_sample(layer: str, properties: dict[str, Any]) -> bool:
    if layer == "kreise":
        return True
    return str(properties.get("kreis_ags", "")) in SAMPLE_KREISE


def gv100ad_excerpt(source: Path) -> bytes:
    """The GV100AD records of the sample: whole lines, original order and bytes."""
    kept = []
    for line in source.read_bytes().splitlines(keepends=True):
        record, land, kreis = line[0:2], line[10:12], line[10:15].decode("ascii", "replace")
        if land != b"07":
            continue
        if record in (b"10", b"20", b"40") or (record in (b"50", b"60") and kreis in SAMPLE_KREISE):
            kept.append(line)
    return b"".join(kept)


def simplified_layer(layer: str, source: Path) -> dict[str, Any]:
    """The sample's features of one layer, simplified as a coverage over the whole Land."""
    key = LAYERS[layer][1]
    data = json.loads(source.read_text(encoding="utf-8"))
    features = data["features"]
    geometries = np.array([shape(f["geometry"]) for f in features], dtype=object)
    metric = to_metric(geometries)
    simple = shapely.coverage_simplify(metric, TOLERANCE_M[layer])

    def back(coords: np.ndarray) -> np.ndarray:
        return np.round(to_geographic(coords), DECIMALS)

    geographic = shapely.transform(simple, back)
    out = []
    for feature, geometry in zip(features, geographic, strict=True):
        properties = feature["properties"]
        if not in_sample(layer, properties):
            continue
        out.append(
            {
                "type": "Feature",
                # The layer's own key (the one the import matches) and the name.
                "properties": {key: properties[key], "name": properties["name"]},
                "geometry": mapping(geometry),
            }
        )
    return {
        "type": "FeatureCollection",
        "metadata": {
            "source": SOURCE,
            "crs": "EPSG:4326",
            "note": f"coverage_simplify {TOLERANCE_M[layer]:g} m in EPSG:25832, {DECIMALS} Nachkommastellen",
        },
        "features": out,
    }


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def _rounded(value: Any) -> Any:
    """Coordinates as written (tuples from ``mapping`` become lists, floats keep 5 decimals)."""
    return json.loads(json.dumps(value))


def write(target: Path = SAMPLE_DIR) -> None:
    source = data_dir()
    (target / GV100AD_SAMPLE).write_bytes(gv100ad_excerpt(source / GV100AD))
    for layer, (relative, _key) in LAYERS.items():
        collection = _rounded(simplified_layer(layer, source / relative))
        (target / f"rlp_sample_{layer}.geojson").write_text(_dump(collection), encoding="utf-8")


def check(target: Path = SAMPLE_DIR) -> list[str]:
    """Problems of the sample files against the data directory (empty: all good)."""
    problems: list[str] = []
    source = data_dir()
    if (target / GV100AD_SAMPLE).read_bytes() != gv100ad_excerpt(source / GV100AD):
        problems.append(f"{GV100AD_SAMPLE} weicht vom Auszug aus {GV100AD} ab")
    for layer, (relative, key) in LAYERS.items():
        name = f"rlp_sample_{layer}.geojson"
        data = json.loads((target / name).read_text(encoding="utf-8"))
        # compute_boundaries refuses invalid geometry, as the import does.
        collection = compute_boundaries(data, file_name=name)
        keys = {feature.key for feature in collection.features}
        found = {(p.key_a, p.key_b) for p in collection.pairs}
        with (source / NEIGHBOUR_LISTS[layer]).open(encoding="utf-8") as handle:
            rows = list(csv.reader(handle))[1:]
        expected = {(a, b) for a, b, _m in rows if a in keys and b in keys}
        if found != expected:
            problems.append(
                f"{name}: Nachbarschaften weichen ab: fehlen {sorted(expected - found)}, "
                f"zusätzlich {sorted(found - expected)}"
            )
        wanted = {
            f["properties"][key]
            for f in json.loads((source / relative).read_text(encoding="utf-8"))["features"]
            if in_sample(layer, f["properties"])
        }
        if keys != wanted:
            problems.append(f"{name}: Gebiete weichen ab: {sorted(keys ^ wanted)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="nur prüfen, nichts schreiben")
    args = parser.parse_args(argv)
    if not (data_dir() / GV100AD).is_file():
        print(f"Datenverzeichnis {data_dir()} fehlt (VERBUND_DATA_DIR).", file=sys.stderr)
        return 2
    if not args.check:
        write()
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    sizes = ", ".join(
        f"{path.name} {path.stat().st_size // 1024} KB"
        for path in sorted(SAMPLE_DIR.glob("*.*"))
        if path.suffix != ".md"
    )
    print(f"Stichprobe {'geprüft' if args.check else 'geschrieben'}: {sizes}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
