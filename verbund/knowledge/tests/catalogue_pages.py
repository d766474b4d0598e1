"""The catalogue and responsibility pages for the site-wide guard tests
(``verbund/web/tests/test_guards.py``): each entry builds what its page needs around the guard's
``body`` fixture (an Ortsgemeinde in a VG) and returns the URL, or ``(url, user)`` for a page behind
the login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory

from ..models import Catalogue, HolderRule, OfficeContact, Service


def _service() -> Service:
    catalogue, _ = Catalogue.objects.get_or_create(slug="guard", defaults={"name": "Prüfkatalog"})
    service, _ = Service.objects.get_or_create(
        external_id="guard-1",
        defaults={
            "catalogue": catalogue,
            "name": "Wohnsitz anmelden",
            "leika": ["99115005000000"],
            "keywords": ["Umzug"],
            "description": "Wer umzieht, meldet sich an.",
            "url": "https://example.org/wohnsitz",
        },
    )
    return service


def _advisory() -> Any:
    user = UserFactory.create()
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    return user


def _rule() -> HolderRule:
    rule, _ = HolderRule.objects.get_or_create(
        state="07",
        leika_prefix="99115",
        service=None,
        defaults={"label": "Meldebehörde", "kinds": ["verbandsgemeinde"], "verified": True, "source": "BMG"},
    )
    return rule


def _answer(body: Any) -> str:
    service = _service()
    _rule()
    OfficeContact.objects.get_or_create(
        body=body.parent, defaults={"office": "Bürgerbüro", "email": "buergerbuero@example.org"}
    )
    query = {"leistung": service.external_id, "gemeinde": body.name, "ars": body.ars}
    return "/wissen/zustaendigkeit/?" + urlencode(query)


CATALOGUE_PAGES: dict[str, Callable[[Any], Any]] = {
    "knowledge_services": lambda body: (_service(), "/wissen/leistungen/?q=wohn")[1],
    "knowledge_service_detail": lambda body: f"/wissen/leistungen/{_service().external_id}/",
    "knowledge_service_edit": lambda body: (
        f"/wissen/leistungen/{_service().external_id}/bearbeiten/",
        _advisory(),
    ),
    "knowledge_responsibility": _answer,
    "knowledge_responsibility_empty": lambda body: "/wissen/zustaendigkeit/",
    "knowledge_holder_rules": lambda body: (_rule(), ("/wissen/zustaendigkeitsregeln/", _advisory()))[1],
    "knowledge_holder_rule_edit": lambda body: (
        f"/wissen/zustaendigkeitsregeln/{_rule().pk}/bearbeiten/",
        _advisory(),
    ),
    "knowledge_catalogues": lambda body: (_service(), "/wissen/kataloge/")[1],
    "knowledge_catalogue_import": lambda body: ("/wissen/kataloge/einlesen/", _advisory()),
    "knowledge_contact": lambda body: (
        f"/wissen/kontakt/{body.parent.ars}/",
        UserFactory.create(staff_of=body.parent),
    ),
}
