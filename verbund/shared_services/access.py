"""Who may see and change which shared service: the only way views and endpoints reach this part's data.

The rules (issue "Shared services", ARCHITECTURE.md roles):

* **See** a service: readers of everything (Beratungsstelle, Bewilligungsbehörde, Plattformbetrieb,
  superusers), the coordinators of its alliance, and the staff and heads (Sachbearbeitung,
  Verwaltungsleitung) of the providing body, of a body that receives or received the service, or
  of a current member of the alliance. Nobody else, not even the public: services are internal.
* **Maintain** (cost plans, volumes, population figures of the provider's records): staff and heads
  of the providing body; operators.
* **Manage** (create a service, set the key, recipients, legal basis, reference-date populations;
  compute, finalize and correct settlements): the coordinators of the alliance; operators.
  The providing body's staff may compute drafts too (to check their cost plan), not finalize.
* **Lines of others**: a member sees its own settlement lines, volumes and invoices, and the totals
  (total cost, sum of the basis, number of members) — not the other members' shares or volumes.
  Whoever maintains or manages the service, and readers of everything, see every line.

Missing and forbidden look alike (404) across tenants; a service the user sees but may not change
answers 403 (``PermissionDenied``). The user's roles are read once per request through
:func:`verbund.alliances.access.viewer_for`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from verbund.alliances.access import Viewer, viewer_for
from verbund.alliances.models import Membership

from .models import ServiceRecipient, Settlement, SharedService

Need = Literal["manage", "maintain", "compute"]
NOT_FOUND = "Kein solcher Dienst."


def service_visibility_filter(user: Any) -> Q:
    """A ``Q`` on :class:`SharedService` selecting what ``user`` may see."""
    viewer = viewer_for(user)
    if viewer.reads_all:
        return Q()
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    condition = Q(alliance_id__in=viewer.coordinated) if viewer.coordinated else Q(pk__in=[])
    if viewer.body_ids:
        body_ids = viewer.body_ids
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


@dataclass(frozen=True)
class ServicePermissions:
    """What a user may do with one service (computed without queries from the cached viewer)."""

    manages: bool
    maintains: bool
    reads_all: bool
    own_body_ids: frozenset[int]

    @property
    def sees_all_lines(self) -> bool:
        return self.manages or self.maintains or self.reads_all

    @property
    def computes(self) -> bool:
        return self.manages or self.maintains

    def sees_line_of(self, body_id: int) -> bool:
        return self.sees_all_lines or body_id in self.own_body_ids


def permissions(user: Any, service: SharedService) -> ServicePermissions:
    viewer: Viewer = viewer_for(user)
    return ServicePermissions(
        manages=viewer.changes_all or viewer.coordinates(service.alliance_id),
        maintains=viewer.changes_all or service.provider_id in viewer.body_ids,
        reads_all=viewer.reads_all,
        own_body_ids=viewer.body_ids,
    )


_REFUSALS = {
    "manage": "Nur die Verbundkoordination kann das festlegen.",
    "maintain": "Nur die erbringende Körperschaft pflegt Kosten und Mengen.",
    "compute": "Nur die Verbundkoordination und die erbringende Körperschaft berechnen Abrechnungen.",
}


def require(user: Any, service: SharedService, need: Need) -> ServicePermissions:
    """The permissions of ``user``, or ``PermissionDenied`` (403) if ``need`` is missing."""
    perms = permissions(user, service)
    allowed = {"manage": perms.manages, "maintain": perms.maintains, "compute": perms.computes}[need]
    if not allowed:
        raise PermissionDenied(_REFUSALS[need])
    return perms


def access_service(user: Any, service_id: int | str, *, need: Need | None = None) -> SharedService:
    """The service if ``user`` may see it (else 404); with ``need``, 403 unless that is allowed too."""
    try:
        pk = int(service_id)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    service = (
        SharedService.objects.visible_to(user)
        .select_related("alliance", "task", "provider", "legal_basis")
        .filter(pk=pk)
        .first()
    )
    if service is None:
        raise Http404(NOT_FOUND)
    if need is not None:
        require(user, service, need)
    return service


def access_settlement(user: Any, settlement_id: int | str, *, need: Need | None = None) -> Settlement:
    """A settlement of a service ``user`` may see (else 404); ``need`` as in :func:`access_service`."""
    try:
        pk = int(settlement_id)
    except (TypeError, ValueError):
        raise Http404("Keine solche Abrechnung.") from None
    settlement = (
        Settlement.objects.visible_to(user)
        .select_related(
            "service__alliance",
            "service__task",
            "service__provider",
            "previous",
            "computed_by",
            "finalized_by",
        )
        .filter(pk=pk)
        .first()
    )
    if settlement is None:
        raise Http404("Keine solche Abrechnung.")
    if need is not None:
        require(user, settlement.service, need)
    return settlement
