"""Reimbursement of mutual aid: the statement of a request.

Between public bodies nothing is reimbursed unless agreed (DOMAIN.md §7). An agreement
(:class:`~verbund.emergency.models.AidAgreement` with ``reimburse`` set) of an alliance to which both
the body in need and the lender belong, valid on the first day of the request, says what is paid:

* people (category "Personal"): the hours worked × the hourly rate (the resource's own, else the
  agreement's);
* consumables: the units not returned × the resource's unit cost (when the agreement settles
  consumables at cost);
* everything else: the begun days from handover to return × units × the daily rate (the resource's
  own, else the agreement's rate for its category; without a daily rate the resource's hourly rate
  for the hours).

Only units handed over are charged; a commitment still out is charged up to the end of the
request's window and marked provisional. Each line is a charge of the shared-services allocation
engine (``price_per_unit`` with unit ``volume``: price = the rate, volume = the units), so a line's
amount is rate × units rounded half up to the cent by the engine; the totals are sums of the lines.
Every line carries its units, unit label and rate (what a booked settlement stores,
:mod:`verbund.emergency.services.settlements`).

Who sees a statement: those who act for the body in need or for a lender of the request.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.alliances.models import Membership
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid, NotFound
from verbund.common.german import format_money, format_number
from verbund.common.money import cents
from verbund.common.principal import Principal
from verbund.registry.models import Body
from verbund.shared_services import allocation

from ..models import AidAgreement, AidRequest, Commitment, CommitmentStatus, ResourceCategory
from ..policies import acts_for_body

NO_REIMBURSEMENT = gettext_noop("keine Erstattung zwischen öffentlichen Stellen, sofern nicht vereinbart")
ZERO = Decimal("0.00")


def agreement_for(requesting_body_id: int, lender_body_id: int, on: dt.date) -> AidAgreement | None:
    """The reimbursing agreement of an alliance both bodies belong to on ``on`` (the most recent)."""
    current = Q(joined_on__lte=on) & (Q(left_on__isnull=True) | Q(left_on__gte=on))
    first = set(
        Membership.objects.filter(current, body_id=requesting_body_id).values_list("alliance_id", flat=True)
    )
    both = first & set(
        Membership.objects.filter(current, body_id=lender_body_id).values_list("alliance_id", flat=True)
    )
    if not both:
        return None
    return (
        AidAgreement.objects.filter(alliance_id__in=both, reimburse=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("alliance")
        .order_by("-valid_from", "-id")
        .first()
    )


@dataclass
class StatementLine:
    commitment: Commitment
    lender: Body
    basis: str
    amount: Decimal
    provisional: bool = False
    agreement: AidAgreement | None = None
    units: Decimal = ZERO
    unit_label: str = ""
    rate: Decimal | None = None


@dataclass
class LenderTotal:
    lender: Body
    agreement: AidAgreement | None
    amount: Decimal


@dataclass
class Statement:
    request: AidRequest
    lines: list[StatementLine] = field(default_factory=list)
    lenders: list[LenderTotal] = field(default_factory=list)
    total: Decimal = ZERO
    provisional: bool = False
    note: str = ""


def _begun_days(start: dt.datetime, end: dt.datetime) -> int:
    return max(1, math.ceil((end - start).total_seconds() / 86400))


def _hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    return cents(Decimal((end - start).total_seconds()) / Decimal(3600))


def _daily_rate(commitment: Commitment, agreement: AidAgreement) -> Decimal | None:
    resource = commitment.resource
    if resource.daily_rate is not None:
        return resource.daily_rate
    rate = (agreement.daily_rates or {}).get(resource.category)
    return None if rate in (None, "") else Decimal(str(rate))


@dataclass(frozen=True)
class Charge:
    """What one commitment earns its lender: ``units`` × ``rate`` = ``amount`` (or nothing: no rate)."""

    amount: Decimal
    basis: str
    provisional: bool
    units: Decimal = ZERO
    unit_label: str = ""
    rate: Decimal | None = None


def charge_amount(rate: Decimal, units: Decimal | int) -> Decimal:
    """``rate`` × ``units`` through the allocation engine: a ``price_per_unit`` charge with unit
    ``volume`` for one member, rounded half up to the cent (kaufmännisch). A rate with more than four
    or units with more than two decimal places cannot be charged (:class:`Invalid`)."""
    key = {"type": "price_per_unit", "price": str(rate), "unit": "volume"}
    try:
        result = allocation.allocate(key, None, [allocation.Member(key="line", volume=Decimal(units))])
    except allocation.AllocationError as exc:
        raise Invalid(
            _("Der Betrag kann nicht berechnet werden: %(reason)s") % {"reason": exc},
            code="aid_rate_invalid",
        ) from exc
    return result.total


def _charge(rate: Decimal, units: Decimal | int, unit_label: str, basis: str, provisional: bool) -> Charge:
    units = Decimal(units)
    return Charge(charge_amount(rate, units), basis, provisional, units, unit_label, rate)


def charge_for(commitment: Commitment, agreement: AidAgreement | None) -> Charge:
    """The charge of one commitment under ``agreement`` (none: nothing is reimbursed)."""
    if agreement is None:
        return Charge(ZERO, _(NO_REIMBURSEMENT), False)
    resource = commitment.resource
    provisional = commitment.status == CommitmentStatus.OUT
    start = commitment.handed_over_at or commitment.starts_at
    end = commitment.returned_at if commitment.status == CommitmentStatus.RETURNED else commitment.ends_at
    end = end or commitment.ends_at
    if resource.category == ResourceCategory.PEOPLE:
        rate = resource.hourly_rate if resource.hourly_rate is not None else agreement.hourly_rate
        hours = commitment.hours
        if hours is None:
            hours = _hours(start, end) * commitment.quantity
            provisional = True
        if rate is None:
            return Charge(ZERO, _("kein Stundensatz vereinbart"), provisional, hours, _("Std."))
        return _charge(
            rate,
            hours,
            _("Std."),
            _("%(hours)s Std. × %(rate)s") % {"hours": format_number(hours, 2), "rate": format_money(rate)},
            provisional,
        )
    if resource.consumable:
        used = commitment.quantity - (commitment.returned_quantity or 0)
        if not agreement.consumables_at_cost or resource.unit_cost is None:
            return Charge(
                ZERO,
                _("Verbrauchsmaterial ohne vereinbarte Kosten"),
                provisional,
                Decimal(used),
                resource.unit,
            )
        return _charge(
            resource.unit_cost,
            used,
            resource.unit[:30],
            _("%(used)s verbraucht × %(cost)s") % {"used": used, "cost": format_money(resource.unit_cost)},
            provisional,
        )
    rate = _daily_rate(commitment, agreement)
    if rate is not None:
        days = _begun_days(start, end)
        return _charge(
            rate,
            days * commitment.quantity,
            _("Tage × Anzahl"),
            _("%(days)s Tag(e) × %(quantity)s × %(rate)s")
            % {"days": days, "quantity": commitment.quantity, "rate": format_money(rate)},
            provisional,
        )
    if resource.hourly_rate is not None:
        hours = _hours(start, end)
        return _charge(
            resource.hourly_rate,
            hours * commitment.quantity,
            _("Std. × Anzahl"),
            _("%(hours)s Std. × %(quantity)s × %(rate)s")
            % {
                "hours": format_number(hours, 2),
                "quantity": commitment.quantity,
                "rate": format_money(resource.hourly_rate),
            },
            provisional,
        )
    return Charge(ZERO, _("kein Satz vereinbart"), provisional)


def line_for(commitment: Commitment, agreement: AidAgreement | None) -> tuple[Decimal, str, bool]:
    """(amount, basis in words, provisional) of one commitment."""
    charge = charge_for(commitment, agreement)
    return charge.amount, charge.basis, charge.provisional


def may_see_statement(principal: Principal, aid_request: AidRequest) -> bool:
    if acts_for_body(principal, aid_request.requesting_body_id):
        return True
    lenders = aid_request.commitments.values_list("resource__owner_body_id", flat=True)
    return any(acts_for_body(principal, body_id) for body_id in set(lenders))


def statement(who: Actor | Principal, aid_request: AidRequest) -> Statement:
    """The statement of what the body in need owes each lender for the request."""
    principal = who if isinstance(who, Principal) else authorize(who)
    if not may_see_statement(principal, aid_request):
        raise NotFound()
    return build_statement(aid_request)


def first_day(aid_request: AidRequest) -> dt.date:
    """The request's first day (local): the day agreements and memberships are looked up on."""
    return timezone.localdate(aid_request.needed_from)


def build_statement(aid_request: AidRequest) -> Statement:
    """The statement without an access check (the caller decided who may see it)."""
    on = first_day(aid_request)
    result = Statement(request=aid_request)
    totals: dict[int, LenderTotal] = {}
    agreements: dict[int, AidAgreement | None] = {}
    commitments = (
        aid_request.commitments.filter(status__in=(CommitmentStatus.OUT, CommitmentStatus.RETURNED))
        .select_related("resource", "resource__owner_body")
        .order_by("resource__owner_body__name", "id")
    )
    for commitment in commitments:
        lender = commitment.resource.owner_body
        if lender.pk not in agreements:
            agreements[lender.pk] = agreement_for(aid_request.requesting_body_id, lender.pk, on)
        agreement = agreements[lender.pk]
        charge = charge_for(commitment, agreement)
        result.lines.append(
            StatementLine(
                commitment,
                lender,
                charge.basis,
                charge.amount,
                charge.provisional,
                agreement,
                charge.units,
                charge.unit_label,
                charge.rate,
            )
        )
        total = totals.setdefault(lender.pk, LenderTotal(lender, agreement, ZERO))
        total.amount += charge.amount
        result.total += charge.amount
        result.provisional = result.provisional or charge.provisional
    result.lenders = list(totals.values())
    if not any(agreements.values()):
        result.note = _(NO_REIMBURSEMENT)
    return result
