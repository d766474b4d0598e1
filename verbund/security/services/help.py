"""Mutual help in the alliance: the incident's body asks for help, other members record what they gave,
and the hours and costs are settled.

A help request is as confidential as its incident: it may go only to an alliance whose members see the
incident (:func:`..policies.reaches_alliance`), and it is shown only where the incident is.

Settlement (decision): each helping body's claim is ``hours × hourly rate`` (a charge, rounded half up to
the cent per contribution — the rounding the shared-services allocation engine applies to its
``price_per_unit`` charges, both on :mod:`verbund.common.money`) plus its material costs; the requesting
body pays the sum of the claims. :func:`help_statement` computes that statement from the stored
contributions (shown, downloadable as CSV and PDF); :func:`help_settle` closes the request with the
statement's totals in the audit log, after which nothing more is recorded. Recording a contribution
with money and settling both require an explicit confirmation (``confirmed=True``) after the user saw
the computed amounts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.alliances.models import Alliance, Membership
from verbund.audit.services import audit_record
from verbund.common import money
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Conflict, Invalid
from verbund.notifications.services import Audience
from verbund.registry.models import Body

from .. import audit_actions, policies
from ..models import HelpContribution, HelpRequest, HelpStatus, Incident
from .incidents import HELP_REQUESTED, incident_path, notify_seeing

ASK_REFUSAL = gettext_noop("Nur die betroffene Körperschaft kann ihren Verbund um Hilfe bitten.")
CONTRIBUTE_REFUSAL = gettext_noop("Hilfeleistungen trägt die helfende Körperschaft ein.")


class NeedsConfirmation(Conflict):
    """The amounts were computed but not confirmed yet (the view shows them and asks)."""

    code = "confirmation_required"


def _person(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


def _non_negative(**values: Decimal | int) -> None:
    errors = {name: [_("Der Wert darf nicht negativ sein.")] for name, value in values.items() if value < 0}
    if errors:
        raise Invalid(fields=errors)


def _is_member(alliance_id: int, body_id: int) -> bool:
    return Membership.objects.current().filter(alliance_id=alliance_id, body_id=body_id).exists()


# --- asking ------------------------------------------------------------------------------------------


@transaction.atomic
def help_request_create(
    *,
    actor: Actor,
    incident: Incident,
    alliance: Alliance,
    needed: str,
    people: int = 0,
    devices: str = "",
    hours: Decimal = Decimal(0),
) -> HelpRequest:
    """The incident's body asks ``alliance`` (one it belongs to) for people, devices and hours."""
    authorize(actor, lambda p: policies.acts_for(p, incident.owner_body_id), _(ASK_REFUSAL))
    needed = (needed or "").strip()
    if not needed:
        raise Invalid(fields={"needed": [_("Bitte beschreiben Sie, welche Hilfe gebraucht wird.")]})
    _non_negative(people=people, hours=hours)
    if incident.owner_body_id is None or not _is_member(alliance.pk, incident.owner_body_id):
        raise Invalid(fields={"alliance": [_("Die Körperschaft gehört diesem Verbund nicht an.")]})
    if not policies.reaches_alliance(incident, alliance.pk):
        raise Conflict(
            _(
                "Der Vorfall ist nicht mit diesem Verbund geteilt. Teilen Sie ihn zuerst mit dem Verbund "
                "(TLP:GREEN oder TLP:AMBER, Verteilung „der eigene Verbund“), damit die Helfenden ihn sehen."
            )
        )
    request = HelpRequest.objects.create(
        incident=incident,
        alliance=alliance,
        needed=needed,
        people=people,
        devices=devices.strip()[:500],
        hours=money.cents(hours),
        created_by=_person(actor),
    )
    audit_record(
        actor=actor,
        action=audit_actions.HELP_REQUEST,
        target=request,
        body=incident.owner_body_id,
        alliance=alliance,
        changes={"incident": incident.pk, "people": people, "hours": request.hours},
    )
    notify_seeing(
        incident,
        HELP_REQUESTED,
        actor=actor,
        audience=Audience.alliance(alliance.pk),
        title=str(request),
        text=gettext_noop("Ein Mitglied bittet den Verbund um Hilfe bei %(incident)s."),
        text_params={"incident": str(incident)},
        path=incident_path(incident),
        payload={"incident": incident.pk, "help_request": request.pk},
    )
    return request


@transaction.atomic
def help_request_set_status(*, actor: Actor, request: HelpRequest, status: str) -> HelpRequest:
    """The asking body marks its request as covered or reopens it (closing is :func:`help_settle`)."""
    incident = request.incident
    authorize(actor, lambda p: policies.acts_for(p, incident.owner_body_id), _(ASK_REFUSAL))
    request = HelpRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if request.status == HelpStatus.CLOSED:
        raise Conflict(_("Das Hilfeersuchen ist abgerechnet und abgeschlossen."))
    if status not in (HelpStatus.OPEN, HelpStatus.COVERED):
        raise Invalid(fields={"status": [_("Unbekannter Stand.")]})
    old, request.status = request.status, status
    request.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=audit_actions.HELP_REQUEST,
        target=request,
        body=incident.owner_body_id,
        alliance=request.alliance_id,
        changes={"status": {"old": old, "new": status}},
    )
    return request


# --- helping -----------------------------------------------------------------------------------------


def labour_amount(hours: Decimal, hourly_rate: Decimal) -> Decimal:
    """``hours × hourly_rate`` rounded half up to the cent (the engine's charge rounding)."""
    return money.cents(Decimal(hours) * Decimal(hourly_rate))


def claim_amount(hours: Decimal, hourly_rate: Decimal, costs: Decimal) -> Decimal:
    return labour_amount(hours, hourly_rate) + money.cents(costs)


@transaction.atomic
def help_contribution_record(
    *,
    actor: Actor,
    request: HelpRequest,
    helper_body: Body,
    hours: Decimal,
    hourly_rate: Decimal,
    costs: Decimal = Decimal(0),
    people: int = 1,
    note: str = "",
    confirmed: bool = False,
) -> HelpContribution:
    """A helping member (another current member of the request's alliance) records what it gave.

    Without ``confirmed`` a contribution that carries money is refused with :class:`NeedsConfirmation`
    naming the claim, and nothing is stored."""
    incident = request.incident
    authorize(
        actor,
        lambda p: (
            policies.may_contribute(p, helper_body.pk, incident.owner_body_id) and policies.sees(p, incident)
        ),
        _(CONTRIBUTE_REFUSAL),
    )
    request = HelpRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if request.status == HelpStatus.CLOSED:
        raise Conflict(_("Das Hilfeersuchen ist abgerechnet und abgeschlossen."))
    if not _is_member(request.alliance_id, helper_body.pk):
        raise Invalid(fields={"helper_body": [_("Die helfende Körperschaft gehört dem Verbund nicht an.")]})
    _non_negative(hours=hours, hourly_rate=hourly_rate, costs=costs, people=people)
    hours, hourly_rate, costs = money.cents(hours), money.cents(hourly_rate), money.cents(costs)
    claim = claim_amount(hours, hourly_rate, costs)
    if claim and not confirmed:
        raise NeedsConfirmation(
            _("Bitte bestätigen Sie den Betrag von %(claim)s EUR.")
            % {"claim": f"{claim:.2f}".replace(".", ",")}
        )
    contribution = HelpContribution.objects.create(
        request=request,
        helper_body=helper_body,
        people=people,
        hours=hours,
        hourly_rate=hourly_rate,
        costs=costs,
        note=note.strip()[:1000],
        recorded_by=_person(actor),
    )
    if request.status == HelpStatus.OPEN:
        request.status = HelpStatus.COVERED
        request.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=audit_actions.HELP_CONTRIBUTION,
        target=request,
        body=helper_body,
        alliance=request.alliance_id,
        changes={"hours": hours, "hourly_rate": hourly_rate, "costs": costs, "claim": claim},
    )
    return contribution


# --- the statement -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    helper_name: str
    helper_ars: str
    people: int
    hours: Decimal
    hourly_rate: Decimal
    labour: Decimal
    costs: Decimal
    claim: Decimal
    note: str


@dataclass(frozen=True)
class Statement:
    request: HelpRequest
    payer_name: str
    lines: tuple[StatementLine, ...]
    hours: Decimal
    labour: Decimal
    costs: Decimal
    total: Decimal

    def by_helper(self) -> list[tuple[str, Decimal]]:
        """Each helping body's claim (summed over its contributions), by name."""
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            totals[line.helper_name] = totals.get(line.helper_name, Decimal("0.00")) + line.claim
        return sorted(totals.items())


def help_statement(request: HelpRequest) -> Statement:
    """What each helper claims and what the asking body pays (computed from the stored contributions)."""
    contributions = request.contributions.select_related("helper_body").order_by("helper_body__name", "pk")
    lines = tuple(
        StatementLine(
            helper_name=c.helper_body.name,
            helper_ars=c.helper_body.ars,
            people=c.people,
            hours=c.hours,
            hourly_rate=c.hourly_rate,
            labour=labour_amount(c.hours, c.hourly_rate),
            costs=money.cents(c.costs),
            claim=claim_amount(c.hours, c.hourly_rate, c.costs),
            note=c.note,
        )
        for c in contributions
    )
    owner = request.incident.owner_body
    return Statement(
        request=request,
        payer_name=owner.name if owner else "",
        lines=lines,
        hours=sum((line.hours for line in lines), Decimal("0.00")),
        labour=sum((line.labour for line in lines), Decimal("0.00")),
        costs=sum((line.costs for line in lines), Decimal("0.00")),
        total=sum((line.claim for line in lines), Decimal("0.00")),
    )


CSV_HEADERS = (
    "Helfende Körperschaft",
    "ARS",
    "Personen",
    "Stunden",
    "Stundensatz (EUR)",
    "Personalkosten (EUR)",
    "Sachkosten (EUR)",
    "Forderung (EUR)",
    "Bemerkung",
)


def _german(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def statement_csv(statement: Statement) -> bytes:
    """The statement for German spreadsheets (``;``, decimal comma, UTF-8 with BOM), fixed German headers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for line in statement.lines:
        writer.writerow(
            [
                line.helper_name,
                line.helper_ars,
                line.people,
                _german(line.hours),
                _german(line.hourly_rate),
                _german(line.labour),
                _german(line.costs),
                _german(line.claim),
                line.note,
            ]
        )
    writer.writerow(
        [
            f"Summe, zu zahlen von {statement.payer_name}",
            "",
            "",
            _german(statement.hours),
            "",
            _german(statement.labour),
            _german(statement.costs),
            _german(statement.total),
            "",
        ]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@transaction.atomic
def help_settle(*, actor: Actor, request: HelpRequest, confirmed: bool = False) -> Statement:
    """The asking body accepts the statement: the request is closed, the totals go to the audit log."""
    incident = request.incident
    authorize(actor, lambda p: policies.acts_for(p, incident.owner_body_id), _(ASK_REFUSAL))
    request = (
        HelpRequest.objects.select_for_update(of=("self",))
        .select_related("incident__owner_body")
        .get(pk=request.pk)
    )
    if request.status == HelpStatus.CLOSED:
        raise Conflict(_("Das Hilfeersuchen ist bereits abgerechnet."))
    statement = help_statement(request)
    if not confirmed:
        raise NeedsConfirmation(
            _("Bitte bestätigen Sie die Abrechnung über %(total)s EUR.") % {"total": _german(statement.total)}
        )
    request.status = HelpStatus.CLOSED
    request.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=audit_actions.HELP_SETTLE,
        target=request,
        body=incident.owner_body_id,
        alliance=request.alliance_id,
        changes={
            "hours": statement.hours,
            "total": statement.total,
            "claims": dict(statement.by_helper()),
        },
    )
    return statement


def help_requests_of(incident: Incident) -> Any:
    return incident.help_requests.select_related("alliance").prefetch_related("contributions__helper_body")


__all__ = [
    "NeedsConfirmation",
    "Statement",
    "claim_amount",
    "help_contribution_record",
    "help_request_create",
    "help_request_set_status",
    "help_settle",
    "help_statement",
    "statement_csv",
]
