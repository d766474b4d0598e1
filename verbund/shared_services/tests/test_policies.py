"""The 404/403 rule through the principal: who cannot see a service gets 404 (page and API, as for a
missing one); who sees it but may not act gets 403; the predicates of the policies module."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import ANONYMOUS, principal_for
from verbund.shared_services import policies, services
from verbund.shared_services.models import SharedService
from verbund.shared_services.selectors import access_service, access_settlement

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def draft(ss: SimpleNamespace, service: SharedService):
    return services.settlement_compute(actor=ss.coordinator, service=service, year=2025, kind="final")


def test_selectors_404_for_invisible_403_for_not_allowed(
    ss: SimpleNamespace, service: SharedService, draft
) -> None:
    outsider = principal_for(ss.head_outsider)
    for principal in (outsider, ANONYMOUS, principal_for(ss.nobody)):
        with pytest.raises(NotFound):
            access_service(principal, service.pk)
        with pytest.raises(NotFound):
            access_settlement(principal, draft.pk)
    with pytest.raises(NotFound):
        access_service(principal_for(ss.coordinator), 999_999)
    member = principal_for(ss.clerk_b)
    assert access_service(member, service.pk) == service
    with pytest.raises(Forbidden):
        access_settlement(member, draft.pk, need="manage")
    with pytest.raises(Forbidden):
        access_service(principal_for(ss.clerk_a), service.pk, need="manage")
    assert access_service(principal_for(ss.clerk_a), service.pk, need="maintain") == service


def test_outsider_gets_404_for_the_page_and_the_api(
    ss: SimpleNamespace, service: SharedService, draft
) -> None:
    client = client_for(ss.head_outsider)
    assert client.get(f"/dienste/{service.pk}/").status_code == 404
    assert client.get(f"/dienste/abrechnung/{draft.pk}/").status_code == 404
    assert client.post(f"/dienste/abrechnung/{draft.pk}/abschliessen/", {"confirmed": "1"}).status_code == 404
    api = client.get(f"/api/v1/shared-services/{service.pk}")
    assert api.status_code == 404 and api.json() == {"detail": "Nicht gefunden.", "code": "not_found"}
    assert client.post(f"/api/v1/shared-services/settlements/{draft.pk}/finalize").status_code == 404


def test_member_who_sees_the_service_cannot_finalize(
    ss: SimpleNamespace, service: SharedService, draft
) -> None:
    client = client_for(ss.clerk_b)
    assert client.get(f"/dienste/abrechnung/{draft.pk}/").status_code == 200
    assert client.post(f"/dienste/abrechnung/{draft.pk}/abschliessen/", {"confirmed": "1"}).status_code == 403
    api = client.post(f"/api/v1/shared-services/settlements/{draft.pk}/finalize")
    assert api.status_code == 403 and api.json()["code"] == "forbidden"
    draft.refresh_from_db()
    assert not draft.is_finalized


def test_predicates(ss: SimpleNamespace, service: SharedService) -> None:
    coordinator, clerk_a, clerk_b = (principal_for(u) for u in (ss.coordinator, ss.clerk_a, ss.clerk_b))
    advisory, operator = principal_for(ss.advisory), principal_for(ss.operator)
    assert policies.manages(coordinator, service) and not policies.maintains(coordinator, service)
    assert policies.maintains(clerk_a, service) and not policies.manages(clerk_a, service)
    assert policies.computes(clerk_a, service) and not policies.computes(clerk_b, service)
    assert policies.sees_line_of(clerk_b, service, ss.vg_b.pk)
    assert not policies.sees_line_of(clerk_b, service, ss.vg_a.pk)
    assert policies.sees_all_lines(advisory, service) and not policies.manages(advisory, service)
    assert policies.manages(operator, service) and policies.maintains(operator, service)
    demo = principal_for(SystemActor(name="Demodaten", capabilities=frozenset({policies.MANAGE})))
    other = principal_for(SystemActor(name="Import", capabilities=frozenset({"registry.import"})))
    assert policies.manages(demo, service) and not policies.manages(other, service)
    visible = set(SharedService.objects.visible_to(clerk_b))
    assert visible == {service}
    assert not SharedService.objects.visible_to(principal_for(ss.head_outsider)).exists()
    assert not SharedService.objects.visible_to(other).exists()
