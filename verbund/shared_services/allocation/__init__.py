"""The allocation engine: how the cost of a shared service is split among its members.

Modules: ``base`` (members, table, errors), ``rounding`` (cents, on :mod:`verbund.common.money`),
``results``, ``keys`` (the plugins), ``describe`` (German text), ``engine`` (``allocate``).

Pure Python and NumPy, **no Django import**, so that it can be tested, property-tested and benchmarked
alone. The Django side (:mod:`verbund.shared_services.calculation`) turns services, recipients,
volumes and registry figures into :class:`Member` rows and a total, and stores what comes back.

Keys are plugins
================
An allocation key (Umlageschlüssel) is a class registered under a name with :func:`register_key`;
a key configuration is JSON (``{"type": "population", ...}``) that :func:`parse_key` validates and
turns into a key object. A new kind of key is a new class, never a new branch in a long function.
Shipped keys (DOMAIN.md §5):

``equal``           Grundbetrag: equal parts
``population``      by inhabitants (the figures of a reference date are supplied by the caller)
``area``            by area (ha)
``volume``          by recorded volume (cases, hours …)
``mix``             weighted mixture, e.g. 50 % ``equal`` + 50 % ``population`` (LK Traunstein)
``fixed_share``     named members pay fixed percentages, the rest by another key (LK Rosenheim: 30 %,
                    the remaining 70 % half equal, half by inhabitants)
``price_per_unit``  a charge: price × units (1.90 EUR per inhabitant, 175 EUR per hour); the total
                    is the sum of the charges

Keys compose: the rest of ``fixed_share`` and the parts of ``mix`` are keys themselves.

Money and rounding
==================
Amounts are handled in integer cents. A share key splits a total ``T`` (cents) by integer weights
``w_i``: member ``i`` is entitled to exactly ``T·w_i / W`` cents (``W = Σ w``). Each member first gets
the whole cents of that, ``⌊T·w_i / W⌋``; the cents still missing (fewer than the number of members)
go one each to the members with the **largest remainders** ``T·w_i mod W``; equal remainders are
broken by the **member key in ascending order** (e.g. the ARS). So shares are exact to the cent,
add up to the total exactly, are never negative, differ from the exact value by less than one cent
per component, and do not depend on the order in which members are given (the engine sorts them by
key first). A ``mix`` first splits the total among its parts by the same rule (ties: earlier part
first), then each part among the members; a ``fixed_share`` splits the total into the fixed parts and
the rest by the same rule. Charges (``price_per_unit``) are rounded per member half up to the cent
(kaufmännische Rundung); their sum is the total.

Pro rata temporis
=================
A member that receives the service for only part of the year (joins or leaves during the year) has
``days`` < ``year_days``. Its weight in ``equal``, ``population`` and ``area`` is multiplied by its
days, so it pays for its part of the year; a fixed percentage is multiplied by ``days / year_days``;
a charge is multiplied by ``days / year_days``. Recorded volumes are not scaled: they were counted
only while the member took part. **The part a member does not pay because it was not there all year
is borne by the other members by the same key** (the shared cost does not shrink because one member
left; the total is always allocated in full). A charge is not redistributed: a member that was
there half the year is charged half, and the provider bears the rest.
"""

from .base import (
    CENT,
    FULL,
    PERCENT_SCALE,
    PRICE_SCALE,
    VOLUME_SCALE,
    AllocationError,
    Array,
    KeyConfigError,
    Member,
    MemberTable,
    days_in_year,
    period_days,
)
from .describe import EQUAL, POPULATION, fixed_share, format_percent, format_price, mix
from .engine import allocate, describe_config, key_types, named_members, validate_key
from .keys import (
    KEY_TYPES,
    AllocationKey,
    AreaKey,
    EqualKey,
    FixedShareKey,
    MixKey,
    PopulationKey,
    PricePerUnitKey,
    VolumeKey,
    WeightKey,
    parse_key,
    register_key,
)
from .results import Allocation, Component, ComponentShare
from .rounding import cents_to_decimal, largest_remainder, to_cents

__all__ = [
    "CENT",
    "EQUAL",
    "FULL",
    "KEY_TYPES",
    "PERCENT_SCALE",
    "POPULATION",
    "PRICE_SCALE",
    "VOLUME_SCALE",
    "Allocation",
    "AllocationError",
    "AllocationKey",
    "AreaKey",
    "Array",
    "Component",
    "ComponentShare",
    "EqualKey",
    "FixedShareKey",
    "KeyConfigError",
    "Member",
    "MemberTable",
    "MixKey",
    "PopulationKey",
    "PricePerUnitKey",
    "VolumeKey",
    "WeightKey",
    "allocate",
    "cents_to_decimal",
    "days_in_year",
    "describe_config",
    "fixed_share",
    "format_percent",
    "format_price",
    "key_types",
    "largest_remainder",
    "mix",
    "named_members",
    "parse_key",
    "period_days",
    "register_key",
    "to_cents",
    "validate_key",
]
