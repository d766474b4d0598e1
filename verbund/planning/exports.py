"""Exports of a scenario: one row per body (CSV) and the same as GeoJSON points (centroids), each
with the parameters the plan used, in German.

* **CSV**: what German spreadsheets open by double-click — semicolon-separated, UTF-8 with a byte
  order mark, decimal comma without thousands separators ("75600,79"), German column headings. The
  parameters come first as rows of two cells ("Kostenmodell;Standard: Fixkosten F = 120.000,00 EUR,
  …"), then an empty row, then the table; a spreadsheet shows them as ordinary cells, another tool
  skips the rows up to the first empty one. A cell that starts like a formula gets a leading ``'``.
* **GeoJSON**: the feature properties carry numbers as numbers; the collection's properties name
  the task, the Land, the method and the parameters in German.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation

from .models import Scenario
from .selectors import bodies_by_id, scenario_description

#: The columns of the CSV export: the key of :func:`export_rows` and the German heading.
COLUMNS = (
    ("gruppe", "Gruppe"),
    ("gruppengroesse", "Gruppengröße"),
    ("ars", "Regionalschlüssel (ARS)"),
    ("name", "Name"),
    ("art", "Art"),
    ("einwohner", "Einwohner"),
    ("gastgeber", "Gastgeber"),
    ("gastgeber_ars", "Regionalschlüssel des Gastgebers"),
    ("gastgeber_name", "Gastgeber (Name)"),
    ("einsparung_mitglied_eur", "Einsparung des Mitglieds (EUR/Jahr)"),
    ("einsparung_gruppe_eur", "Einsparung der Gruppe (EUR/Jahr)"),
    ("kosten_allein_gruppe_eur", "Kosten der Gruppe allein (EUR/Jahr)"),
    ("kosten_gemeinsam_gruppe_eur", "Kosten der Gruppe gemeinsam (EUR/Jahr)"),
    ("groesste_entfernung_km", "Größte Entfernung zum Gastgeber (km)"),
    ("bestehender_verbund", "Bestehender Verbund"),
)
NOTE = "Punkte: Flächenschwerpunkte; Einsparungen: Schätzungen mit den genannten Annahmen."
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
                "einsparung_mitglied_eur": _decimal(share),
                "einsparung_gruppe_eur": g.saving,
                "kosten_allein_gruppe_eur": g.standalone_cost,
                "kosten_gemeinsam_gruppe_eur": g.cost,
                "groesste_entfernung_km": Decimal(str(round(g.max_distance_km, 1))),
                "bestehender_verbund": g.alliance.name if g.alliance else ("ja" if g.fixed else ""),
                "_lat": body.lat,
                "_lon": body.lon,
            }


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _csv_cell(value: Any) -> str:
    """A German cell: decimal comma without thousands separators, text safe from formulas."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return format(Decimal(str(value)), "f").replace(".", ",")
    text = str(value)
    # Spreadsheets run cells that start with these as formulas (CSV injection).
    return "'" + text if text.startswith(_FORMULA_START) else text


def parameter_rows(scenario: Scenario) -> list[tuple[str, str]]:
    """What the plan assumed, as German label/value pairs (the CSV's first rows)."""
    with translation.override("de"):
        described = scenario_description(scenario)
        rows = [
            ("Szenario", scenario.name),
            ("Aufgabe", scenario.task.name),
            ("Region", described["region"]),
            ("Träger der Aufgabe", described["holders"]),
            ("Verfahren", str(scenario.get_solver_display())),
            ("Grenzen", described["constraints"]),
            ("Kostenmodell", described["cost_model"]),
            ("Annahmen", described["assumptions"]),
            ("Hinweis", NOTE),
        ]
    return rows


def export_csv(scenario: Scenario) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for label, value in parameter_rows(scenario):
        writer.writerow([label, _csv_cell(value)])
    writer.writerow([])
    writer.writerow([label for _key, label in COLUMNS])
    with translation.override("de"):  # exports stay German (the kinds of bodies, too)
        for row in export_rows(scenario):
            writer.writerow([_csv_cell(row[key]) for key, _label in COLUMNS])
    return out.getvalue()


def export_geojson(scenario: Scenario) -> dict[str, Any]:
    features = []
    with translation.override("de"):
        rows = list(export_rows(scenario))
    for row in rows:
        lat, lon = row.pop("_lat"), row.pop("_lon")
        if lat is None or lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()},
            }
        )
    with translation.override("de"):
        described = scenario_description(scenario)
        solver = str(scenario.get_solver_display())
    return {
        "type": "FeatureCollection",
        "name": scenario.name,
        "properties": {
            "aufgabe": scenario.task.name,
            "region": described["region"],
            "traeger": described["holders"],
            "verfahren": solver,
            "grenzen": described["constraints"],
            "kostenmodell": described["cost_model"],
            "annahmen": described["assumptions"],
            "einsparung_gesamt_eur": None if scenario.total_saving is None else float(scenario.total_saving),
            "hinweis": NOTE,
        },
        "features": features,
    }


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
