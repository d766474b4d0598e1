"""Who may see and change which shared service: the part's rules as pure predicates over a
:class:`~verbund.common.principal.Principal`, and the query filter behind ``visible_to``.

* **See** a service: readers of everything (Beratungsstelle, Bewilligungsbehörde, Plattformbetrieb;
  a superuser counts as Plattformbetrieb), the coordinators of its alliance, and the staff and heads
  (Sachbearbeitung, Verwaltungsleitung) of the providing body, of a body that receives or received
  the service, or of a current member of the alliance. Nobody else, not even the public: services
  are internal (sensitivity INTERNAL; nothing here is above it).
* **Maintain** (cost plans, volumes): staff and heads of the providing body; Plattformbetrieb.
* **Manage** (create a service, set the key, recipients, legal basis, reference-date populations;
  finalize, correct and discard settlements): the coordinators of the alliance
  (:func:`verbund.alliances.policies.coordinates`); Plattformbetrieb.
* **Compute** (drafts and key previews): whoever manages or maintains.
* **Lines of others**: a member sees its own settlement lines, volumes and invoices, and the totals —
  not the other members' shares or volumes. Whoever manages or maintains the service, and readers
  of everything, see every line.
* **Billing data** (Rechnungsdaten: address, Leitweg-ID, bank account, Kassenzeichen scheme, payment
  term) of the provider or a recipient of a service: the body's own staff and heads, whoever manages
  the service (the coordinators), and Plattformbetrieb. Invoices are issued by the same who finalize.
* **System actors** act through the capability :data:`MANAGE` (``shared_services.manage``), which
  covers manage, maintain and compute (the demo loader, an import).

Missing and invisible look alike (404); visible but not allowed is 403
(:func:`verbund.common.access.access_object`, used by :mod:`.selectors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from verbund.alliances import policies as alliance_policies
from verbund.common.principal import Principal, Sensitivity

if TYPE_CHECKING:
    from .models import SharedService

#: System capability: create and change shared services, cost plans, volumes and settlements.
MANAGE = "shared_services.manage"

Need = Literal["manage", "maintain", "compute"]


class _Refusals(dict[str, str]):
    """The refusal texts, German in the code, read in the language of the request."""

    def __getitem__(self, need: str) -> str:
        return gettext(super().__getitem__(need))


REFUSALS: dict[str, str] = _Refusals(
    {
        "manage": gettext_noop("Nur die Verbundkoordination kann das festlegen."),
        "maintain": gettext_noop("Nur die erbringende Körperschaft pflegt Kosten und Mengen."),
        "compute": gettext_noop(
            "Nur die Verbundkoordination und die erbringende Körperschaft berechnen Abrechnungen."
        ),
        "create": gettext_noop("Nur die Verbundkoordination kann Dienste des Verbunds anlegen."),
        "billing": gettext_noop(
            "Rechnungsdaten pflegen die Körperschaft selbst und die Verbundkoordination des Dienstes."
        ),
    }
)


# --- acting ---------------------------------------------------------------------------------------


def may_create(principal: Principal, alliance_id: int) -> bool:
    """Create a service of the alliance: its coordinators, Plattformbetrieb (system: :data:`MANAGE`)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or alliance_policies.coordinates(principal, alliance_id)


def manages(principal: Principal, service: SharedService) -> bool:
    """Key, recipients, populations, finalizing: coordinators of the alliance and Plattformbetrieb."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or alliance_policies.coordinates(principal, service.alliance_id)


def maintains(principal: Principal, service: SharedService) -> bool:
    """Cost plans and volumes: staff and heads of the providing body, and Plattformbetrieb."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or principal.works_for(service.provider_id)


def computes(principal: Principal, service: SharedService) -> bool:
    """Drafts and previews: whoever manages or maintains."""
    return manages(principal, service) or maintains(principal, service)


def edits_billing(principal: Principal, service: SharedService, body_id: int) -> bool:
    """A body's billing data, for a service it provides or receives: the body's own staff and heads,
    whoever manages the service, and Plattformbetrieb (system: :data:`MANAGE`)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return manages(principal, service) or principal.works_for(int(body_id))


def allows(principal: Principal, service: SharedService, need: Need) -> bool:
    return {"manage": manages, "maintain": maintains, "compute": computes}[need](principal, service)


def sees_all_lines(principal: Principal, service: SharedService) -> bool:
    """Every member's line and volume: managers, maintainers and readers of everything."""
    return computes(principal, service) or principal.reads_everything(Sensitivity.INTERNAL)


def sees_line_of(principal: Principal, service: SharedService, body_id: int) -> bool:
    """A line (or volume, or invoice) of ``body_id``: all-line readers, and the body's own staff."""
    return sees_all_lines(principal, service) or int(body_id) in principal.body_ids()


def own_body_ids(principal: Principal) -> frozenset[int]:
    return principal.body_ids()


# --- reading --------------------------------------------------------------------------------------


def visibility_filter(principal: Principal) -> Q:
    """A ``Q`` on :class:`SharedService` selecting what ``principal`` may see."""
    from verbund.alliances.models import Membership

    from .models import ServiceRecipient

    nothing = Q(pk__in=[])
    if principal.is_system:
        return Q() if principal.capable(MANAGE) else nothing
    if not principal.is_authenticated:
        return nothing
    if principal.reads_everything(Sensitivity.INTERNAL):
        return Q()
    coordinated = principal.granted(alliance_policies.COORDINATOR)
    condition = Q(alliance_id__in=coordinated) if coordinated else nothing
    body_ids = principal.body_ids()
    if body_ids:
        condition |= (
            Q(provider_id__in=body_ids)
            | Q(pk__in=ServiceRecipient.objects.filter(body_id__in=body_ids).values("service_id"))
            | Q(
                alliance_id__in=Membership.objects.current()
                .filter(body_id__in=body_ids)
                .values("alliance_id")
            )
        )
    return condition


# --- need predicates for access_object (principal, object) ----------------------------------------


def need_for(need: Need | None) -> Callable[[Principal, SharedService], bool] | None:
    """The ``access_object`` predicate of ``need`` for a service."""
    if need is None:
        return None
    return lambda principal, service: allows(principal, service, need)
