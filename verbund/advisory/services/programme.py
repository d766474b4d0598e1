"""The programme's figures for the ministry and the ADD: :func:`programme_summary`.

Everything is computed with a constant number of aggregate queries, whatever the number of bodies,
alliances, applications or settlements (a test counts them at two sizes). The result is plain data
(dataclass of lists and dicts, money as strings with two decimals), ready for JSON, pages and reports.

Definitions (also in the docs):

* **Participation** at the end of a year (31 December; the current year: today): a membership counts
  when ``joined_on`` ≤ that day and ``left_on`` is empty or later. *Bodies* are the distinct member
  bodies (a body in several alliances counts once). *Municipalities reached* are the Gemeinden that
  are members themselves or whose Verbandsgemeinde is a member (Ortsgemeinden act through their
  Verbandsgemeinde, DOMAIN.md §2); a Landkreis does not make its Gemeinden members. *Inhabitants*
  are the registry's population of the area the members cover, each inhabitant once: a Gemeinde
  covers itself, a Verbandsgemeinde its Ortsgemeinden, a Landkreis (and a kreisfreie Stadt) its
  Kreis. By Kreis: the 5-digit ARS prefix of the member.
* **Money** (the funding part's own figures): *budget* = the programmes' budget years; *granted* =
  the grant notices' amounts per budget year (``GrantYear.amount``); *paid* = what was paid out of
  them (``GrantYear.drawn``, the approved drawdowns); *repaid* = repayments fixed by accepted proofs
  of use (``UseProof.repayment_amount``, in the year of the decision). A Kreis filter follows the
  funding part (the applicant's Kreis); budgets are Land-wide and not filtered.
* **Savings**: *planned* = baseline − expected yearly costs of granted applications; *measured* =
  the finalized settlements of the shared services (per service and year the newest version of the
  final settlement, else of the advances), computed by :mod:`.savings` (both sides before fees).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.alliances import lifecycle
from verbund.alliances.models import Alliance, LegalForm, Membership
from verbund.funding import workflow
from verbund.funding.models import Application, GrantYear, ProgrammeYear, UseProof, UseProofStatus
from verbund.registry.models import ASSOCIATION_KINDS, KREIS_KINDS, Body, Kind

from . import savings as method
from .conditions import condition_settings, conditions_at_risk

ZERO = Decimal("0.00")
_MONEY: DecimalField[Any, Any] = DecimalField(max_digits=16, decimal_places=2)

#: The kinds of body that are municipalities (Gemeinden) of the registry.
GEMEINDE_KINDS = frozenset(
    {Kind.ORTSGEMEINDE, Kind.VERBANDSFREIE_GEMEINDE, Kind.KREISFREIE_STADT, Kind.ERFUELLENDE_GEMEINDE}
)


def _money(value: Any) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def _sum(name: Any) -> Coalesce:
    return Coalesce(Sum(name), ZERO, output_field=_MONEY)


@dataclass
class ProgrammeSummary:
    """The dashboard's figures. Money as strings (``"1234.50"``), counts as ints; see the module."""

    years: list[int]
    kreis: str
    kreis_name: str
    as_of: str
    participation: dict[str, Any]
    participation_by_year: list[dict[str, Any]]
    participation_by_kreis: list[dict[str, Any]]
    money: dict[str, Any]
    money_by_year: list[dict[str, Any]]
    savings: dict[str, Any]
    savings_by_year: list[dict[str, Any]]
    fields_of_action: list[dict[str, Any]]
    legal_forms: list[dict[str, Any]]
    maturity: list[dict[str, Any]]
    conditions: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- participation ----------------------------------------------------------------------------------


def _cover_prefix(ars: str, kind: str, population: int | None) -> str:
    """The ARS prefix of the area a member covers (a Gemeinde itself, a VG, a Kreis, the Land)."""
    if kind in GEMEINDE_KINDS and kind != Kind.KREISFREIE_STADT:
        return ars
    if kind in ASSOCIATION_KINDS:
        return ars[:9]
    if kind in KREIS_KINDS or kind == Kind.KREISFREIE_STADT:
        return ars[:5]
    if kind == Kind.REGIERUNGSBEZIRK:
        return ars[:3]
    if kind == Kind.LAND:
        return ars[:2]
    return ars


def _reach_prefix(ars: str, kind: str) -> str | None:
    """The prefix of the Gemeinden a member brings in as municipalities (itself; a VG its Ortsgemeinden)."""
    if kind in GEMEINDE_KINDS:
        return ars
    if kind in ASSOCIATION_KINDS:
        return ars[:9]
    return None


def _year_end(year: int, today: dt.date) -> dt.date:
    return min(dt.date(year, 12, 31), today)


def _participation(
    memberships: list[dict[str, Any]],
    gemeinden: list[tuple[str, int]],
    days: list[dt.date],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Totals on each of ``days`` (ascending, distinct) and the rows by Kreis on the last of them.

    One pass over the memberships and one over the Gemeinden, whatever the number of days: a
    membership is valid (``joined_on`` ≤ day < ``left_on``) on a contiguous run of the sorted days,
    kept as a bit mask (bit *i* = ``days[i]``); a body, an alliance and a covered or reached prefix is
    active on the days of the union (OR) of its memberships' masks, a Gemeinde on the union of the
    masks of its prefixes. Counts per day are then summed over the few distinct masks.
    """
    count = len(days)
    last = 1 << (count - 1)
    body_mask: dict[int, int] = defaultdict(int)
    alliance_mask: dict[int, int] = defaultdict(int)
    body_row: dict[int, dict[str, Any]] = {}
    for m in memberships:
        low = bisect_left(days, m["joined_on"])
        high = count if m["left_on"] is None else bisect_left(days, m["left_on"])
        if low >= high:
            continue
        mask = (1 << high) - (1 << low)
        body_mask[m["body_id"]] |= mask
        alliance_mask[m["alliance_id"]] |= mask
        body_row[m["body_id"]] = m
    cover: dict[str, int] = defaultdict(int)
    reach: dict[str, int] = defaultdict(int)
    by_kreis: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"bodies": 0, "municipalities": 0, "inhabitants": 0}
    )
    for body_id, mask in body_mask.items():
        m = body_row[body_id]
        cover[_cover_prefix(m["ars"], m["kind"], m["population"])] |= mask
        prefix = _reach_prefix(m["ars"], m["kind"])
        if prefix:
            reach[prefix] |= mask
        if mask & last:
            by_kreis[m["ars"][:5]]["bodies"] += 1
    cover_lengths = sorted({len(p) for p in cover})
    reach_lengths = sorted({len(p) for p in reach})
    population_by_mask: Counter[int] = Counter()
    gemeinden_by_mask: Counter[int] = Counter()
    for ars, population in gemeinden:
        covered = reached = 0
        for n in cover_lengths:
            covered |= cover.get(ars[:n], 0)
        for n in reach_lengths:
            reached |= reach.get(ars[:n], 0)
        if covered:
            population_by_mask[covered] += population
            if covered & last:
                by_kreis[ars[:5]]["inhabitants"] += population
        if reached:
            gemeinden_by_mask[reached] += 1
            if reached & last:
                by_kreis[ars[:5]]["municipalities"] += 1

    def per_day(by_mask: Counter[int]) -> list[int]:
        sums = [0] * count
        for mask, value in by_mask.items():
            for i in range(count):
                if mask >> i & 1:
                    sums[i] += value
        return sums

    bodies = per_day(Counter(body_mask.values()))
    alliances = per_day(Counter(alliance_mask.values()))
    municipalities = per_day(gemeinden_by_mask)
    inhabitants = per_day(population_by_mask)
    totals = [
        {
            "bodies": bodies[i],
            "alliances": alliances[i],
            "municipalities": municipalities[i],
            "inhabitants": inhabitants[i],
        }
        for i in range(count)
    ]
    return totals, by_kreis


# --- the summary ------------------------------------------------------------------------------------


def programme_summary(
    *, years: Iterable[int] | None = None, kreis: str | None = None, today: dt.date | None = None
) -> ProgrammeSummary:
    """The programme's figures, optionally for some ``years`` and one ``kreis`` (5-digit ARS prefix).

    Without ``years``: every year from the first membership, budget year or settlement to this year.
    Totals of money and measured savings are over the selected years; participation totals are those
    at the end of the last selected year.
    """
    today = today or timezone.localdate()
    kreis = (kreis or "")[:5]
    wanted = sorted(set(years)) if years else []

    # 1. participation (two queries: memberships with their bodies, Gemeinden with population)
    member_qs = Membership.objects.all()
    if kreis:
        member_qs = member_qs.filter(body__ars__startswith=kreis)
    memberships: list[dict[str, Any]] = [
        dict(m)
        for m in member_qs.values(
            "alliance_id",
            "body_id",
            "joined_on",
            "left_on",
            ars=F("body__ars"),
            kind=F("body__kind"),
            population=F("body__population"),
        )
    ]
    gemeinde_qs = Body.objects.filter(
        population__isnull=False, dissolved_on__isnull=True, kind__in=GEMEINDE_KINDS
    )
    if kreis:
        gemeinde_qs = gemeinde_qs.filter(ars__startswith=kreis)
    gemeinden: list[tuple[str, int]] = [(a, p or 0) for a, p in gemeinde_qs.values_list("ars", "population")]

    # 2. money (budget, granted + paid, repaid) by year
    budget_rows = {
        r["year"]: r
        for r in ProgrammeYear.objects.values("year")
        .annotate(budget=_sum("budget"), committed=_sum("committed"))
        .order_by("year")
    }
    grant_years = GrantYear.objects.all()
    proofs = UseProof.objects.filter(status=UseProofStatus.ACCEPTED, decided_at__isnull=False)
    applications = Application.objects.all()
    if kreis:
        grant_years = grant_years.filter(grant__application__applicant__ars__startswith=kreis)
        proofs = proofs.filter(application__applicant__ars__startswith=kreis)
        applications = applications.filter(applicant__ars__startswith=kreis)
    granted_rows = {
        r["year"]: r
        for r in grant_years.values(year=F("programme_year__year"))
        .annotate(granted=_sum("amount"), paid=_sum("drawn"), grants=Count("grant_id", distinct=True))
        .order_by("year")
    }
    repaid_rows = {
        r["year"]: r
        for r in proofs.annotate(year=ExtractYear("decided_at"))
        .values("year")
        .annotate(repaid=_sum("repayment_amount"), proofs=Count("pk"))
        .order_by("year")
    }

    # 3. savings: planned (granted applications) and measured (finalized settlements)
    planned = applications.filter(
        status__in=workflow.GRANTED,
        baseline_annual_costs__isnull=False,
        expected_annual_costs__isnull=False,
    ).aggregate(
        baseline=_sum("baseline_annual_costs"),
        expected=_sum("expected_annual_costs"),
        count=Count("pk"),
    )
    lines = method.chosen_lines()
    if kreis:
        lines = lines.filter(body__ars__startswith=kreis)
    measured_rows = {
        r["year"]: r
        for r in lines.values(year=F("settlement__year"))
        .annotate(**method.saving_aggregates(), services=Count("settlement__service_id", distinct=True))
        .order_by("year")
    }

    # 4. alliances: fields of action, legal forms, maturity (alliances with a member in the Kreis)
    alliances = Alliance.objects.all()
    if kreis:
        alliances = alliances.with_member_in_kreis(kreis)
    status_counts = dict(alliances.values_list("status").annotate(n=Count("pk")).order_by())
    form_counts = dict(alliances.values_list("legal_form").annotate(n=Count("pk")).order_by())
    field_rows = list(
        alliances.values(field_slug=F("fields__slug"), field_name=F("fields__name"))
        .annotate(count=Count("pk", distinct=True))
        .order_by("-count", "field_name")
    )
    kreis_name = ""
    kreis_ars = {m["ars"][:5] for m in memberships} | ({kreis} if kreis else set())
    kreis_names: dict[str, str] = {}
    kreis_points: dict[str, tuple[Any, Any]] = {}
    for ars, name, lat, lon in Body.objects.filter(ars__in=[k + "0000000" for k in kreis_ars]).values_list(
        "ars", "name", "centroid_lat", "centroid_lon"
    ):
        kreis_names[ars[:5]] = name
        kreis_points[ars[:5]] = (lat, lon)
    kreis_name = kreis_names.get(kreis, kreis) if kreis else ""

    # --- years
    first = [m["joined_on"].year for m in memberships] + list(budget_rows) + list(granted_rows)
    first += list(measured_rows)
    if not wanted:
        start = min(first) if first else today.year
        wanted = list(range(min(start, today.year), today.year + 1))

    # --- participation by year, by Kreis (at the end of the last year)
    days = sorted({_year_end(year, today) for year in wanted})
    totals_by_day, by_kreis = _participation(memberships, gemeinden, days)
    day_totals = dict(zip(days, totals_by_day, strict=True))
    participation_by_year = [{"year": year, **day_totals[_year_end(year, today)]} for year in wanted]
    last_day = days[-1]
    participation = dict(day_totals[last_day])
    population_by_kreis: Counter[str] = Counter()
    for ars, population in gemeinden:
        population_by_kreis[ars[:5]] += population
    participation["inhabitants_total"] = sum(population_by_kreis.values())
    participation["as_of"] = last_day.isoformat()
    participation_by_kreis = []
    for prefix, row in sorted(by_kreis.items()):
        if not row["bodies"] and not row["inhabitants"]:
            continue
        total = population_by_kreis.get(prefix, 0)
        lat, lon = kreis_points.get(prefix, (None, None))
        participation_by_kreis.append(
            {
                "kreis": prefix,
                "name": kreis_names.get(prefix, prefix),
                **row,
                "inhabitants_total": total,
                "share_percent": None if not total else round(100 * row["inhabitants"] / total, 1),
                "lat": lat,
                "lon": lon,
            }
        )
    participation_by_kreis.sort(key=lambda r: (r["name"], r["kreis"]))

    # --- money by year
    money_by_year = []
    for year in wanted:
        b, g, r = budget_rows.get(year, {}), granted_rows.get(year, {}), repaid_rows.get(year, {})
        money_by_year.append(
            {
                "year": year,
                "budget": _money(b.get("budget")),
                "granted": _money(g.get("granted")),
                "paid": _money(g.get("paid")),
                "repaid": _money(r.get("repaid")),
                "grants": g.get("grants", 0),
            }
        )
    money: dict[str, Any] = {
        key: _money(sum((Decimal(row[key]) for row in money_by_year), ZERO))
        for key in ("budget", "granted", "paid", "repaid")
    }
    money["applications"] = applications.exclude(status=workflow.ENTWURF).count()
    money["granted_applications"] = applications.filter(status__in=workflow.GRANTED).count()

    # --- savings
    savings_by_year = []
    measured_total = method.Savings()
    for year in wanted:
        s = method.savings_of(measured_rows.get(year, {}))
        measured_total = method.Savings(
            standalone=measured_total.standalone + s.standalone,
            shared=measured_total.shared + s.shared,
            lines=measured_total.lines + s.lines,
        )
        savings_by_year.append(
            {"year": year, **s.as_dict(), "services": measured_rows.get(year, {}).get("services", 0)}
        )
    planned_saving = method.planned_saving(planned["baseline"], planned["expected"]) or ZERO
    savings = {
        "planned": {
            "baseline": _money(planned["baseline"]),
            "expected": _money(planned["expected"]),
            "saving": _money(planned_saving),
            "percent": None
            if method.saving_percent(planned_saving, planned["baseline"]) is None
            else str(method.saving_percent(planned_saving, planned["baseline"])),
            "applications": planned["count"],
        },
        "measured": measured_total.as_dict(),
    }

    # --- alliances
    fields_of_action = [
        {
            "slug": row["field_slug"] or "",
            "name": row["field_name"] or _("ohne Handlungsfeld"),
            "count": row["count"],
        }
        for row in field_rows
    ]
    legal_forms = [
        {"code": code, "label": str(label), "count": form_counts.get(code, 0)}
        for code, label in LegalForm.choices
        if form_counts.get(code)
    ]
    maturity = [
        {"status": status, "label": _(lifecycle.STATUS_LABELS[status]), "count": status_counts.get(status, 0)}
        for status in lifecycle.STATUS_LABELS
    ]

    # --- conditions
    risks = conditions_at_risk(today=today)
    if kreis:
        allowed = set(alliances.values_list("pk", flat=True))
        risks = [r for r in risks if r.alliance_id in allowed]
    conditions = {
        "settings": condition_settings(),
        "at_risk": [
            {
                "alliance_id": r.alliance_id,
                "alliance_name": r.alliance_name,
                "kind": r.kind,
                "label": r.label,
                "due": r.due.isoformat() if r.due else None,
                "url": r.url,
            }
            for r in risks
        ],
        "by_kind": dict(Counter(r.kind for r in risks)),
    }
    notes = [
        _("Haushaltsmittel gelten landesweit und werden nicht nach Kreis gefiltert."),
        _("Geld nach Kreis: Sitz des antragstellenden Mitglieds, wie im Förderportfolio."),
    ]
    if not repaid_rows:
        notes.append(_("Rückforderungen: bisher keine angenommenen Verwendungsnachweise mit Rückforderung."))
    return ProgrammeSummary(
        years=wanted,
        kreis=kreis,
        kreis_name=kreis_name,
        as_of=last_day.isoformat(),
        participation=participation,
        participation_by_year=participation_by_year,
        participation_by_kreis=participation_by_kreis,
        money=money,
        money_by_year=money_by_year,
        savings=savings,
        savings_by_year=savings_by_year,
        fields_of_action=fields_of_action,
        legal_forms=legal_forms,
        maturity=maturity,
        conditions=conditions,
        notes=notes,
    )


__all__ = ["GEMEINDE_KINDS", "ProgrammeSummary", "programme_summary"]
