"""Proof of use: what the alliance is entitled to after its actual costs, and what it repays."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO, cents, eur
from .ruleset import FINANCING_FIXED

# --- Proof of use --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """Outcome of a proof of use: what the alliance is entitled to and what it must repay."""

    entitled: Decimal
    drawn: Decimal
    repayment: Decimal
    outstanding: Decimal
    explanation: str


def settle(
    *,
    financing: str,
    granted: Decimal,
    planned_eligible: Decimal,
    actual_eligible: Decimal,
    drawn: Decimal,
) -> Settlement:
    """Compare actual costs with the grant.

    Anteilfinanzierung: the grant shrinks in proportion when the eligible costs fall short of the
    plan, ``granted × actual ÷ planned`` (rounded half up to the cent, never above the grant).
    Festbetragsfinanzierung: the fixed amount stays unless the actual eligible costs fall below it.
    What was drawn above the entitlement is repaid; what is entitled but not drawn is outstanding.
    """
    granted, planned_eligible, actual_eligible, drawn = (
        cents(granted),
        cents(planned_eligible),
        cents(actual_eligible),
        cents(drawn),
    )
    if financing == FINANCING_FIXED:
        entitled = min(granted, actual_eligible)
        how = f"Festbetrag {eur(granted)}; tatsächliche förderfähige Kosten {eur(actual_eligible)}" + (
            " – der Festbetrag bleibt."
            if actual_eligible >= granted
            else " – der Festbetrag sinkt auf die Kosten."
        )
    else:
        if planned_eligible <= 0:
            entitled = ZERO
        else:
            entitled = min(granted, cents(granted * actual_eligible / planned_eligible))
        how = (
            f"Anteilfinanzierung: {eur(granted)} × {eur(actual_eligible)} tatsächliche ÷ "
            f"{eur(planned_eligible)} geplante förderfähige Kosten = {eur(entitled)}"
            + (" (höchstens die Bewilligung)" if actual_eligible > planned_eligible else "")
        )
    repayment = max(ZERO, cents(drawn - entitled))
    outstanding = max(ZERO, cents(entitled - drawn))
    if repayment:
        tail = f" Abgerufen wurden {eur(drawn)}; zurückzuzahlen sind {eur(repayment)}."
    elif outstanding:
        tail = f" Abgerufen wurden {eur(drawn)}; noch auszuzahlen sind {eur(outstanding)}."
    else:
        tail = f" Abgerufen wurden {eur(drawn)}; es bleibt nichts zu erstatten."
    return Settlement(cents(entitled), drawn, repayment, outstanding, how + "." + tail)
