"""What every service of the planning part shares: who acts, and the checks of common inputs."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.money import cents, cents_to_decimal, largest_remainder
from verbund.common.principal import Principal

from .. import policies

#: Who the background runs act as (they are not a person's action; the audit log names "Planung").
RUN_ACTOR = SystemActor(name="Planung", capabilities=frozenset({policies.MANAGE}))


def checked(actor: Actor, allowed: Callable[[Principal], bool], refusal: str) -> Principal:
    """The fresh principal of ``actor`` (a ``TypeError`` for strings and anonymous users), after
    ``allowed(principal)`` said yes; else :class:`~verbund.common.errors.Forbidden` with ``refusal``."""
    return authorize(actor, allowed, _(refusal))


def check_state(state: str) -> None:
    if not re.fullmatch(r"[0-9]{2}", state or ""):
        raise ValidationError({"state": _("Bitte einen zweistelligen Land-Schlüssel angeben (z. B. 07).")})


def member_shares(total: Decimal, weights: Sequence[float]) -> list[Decimal]:
    """``total`` EUR split in proportion to ``weights`` (each member's stand-alone cost), in cents
    that add up to ``total`` exactly (largest remainder, :func:`verbund.common.money.largest_remainder`;
    equal weights when all are 0)."""
    if not weights:
        return []
    units = [max(0, round(float(w) * 100)) for w in weights]
    if sum(units) <= 0:
        units = [1] * len(weights)
    amount = int(cents(total) * 100)
    sign = -1 if amount < 0 else 1  # an existing alliance kept as it is may cost more than alone
    split = largest_remainder(sign * amount, np.array(units, dtype=np.int64))
    return [cents_to_decimal(sign * int(c)) for c in split]
