"""Who is responsible for a service for the citizens of a municipality.

1. The holder by law: the :class:`~verbund.knowledge.models.HolderRule` of the municipality's Land for
   the service (a rule for the service itself first, else the longest LeiKa prefix of any of its keys)
   names kinds of bodies; the nearest body of such a kind from the municipality upwards (the
   municipality itself, its Verbandsgemeinde, its Kreis) holds the service.
2. Through an alliance: a shared service (:mod:`verbund.shared_services`) for the service's task that
   the holder receives on the day asked moves the responsibility to its provider, from the day the
   holder receives it until the day it ends.

The answer names the office, the reason in words and the contact data the office entered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.common.errors import Invalid, NotFound
from verbund.common.german import format_date
from verbund.registry.models import Body
from verbund.shared_services.models import ServiceRecipient

from ..models import GROSSE_KREISANGEHOERIGE_STADT, HolderRule, OfficeContact, Service


@dataclass
class Responsibility:
    service: Service
    municipality: Body
    #: who answers the citizen (the provider of a shared service, else the holder); None: unknown
    body: Body | None
    #: who holds the service by law in the municipality's Land
    holder: Body | None
    rule: HolderRule | None
    #: the shared service (a ``ServiceRecipient`` row of the holder) that moved the responsibility
    via: ServiceRecipient | None
    reason: str
    contact: dict[str, str] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return self.rule is not None and self.rule.verified


def rule_for(service: Service, state: str) -> HolderRule | None:
    """The holder rule of ``service`` in Land ``state``: its own, else the longest matching prefix."""
    own = HolderRule.objects.filter(state=state, service=service).first()
    if own is not None:
        return own
    keys = [str(k) for k in service.leika or []]
    if not keys:
        return None
    prefixes = {key[:n] for key in keys for n in range(3, len(key) + 1)}
    candidates = HolderRule.objects.filter(state=state, service__isnull=True, leika_prefix__in=prefixes)
    return max(candidates, key=lambda r: (len(r.leika_prefix), -r.pk), default=None)


def _matches(body: Body, kinds: list[str]) -> bool:
    if body.kind in kinds:
        return True
    return GROSSE_KREISANGEHOERIGE_STADT in kinds and body.is_grosse_kreisangehoerige_stadt


def _municipality(ars: str) -> Body:
    ars = (ars or "").strip()
    if not ars.isdigit() or len(ars) != 12:
        raise Invalid(fields={"ars": [_("Der Regionalschlüssel hat 12 Ziffern.")]})
    body = Body.objects.select_related("parent__parent__parent").filter(ars=ars).first()
    if body is None:
        raise NotFound(_("Keine Gemeinde mit diesem Regionalschlüssel."))
    return body


def _shared(service: Service, holder: Body, on: dt.date) -> ServiceRecipient | None:
    if service.task_id is None:
        return None
    return (
        ServiceRecipient.objects.filter(
            body=holder,
            service__task_id=service.task_id,
            from_date__lte=on,
            service__start_date__lte=on,
        )
        .filter(Q(until_date__isnull=True) | Q(until_date__gte=on))
        .filter(Q(service__end_date__isnull=True) | Q(service__end_date__gte=on))
        .exclude(service__provider=holder)
        .select_related("service__provider", "service__alliance", "service__legal_basis")
        .order_by("-from_date", "-pk")
        .first()
    )


def contact_of(body: Body) -> dict[str, str]:
    contact = OfficeContact.objects.filter(body=body).first()
    if contact is None:
        return {}
    values: dict[str, Any] = {
        "office": contact.office,
        "street": contact.street,
        "postcode": contact.postcode,
        "city": contact.city,
        "phone": contact.phone,
        "email": contact.email,
        "website": contact.website,
        "hours": contact.hours,
    }
    return {k: str(v) for k, v in values.items() if v}


def names_alliance(recipient: ServiceRecipient | None) -> bool:
    """The answer is public: it names the alliance, its shared service and agreement only when the
    alliance is published; otherwise only the provider that acts for the holder."""
    return recipient is not None and bool(recipient.service.alliance.is_published)


def _via_reason(recipient: ServiceRecipient, holder: Body) -> str:
    shared = recipient.service
    basis = shared.legal_basis
    if not names_alliance(recipient):
        return _("%(provider)s handelt für %(holder)s (seit %(since)s).") % {
            "provider": shared.provider.name,
            "holder": holder.name,
            "since": format_date(max(recipient.from_date, shared.start_date)),
        }
    if basis is not None:
        agreement = _("der Vereinbarung „%(title)s“") % {"title": basis.title}
        if basis.signed_on:
            agreement = _("der Vereinbarung „%(title)s“ vom %(date)s") % {
                "title": basis.title,
                "date": format_date(basis.signed_on),
            }
    else:
        agreement = _("dem geteilten Dienst „%(name)s“ des Verbunds %(alliance)s") % {
            "name": shared.name,
            "alliance": shared.alliance.name,
        }
    return _("%(provider)s handelt für %(holder)s nach %(agreement)s (seit %(since)s).") % {
        "provider": shared.provider.name,
        "holder": holder.name,
        "agreement": agreement,
        "since": format_date(max(recipient.from_date, shared.start_date)),
    }


def responsible(service: Service, ars: str, *, on: dt.date | None = None) -> Responsibility:
    """Who answers a citizen of the municipality ``ars`` for ``service`` on ``on`` (default today)."""
    on = on or timezone.localdate()
    municipality = _municipality(ars)
    rule = rule_for(service, municipality.state)
    if rule is None:
        return Responsibility(
            service=service,
            municipality=municipality,
            body=None,
            holder=None,
            rule=None,
            via=None,
            reason=_("Für diese Leistung ist im Land noch keine Zuständigkeit hinterlegt."),
        )
    holder = next((b for b in [municipality, *municipality.ancestors()] if _matches(b, rule.kinds)), None)
    if holder is None:
        return Responsibility(
            service=service,
            municipality=municipality,
            body=None,
            holder=None,
            rule=rule,
            via=None,
            reason=_("Keine zuständige Stelle der Art „%(label)s“ über %(name)s gefunden.")
            % {"label": rule.label, "name": municipality.name},
        )
    via = _shared(service, holder, on)
    if via is not None:
        body = via.service.provider
        reason = _via_reason(via, holder)
    else:
        body = holder
        reason = _("Zuständig ist %(holder)s (%(rule)s).") % {"holder": holder.name, "rule": rule.label}
        if not rule.verified:
            reason += " " + _("Die Zuständigkeitsregel ist noch nicht geprüft.")
    return Responsibility(
        service=service,
        municipality=municipality,
        body=body,
        holder=holder,
        rule=rule,
        via=via,
        reason=reason,
        contact=contact_of(body),
    )
