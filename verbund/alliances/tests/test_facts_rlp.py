"""Derived facts on the real RLP registry (GV100AD 30.11.2025 and the boundary layers of the shared
data): the alliances of DOMAIN.md §1 and what the official data says about them.

What the data says, checked against the neighbour lists shipped with the shared data:

* Interkommunale Cybersicherheit (five VGs of LK Kaiserslautern): one Landkreis, so the
  Kreisverwaltung Kaiserslautern approves a Zweckvereinbarung. The area is *not* contiguous:
  Enkenbach-Alsenborn lies east of the city of Kaiserslautern and shares no border with the other
  four, which form one area in the west of the Landkreis (VG-level neighbours in
  ``rlp_verbandsgemeinden_neighbours.csv``: Enkenbach-Alsenborn borders only the city, VGs of Bad
  Dürkheim and Donnersbergkreis, and Otterbach-Otterberg).
* Vier Städte (Mainz, Trier, Koblenz, Ludwigshafen): no two share a border; the ADD.
* IKZ-Verwaltungsstäbe (five Landkreise): contiguous, the ADD.
* Zentrale Vergabestelle (Donnersbergkreis + two of its VGs + Bruchmühlbach-Miesau): mixed levels,
  the VGs inside the Landkreis count as connected and are not counted twice, Bruchmühlbach-Miesau
  is isolated.
* Krisenvorsorge Stromausfall (VGs in LK Germersheim and Südliche Weinstraße): contiguous, yet two
  Landkreise, so the ADD.
* Gemeinde-App (VG Wörrstadt and some of its Ortsgemeinden): they act through the VG.

The registry is imported once per class inside a transaction that is rolled back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import shared_data_file
from verbund.alliances.facts import ADD, AllianceFacts
from verbund.alliances.selectors import alliance_facts, facts_for_bodies
from verbund.common.data import GV100AD_LATEST, RLP_BOUNDARY_LAYERS
from verbund.registry.legal_status import GROSSE_KREISANGEHOERIGE_STAEDTE_RLP
from verbund.registry.models import Body

from .factories import AllianceFactory

CYBER = {
    "073355001": "Bruchmühlbach-Miesau",
    "073355002": "Enkenbach-Alsenborn",
    "073355011": "Landstuhl",
    "073355008": "Ramstein-Miesenbach",
    "073355009": "Weilerbach",
}
CITIES = ("07315000", "07211000", "07111000", "07314000")  # Mainz, Trier, Koblenz, Ludwigshafen
STAEBE = ("07333", "07331", "07332", "07335", "07336")  # Donnersberg, Alzey-Worms, Bad Dürkheim, KL, Kusel


@pytest.fixture(scope="class")
def rlp_registry(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """RLP imported with its boundary layers (and neighbour graph), rolled back after the class."""
    from verbund.common.actors import SystemActor
    from verbund.registry.boundaries import registry_import_boundaries
    from verbund.registry.importer import registry_import_gv100ad
    from verbund.registry.policies import IMPORT

    importer = SystemActor(name="Registerimport (Test)", capabilities=frozenset({IMPORT}))

    gv100ad = shared_data_file(GV100AD_LATEST)
    layers = [shared_data_file(layer) for layer in RLP_BOUNDARY_LAYERS]
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            registry_import_gv100ad(path=gv100ad, state="07", actor=importer)
            for layer in layers:
                registry_import_boundaries(path=layer, actor=importer)
        except BaseException as exc:
            outer.__exit__(type(exc), exc, exc.__traceback__)
            raise
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def facts_of(*keys: str) -> AllianceFacts:
    bodies = list(Body.objects.current().filter(key__in=keys))
    assert sorted(b.key for b in bodies) == sorted(keys), "a body of the test is missing in the registry"
    return facts_for_bodies(bodies)


@pytest.mark.usefixtures("rlp_registry")
@pytest.mark.django_db
class TestRealAlliances:
    def test_cyber_alliance_one_landkreis_but_not_contiguous(self) -> None:
        facts = facts_of(*CYBER)
        assert facts.supervisory_authority.value == "Kreisverwaltung Kaiserslautern"
        assert facts.supervisory_kreis_key == "07335"
        assert "Alle Mitglieder liegen im Landkreis Kaiserslautern" in facts.supervisory_authority.reasoning
        assert facts.mixed_levels.value is False
        assert facts.contiguous.value is False
        assert facts.isolated_keys == ("073355002",)
        assert sorted(map(sorted, facts.components)) == [
            ["073355001", "073355008", "073355009", "073355011"],
            ["073355002"],
        ]
        assert "Verbandsgemeinde Enkenbach-Alsenborn" in facts.contiguous.reasoning
        # sums of the official figures (31.12.2024) of the five VGs
        assert facts.population.value == 10_546 + 19_991 + 26_082 + 16_736 + 14_225
        assert facts.ortsgemeinden_via_verbandsgemeinde.value == ()

    def test_four_cities_share_no_border_and_need_the_add(self) -> None:
        facts = facts_of(*CITIES)
        assert facts.contiguous.value is False
        assert sorted(facts.isolated_keys) == sorted(CITIES)
        assert len(facts.components) == 4
        assert facts.supervisory_authority.value == ADD
        assert "kreisfreie Städte" in facts.supervisory_authority.reasoning
        assert facts.mixed_levels.value is False
        assert facts.population.value == 224_684 + 104_342 + 113_378 + 177_222

    def test_verwaltungsstaebe_landkreise_are_contiguous(self) -> None:
        facts = facts_of(*STAEBE)
        assert facts.contiguous.value is True
        assert facts.isolated_keys == ()
        assert facts.supervisory_authority.value == ADD
        assert facts.population.value == 131_238 + 134_329 + 74_783 + 106_343 + 69_334

    def test_mixed_levels_with_vgs_inside_the_member_landkreis(self) -> None:
        # Zentrale Vergabestelle: Donnersbergkreis, VGs Kirchheimbolanden and Göllheim, Bruchmühlbach-Miesau
        facts = facts_of("07333", "073335004", "073335003", "073355001")
        assert facts.mixed_levels.value is True
        assert facts.levels == ("kreis", "gemeindeverband")
        assert facts.contiguous.value is False
        assert facts.isolated_keys == ("073355001",)
        assert facts.supervisory_authority.value == ADD
        # the two Donnersberg VGs are part of the Landkreis: counted once
        assert facts.population.value == 74_783 + 10_546
        assert "im Gebiet von Donnersbergkreis" in facts.population.reasoning

    def test_contiguous_across_two_landkreise_needs_the_add(self) -> None:
        # Krisenvorsorge Stromausfall: Herxheim (Südliche Weinstraße), Jockgrim and Rülzheim (Germersheim)
        facts = facts_of("073375004", "073345003", "073345006")
        assert facts.contiguous.value is True
        assert facts.supervisory_authority.value == ADD
        assert "2 Landkreisen" in facts.supervisory_authority.reasoning

    def test_city_next_to_a_member_landkreis_counts_as_bordering(self) -> None:
        # Stadt Kaiserslautern borders LK Kaiserslautern; with a VG of that Landkreis it borders a part of it
        facts = facts_of("07312000", "07335")
        assert facts.contiguous.value is True
        # Ersthelfer-App: Donnersbergkreis, Kusel, Stadt Kaiserslautern
        ersthelfer = facts_of("07333", "07336", "07312000")
        assert ersthelfer.contiguous.value is False
        assert ersthelfer.isolated_keys == ("07312000",)

    def test_ortsgemeinden_act_through_their_vg(self) -> None:
        # Gemeinde-App: VG Wörrstadt with Partenheim, Saulheim and the Stadt Wörrstadt
        facts = facts_of("073315006", "07331056", "07331058", "07331073")
        pairs = facts.ortsgemeinden_via_verbandsgemeinde.value
        assert len(pairs) == 3
        assert {vg for _, vg in pairs} == {"Verbandsgemeinde Wörrstadt"}
        assert "Stadt Wörrstadt" in {og for og, _ in pairs}
        assert facts.contiguous.value is True
        assert facts.population.value == 29_741
        assert facts.supervisory_authority.value == "Kreisverwaltung Alzey-Worms"

    def test_the_listed_grosse_kreisangehoerige_staedte_are_towns_of_the_registry(self) -> None:
        towns = {b.ags: b for b in Body.objects.current().filter(ags__in=GROSSE_KREISANGEHOERIGE_STAEDTE_RLP)}
        assert sorted(towns) == sorted(GROSSE_KREISANGEHOERIGE_STAEDTE_RLP)
        for ags, name in GROSSE_KREISANGEHOERIGE_STAEDTE_RLP.items():
            assert towns[ags].name == f"{name}, Stadt"
            assert towns[ags].kind == "verbandsfreie_gemeinde"  # kreisangehörig, not kreisfrei
            assert towns[ags].is_grosse_kreisangehoerige_stadt

    def test_a_grosse_kreisangehoerige_stadt_is_supervised_by_the_add(self) -> None:
        # Andernach and the VG Pellenz both lie in the Landkreis Mayen-Koblenz
        andernach = Body.objects.current().get(ags="07137003")
        bendorf = Body.objects.current().get(ags="07137203")  # a Stadt, but not a große kreisangehörige
        facts = facts_of(andernach.key, "071375001")
        assert facts.supervisory_authority.value == ADD
        assert "Stadt Andernach ist große kreisangehörige Stadt" in facts.supervisory_authority.reasoning
        plain = facts_of(bendorf.key, "071375001")
        assert plain.supervisory_authority.value == "Kreisverwaltung Mayen-Koblenz"

    def test_alliance_facts_in_constant_queries(self) -> None:
        alliance = AllianceFactory.create(members=list(Body.objects.filter(key__in=CYBER)))
        with CaptureQueriesContext(connection) as queries:
            facts = alliance_facts(alliance)
        assert facts.member_count == 5
        assert len(queries) == 2
        bigger = AllianceFactory.create(members=list(Body.objects.filter(key__in=(*CITIES, *STAEBE))))
        with CaptureQueriesContext(connection) as queries:
            assert alliance_facts(bigger).member_count == 9
        assert len(queries) == 2
