"""Members, periods and the member table of the allocation engine (pure: no Django)."""

from __future__ import annotations

import calendar
import datetime as dt
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

import numpy as np

from verbund.common.i18n import _, gettext_noop
from verbund.common.money import CENT

__all__ = ["CENT", "AllocationError", "KeyConfigError", "Member", "MemberTable"]

#: Percentages are held in hundredths of a percent (two decimal places): 100 % = 10,000.
PERCENT_SCALE = 100
FULL = 100 * PERCENT_SCALE
#: Volumes are held in hundredths (two decimal places, e.g. 12.5 hours = 1250).
VOLUME_SCALE = 100
#: Prices per unit are held in ten-thousandths of a euro (e.g. 1.90 EUR = 19,000).
PRICE_SCALE = 10_000
_INT64_SAFE = 2**62

Array = np.ndarray


# --- errors -----------------------------------------------------------------------------------------


class AllocationError(ValueError):
    """The cost cannot be allocated with these figures (missing populations, no volume …). German."""


class KeyConfigError(AllocationError):
    """A key configuration is invalid. ``path`` names where in the JSON (``rest.parts[1].weight``)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


# --- members and periods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One member taking part in a service in one year, with the figures a key may need.

    ``days``: days of the year the member received the service (``None``: the whole year).
    ``population``: inhabitants at the reference date the caller chose; ``area_ha``: area in hectares;
    ``volume``: recorded volume (cases, hours …) while it took part. A figure a key does not use may
    be left ``None``.
    """

    key: str
    name: str = ""
    population: int | None = None
    area_ha: int | None = None
    volume: Decimal | None = None
    days: int | None = None


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def period_days(year: int, periods: Iterable[tuple[dt.date, dt.date | None]]) -> int:
    """Days of ``year`` covered by the union of ``periods`` (both ends inclusive; open end ``None``).

    A member that left and joined again has two periods; overlapping periods count once.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    clipped = []
    for start, end in periods:
        s = max(start, first)
        e = min(end or last, last)
        if s <= e:
            clipped.append((s, e))
    clipped.sort()
    total = 0
    current_start: dt.date | None = None
    current_end: dt.date | None = None
    for s, e in clipped:
        if current_end is None or current_start is None or s > current_end + dt.timedelta(days=1):
            if current_end is not None and current_start is not None:
                total += (current_end - current_start).days + 1
            current_start, current_end = s, e
        elif e > current_end:
            current_end = e
    if current_end is not None and current_start is not None:
        total += (current_end - current_start).days + 1
    return total


class MemberTable:
    """Members sorted by key, with the columns keys need as integer NumPy arrays (built on demand).

    Sorting by key first makes every result independent of the order members were given in, and
    makes "ties go to the smaller key" the same as "ties go to the smaller position". A table made
    by :meth:`subset` is a view: its members and keys are only materialised when asked for.
    """

    __slots__ = ("_columns", "_keys", "_members", "_parent", "_positions", "days", "year_days")

    def __init__(self, members: Iterable[Member], *, year_days: int = 365) -> None:
        ordered = sorted(members, key=_KEY)
        keys = tuple(map(_KEY, ordered))
        if len(set(keys)) != len(keys):
            dupes = sorted(k for k, n in Counter(keys).items() if n > 1)
            raise AllocationError(
                _("Mitglied mehrfach angegeben: %(members)s.") % {"members": ", ".join(dupes)}
            )
        if year_days not in (365, 366):
            raise AllocationError(_("Ein Jahr hat 365 oder 366 Tage."))
        raw_days = list(map(_DAYS, ordered))
        if None in raw_days:
            raw_days = [year_days if d is None else d for d in raw_days]
        days = np.array(raw_days, dtype=np.int64)
        if len(days) and (days.min() < 0 or days.max() > year_days):
            bad = [m.key for m, d in zip(ordered, raw_days, strict=True) if d < 0 or d > year_days]
            raise AllocationError(
                _("Beteiligungstage außerhalb von 0 bis %(days)s: %(members)s.")
                % {"days": year_days, "members": ", ".join(bad)}
            )
        self._members: tuple[Member, ...] | None = tuple(ordered)
        self._keys: tuple[str, ...] | None = keys
        self._parent: MemberTable | None = None
        self._positions: Array | None = None
        self.year_days = year_days
        self.days: Array = days
        self._columns: dict[str, Array] = {}

    @property
    def members(self) -> tuple[Member, ...]:
        if self._members is None:
            assert self._parent is not None and self._positions is not None
            parent = self._parent.members
            self._members = tuple(parent[i] for i in self._positions.tolist())
        return self._members

    @property
    def keys(self) -> tuple[str, ...]:
        if self._keys is None:
            self._keys = tuple(map(_KEY, self.members))
        return self._keys

    def __len__(self) -> int:
        return len(self.days)

    def column(self, name: str) -> Array:
        """``population``, ``area_ha`` or ``volume`` (in hundredths) as int64; AllocationError if missing."""
        cached = self._columns.get(name)
        if cached is not None:
            return cached
        label = _(_COLUMN_LABELS[name])
        raw = list(map(attrgetter(name), self.members))
        if None in raw:
            missing = [m.name or m.key for m, value in zip(self.members, raw, strict=True) if value is None]
            raise AllocationError(
                _("Es fehlt %(what)s für: %(members)s.") % {"what": label, "members": ", ".join(missing)}
            )
        values = np.array(_hundredths(raw) if name == "volume" else raw, dtype=np.int64)
        if len(values) and values.min() < 0:
            negative = [m.name or m.key for m, v in zip(self.members, raw, strict=True) if v < 0]
            raise AllocationError(
                _("Negative Werte (%(what)s) für: %(members)s.")
                % {"what": label, "members": ", ".join(negative)}
            )
        self._columns[name] = values
        return values

    def subset(self, exclude: set[str]) -> tuple[MemberTable, Array]:
        """The table without the members in ``exclude``, and the positions of the rest in this table."""
        dropped = [i for i in map(self.position, exclude) if i is not None]
        positions = np.delete(np.arange(len(self)), dropped)
        sub = MemberTable.__new__(MemberTable)
        sub._members = None
        sub._keys = None
        sub._parent = self
        sub._positions = positions
        sub.year_days = self.year_days
        sub.days = self.days[positions]
        sub._columns = {name: column[positions] for name, column in self._columns.items()}
        return sub, positions

    def names(self) -> dict[str, str]:
        return {m.key: m.name for m in self.members if m.name}

    def position(self, key: str) -> int | None:
        """The position of the member ``key`` (binary search in the sorted keys), or ``None``."""
        keys = self.keys
        i = bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else None


_KEY = attrgetter("key")
_DAYS = attrgetter("days")
_COLUMN_LABELS = {
    "population": gettext_noop("die Einwohnerzahl"),
    "area_ha": gettext_noop("die Fläche"),
    "volume": gettext_noop("die Menge"),
}


def _hundredths(values: list[Decimal | int | float]) -> list[int]:
    """Volumes → integer hundredths; AllocationError for more than two decimal places."""
    out = []
    for value in values:
        scaled = (value if type(value) is Decimal else Decimal(str(value))).scaleb(2)
        if scaled != scaled.to_integral_value():  # Decimal with Decimal: no slow mixed comparison
            raise AllocationError(
                _("Mengen haben höchstens zwei Nachkommastellen: %(value)s.") % {"value": value}
            )
        out.append(int(scaled))
    return out
