"""The building blocks of the start pages: a :class:`Group` per role, :class:`Section` s in it, and
:class:`Item` s that link to where the person acts. Pure data; the role modules fill them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

#: At most this many rows per section; the count says how many there are in all.
LIMIT = 10
#: A deadline within this many days is marked "bald fällig".
SOON_DAYS = 30


@dataclass
class Item:
    """One row: what, where to act, a date (German on the page) and an optional mark."""

    title: str
    url: str = ""
    meta: str = ""
    date: dt.date | dt.datetime | None = None
    date_label: str = ""
    #: "overdue" or "soon" (shown as a mark and in words), "" for none
    flag: str = ""
    #: the alliance the row belongs to (for grouping by alliance; not shown)
    alliance_id: int = 0

    @property
    def flag_label(self) -> str:
        return {"overdue": _("überfällig"), "soon": _("bald fällig")}.get(self.flag, "")


@dataclass
class Section:
    key: str
    title: str
    empty: str
    items: list[Item] = field(default_factory=list)
    #: how many there are in all (more than the rows shown when the list is cut at :data:`LIMIT`)
    total: int | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    #: a few figures (label, value) instead of or next to the rows
    figures: list[tuple[str, str]] = field(default_factory=list)
    #: show the count (lists); figure-only or link-only sections do not
    counted: bool = True
    #: a links-only section (the operator's) needs no empty sentence while it has links
    quiet_when_linked: bool = False

    @property
    def shows_empty(self) -> bool:
        """The empty-state sentence: a list without rows, or a figure section without figures."""
        if self.items:
            return False
        if self.counted:
            return True
        return not self.figures and not (self.quiet_when_linked and self.links)

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.items)

    @property
    def cut(self) -> bool:
        return self.count > len(self.items)


@dataclass
class Group:
    """The part of the start page for one role (the person may hold several)."""

    key: str
    title: str
    intro: str = ""
    sections: list[Section] = field(default_factory=list)


def cut(section: Section, items: list[Item]) -> Section:
    """Keep the first :data:`LIMIT` rows and the total."""
    section.total = len(items)
    section.items = items[:LIMIT]
    return section


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def proof_due(period_end: dt.date) -> dt.date:
    """When the proof of use of a grant with this period is due: the programme monitoring's rule
    (``ADVISORY_PROOF_DUE_MONTHS`` after the period's end), so start page and monitoring agree."""
    from verbund.advisory.services.conditions import proof_due as monitoring_proof_due

    return monitoring_proof_due(period_end)


def flag_for(due: dt.date | None, today: dt.date) -> str:
    if due is None:
        return ""
    if due < today:
        return "overdue"
    if due <= today + dt.timedelta(days=SOON_DAYS):
        return "soon"
    return ""


def url(name: str, *args: object) -> str:
    """The page's address, or "" when the page does not exist (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def first_url(*names: str) -> str:
    for name in names:
        found = url(name)
        if found:
            return found
    return ""
