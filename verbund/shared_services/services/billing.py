"""Billing data of bodies and the invoices of finalized settlements (numbers, dates, amounts due)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Conflict
from verbund.registry.models import Body

from .. import policies
from ..models import (
    BillingProfile,
    Invoice,
    InvoiceCounter,
    ServiceRecipient,
    Settlement,
    SettlementKind,
    SettlementLine,
    SharedService,
)
from ._common import check

#: The fields of a billing profile a person edits.
BILLING_FIELDS = (
    "department",
    "street",
    "postcode",
    "city",
    "leitweg_id",
    "email",
    "iban",
    "bic",
    "bank",
    "contact_name",
    "contact_phone",
    "contact_email",
    "number_pattern",
    "number_digits",
    "payment_days",
    "tax_note",
)
#: Payment term without a billing profile of the provider.
DEFAULT_PAYMENT_DAYS = 30


def involved(service: SharedService, body: Body) -> bool:
    """Whether ``body`` provides or receives ``service`` (only then its billing data are edited here)."""
    return (
        body.pk == service.provider_id or ServiceRecipient.objects.filter(service=service, body=body).exists()
    )


@transaction.atomic
def billing_profile_set(
    *, actor: Actor, service: SharedService, body: Body, is_example: bool = False, **values: Any
) -> BillingProfile:
    """Create or change ``body``'s billing data (validated: IBAN check digits, BIC, Leitweg-ID, scheme)."""
    authorize(actor, lambda p: policies.edits_billing(p, service, body.pk), policies.REFUSALS["billing"])
    if not involved(service, body):
        raise ValidationError(
            {"body": _("%(name)s ist an diesem Dienst nicht beteiligt.") % {"name": body.name}}
        )
    unknown = set(values) - set(BILLING_FIELDS)
    if unknown:
        raise TypeError(f"unknown billing fields: {sorted(unknown)}")
    profile = BillingProfile.objects.select_for_update().filter(body=body).first()
    created = profile is None
    if profile is None:
        profile = BillingProfile(body=body)
    before = {name: getattr(profile, name) for name in BILLING_FIELDS}
    for name, value in values.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.is_example = is_example
    profile.full_clean()
    changes = {
        name: [None if created else _shown(name, before[name]), _shown(name, getattr(profile, name))]
        for name in BILLING_FIELDS
        if created or before[name] != getattr(profile, name)
    }
    if not changes and not created:
        return profile
    profile.save()
    audit_record(
        actor=actor,
        action="billing_profile.set",
        target=profile,
        body=body,
        changes=changes,
    )
    return profile


def _shown(name: str, value: Any) -> Any:
    """A value as the audit log shows it: the Kassenzeichen scheme as "JJJJ-NNNNN", not "{jahr}-{nr}"."""
    if name == "number_pattern" and isinstance(value, str):
        return value.replace("{jahr}", "JJJJ").replace("{nr}", "N…")
    return value


def _profile(body_id: int) -> BillingProfile | None:
    return BillingProfile.objects.filter(body_id=body_id).select_related("body").first()


def _next_number(provider: Body, profile: BillingProfile | None, year: int) -> str:
    counter, _created = InvoiceCounter.objects.select_for_update().get_or_create(body=provider, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    template = profile or BillingProfile(body=provider)
    return template.number(year, counter.last)


def instalment_due(
    settlement: Settlement, line: SettlementLine, issue_date: dt.date, days: int
) -> list[dict[str, str]]:
    """The line's instalments with the due date each is payable by: its own date, but never before the
    payment term after the invoice date (an invoice issued in March does not demand February)."""
    earliest = issue_date + dt.timedelta(days=days)
    return [
        {"due": max(dt.date.fromisoformat(i["due"]), earliest).isoformat(), "amount": i["amount"]}
        for i in line.instalments
    ]


def _terms(
    settlement: Settlement, line: SettlementLine, issue_date: dt.date, days: int
) -> tuple[Decimal, dt.date | None]:
    if settlement.kind == SettlementKind.ADVANCE:
        dues = instalment_due(settlement, line, issue_date, days)
        return line.share, (dt.date.fromisoformat(dues[0]["due"]) if dues and line.share > 0 else None)
    if line.balance > 0:
        return line.balance, issue_date + dt.timedelta(days=days)
    return line.balance, None


@transaction.atomic
def invoices_issue(*, actor: Actor, settlement: Settlement) -> list[Invoice]:
    """Issue the invoices of a finalized settlement that have none yet: a number from the provider's
    Kassenzeichen scheme (running per year), today's date, the due date by its payment term."""
    service = settlement.service
    check(actor, service, "manage")
    settlement = Settlement.objects.select_related("service__provider").get(pk=settlement.pk)
    if not settlement.is_finalized:
        raise Conflict(
            _("Rechnungen gibt es erst, wenn die Abrechnung abgeschlossen ist."), code="settlement_draft"
        )
    provider = settlement.service.provider
    profile = _profile(provider.pk)
    days = profile.payment_days if profile else DEFAULT_PAYMENT_DAYS
    issue_date = timezone.localdate()
    issued = []
    for line in settlement.lines.filter(invoice__isnull=True).select_related("body").order_by("body__ars"):
        amount, due = _terms(settlement, line, issue_date, days)
        invoice = Invoice(
            line=line,
            issuer=provider,
            number=_next_number(provider, profile, issue_date.year),
            issue_date=issue_date,
            due_date=due,
            amount_due=amount,
        )
        invoice.full_clean()
        invoice.save()
        issued.append(invoice)
    if issued:
        audit_record(
            actor=actor,
            action="invoice.issue",
            target=settlement,
            alliance=service.alliance_id,
            changes={
                "count": len(issued),
                "numbers": [issued[0].number, issued[-1].number],
                "total": sum((i.amount_due for i in issued if i.amount_due > 0), Decimal("0.00")),
            },
        )
    return issued
