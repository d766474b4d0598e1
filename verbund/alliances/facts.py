"""Derived facts of an alliance, computed from the registry and explained in German (pure: no Django).

Input: one :class:`MemberFacts` per current member and the pairs of members that share a border.
Output: :class:`AllianceFacts`, each fact a :class:`Fact` with its value and the reasoning behind
it, so that the page shows not only "ADD" but why:

* total population and area, counting each inhabitant once (a member that lies inside another
  member, a VG inside a member Landkreis, is not added again);
* whether the members belong to different administrative levels (e.g. Landkreis + VGs; a funding
  rule raises the cap then, DOMAIN.md §2);
* whether the members form one contiguous area on the neighbour graph, the parts it falls into,
  and the members that share no border with any other member;
* the lowest common supervisory authority that approves a Zweckvereinbarung (DOMAIN.md §3, §§ 12, 13
  KomZG): the Kreisverwaltung when all members lie in one Landkreis, otherwise the ADD; Landkreise
  and kreisfreie Städte themselves are supervised by the ADD;
* members that are Ortsgemeinden and therefore act through their Verbandsgemeinde.

Two members count as bordering when the registry's neighbour graph links them, or when one lies
inside the other (a VG inside a member Landkreis): their areas touch, which is what contiguity is
about. :func:`verbund.alliances.selectors.alliance_facts` builds the input from the database; it
also counts a member as bordering another when it borders a part of it (a VG next to a VG of a
member Landkreis), because the registry stores neighbours per layer (Kreise, Gemeindeverbände,
Gemeinden).

The große kreisangehörige Städte of RLP are supervised by the ADD, not by the Kreisverwaltung
(§ 118 Abs. 1 GemO); the GV100AD does not mark them, so :class:`MemberFacts` carries the flag from
the registry's list (:mod:`verbund.registry.legal_status`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from verbund.common.german import format_number
from verbund.common.german import join_words as _join
from verbund.common.i18n import _, gettext_noop
from verbund.registry.labels import body_label, kreis_label, state_name
from verbund.registry.legal_status import GROSSE_KREISANGEHOERIGE_STADT_SOURCE

T = TypeVar("T")

#: The Land whose law (KomZG RLP) the supervisory rule encodes.
RLP = "07"

LEVEL_LAND = "land"
LEVEL_KREIS = "kreis"
LEVEL_GEMEINDEVERBAND = "gemeindeverband"
LEVEL_ORTSGEMEINDE = "ortsgemeinde"
LEVEL_OTHER = "sonstige"
#: Administrative levels from the top; kreisfreie Städte are on the Kreis level (they hold its
#: tasks), verbandsfreie Gemeinden on the level of the Verbandsgemeinden (they hold theirs).
LEVEL_ORDER = (LEVEL_LAND, LEVEL_KREIS, LEVEL_GEMEINDEVERBAND, LEVEL_ORTSGEMEINDE, LEVEL_OTHER)
LEVEL_LABELS = {
    LEVEL_LAND: gettext_noop("Landesebene"),
    LEVEL_KREIS: gettext_noop("Kreisebene (Landkreise, kreisfreie Städte)"),
    LEVEL_GEMEINDEVERBAND: gettext_noop("Ebene der Verbandsgemeinden und verbandsfreien Gemeinden"),
    LEVEL_ORTSGEMEINDE: gettext_noop("Ebene der Ortsgemeinden"),
    LEVEL_OTHER: gettext_noop("sonstige Gebiete"),
}
#: Registry kinds (``verbund.registry.models.Kind`` values) by level.
KIND_LEVELS = {
    "land": LEVEL_LAND,
    "landkreis": LEVEL_KREIS,
    "kreis": LEVEL_KREIS,
    "regionalverband": LEVEL_KREIS,
    "kreisfreie_stadt": LEVEL_KREIS,
    "verbandsgemeinde": LEVEL_GEMEINDEVERBAND,
    "amt": LEVEL_GEMEINDEVERBAND,
    "samtgemeinde": LEVEL_GEMEINDEVERBAND,
    "verwaltungsgemeinschaft": LEVEL_GEMEINDEVERBAND,
    "kirchspielslandgemeinde": LEVEL_GEMEINDEVERBAND,
    "verwaltungsverband": LEVEL_GEMEINDEVERBAND,
    "vg_traegermodell": LEVEL_GEMEINDEVERBAND,
    "erfuellende_gemeinde": LEVEL_GEMEINDEVERBAND,
    "verbandsfreie_gemeinde": LEVEL_GEMEINDEVERBAND,
    "ortsgemeinde": LEVEL_ORTSGEMEINDE,
}
KREIS_LEVEL_KINDS = frozenset({"landkreis", "kreis", "regionalverband", "kreisfreie_stadt"})

ADD = "ADD"
ADD_LONG = "Aufsichts- und Dienstleistungsdirektion (ADD)"
SUPERVISOR_KREISVERWALTUNG = "kreisverwaltung"
SUPERVISOR_ADD = "add"


@dataclass(frozen=True)
class MemberFacts:
    """What the facts need to know about one member body.

    ``key`` is the registry's identity key (Kreis 5 digits, Gemeindeverband 9, Gemeinde 8).
    ``kreis_key``/``kreis_name``: the Landkreis the body lies in; for a Landkreis or a kreisfreie
    Stadt the body itself; ``None`` for a Land. ``verbandsgemeinde_key``/``_name``: for an
    Ortsgemeinde its Verbandsgemeinde (or other Gemeindeverband), else ``None``. ``has_boundary``
    tells whether the registry has the body's boundary, without which contiguity is unknown.
    """

    key: str
    ars: str
    name: str
    kind: str
    state: str
    population: int | None = None
    population_date: dt.date | None = None
    area_km2: Decimal | None = None
    kreis_key: str | None = None
    kreis_name: str = ""
    verbandsgemeinde_key: str | None = None
    verbandsgemeinde_name: str = ""
    has_boundary: bool = True
    #: A große kreisangehörige Stadt (RLP): supervised by the ADD, not by its Kreisverwaltung.
    grosse_kreisangehoerige_stadt: bool = False

    @property
    def level(self) -> str:
        return KIND_LEVELS.get(self.kind, LEVEL_OTHER)

    @property
    def label(self) -> str:
        return body_label(self.kind, self.name)

    def lies_in(self, other: MemberFacts) -> bool:
        """Whether this body's territory is part of ``other``'s (a VG in a Landkreis, a Gemeinde in a VG)."""
        if other.key == self.key:
            return False
        if other.kind == "land":
            return self.state == other.state
        if other.kind == "kreisfreie_stadt":
            return False
        return other.key in (self.kreis_key, self.verbandsgemeinde_key)


@dataclass(frozen=True)
class Fact(Generic[T]):
    """One derived fact: a short German ``label``, its ``value`` and the ``reasoning`` behind it."""

    label: str
    value: T
    reasoning: str


@dataclass(frozen=True)
class AllianceFacts:
    """The derived facts of a set of members. ``*_keys`` hold registry keys in member order."""

    member_count: int
    population: Fact[int | None]
    area_km2: Fact[Decimal | None]
    mixed_levels: Fact[bool]
    contiguous: Fact[bool | None]
    supervisory_authority: Fact[str | None]
    ortsgemeinden_via_verbandsgemeinde: Fact[tuple[tuple[str, str], ...]]
    levels: tuple[str, ...] = ()
    #: Connected parts of the members' area (keys); one part when contiguous.
    components: tuple[tuple[str, ...], ...] = ()
    #: Members that share no border with any other member.
    isolated_keys: tuple[str, ...] = ()
    #: Pairs of members (keys) that share no border and do not lie in one another (empty when
    #: contiguity is unknown); funding's increase "members share no border" needs one such pair.
    non_bordering_pairs: tuple[tuple[str, str], ...] = ()
    #: ``"kreisverwaltung"``, ``"add"`` or ``None`` (undetermined).
    supervisory_kind: str | None = None
    supervisory_kreis_key: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def as_list(self) -> list[Fact[Any]]:
        """The facts in the order a page shows them."""
        return [
            self.population,
            self.area_km2,
            self.mixed_levels,
            self.contiguous,
            self.supervisory_authority,
            self.ortsgemeinden_via_verbandsgemeinde,
        ]

    @property
    def isolated_labels(self) -> tuple[str, ...]:
        return tuple(self.labels[key] for key in self.isolated_keys)


def _outermost(
    members: Sequence[MemberFacts],
) -> tuple[list[MemberFacts], list[tuple[MemberFacts, MemberFacts]]]:
    """Members not inside another member, and (inner, outer) pairs of those that are."""
    inner: list[tuple[MemberFacts, MemberFacts]] = []
    top: list[MemberFacts] = []
    for member in members:
        container = next((other for other in members if member.lies_in(other)), None)
        if container is None:
            top.append(member)
        else:
            inner.append((member, container))
    return top, inner


def _population(members: Sequence[MemberFacts]) -> Fact[int | None]:
    label = _("Einwohner insgesamt")
    if not members:
        return Fact(label, None, _("Der Verbund hat keine Mitglieder."))
    top, inner = _outermost(members)
    missing = [m.label for m in top if m.population is None]
    if missing:
        return Fact(
            label, None, _("Für %(names)s ist keine Einwohnerzahl im Register.") % {"names": _join(missing)}
        )
    total = sum(m.population or 0 for m in top)
    dates = sorted({m.population_date for m in top if m.population_date})
    when = " " + _("(Stand %(date)s)") % {"date": f"{dates[-1]:%d.%m.%Y}"} if len(dates) == 1 else ""
    text = _("Summe der Einwohner der %(count)d Mitglieder%(when)s laut amtlichem Gemeindeverzeichnis.") % {
        "count": len(top),
        "when": when,
    }
    if len(top) == 1:
        text = _("Einwohner von %(name)s%(when)s laut amtlichem Gemeindeverzeichnis.") % {
            "name": top[0].label,
            "when": when,
        }
    if inner:
        text += " " + _counted_once(inner)
    return Fact(label, total, text)


def _inside(inner: Sequence[tuple[MemberFacts, MemberFacts]]) -> str:
    """ "A und B (im Gebiet von C); D (im Gebiet von E)" for (inner, outer) pairs."""
    grouped: dict[str, list[str]] = {}
    for member, outer in inner:
        grouped.setdefault(outer.label, []).append(member.label)
    return "; ".join(
        _("%(names)s (im Gebiet von %(outer)s)") % {"names": _join(names), "outer": outer}
        for outer, names in grouped.items()
    )


def _counted_once(inner: Sequence[tuple[MemberFacts, MemberFacts]]) -> str:
    return _("Nicht doppelt gezählt, weil sie im Gebiet eines anderen Mitglieds liegen: %(inside)s.") % {
        "inside": _inside(inner)
    }


def _area(members: Sequence[MemberFacts]) -> Fact[Decimal | None]:
    label = _("Fläche insgesamt (km²)")
    if not members:
        return Fact(label, None, _("Der Verbund hat keine Mitglieder."))
    top, inner = _outermost(members)
    missing = [m.label for m in top if m.area_km2 is None]
    if missing:
        return Fact(label, None, _("Für %(names)s ist keine Fläche im Register.") % {"names": _join(missing)})
    total = sum((m.area_km2 or Decimal(0) for m in top), Decimal(0))
    text = _(
        "Summe der Flächen der %(count)d Mitglieder laut amtlichem Gemeindeverzeichnis: %(area)s km²."
    ) % {
        "count": len(top),
        "area": format_number(total, 2),
    }
    if inner:
        text += " " + _counted_once(inner)
    return Fact(label, total, text)


def _levels(members: Sequence[MemberFacts]) -> tuple[Fact[bool], tuple[str, ...]]:
    label = _("Verschiedene Verwaltungsebenen")
    present = [level for level in LEVEL_ORDER if any(m.level == level for m in members)]
    if not members:
        return Fact(label, False, _("Der Verbund hat keine Mitglieder.")), ()
    groups = [
        f"{_(LEVEL_LABELS[level])} ({_join([m.label for m in members if m.level == level])})"
        for level in present
    ]
    if len(present) > 1:
        text = _("Die Mitglieder gehören zu %(count)d Verwaltungsebenen: %(groups)s.") % {
            "count": len(present),
            "groups": "; ".join(groups),
        }
        return Fact(label, True, text), tuple(present)
    text = _("Alle Mitglieder gehören zur %(level)s.") % {"level": _(LEVEL_LABELS[present[0]])}
    return Fact(label, False, text), tuple(present)


def _components(keys: Sequence[str], adjacent: dict[str, set[str]]) -> list[list[str]]:
    seen: set[str] = set()
    parts: list[list[str]] = []
    for start in keys:
        if start in seen:
            continue
        part, stack = [], [start]
        seen.add(start)
        while stack:
            node = stack.pop()
            part.append(node)
            for nxt in adjacent[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        order = {key: i for i, key in enumerate(keys)}
        parts.append(sorted(part, key=order.__getitem__))
    return parts


def _contiguity(
    members: Sequence[MemberFacts], pairs: Iterable[tuple[str, str]]
) -> tuple[Fact[bool | None], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    label = _("Zusammenhängendes Gebiet")
    if not members:
        return Fact(label, None, _("Der Verbund hat keine Mitglieder.")), (), ()
    keys = [m.key for m in members]
    if len(members) == 1:
        return Fact(label, True, _("Der Verbund hat nur ein Mitglied.")), ((keys[0],),), ()
    no_boundary = [m.label for m in members if not m.has_boundary]
    if no_boundary:
        text = _(
            "Für %(names)s liegen keine Grenzdaten vor; ob die Mitglieder ein zusammenhängendes "
            "Gebiet bilden, lässt sich nicht bestimmen."
        ) % {"names": _join(no_boundary)}
        return Fact(label, None, text), (), ()
    by_key = {m.key: m for m in members}
    adjacent: dict[str, set[str]] = {key: set() for key in keys}
    for a, b in pairs:
        if a in adjacent and b in adjacent and a != b:
            adjacent[a].add(b)
            adjacent[b].add(a)
    contained: list[tuple[MemberFacts, MemberFacts]] = []
    for member in members:
        for other in members:
            if member.lies_in(other):
                adjacent[member.key].add(other.key)
                adjacent[other.key].add(member.key)
                contained.append((member, other))
    parts = _components(keys, adjacent)
    isolated = tuple(key for key in keys if not adjacent[key])
    components = tuple(tuple(part) for part in parts)
    inside = (
        " "
        + _("Als verbunden gilt auch, was im Gebiet eines anderen Mitglieds liegt: %(inside)s.")
        % {"inside": _inside(contained)}
        if contained
        else ""
    )
    if len(parts) == 1:
        text = (
            _(
                "Die %(count)d Mitglieder bilden ein zusammenhängendes Gebiet: über gemeinsame Grenzen "
                "(mindestens 5 m, laut Grenzdaten des Registers) sind alle miteinander verbunden."
            )
            % {"count": len(members)}
            + inside
        )
        return Fact(label, True, text), components, isolated
    described = "; ".join(_join([by_key[key].label for key in part]) for part in parts)
    text = _(
        "Die Mitglieder bilden kein zusammenhängendes Gebiet, sondern %(count)d Teilgebiete: %(parts)s."
    ) % {
        "count": len(parts),
        "parts": described,
    }
    if isolated:
        names = {"names": _join([by_key[key].label for key in isolated])}
        if len(isolated) == 1:
            text += " " + _("Keine gemeinsame Grenze mit einem anderen Mitglied hat: %(names)s.") % names
        else:
            text += " " + _("Keine gemeinsame Grenze mit einem anderen Mitglied haben: %(names)s.") % names
    return Fact(label, False, text + inside), components, isolated


def _supervision(members: Sequence[MemberFacts]) -> tuple[Fact[str | None], str | None, str | None]:
    label = _("Aufsichtsbehörde für eine Zweckvereinbarung")
    if not members:
        return Fact(label, None, _("Der Verbund hat keine Mitglieder.")), None, None
    outside = sorted({m.state for m in members if m.state != RLP})
    if outside:
        names = _join([state_name(state) for state in outside])
        text = _(
            "Die Regel der niedrigsten gemeinsamen Aufsichtsbehörde (§§ 12, 13 KomZG) gilt für "
            "Rheinland-Pfalz; Mitglieder liegen in %(names)s. Bei Beteiligten aus mehreren Ländern "
            "bestimmen die beteiligten Länder (Staatsvertrag) das Verfahren."
        ) % {"names": names}
        return Fact(label, None, text), None, None
    lands = [m.label for m in members if m.level == LEVEL_LAND]
    if lands:
        text = _(
            "%(names)s ist selbst Beteiligter; die Aufsichtsregel des KomZG gilt für kommunale "
            "Beteiligte. Bitte die Zuständigkeit mit dem Ministerium des Innern klären."
        ) % {"names": _join(lands)}
        return Fact(label, None, text), None, None
    kreis_level = [m.label for m in members if m.kind in KREIS_LEVEL_KINDS]
    if kreis_level:
        values = {"add": ADD_LONG, "names": _join(kreis_level)}
        if len(kreis_level) == 1:
            text = (
                _(
                    "Landkreise und kreisfreie Städte stehen unter der Aufsicht der %(add)s. Weil %(names)s "
                    "beteiligt ist, genehmigt die ADD eine Zweckvereinbarung (§§ 12, 13 KomZG)."
                )
                % values
            )
        else:
            text = (
                _(
                    "Landkreise und kreisfreie Städte stehen unter der Aufsicht der %(add)s. Weil %(names)s "
                    "beteiligt sind, genehmigt die ADD eine Zweckvereinbarung (§§ 12, 13 KomZG)."
                )
                % values
            )
        return Fact(label, ADD, text), SUPERVISOR_ADD, None
    large_towns = [m.label for m in members if m.grosse_kreisangehoerige_stadt]
    if large_towns:
        values = {
            "add": ADD_LONG,
            "names": _join(large_towns),
            "source": GROSSE_KREISANGEHOERIGE_STADT_SOURCE,
        }
        if len(large_towns) == 1:
            text = (
                _(
                    "%(names)s ist große kreisangehörige Stadt und steht daher nicht unter der Aufsicht der "
                    "Kreisverwaltung, sondern der %(add)s (%(source)s). Die ADD genehmigt deshalb eine "
                    "Zweckvereinbarung (§§ 12, 13 KomZG)."
                )
                % values
            )
        else:
            text = (
                _(
                    "%(names)s sind große kreisangehörige Städte und stehen daher nicht unter der "
                    "Aufsicht der Kreisverwaltung, sondern der %(add)s (%(source)s). Die ADD genehmigt "
                    "deshalb eine Zweckvereinbarung (§§ 12, 13 KomZG)."
                )
                % values
            )
        return Fact(label, ADD, text), SUPERVISOR_ADD, None
    unknown = [m.label for m in members if not m.kreis_key]
    if unknown:
        text = _(
            "Für %(names)s ist der Landkreis im Register nicht bekannt; die Aufsichtsbehörde bleibt offen."
        ) % {"names": _join(unknown)}
        return Fact(label, None, text), None, None
    kreise: dict[str, str] = {}
    for member in members:
        assert member.kreis_key is not None
        kreise.setdefault(member.kreis_key, member.kreis_name or member.kreis_key)
    if len(kreise) == 1:
        ((kreis_key, kreis_name),) = kreise.items()
        authority = f"Kreisverwaltung {kreis_name}"
        text = _(
            "Alle Mitglieder liegen im %(kreis)s; die niedrigste gemeinsame Aufsichtsbehörde ist daher "
            "die %(authority)s. Sie genehmigt eine Zweckvereinbarung (§§ 12, 13 KomZG)."
        ) % {"kreis": kreis_label(kreis_name), "authority": authority}
        return Fact(label, authority, text), SUPERVISOR_KREISVERWALTUNG, kreis_key
    text = _(
        "Die Mitglieder liegen in %(count)d Landkreisen (%(kreise)s); die niedrigste gemeinsame "
        "Aufsichtsbehörde ist daher die %(add)s. Sie genehmigt eine Zweckvereinbarung (§§ 12, 13 KomZG)."
    ) % {"count": len(kreise), "kreise": _join([kreis_label(n) for n in kreise.values()]), "add": ADD_LONG}
    return Fact(label, ADD, text), SUPERVISOR_ADD, None


def _ortsgemeinden(members: Sequence[MemberFacts]) -> Fact[tuple[tuple[str, str], ...]]:
    label = _("Ortsgemeinden handeln über ihre Verbandsgemeinde")
    ortsgemeinden = [m for m in members if m.kind == "ortsgemeinde"]
    if not ortsgemeinden:
        return Fact(label, (), _("Kein Mitglied ist eine Ortsgemeinde; alle Mitglieder handeln selbst."))
    member_keys = {m.key for m in members}
    pairs: list[tuple[str, str]] = []
    parts: list[str] = []
    for member in ortsgemeinden:
        vg = (
            body_label("verbandsgemeinde", member.verbandsgemeinde_name)
            if member.verbandsgemeinde_name
            else _("(unbekannt)")
        )
        pairs.append((member.label, vg))
        also = " " + _("(selbst Mitglied)") if member.verbandsgemeinde_key in member_keys else ""
        parts.append(_("%(name)s über die %(vg)s") % {"name": member.label, "vg": vg} + also)
    text = _(
        "Ortsgemeinden werden von ihrer Verbandsgemeinde verwaltet; sie stellen Anträge und schließen "
        "Vereinbarungen über sie: %(parts)s."
    ) % {"parts": _join(parts)}
    return Fact(label, tuple(pairs), text)


def _non_bordering(
    members: Sequence[MemberFacts], pairs: Iterable[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """Pairs of members (in member order) that neither border nor lie in one another."""
    touching = {frozenset(pair) for pair in pairs}
    result = []
    for i, first in enumerate(members):
        for second in members[i + 1 :]:
            if frozenset((first.key, second.key)) in touching:
                continue
            if first.lies_in(second) or second.lies_in(first):
                continue
            result.append((first.key, second.key))
    return tuple(result)


def derive_facts(
    members: Sequence[MemberFacts], neighbour_pairs: Iterable[tuple[str, str]] = ()
) -> AllianceFacts:
    """Compute the derived facts of ``members``; ``neighbour_pairs`` are pairs of member keys that border."""
    members = list(members)
    neighbour_pairs = list(neighbour_pairs)
    keys = [m.key for m in members]
    if len(set(keys)) != len(keys):
        raise ValueError("a body appears twice among the members")
    levels_fact, levels = _levels(members)
    contiguity, components, isolated = _contiguity(members, neighbour_pairs)
    supervision, supervisory_kind, supervisory_kreis = _supervision(members)
    return AllianceFacts(
        member_count=len(members),
        population=_population(members),
        area_km2=_area(members),
        mixed_levels=levels_fact,
        contiguous=contiguity,
        supervisory_authority=supervision,
        ortsgemeinden_via_verbandsgemeinde=_ortsgemeinden(members),
        levels=levels,
        components=components,
        isolated_keys=isolated,
        non_bordering_pairs=_non_bordering(members, neighbour_pairs) if contiguity.value is not None else (),
        supervisory_kind=supervisory_kind,
        supervisory_kreis_key=supervisory_kreis,
        labels={m.key: m.label for m in members},
    )
