"""Start page of the Beratungsstelle (advisory office): its open cases (overdue marked), the work
queue, the funding conditions at risk and the programme at a glance. Reads the advisory part only
through ``Case`` with :func:`verbund.advisory.policies.case_filter`, :func:`conditions_at_risk` and
``programme_summary``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.advisory.models import OPEN_STATES, Case
from verbund.advisory.policies import case_filter, is_office, reads_programme
from verbund.advisory.services.conditions import conditions_at_risk
from verbund.alliances.models import Alliance
from verbund.common.german import format_money, format_number
from verbund.common.principal import Principal

from .common import Group, Item, Section, cut, first_url, flag_for, url


def visible_cases(principal: Principal) -> QuerySet[Case]:
    """Open cases the person reads (the advisory part's rule), one row each."""
    ids = Case.objects.filter(case_filter(principal)).values("pk")
    return Case.objects.filter(pk__in=ids, status__in=OPEN_STATES)


def case_url(case: Case) -> str:
    return url("advisory:case_detail", case.pk) or url("advisory:home")


def case_items(cases: QuerySet[Case], today: dt.date) -> list[Item]:
    rows = cases.select_related("alliance").order_by("next_step_due", "pk")
    return [
        Item(
            title=f"{case.number} {case.title}",
            url=case_url(case),
            meta=" · ".join(
                part
                for part in (
                    case.get_status_display(),
                    case.alliance.name if case.alliance is not None else "",
                    case.next_step,
                )
                if part
            ),
            date=case.next_step_due,
            date_label=_("nächster Schritt fällig am") if case.next_step_due else "",
            flag="overdue" if case.next_step_due and case.next_step_due < today else "",
            alliance_id=case.alliance_id or 0,
        )
        for case in rows
    ]


def _figure(value: Any, *, money: bool = False) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return format_money(number) if money else format_number(number)


def programme_figures(summary: Any) -> list[tuple[str, str]]:
    """A few figures of the programme summary: participation and money (as far as it has them)."""
    participation: Mapping[str, Any] = getattr(summary, "participation", None) or {}
    money: Mapping[str, Any] = getattr(summary, "money", None) or {}
    wanted = (
        (_("Verbünde"), participation.get("alliances"), False),
        (_("Mitgliedskörperschaften"), participation.get("bodies"), False),
        (_("Einwohner in Verbünden"), participation.get("inhabitants"), False),
        (_("Bewilligt (alle Jahre)"), money.get("granted"), True),
        (_("Ausgezahlt (alle Jahre)"), money.get("paid"), True),
    )
    figures = []
    for label, value, as_money in wanted:
        shown = _figure(value, money=as_money)
        if shown is not None:
            figures.append((label, shown))
    return figures


def _programme_section(today: dt.date) -> Section:
    link = first_url("advisory:programme", "advisory:programme_dashboard", "advisory:home")
    section = Section(
        "programme",
        _("Das Programm auf einen Blick"),
        _("Die Zahlen des Programms stehen auf der Seite zur Programmbeobachtung."),
        links=[(_("Zur Programmbeobachtung"), link)],
        counted=False,
    )
    try:
        from verbund.advisory.services.programme import programme_summary
    except ImportError:  # the programme area is not there yet: the link alone
        return section
    section.figures = programme_figures(programme_summary(today=today))
    return section


def office_group(principal: Principal, now: dt.datetime) -> Group | None:
    if not is_office(principal):
        return None
    today = timezone.localdate(now)
    items = case_items(visible_cases(principal), today)
    overdue = sum(1 for item in items if item.flag == "overdue")
    cases = cut(
        Section(
            "cases",
            _("Offene Beratungsfälle"),
            _("Es gibt keinen offenen Beratungsfall."),
            links=[
                (
                    _("Zum Arbeitsvorrat"),
                    first_url("advisory:work_queue", "advisory:case_list", "advisory:home"),
                )
            ],
        ),
        items,
    )
    cases.figures = [(_("davon überfällig"), format_number(overdue))]
    at_risk = conditions_at_risk(today=today)
    slugs = (
        dict(Alliance.objects.filter(pk__in={risk.alliance_id for risk in at_risk}).values_list("pk", "slug"))
        if at_risk
        else {}
    )
    risks = [
        Item(
            title=risk.label,
            url=risk.url
            or (url("alliances:detail", slugs[risk.alliance_id]) if risk.alliance_id in slugs else ""),
            meta=risk.alliance_name,
            date=risk.due,
            date_label=_("fällig am") if risk.due else "",
            flag=flag_for(risk.due, today),
            alliance_id=risk.alliance_id,
        )
        for risk in at_risk
    ]
    group = Group(
        "office",
        _("Beratungsstelle"),
        _("Ihre Fälle, die gefährdeten Förderbedingungen und das Programm."),
        sections=[
            cases,
            cut(
                Section(
                    "risks",
                    _("Gefährdete Förderbedingungen"),
                    _("Keine Förderbedingung ist derzeit gefährdet."),
                ),
                risks,
            ),
        ],
    )
    if reads_programme(principal):
        group.sections.append(_programme_section(today))
    return group
