"""End to end in headless Chromium: the office opens a case for a request and links it to the
alliance it leads to. Same Playwright set-up as ``verbund/web/tests/test_browser.py``."""

from __future__ import annotations

import pytest

from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory.models import Case
from verbund.alliances.tests.factories import AllianceFactory
from verbund.common.roles import Role
from verbund.registry.tests.factories import BodyFactory
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_office_opens_a_case_and_links_it_to_an_alliance(live_server, page) -> None:  # noqa: F811
    from playwright.sync_api import expect

    office = UserFactory.create(first_name="Olga", last_name="Office")
    office.set_password(PASSWORD)
    office.save()
    RoleAssignmentFactory.create(user=office, role=Role.BERATUNGSSTELLE)
    vg = BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Landstuhl")
    AllianceFactory.create(members=[vg], name="Westpfalz digital")

    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(office.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()

    page.goto(live_server.url + "/beratung/")
    page.get_by_role("link", name="Beratungsfälle").click()
    page.get_by_role("link", name="Beratungsfall eröffnen").click()
    page.get_by_label("Betreff").fill("Gemeinsames Standesamt")
    page.get_by_label("Anfragende Körperschaft").select_option(label="Verbandsgemeinde Landstuhl")
    page.get_by_label("Nächster Schritt").fill("Unterlagen sichten")
    page.get_by_role("button", name="Beratungsfall eröffnen").click()
    expect(page.locator("h1")).to_contain_text("Gemeinsames Standesamt")
    expect(page.locator("#vb-case-parties")).to_contain_text("Verbandsgemeinde Landstuhl")

    page.locator("#vb-link-form").get_by_label("Verbund, zu dem der Fall führt").select_option(
        label="Westpfalz digital"
    )
    page.get_by_role("button", name="Verbund verknüpfen").click()
    expect(page.locator("#vb-case-alliance")).to_contain_text("Westpfalz digital")
    case = Case.objects.get()
    assert case.alliance is not None and case.alliance.name == "Westpfalz digital"
