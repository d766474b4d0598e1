"""Reading the Destatis Gemeindeverzeichnis GV100AD (format: ``docs/DOMAIN.md`` §4).

Two pure steps, no Django, so that they can be tested and benchmarked without a database:

1. :func:`parse_gv100ad` reads the fixed-width file into :class:`Record` objects and checks every line
   (record type, length, the format of each field). A malformed line stops the import with an
   :class:`~verbund.common.errors.ImportFileError` naming file, line and field, before anything is
   written.
2. :func:`build_bodies` turns the records into one :class:`BodyRow` per legal entity. GV100AD lists a
   kreisfreie Stadt three times (Kreis 40, Gemeindeverband 50 "0000", Gemeinde 60) and a verbandsfreie
   Gemeinde twice (50 + 60); Berlin and Hamburg appear as Land (10) and as that same city. The registry
   wants one row for each, so the merge rules live here, next to the format they compensate for.

Identity across issues is the ``key`` (Land 2 digits, Regierungsbezirk 3, Kreis 5, Gemeindeverband 9,
Gemeinde = AGS 8); the ARS can change when a Gemeinde moves to another Gemeindeverband.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from verbund.common.errors import ImportFileError

RECORD_LENGTH = 220

LAND = "10"
REGIERUNGSBEZIRK = "20"
REGION = "30"
KREIS = "40"
GEMEINDEVERBAND = "50"
GEMEINDE = "60"
RECORD_TYPES = (LAND, REGIERUNGSBEZIRK, REGION, KREIS, GEMEINDEVERBAND, GEMEINDE)

# Body kinds; the values are those of ``verbund.registry.models.Kind`` (a test keeps them in step).
KIND_LAND = "land"
KIND_REGIERUNGSBEZIRK = "regierungsbezirk"
KIND_LANDKREIS = "landkreis"
KIND_KREIS = "kreis"
KIND_REGIONALVERBAND = "regionalverband"
KIND_KREISFREIE_STADT = "kreisfreie_stadt"
KIND_VERBANDSFREIE_GEMEINDE = "verbandsfreie_gemeinde"
KIND_ORTSGEMEINDE = "ortsgemeinde"
KIND_GEMEINDEFREIES_GEBIET = "gemeindefreies_gebiet"

#: Textkennzeichen of Kreis records (40).
KREIS_KIND_BY_TK = {
    "41": KIND_KREISFREIE_STADT,
    "42": KIND_KREISFREIE_STADT,  # Stadtkreis (Baden-Württemberg)
    "43": KIND_KREIS,
    "44": KIND_LANDKREIS,
    "45": KIND_REGIONALVERBAND,
}
#: Textkennzeichen of Gemeindeverband records (50); 50 = verbandsfrei (no association of its own).
ASSOCIATION_KIND_BY_TK = {
    "51": "amt",
    "52": "samtgemeinde",
    "53": "verbandsgemeinde",
    "54": "verwaltungsgemeinschaft",
    "55": "kirchspielslandgemeinde",
    "56": "verwaltungsverband",
    "57": "vg_traegermodell",
    "58": "erfuellende_gemeinde",
}
TK_VERBANDSFREI = "50"
#: Textkennzeichen of Gemeinde records (60).
GEMEINDE_TKS = frozenset({"60", "61", "62", "63", "64", "65", "66", "67"})
TK_GEMEINDEFREI = frozenset({"65", "66"})  # gemeindefreies Gebiet, inhabited / uninhabited
#: Stadt (63), große Kreisstadt (67) and the kreisfreie Städte (61, 62); a Markt (60) is no Stadt.
TK_STADT = frozenset({"61", "62", "63", "67"})

#: Levels in the order parents must be written before their children.
LEVELS = ("land", "regierungsbezirk", "kreis", "gemeindeverband", "gemeinde")

KIND_LEVEL = {
    KIND_LAND: "land",
    KIND_REGIERUNGSBEZIRK: "regierungsbezirk",
    KIND_LANDKREIS: "kreis",
    KIND_KREIS: "kreis",
    KIND_REGIONALVERBAND: "kreis",
    **dict.fromkeys(ASSOCIATION_KIND_BY_TK.values(), "gemeindeverband"),
    KIND_KREISFREIE_STADT: "gemeinde",
    KIND_VERBANDSFREIE_GEMEINDE: "gemeinde",
    KIND_ORTSGEMEINDE: "gemeinde",
    KIND_GEMEINDEFREIES_GEBIET: "gemeinde",
}


@dataclass(frozen=True, slots=True)
class Record:
    """One line of the file, fields as in DOMAIN.md §4 (positions 1-based inclusive)."""

    line: int
    record_type: str
    gebietsstand: dt.date
    land: str  # 11-12
    rb: str  # 13
    kreis: str  # 14-15 (for a Region record 30 the region digit in 14)
    gemeinde: str  # 16-18
    verband: str  # 19-22
    name: str  # 23-72
    seat: str  # 73-122
    textkennzeichen: str  # 123-124
    area_ha: int | None = None  # 129-139
    population: int | None = None  # 140-150
    population_male: int | None = None  # 151-161
    postcode: str = ""  # 166-170
    postcode_multiple: bool = False  # 171-175 non-empty

    @property
    def kreis_key(self) -> str:
        return self.land + self.rb + self.kreis

    @property
    def verband_key(self) -> str:
        return self.kreis_key + self.verband

    @property
    def ags(self) -> str:
        return self.kreis_key + self.gemeinde

    @property
    def ars(self) -> str:
        """ARS = Land, RB, Kreis, Gemeindeverband, Gemeinde, higher levels padded with zeros to 12."""
        digits = self.land + self.rb + self.kreis + self.verband + self.gemeinde
        return digits.replace(" ", "").ljust(12, "0")


@dataclass(frozen=True, slots=True)
class Gv100adFile:
    """A parsed issue: its Gebietsstand and every record, in file order."""

    name: str
    gebietsstand: dt.date
    records: tuple[Record, ...]
    encoding: str


@dataclass(frozen=True, slots=True)
class BodyRow:
    """One legal entity (or Regierungsbezirk / gemeindefreies Gebiet) of an issue."""

    key: str
    ars: str
    ags: str
    association_key: str
    name: str
    kind: str
    textkennzeichen: str
    is_stadt: bool
    seat: str
    state: str
    parent_key: str | None
    population: int | None
    population_male: int | None
    area_ha: int | None
    postcode: str
    postcode_multiple: bool
    line: int

    @property
    def level(self) -> str:
        return KIND_LEVEL[self.kind]


# --- step 1: lines to records -----------------------------------------------------------------------

_Field = tuple[str, int, int]  # German field name (for messages), first and last position

F_GEBIETSSTAND: _Field = ("Gebietsstand", 3, 10)
F_LAND: _Field = ("Land", 11, 12)
F_RB: _Field = ("Regierungsbezirk", 13, 13)
F_KREIS: _Field = ("Kreis", 14, 15)
F_REGION: _Field = ("Region", 14, 14)
F_GEMEINDE: _Field = ("Gemeinde", 16, 18)
F_VERBAND: _Field = ("Gemeindeverband", 19, 22)
F_NAME: _Field = ("Name", 23, 72)
F_SEAT: _Field = ("Verwaltungssitz", 73, 122)
F_TK: _Field = ("Textkennzeichen", 123, 124)
F_AREA: _Field = ("Fläche", 129, 139)
F_POPULATION: _Field = ("Bevölkerung", 140, 150)
F_MALE: _Field = ("Bevölkerung männlich", 151, 161)
F_POSTCODE: _Field = ("Postleitzahl", 166, 170)
F_POSTCODE_MULTIPLE: _Field = ("Postleitzahl eindeutig", 171, 175)

# Which key fields must be digits and which blank, per record type.
_KEY_FIELDS: dict[str, tuple[tuple[_Field, ...], tuple[_Field, ...]]] = {
    LAND: ((F_LAND,), (F_RB, F_KREIS, F_GEMEINDE, F_VERBAND)),
    REGIERUNGSBEZIRK: ((F_LAND, F_RB), (F_KREIS, F_GEMEINDE, F_VERBAND)),
    REGION: ((F_LAND, F_RB, F_REGION), (F_GEMEINDE, F_VERBAND)),
    KREIS: ((F_LAND, F_RB, F_KREIS), (F_GEMEINDE, F_VERBAND)),
    GEMEINDEVERBAND: ((F_LAND, F_RB, F_KREIS, F_VERBAND), (F_GEMEINDE,)),
    GEMEINDE: ((F_LAND, F_RB, F_KREIS, F_GEMEINDE, F_VERBAND), ()),
}
_TEXTKENNZEICHEN: dict[str, frozenset[str]] = {
    LAND: frozenset({""}),
    REGIERUNGSBEZIRK: frozenset({""}),
    REGION: frozenset({""}),
    KREIS: frozenset(KREIS_KIND_BY_TK),
    GEMEINDEVERBAND: frozenset({TK_VERBANDSFREI, *ASSOCIATION_KIND_BY_TK}),
    GEMEINDE: GEMEINDE_TKS,
}


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (issues since 2025), else ISO-8859-1 (older issues).

    Every byte sequence decodes as ISO-8859-1, so the fallback never fails; a wrongly detected
    file would show as garbled names, which UTF-8 rules out for any file containing umlauts.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("iso-8859-1"), "iso-8859-1"


def parse_gv100ad(path: str | Path) -> Gv100adFile:
    """Read and check a GV100AD file; raises ImportFileError on the first malformed line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Datei kann nicht gelesen werden ({exc.strerror})", path=path.name) from exc
    return parse_gv100ad_bytes(data, name=path.name)


def parse_gv100ad_bytes(data: bytes, *, name: str) -> Gv100adFile:
    """As :func:`parse_gv100ad`, for content already in memory; ``name`` is used in messages."""
    text, encoding = decode(data)
    lines = text.split("\n")
    while lines and not lines[-1].strip("\r"):
        lines.pop()
    if not lines:
        raise ImportFileError("die Datei enthält keine Sätze", path=name)
    records: list[Record] = []
    first_gebietsstand: dt.date | None = None
    for number, raw in enumerate(lines, start=1):
        record = _parse_line(raw.removesuffix("\r"), name, number)
        if first_gebietsstand is None:
            first_gebietsstand = record.gebietsstand
        elif record.gebietsstand != first_gebietsstand:
            raise ImportFileError(
                f"'{record.gebietsstand:%Y%m%d}' weicht vom Gebietsstand der ersten Zeile "
                f"({first_gebietsstand:%Y%m%d}) ab",
                path=name,
                line=number,
                field=F_GEBIETSSTAND[0],
            )
        records.append(record)
    assert first_gebietsstand is not None
    return Gv100adFile(name=name, gebietsstand=first_gebietsstand, records=tuple(records), encoding=encoding)


def _parse_line(line: str, name: str, number: int) -> Record:
    def error(field: _Field | str, detail: str) -> ImportFileError:
        label = field if isinstance(field, str) else field[0]
        return ImportFileError(detail, path=name, line=number, field=label)

    def cut(field: _Field) -> str:
        return line[field[1] - 1 : field[2]]

    record_type = line[:2]
    if record_type not in RECORD_TYPES:
        raise error("Satzart", f"'{record_type}' ist keine bekannte Satzart (10, 20, 30, 40, 50, 60)")
    if len(line) != RECORD_LENGTH:
        raise error("Satzlänge", f"{len(line)} Zeichen statt {RECORD_LENGTH}")

    raw_date = cut(F_GEBIETSSTAND)
    try:
        if not raw_date.isdigit():
            raise ValueError(raw_date)
        gebietsstand = dt.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
    except ValueError:
        raise error(F_GEBIETSSTAND, f"'{raw_date}' ist kein Datum") from None

    digits, blanks = _KEY_FIELDS[record_type]
    for field in digits:
        value = cut(field)
        if not value.isdigit() or not value.isascii():
            raise error(field, f"'{value}' ist kein {len(value)}-stelliger Schlüssel")
    for field in blanks:
        value = cut(field)
        if value.strip():
            raise error(field, f"'{value}' muss in Satzart {record_type} leer sein")

    name_value = cut(F_NAME).strip()
    if not name_value:
        raise error(F_NAME, "der Name fehlt")
    textkennzeichen = cut(F_TK).strip()
    if textkennzeichen not in _TEXTKENNZEICHEN[record_type]:
        allowed = ", ".join(sorted(t for t in _TEXTKENNZEICHEN[record_type] if t)) or "leer"
        raise error(F_TK, f"'{cut(F_TK)}' ist in Satzart {record_type} nicht zulässig (erlaubt: {allowed})")

    record = Record(
        line=number,
        record_type=record_type,
        gebietsstand=gebietsstand,
        land=cut(F_LAND),
        rb=cut(F_RB),
        # A Region record (30, Baden-Württemberg) has only one digit in 14; the Kreis stays empty.
        kreis=cut(F_KREIS) if record_type != REGION else cut(F_REGION),
        gemeinde=cut(F_GEMEINDE),
        verband=cut(F_VERBAND),
        name=name_value,
        seat=cut(F_SEAT).strip() if record_type != GEMEINDE else "",
        textkennzeichen=textkennzeichen,
    )
    if record_type != GEMEINDE:
        return record

    numbers: list[int] = []
    for field in (F_AREA, F_POPULATION, F_MALE):
        value = cut(field)
        if not value.isdigit() or not value.isascii():
            raise error(field, f"'{value}' ist keine Zahl")
        numbers.append(int(value))
    area_ha, population, male = numbers
    if male > population:
        raise error(F_MALE, f"{male} ist größer als die Bevölkerung insgesamt ({population})")
    postcode = cut(F_POSTCODE).strip()
    if postcode and not (len(postcode) == 5 and postcode.isdigit() and postcode.isascii()):
        raise error(F_POSTCODE, f"'{cut(F_POSTCODE)}' ist keine Postleitzahl")
    return replace(
        record,
        area_ha=area_ha,
        population=population,
        population_male=male,
        postcode=postcode,
        postcode_multiple=bool(cut(F_POSTCODE_MULTIPLE).strip()),
    )


# --- step 2: records to bodies ----------------------------------------------------------------------


def build_bodies(source: Gv100adFile, *, state: str | None = None) -> list[BodyRow]:
    """One row per body, parents before children (level, then ARS).

    ``state`` (a Land key such as ``"07"``) keeps only that Land's records. Population and area of
    Länder, Regierungsbezirke, Kreise and Gemeindeverbände are sums over their Gemeinden (including
    gemeindefreie Gebiete), because the 10-50 records carry neither.
    """
    records = [r for r in source.records if state is None or r.land == state]

    def error(record: Record, field: str, detail: str) -> ImportFileError:
        return ImportFileError(detail, path=source.name, line=record.line, field=field)

    lands: dict[str, Record] = {}
    rbs: dict[str, Record] = {}
    kreise: dict[str, Record] = {}
    verbaende: dict[str, Record] = {}
    gemeinden: dict[str, Record] = {}
    tables = {
        LAND: (lands, lambda r: r.land),
        REGIERUNGSBEZIRK: (rbs, lambda r: r.land + r.rb),
        KREIS: (kreise, lambda r: r.kreis_key),
        GEMEINDEVERBAND: (verbaende, lambda r: r.verband_key),
        GEMEINDE: (gemeinden, lambda r: r.ags),
    }
    for record in records:
        # Regions (30) exist only in Baden-Württemberg and are planning regions, not
        # Gebietskörperschaften: checked like every line, then left out of the registry.
        if record.record_type == REGION:
            continue
        table, key_of = tables[record.record_type]
        key = key_of(record)
        if key in table:
            raise error(record, "Schlüssel", f"'{key}' kommt doppelt vor (zuerst in Zeile {table[key].line})")
        table[key] = record
    if state is not None and state not in lands:
        raise ImportFileError(f"die Datei enthält kein Land mit dem Schlüssel '{state}'", path=source.name)

    children: dict[str, list[Record]] = {key: [] for key in verbaende}
    for record in gemeinden.values():
        if record.verband_key not in verbaende:
            raise error(
                record,
                F_VERBAND[0],
                f"kein Gemeindeverband (Satzart 50) mit dem Schlüssel '{record.verband_key}'",
            )
        children[record.verband_key].append(record)
    for record in (*rbs.values(), *kreise.values(), *verbaende.values()):
        if record.land not in lands:
            raise error(record, F_LAND[0], f"kein Land (Satzart 10) mit dem Schlüssel '{record.land}'")

    rows: list[BodyRow] = []
    # Berlin and Hamburg: the Land is the city; its 40, 50 and 60 records all carry the Land's ARS.
    city_states = {r.land: r for r in gemeinden.values() if r.ars == r.land.ljust(12, "0")}
    for land, record in lands.items():
        city = city_states.get(land)
        rows.append(
            BodyRow(
                key=land,
                ars=land.ljust(12, "0"),
                ags=city.ags if city else "",
                association_key=city.verband_key if city else "",
                name=record.name,
                kind=KIND_LAND,
                textkennzeichen=city.textkennzeichen if city else "",
                is_stadt=city is not None and city.textkennzeichen in TK_STADT,
                seat=record.seat,
                state=land,
                parent_key=None,
                population=city.population if city else None,
                population_male=city.population_male if city else None,
                area_ha=city.area_ha if city else None,
                postcode=city.postcode if city else "",
                postcode_multiple=city.postcode_multiple if city else False,
                line=record.line,
            )
        )
    for key, record in rbs.items():
        rows.append(_aggregate_row(record, key=key, kind=KIND_REGIERUNGSBEZIRK, parent_key=record.land))

    # The body that stands for a Kreis key: the Kreis itself, or the kreisfreie Stadt / city state.
    kreis_body: dict[str, str] = {}
    verbaende_per_kreis = Counter(record.kreis_key for record in verbaende.values())
    for key, record in kreise.items():
        kind = KREIS_KIND_BY_TK[record.textkennzeichen]
        if kind != KIND_KREISFREIE_STADT:
            rows.append(_aggregate_row(record, key=key, kind=kind, parent_key=record.land))
            kreis_body[key] = key
            continue
        cities = children.get(key + "0000", [])
        if len(cities) != 1 or verbaende_per_kreis[key] != 1:
            raise error(
                record,
                F_TK[0],
                f"kreisfreie Stadt '{key}' muss genau einen Gemeindeverband '0000' mit genau einer "
                "Gemeinde haben",
            )
        city = cities[0]
        kreis_body[key] = city.land if city_states.get(city.land) is city else city.ags

    for key, record in verbaende.items():
        association_kind = ASSOCIATION_KIND_BY_TK.get(record.textkennzeichen)
        if association_kind is not None:
            parent_key = kreis_body.get(record.kreis_key, record.land)
            rows.append(_aggregate_row(record, key=key, kind=association_kind, parent_key=parent_key))

    for record in gemeinden.values():
        if city_states.get(record.land) is record:
            continue
        verband = verbaende[record.verband_key]
        kreis = kreise.get(record.kreis_key)
        seat = ""
        if verband.textkennzeichen in ASSOCIATION_KIND_BY_TK:
            kind, parent_key = KIND_ORTSGEMEINDE, record.verband_key
        elif kreis is not None and KREIS_KIND_BY_TK[kreis.textkennzeichen] == KIND_KREISFREIE_STADT:
            kind, parent_key, seat = KIND_KREISFREIE_STADT, record.land, kreis.seat
        else:
            # Verbandsfrei: the 50 record and its single 60 record are one body. A 50 record with
            # several children (the coastal waters of Mecklenburg-Vorpommern, "9999") is only a
            # container; each child then stands alone under the Kreis (or the Land).
            kind = KIND_VERBANDSFREIE_GEMEINDE
            parent_key = kreis_body.get(record.kreis_key, record.land)
            if len(children[record.verband_key]) == 1:
                seat = verband.seat
        if record.textkennzeichen in TK_GEMEINDEFREI:
            kind = KIND_GEMEINDEFREIES_GEBIET
        rows.append(
            BodyRow(
                key=record.ags,
                ars=record.ars,
                ags=record.ags,
                association_key=record.verband_key,
                name=record.name,
                kind=kind,
                textkennzeichen=record.textkennzeichen,
                is_stadt=record.textkennzeichen in TK_STADT,
                seat=seat,
                state=record.land,
                parent_key=parent_key,
                population=record.population,
                population_male=record.population_male,
                area_ha=record.area_ha,
                postcode=record.postcode,
                postcode_multiple=record.postcode_multiple,
                line=record.line,
            )
        )
    # Keys cannot collide (their lengths differ by level), ARS across levels could: a Landkreis and
    # a Gemeinde "000" of the same Kreis would both be Kreis + zeros.
    seen: dict[str, BodyRow] = {}
    for row in rows:
        other = seen.setdefault(row.ars, row)
        if other is not row:
            raise ImportFileError(
                f"Regionalschlüssel {row.ars} doppelt vergeben (auch Zeile {other.line}, {other.name})",
                path=source.name,
                line=row.line,
                field="Regionalschlüssel",
            )
    return _with_sums(rows)


def _aggregate_row(record: Record, *, key: str, kind: str, parent_key: str) -> BodyRow:
    return BodyRow(
        key=key,
        ars=key.ljust(12, "0"),
        ags="",
        association_key="",
        name=record.name,
        kind=kind,
        textkennzeichen=record.textkennzeichen,
        is_stadt=False,
        seat=record.seat,
        state=record.land,
        parent_key=parent_key,
        population=None,
        population_male=None,
        area_ha=None,
        postcode="",
        postcode_multiple=False,
        line=record.line,
    )


def _with_sums(rows: list[BodyRow]) -> list[BodyRow]:
    """Fill population and area of the higher levels with the sums over their Gemeinden; sort."""
    by_key = {row.key: row for row in rows}
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row.level != "gemeinde":
            continue
        targets = {row.state, row.ars[:3], row.ars[:5], row.association_key}
        targets.discard(row.key)
        for key in targets:
            target = by_key.get(key)
            if target is None or target.population is not None:
                continue  # no such body, or a body with figures of its own (Berlin, Hamburg)
            sums = totals.setdefault(key, [0, 0, 0])
            sums[0] += row.population or 0
            sums[1] += row.population_male or 0
            sums[2] += row.area_ha or 0
    # A Land's (or Regierungsbezirk's) sum is only a fact when every Kreis of it brought its
    # Gemeinden along: an excerpt such as the built-in sample has Kreise without them, and a partial
    # sum would look like the Land's population. Such a total is left unknown.
    for row in rows:
        if row.level == "kreis" and row.key not in totals and row.population is None:
            totals.pop(row.state, None)
            totals.pop(row.ars[:3], None)
    result = []
    for row in rows:
        total = totals.get(row.key)
        if total is not None:
            row = replace(row, population=total[0], population_male=total[1], area_ha=total[2])
        result.append(row)
    order = {level: index for index, level in enumerate(LEVELS)}
    result.sort(key=lambda row: (order[row.level], row.ars))
    return result


def summarize(rows: Iterable[BodyRow]) -> Counter[str]:
    """Number of bodies per kind (plus ``"stadt"`` for Ortsgemeinden that are Städte)."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts[row.kind] += 1
        if row.kind == KIND_ORTSGEMEINDE and row.is_stadt:
            counts["stadt"] += 1
    return counts
