"""Panels: higher parts add sections to lower parts' pages without being imported by them.

Covers the alliance page showing the alliance's shared services and funding applications to its
coordinator but not to the public, and the hook's own rules (order, empty panels, idempotence).
"""

from __future__ import annotations

import pytest
from django.http import HttpRequest

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.panels import PanelHook
from verbund.funding.tests.factories import ProgrammeFactory, draft_application
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.tests.factories import SharedServiceFactory


def test_hook_renders_in_order_skips_empty_and_registers_once() -> None:
    hook: PanelHook[str] = PanelHook()

    def first(request: HttpRequest, obj: str) -> str:
        return f"<p>1 {obj}</p>"

    def empty(request: HttpRequest, obj: str) -> None:
        return None

    def second(request: HttpRequest, obj: str) -> str:
        return "<p>2</p>"

    for func in (first, empty, second, first):
        hook.register(func)
    assert hook.render(HttpRequest(), "x") == ["<p>1 x</p>", "<p>2</p>"]
    hook.unregister(first)
    assert hook.render(HttpRequest(), "x") == ["<p>2</p>"]


@pytest.mark.django_db
def test_alliance_page_lists_services_and_applications_for_insiders_only(client) -> None:
    vg1, vg2 = BodyFactory.create(verbandsgemeinde=True), BodyFactory.create(verbandsgemeinde=True)
    coordinator = UserFactory.create()
    alliance = AllianceFactory.create(published=True, members=[vg1, vg2], coordinator=coordinator)
    SharedServiceFactory.create(
        alliance=alliance, provider=vg1, recipients=[vg1, vg2], name="Gemeinsame Vergabe"
    )
    draft_application(
        programme=ProgrammeFactory.create(), alliance=alliance, applicant=vg1, title="Vergabe digital"
    )

    public = client.get(alliance.get_absolute_url()).content.decode()
    assert "Gemeinsame Vergabe" not in public and "Vergabe digital" not in public

    client.force_login(coordinator)
    page = client.get(alliance.get_absolute_url()).content.decode()
    assert "Geteilte Dienste" in page and "Gemeinsame Vergabe" in page
    assert "Vergabe digital" in page
