"""The start page after login (``/start/``): one group of sections per role the person holds —
body staff and heads (:mod:`.body`), coordinators (:mod:`.coordinator`), the funding authority
(:mod:`.funding`), the Beratungsstelle (:mod:`.office`), operators (:mod:`.operator`) — each built
from the owning part's visibility rules and selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from verbund.common.principal import Principal

from .body import body_group, duties_group
from .common import Group, Item, Section
from .coordinator import coordinator_group
from .funding import authority_group
from .office import office_group
from .operator import operator_group

__all__ = ["Dashboard", "Group", "Item", "Section", "dashboard_for"]


@dataclass
class Dashboard:
    groups: list[Group]
    today: dt.date


def dashboard_for(principal: Principal, *, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    groups = [
        body_group(principal, now),
        duties_group(principal, now),
        coordinator_group(principal, now),
        authority_group(principal, now),
        office_group(principal, now),
        operator_group(principal),
    ]
    return Dashboard(groups=[g for g in groups if g is not None], today=timezone.localdate(now))
