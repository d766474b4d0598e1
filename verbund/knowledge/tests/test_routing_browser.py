"""End to end in headless Chromium: a citizen writes a request in their own words with the name of
their municipality and is shown the service, the responsible office and its contact; a clerk of the
Verbandsgemeinde corrects a wrong route in one click and the next citizen asking the same way is sent
to the corrected service. Same Playwright set-up as ``verbund/web/tests/test_browser.py``."""

from __future__ import annotations

import pytest

from verbund.accounts.tests.factories import UserFactory
from verbund.knowledge.models import OfficeContact, RouteCorrection
from verbund.knowledge.services import routing as svc
from verbund.registry.tests.factories import BodyFactory
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

from .test_routing_service import ODD, load_sample, vg_of

pytestmark = pytest.mark.browser


@pytest.fixture
def world() -> dict[str, object]:
    import importlib

    from django.apps import apps

    importlib.import_module("verbund.knowledge.migrations.0002_seed_rlp_holder_rules").seed(apps, None)
    load_sample()
    svc.reset()
    town = BodyFactory.create(name="Erfweiler")
    OfficeContact.objects.create(body=vg_of(town), office="Bürgerbüro", phone="06391 911-0")
    clerk = UserFactory.create(staff_of=vg_of(town))
    clerk.set_password(PASSWORD)
    clerk.save()
    return {"town": town, "clerk": clerk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_citizen_finds_the_office_and_a_clerk_corrects_a_route(live_server, page, world) -> None:  # noqa: F811
    from playwright.sync_api import expect

    town, clerk = world["town"], world["clerk"]
    page.goto(live_server.url + "/wissen/")
    page.get_by_role("link", name="Wer hilft mir weiter?").click()
    page.get_by_label("Ihr Anliegen").fill("Mir wurde der Personalausweis gestohlen")
    page.get_by_label("Ihre Gemeinde").fill("Erfweiler")
    page.get_by_role("button", name="Zuständige Stelle finden").click()
    result = page.locator("#vb-route-result")
    expect(result).to_contain_text("Verlust oder Diebstahl Personalausweis")
    expect(result).to_contain_text(vg_of(town).name)
    expect(result).to_contain_text("06391 911-0")
    expect(page.get_by_role("button", name="Richtige Leistung speichern")).to_have_count(
        0
    )  # not for citizens

    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(clerk.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()

    page.goto(live_server.url + "/wissen/anliegen/")
    page.get_by_label("Ihr Anliegen").fill(ODD)
    page.get_by_label("Ihre Gemeinde").fill(town.ars)
    page.get_by_role("button", name="Zuständige Stelle finden").click()
    page.get_by_label("Richtige Leistung", exact=True).select_option(label="Meldebescheinigung")
    page.get_by_role("button", name="Richtige Leistung speichern").click()
    expect(page.get_by_text("Gespeichert")).to_be_visible()
    assert RouteCorrection.objects.filter(service__name="Meldebescheinigung").count() == 1

    page.get_by_role("button", name="Abmelden", exact=True).click()
    page.goto(live_server.url + "/wissen/anliegen/")
    page.get_by_label("Ihr Anliegen").fill(ODD)
    page.get_by_role("button", name="Zuständige Stelle finden").click()
    expect(page.locator("#vb-route-items h3").first).to_have_text("Meldebescheinigung")
