"""Derived facts of an alliance as pure computation (no database): population and area counted
once, mixed administrative levels, contiguity on the neighbour graph, the lowest common supervisory
authority, Ortsgemeinden acting through their Verbandsgemeinde, and the German reasoning of each."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from verbund.alliances.facts import (
    ADD,
    SUPERVISOR_ADD,
    SUPERVISOR_KREISVERWALTUNG,
    MemberFacts,
    derive_facts,
)
from verbund.registry.labels import body_label

STAND = dt.date(2024, 12, 31)


def vg(
    key: str, name: str, *, kreis: str = "07335", kreis_name: str = "Kaiserslautern", pop: int = 10_000
) -> MemberFacts:
    return MemberFacts(
        key=key,
        ars=key + "000",
        name=name,
        kind="verbandsgemeinde",
        state="07",
        population=pop,
        population_date=STAND,
        area_km2=Decimal("50.25"),
        kreis_key=kreis,
        kreis_name=kreis_name,
    )


def landkreis(key: str, name: str, pop: int = 100_000) -> MemberFacts:
    return MemberFacts(
        key=key,
        ars=key + "0000000",
        name=name,
        kind="landkreis",
        state="07",
        population=pop,
        population_date=STAND,
        area_km2=Decimal("600.00"),
        kreis_key=key,
        kreis_name=name,
    )


def stadt(key: str, name: str, pop: int = 200_000) -> MemberFacts:
    return MemberFacts(
        key=key,
        ars=key[:5] + "0000" + key[5:],
        name=name,
        kind="kreisfreie_stadt",
        state="07",
        population=pop,
        population_date=STAND,
        area_km2=Decimal("100.00"),
        kreis_key=key,
        kreis_name=name,
    )


def ortsgemeinde(key: str, name: str, vg_key: str, vg_name: str, pop: int = 1_000) -> MemberFacts:
    return MemberFacts(
        key=key,
        ars=vg_key + key[5:],
        name=name,
        kind="ortsgemeinde",
        state="07",
        population=pop,
        population_date=STAND,
        area_km2=Decimal("5.50"),
        kreis_key=key[:5],
        kreis_name="Alzey-Worms",
        verbandsgemeinde_key=vg_key,
        verbandsgemeinde_name=vg_name,
    )


A, B, C, D = (
    vg("073355011", "Landstuhl", pop=26_082),
    vg("073355008", "Ramstein-Miesenbach", pop=16_736),
    vg("073355009", "Weilerbach", pop=14_225),
    vg("073355002", "Enkenbach-Alsenborn", pop=19_991),
)


def test_population_and_area_are_sums_with_reasoning() -> None:
    facts = derive_facts([A, B, C], [])
    assert facts.member_count == 3
    assert facts.population.value == 26_082 + 16_736 + 14_225
    assert "3 Mitglieder" in facts.population.reasoning and "31.12.2024" in facts.population.reasoning
    assert facts.area_km2.value == Decimal("150.75")
    assert "150,75 km²" in facts.area_km2.reasoning


def test_a_member_inside_another_member_is_not_counted_twice() -> None:
    kreis = landkreis("07333", "Donnersbergkreis", pop=74_783)
    inner = vg("073335003", "Kirchheimbolanden", kreis="07333", kreis_name="Donnersbergkreis", pop=20_000)
    outside = vg("073355001", "Bruchmühlbach-Miesau", pop=10_546)
    facts = derive_facts([kreis, inner, outside], [])
    assert facts.population.value == 74_783 + 10_546
    assert "Verbandsgemeinde Kirchheimbolanden (im Gebiet von Donnersbergkreis)" in facts.population.reasoning
    assert facts.area_km2.value == Decimal("650.25")


def test_missing_population_is_said_not_guessed() -> None:
    facts = derive_facts(
        [
            A,
            MemberFacts(
                key="07335",
                ars="073350000000",
                name="Kaiserslautern",
                kind="landkreis",
                state="07",
                kreis_key="07335",
            ),
        ]
    )
    # the VG lies inside the Landkreis member, so only the Landkreis counts, and its figure is missing
    assert facts.population.value is None
    assert "Landkreis Kaiserslautern" in facts.population.reasoning


def test_mixed_levels() -> None:
    same = derive_facts([A, B], [])
    assert same.mixed_levels.value is False
    assert "Verbandsgemeinden" in same.mixed_levels.reasoning
    kreis = landkreis("07333", "Donnersbergkreis")
    mixed = derive_facts([kreis, A], [])
    assert mixed.mixed_levels.value is True
    assert mixed.levels == ("kreis", "gemeindeverband")
    assert "Kreisebene (Landkreise, kreisfreie Städte) (Donnersbergkreis)" in mixed.mixed_levels.reasoning
    # a kreisfreie Stadt is on the Kreis level: with Landkreise it is not "mixed"
    cities = derive_facts([kreis, stadt("07312000", "Kaiserslautern, Stadt")], [])
    assert cities.mixed_levels.value is False


def test_contiguous_chain() -> None:
    facts = derive_facts([A, B, C], [(A.key, B.key), (B.key, C.key)])
    assert facts.contiguous.value is True
    assert facts.components == ((A.key, B.key, C.key),)
    assert facts.isolated_keys == ()
    assert "zusammenhängendes Gebiet" in facts.contiguous.reasoning


def test_not_contiguous_names_parts_and_isolated_members() -> None:
    facts = derive_facts([A, B, C, D], [(A.key, B.key), (B.key, C.key)])
    assert facts.contiguous.value is False
    assert facts.components == ((A.key, B.key, C.key), (D.key,))
    assert facts.isolated_keys == (D.key,)
    assert facts.isolated_labels == ("Verbandsgemeinde Enkenbach-Alsenborn",)
    assert "2 Teilgebiete" in facts.contiguous.reasoning
    assert "Keine gemeinsame Grenze mit einem anderen Mitglied hat: Verbandsgemeinde Enkenbach-Alsenborn" in (
        facts.contiguous.reasoning
    )


def test_two_separate_pairs_have_no_isolated_member() -> None:
    facts = derive_facts([A, B, C, D], [(A.key, B.key), (C.key, D.key)])
    assert facts.contiguous.value is False
    assert len(facts.components) == 2
    assert facts.isolated_keys == ()


def test_pairs_of_non_members_and_self_pairs_are_ignored() -> None:
    facts = derive_facts([A, B], [(A.key, "999999999"), (A.key, A.key)])
    assert facts.contiguous.value is False
    assert set(facts.isolated_keys) == {A.key, B.key}


def test_containment_connects_a_vg_with_its_landkreis() -> None:
    kreis = landkreis("07335", "Kaiserslautern")
    facts = derive_facts([kreis, A, D], [])
    assert facts.contiguous.value is True
    assert "im Gebiet von Landkreis Kaiserslautern" in facts.contiguous.reasoning


def test_contiguity_unknown_without_boundaries_and_trivial_for_one() -> None:
    no_boundary = MemberFacts(
        key="073355099",
        ars="073355099000",
        name="Ohne Grenze",
        kind="verbandsgemeinde",
        state="07",
        kreis_key="07335",
        has_boundary=False,
    )
    facts = derive_facts([A, no_boundary], [])
    assert facts.contiguous.value is None
    assert "keine Grenzdaten" in facts.contiguous.reasoning
    assert derive_facts([A]).contiguous.value is True
    empty = derive_facts([])
    assert empty.contiguous.value is None and empty.population.value is None
    assert empty.supervisory_authority.value is None


def test_supervision_one_landkreis_is_its_kreisverwaltung() -> None:
    facts = derive_facts([A, B, C, D], [])
    assert facts.supervisory_authority.value == "Kreisverwaltung Kaiserslautern"
    assert facts.supervisory_kind == SUPERVISOR_KREISVERWALTUNG
    assert facts.supervisory_kreis_key == "07335"
    assert "Alle Mitglieder liegen im Landkreis Kaiserslautern" in facts.supervisory_authority.reasoning


def test_supervision_several_landkreise_is_the_add() -> None:
    other = vg("073335003", "Kirchheimbolanden", kreis="07333", kreis_name="Donnersbergkreis")
    facts = derive_facts([A, other], [])
    assert facts.supervisory_authority.value == ADD
    assert facts.supervisory_kind == SUPERVISOR_ADD
    assert (
        "2 Landkreisen (Landkreis Kaiserslautern und Donnersbergkreis)"
        in facts.supervisory_authority.reasoning
    )


@pytest.mark.parametrize(
    "member",
    [landkreis("07335", "Kaiserslautern"), stadt("07312000", "Kaiserslautern, Stadt")],
    ids=["landkreis", "kreisfreie_stadt"],
)
def test_supervision_of_kreis_level_members_is_the_add(member: MemberFacts) -> None:
    facts = derive_facts([member, A], [])
    assert facts.supervisory_authority.value == ADD
    assert "unter der Aufsicht der Aufsichts- und Dienstleistungsdirektion (ADD)" in (
        facts.supervisory_authority.reasoning
    )


def test_supervision_of_a_grosse_kreisangehoerige_stadt_is_the_add() -> None:
    # Andernach lies in the Landkreis Mayen-Koblenz like the VG Pellenz, yet the ADD supervises it
    pellenz = vg("071375001", "Pellenz", kreis="07137", kreis_name="Mayen-Koblenz")
    andernach = MemberFacts(
        key="07137003",
        ars="071370003003",
        name="Andernach, Stadt",
        kind="verbandsfreie_gemeinde",
        state="07",
        kreis_key="07137",
        kreis_name="Mayen-Koblenz",
        grosse_kreisangehoerige_stadt=True,
    )
    facts = derive_facts([andernach, pellenz], [])
    assert facts.supervisory_authority.value == ADD
    assert facts.supervisory_kind == SUPERVISOR_ADD
    assert facts.supervisory_kreis_key is None
    reasoning = facts.supervisory_authority.reasoning
    assert "Stadt Andernach ist große kreisangehörige Stadt" in reasoning
    assert "§ 118 Abs. 1 GemO" in reasoning
    # without the status the same two lie in one Landkreis: its Kreisverwaltung
    plain = derive_facts([dataclasses.replace(andernach, grosse_kreisangehoerige_stadt=False), pellenz], [])
    assert plain.supervisory_authority.value == "Kreisverwaltung Mayen-Koblenz"


def test_supervision_outside_rlp_is_left_open() -> None:
    hessen = MemberFacts(
        key="06411000",
        ars="064110000000",
        name="Darmstadt, Wissenschaftsstadt",
        kind="kreisfreie_stadt",
        state="06",
        kreis_key="06411000",
    )
    facts = derive_facts([stadt("07315000", "Mainz, Stadt"), hessen], [])
    assert facts.supervisory_authority.value is None
    assert "Hessen" in facts.supervisory_authority.reasoning


def test_ortsgemeinden_act_through_their_verbandsgemeinde() -> None:
    vg_woerrstadt = vg("073315011", "Wörrstadt", kreis="07331", kreis_name="Alzey-Worms")
    og1 = ortsgemeinde("07331056", "Partenheim", "073315011", "Wörrstadt")
    og2 = ortsgemeinde("07331064", "Saulheim", "073315011", "Wörrstadt")
    facts = derive_facts([vg_woerrstadt, og1, og2], [])
    assert facts.ortsgemeinden_via_verbandsgemeinde.value == (
        ("Ortsgemeinde Partenheim", "Verbandsgemeinde Wörrstadt"),
        ("Ortsgemeinde Saulheim", "Verbandsgemeinde Wörrstadt"),
    )
    assert "(selbst Mitglied)" in facts.ortsgemeinden_via_verbandsgemeinde.reasoning
    # Ortsgemeinden inside a member VG are connected to it and not counted twice
    assert facts.contiguous.value is True
    assert facts.population.value == vg_woerrstadt.population
    assert facts.mixed_levels.value is True
    assert derive_facts([A, B]).ortsgemeinden_via_verbandsgemeinde.value == ()


def test_duplicate_members_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        derive_facts([A, A])


def test_labels() -> None:
    assert body_label("landkreis", "Kusel") == "Landkreis Kusel"
    assert body_label("landkreis", "Eifelkreis Bitburg-Prüm") == "Eifelkreis Bitburg-Prüm"
    assert body_label("kreisfreie_stadt", "Mainz, kreisfreie Stadt") == "Stadt Mainz"
    assert body_label("ortsgemeinde", "Wörrstadt, Stadt") == "Stadt Wörrstadt"
    assert body_label("verbandsgemeinde", "Landstuhl") == "Verbandsgemeinde Landstuhl"
    assert body_label("verbandsgemeinde", "Verbandsgemeinde Beispiel 3") == "Verbandsgemeinde Beispiel 3"
    assert body_label("verbandsfreie_gemeinde", "Haßloch") == "Gemeinde Haßloch"
