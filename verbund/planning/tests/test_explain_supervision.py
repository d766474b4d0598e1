"""The reasons of a recommendation name the authority that approves a Zweckvereinbarung: the
Kreisverwaltung within one Kreis, but the ADD as soon as a große kreisangehörige Stadt takes part."""

from __future__ import annotations

import dataclasses

from verbund.planning.solvers import recommend

from .helpers import instance

MAYEN = "071370068068"  # ARS of Mayen (AGS 07137068), große kreisangehörige Stadt
VG_VORDEREIFEL = "071375003000"


def _reasons(keys: list[str]) -> str:
    inst = dataclasses.replace(
        instance(
            [(0, 0), (6, 0)],
            population=[19_000, 16_000],
            kreis=["07137", "07137"],
            kinds=["verbandsfreie_gemeinde", "verbandsgemeinde"],
        ),
        keys=keys,
    )
    recs = recommend(inst, 0, max_size=2, limit=5)
    assert recs
    return " ".join(recs[0].reasons)


def test_a_grosse_kreisangehoerige_stadt_brings_the_add():
    text = _reasons([MAYEN, VG_VORDEREIFEL])
    assert "genehmigt die ADD" in text
    assert "Kreisverwaltung" not in text


def test_within_one_kreis_the_kreisverwaltung_approves():
    text = _reasons(["071370001000", VG_VORDEREIFEL])
    assert "genehmigt die Kreisverwaltung" in text
