"""The shared-services pages for the site-wide guard tests (``verbund/web/tests/test_guards.py``): each
entry builds what its page needs around the guard's ``body`` fixture (an Ortsgemeinde in a VG) and
returns ``(url, user)``, because every page of this part is behind the login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.actors import SystemActor
from verbund.registry.tests.factories import BodyFactory

from .. import services
from ..allocation import EQUAL, mix
from .factories import CostPlanFactory, SharedServiceFactory

TESTS = SystemActor(name="Tests", capabilities=frozenset({"shared_services.manage"}))


def _world(body: Any) -> dict[str, Any]:
    vg = body.parent
    vg.population = vg.population or 12_000
    vg.save(update_fields=["population"])
    other = BodyFactory.create(verbandsgemeinde=True, parent=vg.parent, population=8_000)
    coordinator = UserFactory.create(head_of=vg)
    alliance = AllianceFactory.create(members=[vg, other], coordinator=coordinator)
    service = SharedServiceFactory.create(
        alliance=alliance,
        provider=vg,
        allocation_key=mix(("50", EQUAL), ("50", {"type": "population"})),
        recipients=[vg, other],
    )
    CostPlanFactory.create(
        service=service, year=2025, kind="actual", items=[("staff", "Vergabe", "1", "E9a")]
    )
    settlement = services.settlement_compute(actor=TESTS, service=service, year=2025, kind="final")
    return {"alliance": alliance, "service": service, "settlement": settlement, "user": coordinator}


def _page(path: Callable[[dict[str, Any]], str]) -> Callable[[Any], tuple[str, Any]]:
    def build(body: Any) -> tuple[str, Any]:
        world = _world(body)
        return path(world), world["user"]

    return build


SHARED_SERVICES_PAGES: dict[str, Callable[[Any], tuple[str, Any]]] = {
    "shared_services_index": _page(lambda w: "/dienste/"),
    "shared_services_alliance": _page(lambda w: f"/dienste/verbund/{w['alliance'].slug}/"),
    "shared_services_create": _page(lambda w: f"/dienste/verbund/{w['alliance'].slug}/neu/"),
    "shared_services_detail": _page(lambda w: f"/dienste/{w['service'].pk}/"),
    "shared_services_key": _page(lambda w: f"/dienste/{w['service'].pk}/schluessel/"),
    "shared_services_costs": _page(lambda w: f"/dienste/{w['service'].pk}/kosten/2025/actual/"),
    "shared_services_volumes": _page(lambda w: f"/dienste/{w['service'].pk}/mengen/"),
    "shared_services_settlements": _page(lambda w: f"/dienste/{w['service'].pk}/abrechnungen/"),
    "shared_services_settlement": _page(lambda w: f"/dienste/abrechnung/{w['settlement'].pk}/"),
    "shared_services_billing": _page(lambda w: f"/dienste/{w['service'].pk}/rechnungsdaten/"),
    "shared_services_billing_edit": _page(
        lambda w: f"/dienste/{w['service'].pk}/rechnungsdaten/{w['service'].provider.ars}/"
    ),
}
