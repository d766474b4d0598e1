"""Reads of the funding part across models, each in a fixed number of queries.

* :class:`Draft` / :func:`draft_of` — the editable data of an application, from the database or from
  a form that has not been saved (the live checks while drafting run on unsaved data).
* :func:`application_facts` / :func:`application_checks` — the facts the rule engine needs (the
  alliance's derived facts of the members taking part, budgets, other applications, council
  resolutions) and the checks of :mod:`verbund.funding.rules`.
* :func:`budget_overview` — per budget year: budget, committed (granted), drawn, requested, free.
* :func:`portfolio` — granted applications by year, field of action, Landkreis and on a map.
* :func:`work_queue` — what waits for the funding authority.
* :func:`access_application`, :func:`access_drawdown`, :func:`access_proof`,
  :func:`access_programme` — one object through the principal: 404 when missing or invisible, 403
  when visible but not allowed (:mod:`verbund.funding.policies`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.alliances.models import CouncilResolution, FieldOfAction, Membership
from verbund.alliances.selectors import facts_for_bodies
from verbund.common.access import access_object
from verbund.common.errors import NotFound
from verbund.common.money import cents
from verbund.common.principal import Principal
from verbund.registry.models import Body

from . import policies, rules, workflow
from .models import (
    Application,
    ApplicationCost,
    ApplicationYear,
    Drawdown,
    DrawdownStatus,
    GrantNotice,
    GrantYear,
    Programme,
    ProgrammeYear,
    UseProof,
)
from .rules import ZERO

_MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)


def _sum(expression: str, **kwargs: Any) -> Coalesce:
    return Coalesce(Sum(expression, **kwargs), Value(ZERO), output_field=_MONEY)


def _cents(value: Any) -> Decimal:
    """Sums come back as ``Decimal("0")`` or with more places on some databases: always two places."""
    return cents(value or 0)


def _rows(rows: Iterable[dict[str, Any]], *money: str) -> list[dict[str, Any]]:
    return [{**row, **{key: _cents(row[key]) for key in money}} for row in rows]


# --- Single objects through the principal ---------------------------------------------------------------

NOT_FOUND = gettext_noop("Kein solcher Antrag.")

#: ``need`` of :func:`access_application` → (policy, German refusal)
NEEDS = {
    "change": (policies.may_act_on, gettext_noop("Sie dürfen diesen Antrag nur lesen.")),
    "draft": (policies.may_draft, gettext_noop("Sie dürfen diesen Antrag nicht bearbeiten.")),
    "sign": (
        policies.may_sign,
        gettext_noop("Das kann nur die Verwaltungsleitung des antragstellenden Mitglieds."),
    ),
    "decide": (
        lambda p, _a: policies.may_decide(p),
        gettext_noop("Das entscheidet die Bewilligungsbehörde."),
    ),
}


def access_application(principal: Principal, pk: int | str, *, need: str = "view") -> Application:
    """The application ``pk`` if ``principal`` may see it (:class:`NotFound` otherwise).

    ``need``: ``"view"``; ``"change"`` (draft, sign or decide at all), ``"draft"``, ``"sign"`` or
    ``"decide"`` — visible but not allowed raises :class:`Forbidden` (403).
    """
    if need != "view" and need not in NEEDS:
        raise ValueError(f"unknown need {need!r}")
    predicate, refusal = NEEDS.get(need, (None, ""))
    return access_object(
        Application.objects.select_related("programme", "alliance", "applicant", "created_by"),
        principal,
        need=predicate,
        refusal=_(refusal) if refusal else "",
        not_found=_(NOT_FOUND),
        pk=pk,
    )


def access_drawdown(principal: Principal, pk: int) -> Drawdown:
    """A drawdown of an application ``principal`` may see (:class:`NotFound` otherwise)."""
    drawdown = (
        Drawdown.objects.select_related("grant_year__grant__application", "grant_year__programme_year")
        .filter(pk=pk, grant_year__grant__application__in=Application.objects.visible_to(principal))
        .first()
    )
    if drawdown is None:
        raise NotFound(_("Kein solcher Mittelabruf."))
    return drawdown


def access_proof(principal: Principal, pk: int) -> UseProof:
    """A proof of use of an application ``principal`` may see (:class:`NotFound` otherwise)."""
    proof = (
        UseProof.objects.select_related("application__programme")
        .filter(pk=pk, application__in=Application.objects.visible_to(principal))
        .first()
    )
    if proof is None:
        raise NotFound(_("Kein solcher Verwendungsnachweis."))
    return proof


def access_programme(principal: Principal, slug: str, *, need: str = "view") -> Programme:
    """A programme by slug (public); ``need="change"``: only the authority (403 otherwise)."""
    return access_object(
        Programme.objects.all(),
        principal,
        need=(lambda p, _prog: policies.may_decide(p)) if need == "change" else None,
        refusal=_("Programme ändert die Bewilligungsbehörde."),
        not_found=_("Kein solches Programm."),
        slug=slug,
    )


def require_portfolio(principal: Principal) -> None:
    """Portfolio, budgets, exports and the work queue: authority, advisory office, operators (else 404)."""
    if not policies.reads_portfolio(principal):
        raise NotFound(_("Nicht gefunden."))


# --- Drafts and checks -------------------------------------------------------------------------------


@dataclass
class CostRow:
    category: str
    year: int
    amount: Decimal
    note: str = ""


@dataclass
class Draft:
    """The editable part of an application (what the draft form and ``PATCH`` change)."""

    participant_ids: list[int] = field(default_factory=list)
    costs: list[CostRow] = field(default_factory=list)
    requested_amount: Decimal = ZERO
    requested_by_year: dict[int, Decimal] = field(default_factory=dict)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    special_need_region: bool = False
    baseline_annual_costs: Decimal | None = None
    expected_annual_costs: Decimal | None = None
    commitment_years: int | None = None

    def cost_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in self.costs:
            totals[row.category] += row.amount
        return dict(totals)

    def cost_years(self) -> dict[int, Decimal]:
        """Planned costs per year of the cost plan (all categories)."""
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for row in self.costs:
            totals[row.year] += row.amount
        return dict(totals)


def draft_of(application: Application) -> Draft:
    """The draft data as stored (three queries)."""
    return Draft(
        participant_ids=list(application.participants.order_by("name").values_list("pk", flat=True)),
        costs=[
            CostRow(c.category, c.year, c.amount, c.note)
            for c in ApplicationCost.objects.filter(application=application).order_by("year", "category")
        ],
        requested_amount=application.requested_amount,
        requested_by_year=dict(
            ApplicationYear.objects.filter(application=application)
            .order_by("year")
            .values_list("year", "amount")
        ),
        period_start=application.period_start,
        period_end=application.period_end,
        special_need_region=application.special_need_region,
        baseline_annual_costs=application.baseline_annual_costs,
        expected_annual_costs=application.expected_annual_costs,
        commitment_years=application.commitment_years,
    )


def budget_years(programme: Programme) -> dict[int, rules.BudgetYear]:
    return {
        y.year: rules.BudgetYear(budget=y.budget, committed=y.committed)
        for y in ProgrammeYear.objects.filter(programme=programme).order_by("year")
    }


def application_facts(
    application: Application, draft: Draft | None = None, *, today: dt.date | None = None
) -> rules.ApplicationFacts:
    """The facts of :mod:`.rules` for ``application`` with ``draft`` (default: as stored)."""
    draft = draft if draft is not None else draft_of(application)
    programme = application.programme
    participant_ids = list(dict.fromkeys(draft.participant_ids))
    derived = facts_for_bodies(participant_ids) if participant_ids else None
    member_ids = current_member_ids(application.alliance_id)
    bodies = {b.pk: b for b in Body.objects.filter(pk__in=[*participant_ids, application.applicant_id])}
    applicant = bodies.get(application.applicant_id) or application.applicant
    with_resolution = set(
        CouncilResolution.objects.filter(
            alliance_id=application.alliance_id, body_id__in=participant_ids
        ).values_list("body_id", flat=True)
    )
    others = (
        Application.objects.filter(
            programme=programme, alliance_id=application.alliance_id, status__in=workflow.OPEN
        )
        .exclude(pk=application.pk)
        .select_related("programme")
        .order_by("number")
    )
    labels = derived.labels if derived else {}

    def label(body_id: int) -> str:
        body = bodies.get(body_id)
        return labels.get(body.key, body.name) if body else str(body_id)

    participants = tuple(label(pk) for pk in participant_ids)
    return rules.ApplicationFacts(
        applicant_label=labels.get(applicant.key) or rules_label(applicant),
        applicant_kind=applicant.kind,
        applicant_takes_part=application.applicant_id in participant_ids
        and application.applicant_id in member_ids,
        participants=participants,
        mixed_levels=derived.mixed_levels.value if derived else None,
        levels_reasoning=derived.mixed_levels.reasoning if derived else "",
        contiguous=derived.contiguous.value if derived else None,
        isolated=derived.isolated_labels if derived else (),
        non_bordering=tuple((derived.labels[a], derived.labels[b]) for a, b in derived.non_bordering_pairs)
        if derived
        else (),
        contiguity_reasoning=derived.contiguous.reasoning if derived else "",
        special_need_region=draft.special_need_region,
        eligible_categories=programme.category_codes,
        costs=draft.cost_totals(),
        cost_years=draft.cost_years(),
        requested=draft.requested_amount,
        requested_by_year=dict(draft.requested_by_year),
        budgets=budget_years(programme),
        baseline_annual_costs=draft.baseline_annual_costs,
        expected_annual_costs=draft.expected_annual_costs,
        commitment_years=draft.commitment_years,
        period_start=draft.period_start,
        period_end=draft.period_end,
        other_open_applications=tuple(f"{a.reference}, {a.get_status_display()}" for a in others),
        members_without_resolution=tuple(label(pk) for pk in participant_ids if pk not in with_resolution),
        window_opens=programme.window_opens,
        window_closes=programme.window_closes,
        today=today or timezone.localdate(),
        application_date=(
            timezone.localdate(application.submitted_at)
            if application.submitted_at
            else today or timezone.localdate()
        ),
        premature_start_approved_on=application.premature_start_approved_on,
        premature_start_approved_by=_person_name(application.premature_start_approved_by)
        if application.premature_start_approved_by_id
        else "",
    )


def _person_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def one_application_refusal(programme: Programme, alliance: Any) -> str | None:
    """Why a new draft of ``alliance`` in ``programme`` could never be submitted (the rule "one
    application per alliance"), in German; ``None`` when a draft may start."""
    if not programme.rules.one_application_per_alliance:
        return None
    other = (
        Application.objects.filter(programme=programme, alliance=alliance, status__in=workflow.OPEN)
        .select_related("programme")
        .order_by("number")
        .first()
    )
    if other is None:
        return None
    return _(
        "Der Verbund „%(alliance)s“ hat im Programm „%(programme)s“ bereits den Antrag %(reference)s "
        "(%(status)s). Nach der Regel „ein Antrag je Verbund“ könnte ein weiterer Antrag nicht "
        "eingereicht werden; bitte den bestehenden Antrag weiterführen."
    ) % {
        "alliance": alliance.name,
        "programme": programme.name,
        "reference": other.reference,
        "status": other.get_status_display(),
    }


def current_member_ids(alliance_id: int) -> set[int]:
    """The bodies that are members of the alliance today."""
    return set(Membership.objects.current().filter(alliance_id=alliance_id).values_list("body_id", flat=True))


def rules_label(body: Body) -> str:
    from verbund.registry.selectors import body_label

    return body_label(body.kind, body.name)


def application_checks(
    application: Application, draft: Draft | None = None, *, today: dt.date | None = None
) -> list[rules.CheckResult]:
    """Run every check of the programme's rule set on the application (or on ``draft``)."""
    facts = application_facts(application, draft, today=today)
    return rules.run_checks(application.programme.rules, facts)


# --- Budget --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetRow:
    """One budget year: what the Land gave, what grants committed, what was paid, what is asked for."""

    year: int
    budget: Decimal
    committed: Decimal
    drawn: Decimal
    pending_drawdowns: Decimal
    requested: Decimal

    @property
    def free(self) -> Decimal:
        return self.budget - self.committed

    @property
    def committed_percent(self) -> Decimal:
        return cents(self.committed * 100 / self.budget) if self.budget else ZERO


#: Applications whose request is still open (counted as "beantragt" in the budget overview).
PIPELINE = (workflow.EINGEREICHT, workflow.IN_PRUEFUNG, workflow.RUECKFRAGE)


def budget_overview(programme: Programme) -> list[BudgetRow]:
    """Budget, committed, drawn, pending drawdowns and open requests per year (three queries)."""
    drawn = {
        row["programme_year_id"]: row
        for row in GrantYear.objects.filter(programme_year__programme=programme)
        .values("programme_year_id")
        .annotate(drawn=_sum("drawn"), pending=_sum("pending"))
    }
    requested = dict(
        ApplicationYear.objects.filter(application__programme=programme, application__status__in=PIPELINE)
        .values("year")
        .annotate(total=_sum("amount"))
        .values_list("year", "total")
    )
    rows = []
    for year in ProgrammeYear.objects.filter(programme=programme).order_by("year"):
        paid = drawn.get(year.pk, {})
        rows.append(
            BudgetRow(
                year=year.year,
                budget=year.budget,
                committed=year.committed,
                drawn=_cents(paid.get("drawn")),
                pending_drawdowns=_cents(paid.get("pending")),
                requested=_cents(requested.get(year.year)),
            )
        )
    return rows


# --- Portfolio -----------------------------------------------------------------------------------------


def kreis_names(prefixes: Iterable[str]) -> dict[str, str]:
    """Names of the Kreise (Landkreise and kreisfreie Städte) with these 5-digit ARS prefixes."""
    wanted = [p + "0000000" for p in prefixes if p]
    return {ars[:5]: name for ars, name in Body.objects.filter(ars__in=wanted).values_list("ars", "name")}


def granted_notices(
    principal: Principal, *, programme: Programme | None = None, field: str = "", kreis: str = ""
) -> QuerySet[GrantNotice]:
    """Grant notices of applications ``principal`` may see, filtered (programme, field slug, Kreis prefix)."""
    qs = GrantNotice.objects.filter(application__in=Application.objects.visible_to(principal))
    if programme is not None:
        qs = qs.filter(application__programme=programme)
    if field:
        qs = qs.filter(application__fields__slug=field)
    if kreis:
        qs = qs.filter(application__applicant__ars__startswith=kreis[:5])
    return qs


@dataclass
class Portfolio:
    count: int
    total: Decimal
    drawn: Decimal
    by_year: list[dict[str, Any]]
    by_field: list[dict[str, Any]]
    by_kreis: list[dict[str, Any]]
    by_status: list[dict[str, Any]]
    map_points: list[dict[str, Any]]


def portfolio(
    principal: Principal, *, programme: Programme | None = None, field: str = "", kreis: str = ""
) -> Portfolio:
    """The grants ``principal`` may see, summed by year, field, Landkreis and applicant (for the map).

    A constant number of queries whatever the number of grants (aggregates in the database). A grant
    with several fields of action counts in each of them, so the field sums may exceed the total.
    """
    notices = granted_notices(principal, programme=programme, field=field, kreis=kreis)
    ids = notices.values("pk")
    totals = notices.aggregate(count=Count("pk"), total=_sum("amount"))
    years = GrantYear.objects.filter(grant_id__in=ids)
    drawn_total = years.aggregate(drawn=_sum("drawn"))["drawn"]
    by_year = _rows(
        years.values(year=F("programme_year__year"))
        .annotate(total=_sum("amount"), drawn=_sum("drawn"), count=Count("grant_id", distinct=True))
        .order_by("year"),
        "total",
        "drawn",
    )
    field_rows = list(
        GrantNotice.objects.filter(pk__in=ids)
        .values(slug=F("application__fields__slug"), name=F("application__fields__name"))
        .annotate(total=_sum("amount"), count=Count("pk", distinct=True))
        .order_by("-total", "name")
    )
    by_field = [
        {**row, "name": row["name"] or gettext_noop("ohne Handlungsfeld")}
        for row in _rows(field_rows, "total")
    ]
    kreis_rows = list(
        GrantNotice.objects.filter(pk__in=ids)
        .annotate(kreis=Substr("application__applicant__ars", 1, 5))
        .values("kreis")
        .annotate(total=_sum("amount"), count=Count("pk"))
        .order_by("-total", "kreis")
    )
    names = kreis_names(row["kreis"] for row in kreis_rows)
    by_kreis = [{**row, "name": names.get(row["kreis"], row["kreis"])} for row in _rows(kreis_rows, "total")]
    visible = Application.objects.visible_to(principal)
    if programme is not None:
        visible = visible.filter(programme=programme)
    by_status = [
        {**row, "label": _(workflow.STATUS_LABELS.get(row["status"], row["status"]))}
        for row in _rows(
            visible.values("status")
            .annotate(count=Count("pk"), requested=_sum("requested_amount"))
            .order_by("status"),
            "requested",
        )
    ]
    map_points = [
        {
            "name": row["name"],
            "ars": row["ars"],
            "lat": row["lat"],
            "lon": row["lon"],
            "total": str(_cents(row["total"])),
            "count": row["count"],
        }
        for row in GrantNotice.objects.filter(pk__in=ids)
        .values(
            name=F("application__applicant__name"),
            ars=F("application__applicant__ars"),
            lat=F("application__applicant__centroid_lat"),
            lon=F("application__applicant__centroid_lon"),
        )
        .annotate(total=_sum("amount"), count=Count("pk"))
        .order_by("name")
        if row["lat"] is not None and row["lon"] is not None
    ]
    return Portfolio(
        count=totals["count"],
        total=_cents(totals["total"]),
        drawn=_cents(drawn_total),
        by_year=by_year,
        by_field=by_field,
        by_kreis=by_kreis,
        by_status=by_status,
        map_points=map_points,
    )


def grant_rows(notices: QuerySet[GrantNotice]) -> QuerySet[GrantNotice]:
    """Grant notices with what a table or an export row shows (constant queries)."""
    return (
        notices.select_related(
            "application__programme",
            "application__alliance",
            "application__applicant",
            "application__applicant__parent",
        )
        .prefetch_related("years__programme_year", "application__fields")
        .order_by("-issued_at", "-id")
    )


# --- Work queue ----------------------------------------------------------------------------------------


@dataclass
class WorkQueue:
    applications: list[Application]
    drawdowns: list[Drawdown]


def work_queue(principal: Principal) -> WorkQueue:
    """What waits for the funding authority: submissions, reviews, proofs of use, drawdown requests."""
    visible = Application.objects.visible_to(principal)
    applications = list(
        visible.waiting_for_authority()
        .select_related("programme", "alliance", "applicant")
        .order_by(Coalesce("submitted_at", "created_at"), "id")
    )
    drawdowns = list(
        Drawdown.objects.filter(status=DrawdownStatus.REQUESTED, grant_year__grant__application__in=visible)
        .select_related(
            "grant_year__programme_year",
            "grant_year__grant__application__programme",
            "grant_year__grant__application__alliance",
            "requested_by",
        )
        .order_by("requested_at", "id")
    )
    return WorkQueue(applications, drawdowns)


def application_list(
    principal: Principal, *, status: str = "", programme: Programme | None = None, q: str = ""
) -> QuerySet[Application]:
    """Applications ``principal`` may see, filtered, with what a list row shows (constant queries)."""
    qs = Application.objects.visible_to(principal)
    if status:
        qs = qs.filter(status=status)
    if programme is not None:
        qs = qs.filter(programme=programme)
    q = q.strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(alliance__name__icontains=q))
    return qs.select_related("programme", "alliance", "applicant").order_by("-updated_at", "-id")


def fields_of_action() -> list[FieldOfAction]:
    return list(FieldOfAction.objects.order_by("sort_order", "name"))
