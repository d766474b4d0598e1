"""Exports of a scenario: one row per body (CSV, semicolon-separated as German spreadsheets expect)
and the same as GeoJSON points (centroids), each with the parameters the plan used."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from .models import Scenario
from .selectors import bodies_by_id

COLUMNS = (
    "gruppe",
    "gruppengroesse",
    "ars",
    "name",
    "art",
    "einwohner",
    "gastgeber",
    "gastgeber_ars",
    "gastgeber_name",
    "einsparung_mitglied_eur",
    "einsparung_gruppe_eur",
    "kosten_allein_gruppe_eur",
    "kosten_gemeinsam_gruppe_eur",
    "groesste_entfernung_km",
    "bestehender_verbund",
)


def export_rows(scenario: Scenario) -> Iterator[dict[str, Any]]:
    """One dict per body of the plan, in group order (two queries)."""
    groups = list(scenario.groups.select_related("alliance").order_by("number"))
    rows = bodies_by_id(i for g in groups for i in [*g.member_ids, g.host_id])
    for g in groups:
        host = rows.get(g.host_id)
        for body_id, share in zip(g.member_ids, g.member_savings, strict=True):
            body = rows.get(body_id)
            if body is None:
                continue
            yield {
                "gruppe": g.number,
                "gruppengroesse": g.size,
                "ars": body.ars,
                "name": body.name,
                "art": body.kind_label,
                "einwohner": body.population,
                "gastgeber": "ja" if body_id == g.host_id else "nein",
                "gastgeber_ars": host.ars if host else "",
                "gastgeber_name": host.name if host else "",
                "einsparung_mitglied_eur": share,
                "einsparung_gruppe_eur": str(g.saving),
                "kosten_allein_gruppe_eur": str(g.standalone_cost),
                "kosten_gemeinsam_gruppe_eur": str(g.cost),
                "groesste_entfernung_km": f"{g.max_distance_km:.1f}",
                "bestehender_verbund": g.alliance.name if g.alliance else ("ja" if g.fixed else ""),
                "_lat": body.lat,
                "_lon": body.lon,
            }


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start with these as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def export_csv(scenario: Scenario) -> str:
    out = io.StringIO()
    header = f"# {scenario.name}; Aufgabe {scenario.task.name}; Land {scenario.state}"
    out.write(f"{header}; {_parameters_note(scenario)}\n")
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in export_rows(scenario):
        writer.writerow([_csv_cell(row[c]) for c in COLUMNS])
    return out.getvalue()


def export_geojson(scenario: Scenario) -> dict[str, Any]:
    features = []
    for row in export_rows(scenario):
        lat, lon = row.pop("_lat"), row.pop("_lon")
        if lat is None or lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": row,
            }
        )
    return {
        "type": "FeatureCollection",
        "name": scenario.name,
        "properties": {
            "task": scenario.task.slug,
            "state": scenario.state,
            "solver": scenario.solver,
            "parameters": scenario.parameters.get("cost_model", {}),
            "constraints": scenario.parameters.get("constraints", {}),
            "total_saving_eur": str(scenario.total_saving) if scenario.total_saving is not None else None,
            "note": "Punkte: Flächenschwerpunkte; Einsparungen: Schätzungen mit den genannten Annahmen.",
        },
        "features": features,
    }


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _parameters_note(scenario: Scenario) -> str:
    model = scenario.parameters.get("cost_model", {})
    keys = ("fixed_cost", "unit_cost", "scale_exponent", "volume_per_inhabitant", "overhead_per_member")
    values = ", ".join(f"{k}={model.get(k)}" for k in keys)
    travel = (
        f"travel_cost_per_case_km={model.get('travel_cost_per_case_km')}, "
        f"detour_factor={model.get('detour_factor')}"
    )
    return f"Kostenmodell {model.get('source', '')}: {values}, {travel}"
