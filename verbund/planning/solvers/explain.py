"""Why a group is a good idea, in German (pure); numbers through :mod:`verbund.common.german`."""

from __future__ import annotations

from verbund.common.german import format_number, join_words
from verbund.common.i18n import _
from verbund.registry.legal_status import is_grosse_kreisangehoerige_stadt

from ..model import GroupCost, Instance
from .core import is_connected


def whole_euros(value: float) -> str:
    """An estimate in whole euros ("12.345 EUR"); exact amounts use
    :func:`verbund.common.german.format_money`."""
    return f"{format_number(float(value), 0)} EUR"


#: Kinds that lie in a Kreis and are supervised by its Kreisverwaltung (KomZG: lowest common authority).
KREISANGEHOERIG = frozenset({"verbandsgemeinde", "verbandsfreie_gemeinde", "ortsgemeinde"})


def explain(instance: Instance, group: GroupCost, body: int) -> list[str]:
    """Why this group is a good idea, in German: saving, host, distances, neighbours, sizes, alliances."""
    names = instance.names
    members = list(group.members)
    partners = [i for i in members if i != body]
    reasons = []
    share = group.saving / group.standalone if group.standalone else 0.0
    reasons.append(
        _("Gemeinsam %(saving)s im Jahr günstiger als allein (%(percent)s %% von %(standalone)s).")
        % {
            "saving": whole_euros(group.saving),
            "percent": format_number(100 * share, 1),
            "standalone": whole_euros(group.standalone),
        }
    )
    if group.host == body:
        reasons.append(
            _(
                "Am günstigsten übernimmt %(host)s selbst die Aufgabe für alle "
                "(kürzeste Wege, gewichtet nach Fallzahlen)."
            )
            % {"host": names[body]}
        )
    else:
        reasons.append(
            _(
                "Am günstigsten übernimmt %(host)s die Aufgabe für alle "
                "(kürzeste Wege, gewichtet nach Fallzahlen)."
            )
            % {"host": names[group.host]}
        )
    distances = [
        f"{names[i]} {format_number(instance.distance_km(i, group.host), 1)} km"
        for i in members
        if i != group.host
    ]
    reasons.append(
        _("Entfernung zu %(host)s (Luftlinie): %(distances)s.")
        % {"host": names[group.host], "distances": join_words(distances)}
    )
    bordering = [names[p] for p in partners if p in instance.neighbour_sets[body]]
    if bordering:
        reasons.append(_("Gemeinsame Grenze mit %(names)s.") % {"names": join_words(bordering)})
    if is_connected(instance, members):
        reasons.append(_("Die Gruppe bildet ein zusammenhängendes Gebiet."))
    else:
        reasons.append(_("Nicht alle Mitglieder grenzen aneinander."))
    sizes = [f"{names[i]} {format_number(int(instance.population[i]))}" for i in members]
    reasons.append(
        _("Einwohner: %(sizes)s; zusammen %(population)s Einwohner und rund %(volume)s %(unit)s im Jahr.")
        % {
            "sizes": join_words(sizes),
            "population": format_number(int(instance.population[members].sum())),
            "volume": format_number(float(instance.volume[members].sum())),
            "unit": instance.volume_label,
        }
    )
    shared: dict[str, list[str]] = {}
    for p in partners:
        for alliance in sorted(instance.alliances[body] & instance.alliances[p]):
            shared.setdefault(alliance, []).append(names[p])
    for alliance, with_names in shared.items():
        reasons.append(
            _("Bereits gemeinsam im Verbund „%(alliance)s“ mit %(names)s.")
            % {"alliance": alliance, "names": join_words(with_names)}
        )
    kinds = instance.kinds
    same_kreis = len({instance.kreis[i] for i in members}) == 1
    supervised_by_kreis = [
        kinds[i] in KREISANGEHOERIG and not is_grosse_kreisangehoerige_stadt(_ags(instance.keys[i]))
        for i in members
    ]
    if same_kreis and all(supervised_by_kreis):
        reasons.append(
            _("Alle im selben Kreis: eine Zweckvereinbarung genehmigt die Kreisverwaltung (§ 12 KomZG).")
        )
    elif same_kreis and any(kinds[i] in KREISANGEHOERIG for i in members):
        reasons.append(
            _(
                "Mit einer großen kreisangehörigen Stadt, die die ADD beaufsichtigt: eine "
                "Zweckvereinbarung genehmigt die ADD (§ 12 KomZG)."
            )
        )
    else:
        reasons.append(
            _("Über Kreisgrenzen oder mit Kreisen und kreisfreien Städten: genehmigt die ADD (§ 12 KomZG).")
        )
    return reasons


def _ags(key: str) -> str:
    """The Gemeindeschlüssel (8 digits) of a regional key (ARS, 12 digits): Land, Kreis, Gemeinde."""
    return key[:5] + key[9:] if len(key) == 12 else key
