"""A plan's parameters as German text for pages, exports and the audit log: numbers the German way
("120.000,00 EUR", "β = 0,8"), Länder, Kreise and kinds of bodies by their names ("Rheinland-Pfalz",
"Landkreis Kusel", "Verbandsgemeinde"), never a raw key ("07", "verbandsgemeinde",
"max_population: None") and never a reference to an internal document ("DOMAIN.md §5")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from verbund.common.german import format_date, format_money, format_number, public_text
from verbund.registry.models import Body, Kind
from verbund.registry.selectors import body_label, state_name


def _number(value: Any, places: int | None = None) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return "–"
    return format_number(number, places)


def _money(value: Any) -> str:
    """Euros with two places ("8.000,00 EUR"), or more where the value has them ("0,125 EUR")."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return "–"
    if amount != amount.quantize(Decimal("0.01")):
        return f"{format_number(amount, None)} EUR"
    return format_money(amount)


def kinds_text(kinds: Iterable[str]) -> str:
    """ "verbandsgemeinde", "kreisfreie_stadt" → "Verbandsgemeinde, kreisfreie Stadt" (registry labels)."""
    return ", ".join(str(Kind(k).label) if k in Kind.values else k for k in kinds)


def kreise_names(kreise: Sequence[str]) -> list[str]:
    """The Kreise of a plan by their 5-digit keys, named as in the registry ("Landkreis Kusel")."""
    if not kreise:
        return []
    rows = {
        ars[:5]: body_label(kind, name)
        for ars, kind, name in Body.objects.filter(key__in=list(kreise)).values_list("ars", "kind", "name")
    }
    return [rows.get(k, k) for k in sorted(set(kreise))]


def source_text(snapshot: Mapping[str, Any]) -> str:
    """Which cost model a plan used: "Standard" or "eigenes Modell für Rheinland-Pfalz"."""
    state = snapshot.get("state") or ""
    source = str(snapshot.get("source") or "")
    match = re.fullmatch(r"Land (\d{2})", source)
    if match:
        state = state or match.group(1)
    if state:
        return _("eigenes Modell für %(state)s") % {"state": state_name(state)}
    return _("Standard")


def cost_model_text(snapshot: Mapping[str, Any], volume_label: str = "") -> str:
    """The stored cost model of a plan in German: "Standard: F = 120.000,00 EUR, c = 150,00 EUR, …"."""
    m = snapshot
    volume = _number(m.get("volume_per_inhabitant"))
    return _(
        "%(source)s: Fixkosten F = %(fixed)s, Kosten je Einheit c = %(unit)s, "
        "Größenexponent β = %(exponent)s, %(volume)s %(label)s je Einwohner und Jahr, "
        "Koordination %(overhead)s je weiterem Mitglied, "
        "Wege %(travel)s je Fall und km × Umwegfaktor %(detour)s"
    ) % {
        "source": source_text(m),
        "fixed": _money(m.get("fixed_cost")),
        "unit": _money(m.get("unit_cost")),
        "exponent": _number(m.get("scale_exponent")),
        "volume": volume,
        "label": volume_label or _("Fälle"),
        "overhead": _money(m.get("overhead_per_member")),
        "travel": _money(m.get("travel_cost_per_case_km")),
        "detour": _number(m.get("detour_factor")),
    }


def constraints_text(constraints: Mapping[str, Any]) -> str:
    """ "höchstens 3 Mitglieder, höchstens 40.000 Einwohner, höchstens 12,5 km zum Gastgeber"."""
    c = constraints or {}
    parts = [
        _("höchstens %(count)s Mitglieder") % {"count": format_number(c["max_members"])}
        if c.get("max_members")
        else _("beliebig viele Mitglieder")
    ]
    if c.get("max_population"):
        parts.append(_("höchstens %(count)s Einwohner") % {"count": format_number(c["max_population"])})
    if c.get("max_distance_km"):
        parts.append(_("höchstens %(km)s km zum Gastgeber") % {"km": _number(c["max_distance_km"])})
    if c.get("contiguous"):
        parts.append(_("zusammenhängend"))
    if c.get("within_kreis"):
        parts.append(_("innerhalb eines Kreises"))
    return ", ".join(parts)


def region_text(state: str, parameters: Mapping[str, Any]) -> str:
    """ "Rheinland-Pfalz, ganzes Land" or "Rheinland-Pfalz: Landkreis Kusel, Stadt Kaiserslautern"."""
    names = kreise_names(parameters.get("kreise") or [])
    if not names:
        return _("%(state)s, ganzes Land") % {"state": state_name(state)}
    return _("%(state)s: %(kreise)s") % {"state": state_name(state), "kreise": ", ".join(names)}


def holders_text(parameters: Mapping[str, Any]) -> str:
    """Who holds the task in the plan: the catalogue's kinds, or the plan's own choice."""
    own = parameters.get("holder_kinds") or []
    if own:
        return _("%(kinds)s (abweichend vom Aufgabenkatalog)") % {"kinds": kinds_text(own)}
    return kinds_text(parameters.get("task_holder_kinds") or [])


def scenario_description(scenario: Any) -> dict[str, str]:
    """Everything a page or an export says about a plan's parameters, as German text."""
    p = scenario.parameters or {}
    task = scenario.task
    label = task.volume_unit_label or task.get_volume_unit_display()
    model = p.get("cost_model", {})
    return {
        "cost_model": cost_model_text(model, label),
        "assumptions": public_text(str(model.get("assumptions") or "")),
        "constraints": constraints_text(p.get("constraints", {})),
        "region": region_text(scenario.state, p),
        "holders": holders_text(p),
        "state": state_name(scenario.state),
        "updated_at": format_date(str(model.get("updated_at") or "")[:10], empty=""),
    }
