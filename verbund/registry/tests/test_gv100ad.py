"""The GV100AD parser and the merge into one body per legal entity, without a database.

Covers: reading real records (UTF-8 and ISO-8859-1), errors that name file, line and field for
malformed records, the rules that make one body of a kreisfreie Stadt, a verbandsfreie Gemeinde and
the city states Berlin and Hamburg, the counts DOMAIN.md states for Rhineland-Palatinate, facts of
all Germany checked against the raw file, and the successor search behind territorial changes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import shared_data_file
from verbund.common.data import GV100AD_LATEST
from verbund.common.errors import ImportFileError
from verbund.registry import gv100ad
from verbund.registry.gv100ad import AreaUnit, BodyRow, build_bodies, find_successions, parse_gv100ad

from .conftest import gv100ad_line

Writer = Callable[..., Path]


def latest_lines() -> list[str]:
    return shared_data_file(GV100AD_LATEST).read_text(encoding="utf-8").splitlines()


def cut(line: str, start: int, end: int) -> str:
    """A field by DOMAIN.md positions, independent of the parser under test."""
    return line[start - 1 : end]


def by_key(rows: list[BodyRow]) -> dict[str, BodyRow]:
    return {row.key: row for row in rows}


# --- parsing ------------------------------------------------------------------------------------


def test_real_lines_are_read_field_by_field(write_gv100ad: Writer) -> None:
    lines = latest_lines()[:4]  # Schleswig-Holstein, then Flensburg as Kreis, Verband, Gemeinde
    source = parse_gv100ad(write_gv100ad(lines))
    assert source.gebietsstand == dt.date(2025, 11, 30)
    assert source.encoding == "utf-8"
    land, kreis, verband, gemeinde = source.records
    assert (land.record_type, land.land, land.name, land.seat) == ("10", "01", "Schleswig-Holstein", "Kiel")
    assert (kreis.kreis_key, kreis.textkennzeichen, kreis.seat) == ("01001", "41", "Flensburg")
    assert (verband.verband_key, verband.textkennzeichen) == ("010010000", "50")
    assert gemeinde.ars == "010010000000" and gemeinde.ags == "01001000"
    assert gemeinde.name == "Flensburg, Stadt"
    assert gemeinde.textkennzeichen == "61"
    assert gemeinde.area_ha == int(cut(lines[3], 129, 139))
    assert gemeinde.population == int(cut(lines[3], 140, 150))
    assert gemeinde.population_male == int(cut(lines[3], 151, 161))
    assert gemeinde.postcode == cut(lines[3], 166, 170)
    assert gemeinde.postcode_multiple is True


def test_iso_8859_1_issue_is_detected_and_reads_like_utf8(write_gv100ad: Writer) -> None:
    lines = latest_lines()[:10]  # includes "Lübeck, Hansestadt"
    assert any("ü" in line for line in lines)
    utf8 = parse_gv100ad(write_gv100ad(lines, name="GV100AD_utf8.txt"))
    latin1 = parse_gv100ad(write_gv100ad(lines, name="GV100AD_latin1.txt", encoding="iso-8859-1"))
    assert latin1.encoding == "iso-8859-1"
    assert latin1.records == utf8.records
    assert "Lübeck, Hansestadt" in {record.name for record in latin1.records}


def test_windows_line_ends_and_trailing_blank_lines_are_accepted(write_gv100ad: Writer) -> None:
    lines = latest_lines()[:4]
    path = write_gv100ad(lines)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n")
    assert len(parse_gv100ad(path).records) == 4


LAND = gv100ad_line("10", name="Rheinland-Pfalz", seat="Mainz")
KREIS = gv100ad_line("40", rb="1", kreis="99", name="Testkreis", seat="Testdorf", tk="44")
VERBAND = gv100ad_line("50", rb="1", kreis="99", verband="5001", name="VG Test", seat="Testdorf", tk="53")
GEMEINDE = gv100ad_line(
    "60",
    rb="1",
    kreis="99",
    gemeinde="001",
    verband="5001",
    name="Testdorf",
    tk="64",
    area=500,
    population=900,
    male=450,
)


def _replace(line: str, start: int, value: str) -> str:
    return line[: start - 1] + value + line[start - 1 + len(value) :]


@pytest.mark.parametrize(
    ("bad_line", "field", "detail"),
    [
        (_replace(GEMEINDE, 3, "2025A130"), "Gebietsstand", "'2025A130' ist kein Datum"),
        (_replace(GEMEINDE, 3, "20251331"), "Gebietsstand", "'20251331' ist kein Datum"),
        (_replace(GEMEINDE, 1, "70"), "Satzart", "'70' ist keine bekannte Satzart"),
        (GEMEINDE[:200], "Satzlänge", "200 Zeichen statt 220"),
        (GEMEINDE + "x", "Satzlänge", "221 Zeichen statt 220"),
        (_replace(GEMEINDE, 14, "9X"), "Kreis", "'9X' ist kein 2-stelliger Schlüssel"),
        (_replace(GEMEINDE, 19, "50 1"), "Gemeindeverband", "'50 1' ist kein 4-stelliger Schlüssel"),
        (_replace(GEMEINDE, 123, "68"), "Textkennzeichen", "'68' ist in Satzart 60 nicht zulässig"),
        (_replace(KREIS, 123, "50"), "Textkennzeichen", "'50' ist in Satzart 40 nicht zulässig"),
        (_replace(KREIS, 16, "001"), "Gemeinde", "'001' muss in Satzart 40 leer sein"),
        (_replace(GEMEINDE, 140, "0000000090x"), "Bevölkerung", "'0000000090x' ist keine Zahl"),
        (_replace(GEMEINDE, 151, "00000000901"), "Bevölkerung männlich", "901 ist größer"),
        (_replace(GEMEINDE, 166, "5600A"), "Postleitzahl", "'5600A' ist keine Postleitzahl"),
        (_replace(GEMEINDE, 23, " " * 50), "Name", "der Name fehlt"),
        (_replace(GEMEINDE, 3, "20241231"), "Gebietsstand", "weicht vom Gebietsstand der ersten Zeile"),
    ],
)
def test_malformed_record_names_file_line_and_field(
    write_gv100ad: Writer, bad_line: str, field: str, detail: str
) -> None:
    path = write_gv100ad([LAND, KREIS, VERBAND, GEMEINDE, bad_line], name="GV100AD_x.txt")
    with pytest.raises(ImportFileError) as caught:
        parse_gv100ad(path)
    assert str(caught.value).startswith(f"GV100AD_x.txt, Zeile 5, Feld {field}: ")
    assert detail in str(caught.value)
    assert (caught.value.path, caught.value.line, caught.value.field) == ("GV100AD_x.txt", 5, field)


def test_gemeinde_without_its_gemeindeverband_is_an_error(write_gv100ad: Writer) -> None:
    orphan = _replace(_replace(GEMEINDE, 16, "002"), 19, "5002")
    source = parse_gv100ad(write_gv100ad([LAND, KREIS, VERBAND, GEMEINDE, orphan], name="GV100AD_x.txt"))
    with pytest.raises(ImportFileError, match=r"Zeile 5, Feld Gemeindeverband: .*'071995002'"):
        build_bodies(source)


def test_duplicate_key_is_an_error(write_gv100ad: Writer) -> None:
    source = parse_gv100ad(write_gv100ad([LAND, KREIS, VERBAND, GEMEINDE, GEMEINDE]))
    with pytest.raises(ImportFileError, match=r"Zeile 5, Feld Schlüssel: '07199001' kommt doppelt vor"):
        build_bodies(source)


def test_empty_file_and_unknown_state_are_errors(write_gv100ad: Writer) -> None:
    with pytest.raises(ImportFileError, match="keine Sätze"):
        parse_gv100ad(write_gv100ad([]))
    source = parse_gv100ad(write_gv100ad([LAND, KREIS, VERBAND, GEMEINDE]))
    with pytest.raises(ImportFileError, match="kein Land mit dem Schlüssel '05'"):
        build_bodies(source, state="05")


# --- one body per legal entity ------------------------------------------------------------------


def _synthetic(write_gv100ad: Writer) -> dict[str, BodyRow]:
    lines = [
        LAND,
        gv100ad_line("20", rb="1", name="Koblenz"),
        KREIS,
        VERBAND,
        GEMEINDE,
        gv100ad_line(
            "60", rb="1", kreis="99", gemeinde="002", verband="5001", name="Teststadt, Stadt", tk="63",
            area=300, population=2000, male=1000, postcode="56002", multiple=True,
        ),
        gv100ad_line(
            "50", rb="1", kreis="99", verband="0003", name="Freistadt, Stadt", seat="Freistadt", tk="50"
        ),
        gv100ad_line(
            "60", rb="1", kreis="99", gemeinde="003", verband="0003", name="Freistadt, Stadt", tk="63",
            area=1000, population=5000, male=2400,
        ),
        gv100ad_line("40", rb="3", kreis="98", name="Kreisstadt", seat="Kreisstadt", tk="41"),
        gv100ad_line("50", rb="3", kreis="98", verband="0000", name="Kreisstadt, Stadt", tk="50"),
        gv100ad_line(
            "60", rb="3", kreis="98", gemeinde="000", verband="0000", name="Kreisstadt, Stadt", tk="61",
            area=2000, population=30000, male=15000,
        ),
    ]  # fmt: skip
    return by_key(build_bodies(parse_gv100ad(write_gv100ad(lines))))


def test_kreisfreie_stadt_is_one_body_of_records_40_50_60(write_gv100ad: Writer) -> None:
    rows = _synthetic(write_gv100ad)
    city = rows["07398000"]
    assert (city.kind, city.ars, city.ags, city.association_key) == (
        "kreisfreie_stadt", "073980000000", "07398000", "073980000"
    )  # fmt: skip
    assert city.parent_key == "07" and city.seat == "Kreisstadt" and city.is_stadt
    assert (city.population, city.area_ha) == (30000, 2000)
    assert "07398" not in rows and "073980000" not in rows


def test_verbandsfreie_gemeinde_is_one_body_of_records_50_60(write_gv100ad: Writer) -> None:
    rows = _synthetic(write_gv100ad)
    town = rows["07199003"]
    assert (town.kind, town.ars, town.association_key, town.parent_key) == (
        "verbandsfreie_gemeinde", "071990003003", "071990003", "07199"
    )  # fmt: skip
    assert town.seat == "Freistadt" and town.is_stadt
    assert "071990003" not in rows


def test_ortsgemeinden_below_their_association_and_sums_upwards(write_gv100ad: Writer) -> None:
    rows = _synthetic(write_gv100ad)
    assert rows["07199001"].kind == "ortsgemeinde" and not rows["07199001"].is_stadt
    stadt = rows["07199002"]
    assert stadt.kind == "ortsgemeinde" and stadt.is_stadt and stadt.parent_key == "071995001"
    assert (stadt.postcode, stadt.postcode_multiple) == ("56002", True)
    vg = rows["071995001"]
    assert (vg.kind, vg.ars, vg.parent_key, vg.seat) == (
        "verbandsgemeinde",
        "071995001000",
        "07199",
        "Testdorf",
    )
    assert (vg.population, vg.population_male, vg.area_ha) == (2900, 1450, 800)
    kreis = rows["07199"]
    assert (kreis.kind, kreis.ars, kreis.parent_key) == ("landkreis", "071990000000", "07")
    assert (kreis.population, kreis.area_ha) == (7900, 1800)
    assert rows["071"].kind == "regierungsbezirk" and rows["071"].parent_key == "07"
    assert rows["071"].population == 7900  # RB 3 holds the kreisfreie Stadt
    assert rows["07"].population == 37900 and rows["07"].area_ha == 3800
    # Parents come before their children.
    order = list(rows)
    assert all(order.index(row.parent_key) < order.index(key) for key, row in rows.items() if row.parent_key)


def test_excerpt_leaves_the_land_total_unknown_instead_of_partial() -> None:
    """The built-in sample holds some Kreise without their Gemeinden: no partial Land total."""
    sample = Path(__file__).resolve().parents[1] / "sample" / "gv100ad_rlp_sample.txt"
    rows = by_key(build_bodies(parse_gv100ad(sample), state="07"))
    assert rows["07"].population is None and rows["07"].area_ha is None
    assert rows["07140"].population is None  # Rhein-Hunsrück-Kreis: no Gemeinden in the sample
    kaiserslautern = rows["07335"]  # complete in the sample: the sum over its Gemeinden
    members = [r for r in rows.values() if r.level == "gemeinde" and r.ars.startswith("07335")]
    assert kaiserslautern.population == sum(r.population or 0 for r in members) > 0


# --- the real issue of 30.11.2025 ---------------------------------------------------------------


@pytest.fixture(scope="module")
def germany() -> list[BodyRow]:
    return build_bodies(parse_gv100ad(shared_data_file(GV100AD_LATEST)))


@pytest.fixture(scope="module")
def rlp() -> list[BodyRow]:
    return build_bodies(parse_gv100ad(shared_data_file(GV100AD_LATEST)), state="07")


def test_rhineland_palatinate_counts_of_domain_md(rlp: list[BodyRow]) -> None:
    counts = gv100ad.summarize(rlp)
    assert counts["ortsgemeinde"] == 2259
    assert counts["stadt"] == 97  # verbandsangehörige Städte among the Ortsgemeinden
    assert counts["verbandsfreie_gemeinde"] == 29
    assert counts["kreisfreie_stadt"] == 12
    assert counts["ortsgemeinde"] + counts["verbandsfreie_gemeinde"] + counts["kreisfreie_stadt"] == 2300
    assert counts["verbandsgemeinde"] == 129
    assert counts["landkreis"] == 24
    assert counts["land"] == 1
    assert counts["gemeindefreies_gebiet"] == 1  # the German-Luxembourgish condominium
    (land,) = (row for row in rlp if row.kind == "land")
    assert land.population == 4_129_569
    assert land.area_ha == 1_985_787  # 19,857.87 km²
    assert {row.state for row in rlp} == {"07"}


def test_rlp_parent_chain(rlp: list[BodyRow]) -> None:
    rows = by_key(rlp)
    partenheim = rows["07331056"]
    chain = [partenheim.key]
    while rows[chain[-1]].parent_key:
        chain.append(rows[chain[-1]].parent_key)  # type: ignore[arg-type]
    assert [rows[key].name for key in chain] == ["Partenheim", "Wörrstadt", "Alzey-Worms", "Rheinland-Pfalz"]
    assert [rows[key].kind for key in chain] == ["ortsgemeinde", "verbandsgemeinde", "landkreis", "land"]
    assert rows["07315000"].kind == "kreisfreie_stadt" and rows["07315000"].parent_key == "07"
    assert rows["07137003"].kind == "verbandsfreie_gemeinde" and rows["07137003"].parent_key == "07137"


def test_city_states_are_one_land_body(germany: list[BodyRow]) -> None:
    rows = by_key(germany)
    raw = {cut(line, 11, 18): line for line in latest_lines() if line.startswith("60")}
    for land, ags, name in (("11", "11000000", "Berlin"), ("02", "02000000", "Hamburg")):
        body = rows[land]
        assert (body.kind, body.name, body.ags, body.ars) == ("land", name, ags, land + "0" * 10)
        assert body.population == int(cut(raw[ags], 140, 150))
        assert body.area_ha == int(cut(raw[ags], 129, 139))
        assert ags not in rows and land + "000" not in rows
        assert not [row for row in germany if row.parent_key == land]
    assert rows["04"].kind == "land" and rows["04011000"].kind == "kreisfreie_stadt"  # Bremen: Land ≠ city


def test_verband_with_several_gemeindefreie_gebiete_is_no_body(germany: list[BodyRow]) -> None:
    """Mecklenburg-Vorpommern's coastal waters: one 50 record (TK 50) with two 60 children."""
    lines = latest_lines()
    children = [
        line
        for line in lines
        if line.startswith("60") and cut(line, 11, 15) + cut(line, 19, 22) == "130009999"
    ]
    assert len(children) == 2
    rows = by_key(germany)
    assert "130009999" not in rows
    for line in children:
        row = rows[cut(line, 11, 18)]
        assert (row.kind, row.parent_key, row.association_key) == ("gemeindefreies_gebiet", "13", "130009999")
    # Everywhere else a 50 record of TK 50 and its single 60 record are one body.
    condominium = rows["07000999"]
    assert (condominium.kind, condominium.parent_key, condominium.area_ha) == (
        "gemeindefreies_gebiet",
        "07",
        620,
    )


def test_all_of_germany_is_consistent_with_the_raw_file(germany: list[BodyRow]) -> None:
    lines = latest_lines()
    types = Counter(line[:2] for line in lines)
    assert types == {"10": 16, "20": 29, "30": 12, "40": 400, "50": 4590, "60": 10953}
    tk40 = Counter(cut(line, 123, 124) for line in lines if line.startswith("40"))
    tk50 = Counter(cut(line, 123, 124) for line in lines if line.startswith("50"))
    counts = Counter(row.kind for row in germany)
    levels = Counter(row.level for row in germany)

    assert counts["land"] == types["10"]
    assert counts["regierungsbezirk"] == types["20"]
    # Every Satzart-60 record is one Gemeinde-level body, except Berlin and Hamburg (the Land).
    assert levels["gemeinde"] == types["60"] - 2
    # Kreise of TK 41/42 are kreisfreie Städte (two of them Berlin and Hamburg), the rest Kreise.
    assert counts["kreisfreie_stadt"] == tk40["41"] + tk40["42"] - 2
    assert levels["kreis"] == tk40["43"] + tk40["44"] + tk40["45"]
    assert levels["gemeindeverband"] == sum(n for tk, n in tk50.items() if tk != "50")
    assert (
        len(germany)
        == types["10"] + types["20"] + levels["kreis"] + levels["gemeindeverband"] + types["60"] - 2
    )

    keys = [row.key for row in germany]
    assert len(set(keys)) == len(keys) and len({row.ars for row in germany}) == len(keys)
    rows = by_key(germany)
    for row in germany:
        assert len(row.ars) == 12 and row.ars.isdigit()
        if row.parent_key is not None:
            assert rows[row.parent_key].state == row.state
            assert gv100ad.LEVELS.index(rows[row.parent_key].level) < gv100ad.LEVELS.index(row.level)
    population = sum(int(cut(line, 140, 150)) for line in lines if line.startswith("60"))
    assert sum(row.population or 0 for row in germany if row.kind == "land") == population


def test_state_filter_keeps_only_that_land(germany: list[BodyRow], rlp: list[BodyRow]) -> None:
    assert [row for row in germany if row.state == "07"] == rlp


# --- successor search ---------------------------------------------------------------------------


def unit(key: str, area: int, *, name: str = "", level: str = "gemeinde", parent: str = "") -> AreaUnit:
    return AreaUnit(key=key, name=name or key, level=level, region="07232", area_ha=area, parent=parent)


def test_merger_into_a_new_body_by_area_within_one_percent() -> None:
    result = find_successions(
        dissolved=[
            unit("07232089", 139, name="Niedergeckler"),
            unit("07232096", 636, name="Obergeckler"),
            unit("07232001", 90, name="Elsewhere"),
        ],
        created=[unit("07232503", 774, name="Obergeckler")],
        grown=[],
        current=[],
    )
    assert result == [gv100ad.Succession("07232503", ("07232089", "07232096"), "neubildung")]


def test_absorption_by_a_grown_body_and_no_match_when_too_far() -> None:
    result = find_successions(
        dissolved=[unit("a", 416), unit("b", 771), unit("c", 5000)],
        created=[],
        grown=[unit("host", 1187), unit("other", 10)],
        current=[],
    )
    assert result == [gv100ad.Succession("host", ("a", "b"), "eingliederung")]


def test_equal_sums_prefer_the_members_of_one_former_association() -> None:
    dissolved = [
        unit("x1", 100, parent="vg1"),
        unit("x2", 200, parent="vg1"),
        unit("y1", 250, parent="vg2"),
        unit("y2", 50, parent="vg3"),
    ]
    result = find_successions(dissolved=dissolved, created=[unit("new", 300)], grown=[], current=[])
    assert result[0].predecessors == ("x1", "x2")


def test_dissolved_association_succeeded_by_one_body_of_the_same_territory() -> None:
    result = find_successions(
        dissolved=[unit("145225123", 7096, name="Ostrau", level="gemeindeverband")],
        created=[],
        grown=[],
        current=[unit("14522275", 7095, name="Jahnatal"), unit("14522001", 3000)],
    )
    assert result == [gv100ad.Succession("14522275", ("145225123",), "nachfolge")]
