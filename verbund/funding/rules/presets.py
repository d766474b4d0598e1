"""Presets of rule sets: the RLP pilot, NRW, Bayern, Hessen (DOMAIN.md §2)."""

from __future__ import annotations

from decimal import Decimal

from verbund.common.i18n import _, gettext_noop

from .money import HUNDRED, ZERO
from .ruleset import (
    BASIS_PLACEHOLDER,
    BASIS_PUBLIC,
    FINANCING_FIXED,
    FINANCING_SHARE,
    MIXED_LEVELS,
    NOT_CONTIGUOUS,
    SPECIAL_NEED_REGION,
    CapIncrease,
    CapTier,
    RuleSet,
    RuleSetError,
)

# --- Presets -------------------------------------------------------------------------------------------

NOT_PUBLIC_NOTE = "nicht öffentlich, bitte festlegen"


def _rlp_pilot() -> RuleSet:
    return RuleSet(
        name="IKZ-Pilotförderung Rheinland-Pfalz",
        source=(
            "add.rlp.de/themen/foerderungen/ikz; mdi.rlp.de (Stand 12/2025): 3 Kommunen bis 210.000 EUR, "
            "ab 4 Kommunen bis 320.000 EUR; Erhöhung bei verschiedenen Verwaltungsebenen oder fehlender "
            "gemeinsamer Grenze (Höhe nicht öffentlich); Fördersätze bis 100 %; Laufzeit 2 Jahre. "
            "Mindestens 3 Mitglieder und höchstens 24 Monate sind daraus abgeleitet (Annahme, nicht "
            "veröffentlicht)."
        ),
        min_members=3,
        cap_tiers=(CapTier(3, Decimal("210000.00")), CapTier(4, Decimal("320000.00"))),
        increases=(
            CapIncrease(MIXED_LEVELS, ZERO, BASIS_PLACEHOLDER, NOT_PUBLIC_NOTE),
            CapIncrease(NOT_CONTIGUOUS, ZERO, BASIS_PLACEHOLDER, NOT_PUBLIC_NOTE),
        ),
        max_rate_percent=HUNDRED,
        financing=FINANCING_SHARE,
        max_period_months=24,
        ortsgemeinden_via_verbandsgemeinde=True,
        one_application_per_alliance=True,
        # Published are awards to alliances of 3 and more and terms of 2 years, not a rule: both
        # limits are inferred (DOMAIN.md §2); the authority confirms or changes them.
        assumptions=("min_members", "max_period_months"),
    )


def _nrw() -> RuleSet:
    return RuleSet(
        name="IKZ-Förderung Nordrhein-Westfalen",
        source=(
            "Veröffentlichte Förderbedingungen: 175.000 EUR für 2 Partner, je weiterem Partner "
            "35.000 EUR, höchstens 90 %."
        ),
        min_members=2,
        cap_tiers=(CapTier(2, Decimal("175000.00"), Decimal("35000.00")),),
        max_rate_percent=Decimal("90.00"),
        financing=FINANCING_SHARE,
        ortsgemeinden_via_verbandsgemeinde=False,
    )


def _bayern() -> RuleSet:
    return RuleSet(
        name="IKZ-Förderung Bayern",
        source=(
            "Veröffentlichte Förderbedingungen: Festbetrag 50.000 EUR (90.000 EUR im Raum mit "
            "besonderem Handlungsbedarf), höchstens 85 %, Vorhaben unter 5.000 EUR nicht gefördert, "
            "mindestens 15 % Einsparung und 5 Jahre Dauer."
        ),
        min_members=2,
        cap_tiers=(CapTier(2, Decimal("50000.00")),),
        increases=(CapIncrease(SPECIAL_NEED_REGION, Decimal("40000.00"), BASIS_PUBLIC, ""),),
        max_rate_percent=Decimal("85.00"),
        financing=FINANCING_FIXED,
        min_project_costs=Decimal("5000.00"),
        min_savings_percent=Decimal("15.00"),
        min_commitment_years=5,
        ortsgemeinden_via_verbandsgemeinde=False,
    )


def _hessen() -> RuleSet:
    return RuleSet(
        name="IKZ-Förderung Hessen (Auszug)",
        source=(
            "Veröffentlichte Förderbedingungen: mindestens 15 % Einsparung, rechnerisch nachgewiesen; "
            "Sammelantrag einer Kommune mit Beschlüssen aller Beteiligten. Höchstbeträge hier nicht "
            "hinterlegt."
        ),
        min_members=2,
        cap_tiers=(CapTier(2, ZERO),),
        max_rate_percent=HUNDRED,
        min_savings_percent=Decimal("15.00"),
        council_resolutions_required=True,
        ortsgemeinden_via_verbandsgemeinde=False,
    )


#: Presets a new programme can start from (key → factory). Hessen's caps are not in DOMAIN.md.
PRESETS: dict[str, tuple[str, RuleSet]] = {
    "rlp_pilot": (gettext_noop("RLP: IKZ-Pilotförderung"), _rlp_pilot()),
    "nrw": ("NRW", _nrw()),
    "bayern": (gettext_noop("Bayern"), _bayern()),
    "hessen": (gettext_noop("Hessen (nur Einsparregel, Höchstbeträge festlegen)"), _hessen()),
}


def preset(key: str) -> RuleSet:
    """A copy of a preset rule set (:data:`PRESETS`)."""
    try:
        return PRESETS[key][1]
    except KeyError:
        raise RuleSetError(
            [_("Unbekannte Vorlage „%(key)s“ (%(join)s).") % {"key": key, "join": ", ".join(PRESETS)}]
        ) from None
