"""The events the shared-services part publishes (verbund.notifications) and who receives them.

* A settlement finalized: the alliance's audience (coordinators, heads of the member bodies) and the
  staff of the providing body.
* An invoice issued (one per recipient body, when the settlement is finalized): the staff and heads of
  the recipient body; the link leads to the invoice (PDF).
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

from verbund.common.actors import Actor
from verbund.common.german import format_money
from verbund.common.roles import Role
from verbund.notifications.services import Audience, publish, register_event_type

from .models import Settlement

SETTLEMENT_FINALIZED = register_event_type(
    "shared_services.settlement_finalized", label=gettext_lazy("Abrechnung abgeschlossen")
)
INVOICE_ISSUED = register_event_type(
    "shared_services.invoice_issued", label=gettext_lazy("Rechnung gestellt")
)


def _invoice_path(settlement: Settlement, ars: str) -> str:
    try:
        return reverse("shared_services:invoice_pdf", kwargs={"settlement_id": settlement.pk, "ars": ars})
    except NoReverseMatch:
        return settlement.get_absolute_url()


def settlement_finalized(*, actor: Actor, settlement: Settlement) -> None:
    """Publish the finalized settlement and one invoice per recipient body (after commit)."""
    service = settlement.service
    payload = {"settlement": settlement.pk, "year": settlement.year, "kind": settlement.kind}
    publish(
        SETTLEMENT_FINALIZED,
        actor=actor,
        title=str(settlement),
        text=format_money(settlement.total),
        path=settlement.get_absolute_url(),
        audience=Audience.alliance(service.alliance_id)
        | Audience.body(service.provider_id, Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG),
        alliance_id=service.alliance_id,
        body_id=service.provider_id,
        payload={**payload, "total": str(settlement.total)},
    )
    for line in settlement.lines.select_related("body").order_by("body__name"):
        publish(
            INVOICE_ISSUED,
            actor=actor,
            title=f"{service} {settlement.year}: {line.body.name}",
            text=format_money(line.share),
            path=_invoice_path(settlement, line.body.ars),
            audience=Audience.body(line.body_id, Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG),
            alliance_id=service.alliance_id,
            body_id=line.body_id,
            payload={**payload, "recipient": line.body.ars, "share": str(line.share)},
        )
