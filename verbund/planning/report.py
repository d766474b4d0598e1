"""The German summary of a plan, as text lines (pure): ``manage.py plan`` prints it, and it names the
same figures as the scenario page (saving, groups, bodies alone, time, distance to the optimum)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verbund.common.german import format_number

from .solvers.explain import whole_euros


def summary_lines(stats: Mapping[str, Any], *, title: str, parameters: Mapping[str, Any]) -> list[str]:
    """``stats``: :meth:`~verbund.planning.solvers.PlanResult.summary` (plus the reference figures)."""
    c = parameters.get("constraints", {})
    m = parameters.get("cost_model", {})
    limits = [
        f"höchstens {c['max_members']} Mitglieder" if c.get("max_members") else "Mitglieder unbegrenzt",
        f"höchstens {format_number(c['max_population'])} Einwohner" if c.get("max_population") else "",
        f"höchstens {format_number(c['max_distance_km'], 1)} km zum Gastgeber"
        if c.get("max_distance_km")
        else "",
        "zusammenhängend" if c.get("contiguous") else "",
        "innerhalb eines Kreises" if c.get("within_kreis") else "",
        "bestehende Verbünde fest" if parameters.get("keep_alliances") else "",
    ]
    solver = "exakt (HiGHS)" if stats.get("solver") == "exact" else "Heuristik"
    share = 100 * float(stats.get("saving_share") or 0)
    lines = [
        title,
        f"  Verfahren: {solver}, {format_number(float(stats.get('seconds', 0)), 3)} s",
        f"  Grenzen: {', '.join(x for x in limits if x)}",
        f"  Kostenmodell ({m.get('source', '?')}): F={m.get('fixed_cost')} EUR, c={m.get('unit_cost')} EUR, "
        f"β={m.get('scale_exponent')}, {m.get('volume_per_inhabitant')} je Einwohner, Koordination "
        f"{m.get('overhead_per_member')} EUR, Wege {m.get('travel_cost_per_case_km')} EUR/Fall·km × "
        f"{m.get('detour_factor')}",
        f"  Körperschaften: {format_number(stats.get('bodies', 0))}; "
        f"in {format_number(stats.get('groups', 0))} Gruppen: "
        f"{format_number(stats.get('bodies_in_groups', 0))}; allein: {format_number(stats.get('alone', 0))}; "
        f"größte Gruppe: {stats.get('largest_group', 0)}",
        f"  Einsparung: {whole_euros(float(stats.get('total_saving', 0)))} im Jahr "
        f"({format_number(share, 1)} % von {whole_euros(float(stats.get('standalone_cost', 0)))})",
    ]

    def percent(key: str) -> str:
        return format_number(100 * float(stats[key]), 2)

    if stats.get("solver") == "exact":
        if stats.get("proven_optimal"):
            lines.append("  Optimum: bewiesen (HiGHS, Toleranz 0,01 %)")
        elif stats.get("gap") is not None:
            lines.append(
                f"  Güte: nicht bewiesen (Zeitgrenze erreicht), Lücke bis zur Schranke höchstens "
                f"{percent('gap')} %"
            )
        else:
            lines.append("  Güte: nicht bewiesen (Zeitgrenze erreicht), keine Schranke bekannt")
    elif stats.get("ratio_to_optimum") and stats.get("reference_proven", True):
        lines.append(
            f"  Abstand zum exakten Optimum: Heuristik erreicht {percent('ratio_to_optimum')} % "
            f"(Optimum {whole_euros(float(stats['reference_saving']))}, bewiesen)"
        )
    elif stats.get("ratio_to_bound"):
        # An exact run stopped at its time limit is no reference: only its bound says something.
        gap = format_number(100 * max(0.0, 1 - float(stats["ratio_to_bound"])), 2)
        lines.append(f"  Güte: nicht bewiesen, Lücke bis zur Schranke höchstens {gap} %")
    elif stats.get("reference_note"):
        lines.append(f"  {stats['reference_note']}")
    for warning in stats.get("warnings", []):
        lines.append(f"  Hinweis: {warning}")
    return lines
