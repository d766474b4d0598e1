"""End to end in headless Chromium: the alliance's shared ISB logs in, opens the security view of the
cyber alliance from the "Sicherheit" navigation, triages the advisory that affects two members as
"act" (the SSVC points suggest it), and the head of an affected member finds the notification in the
inbox — naming the advisory and the decision, not the other member; it leads to the member's own
matches. (Same Playwright set-up as ``verbund/web/tests/test_browser.py``, whose ``page`` fixture it
uses.)"""

from __future__ import annotations

import re

import pytest

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Triage
from verbund.security.services.matching import match_advisory
from verbund.security.tests.test_alliance_view import make_isb
from verbund.security.tests.test_matching_service import import_document, make_asset, small_document
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _login(page, live_server, username: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_isb_triages_an_advisory_as_act_and_the_member_is_notified(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    kreis = BodyFactory.create(landkreis=True, name="Landkreis Kaiserslautern")
    landstuhl = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Landstuhl")
    weilerbach = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Weilerbach")
    alliance = AllianceFactory.create(
        name="Cyberverbund Kaiserslautern", slug="cyber", members=[landstuhl, weilerbach]
    )
    head = User.objects.create_user("leitung", password=PASSWORD, first_name="Hanna", last_name="Leitner")
    RoleAssignment.objects.create(user=head, role=Role.VERWALTUNGSLEITUNG, body=landstuhl)
    isb = User.objects.create_user("isb", password=PASSWORD, first_name="Ilse", last_name="Sicher")
    make_isb(alliance, [landstuhl, weilerbach], person=isb)
    make_asset(landstuhl, version="2.4.0", location="Rathaus")
    make_asset(weilerbach, version="2.3.9", location="Wasserwerk")
    advisory = import_document(small_document(affected=("FWX-240", "FWX-239")))
    match_advisory(advisory.pk)

    _login(page, live_server, "isb")
    page.get_by_role("link", name="Sicherheit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Informationssicherheit")
    page.get_by_role("link", name="Cyberverbund Kaiserslautern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sicherheit im Verbund Cyberverbund Kaiserslautern"
    )
    row = page.locator("#vb-sec-advisories-table").get_by_role("row", name=re.compile("BSP-2026-0001"))
    expect(row).to_contain_text("Landstuhl: 1")
    expect(row).to_contain_text("Weilerbach: 1")
    expect(row).to_contain_text("noch nicht bewertet")
    row.get_by_role("link", name="BSP-2026-0001 bewerten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("BSP-2026-0001 bewerten")
    page.get_by_label("wird aktiv ausgenutzt").check()
    page.get_by_label("ja", exact=True).check()
    page.get_by_label("vollständige Kontrolle").check()
    page.get_by_label("hoch", exact=True).check()
    page.get_by_role("button", name="Bewertung speichern").click()
    expect(page.get_by_text("Bewertung „Handeln (sofort)“ gespeichert")).to_be_visible()
    row = page.locator("#vb-sec-advisories-table").get_by_role("row", name=re.compile("BSP-2026-0001"))
    expect(row).to_contain_text("Handeln (sofort)")
    assert Triage.objects.get().decision == "act"

    _login(page, live_server, "leitung")
    page.goto(live_server.url + "/benachrichtigungen/")
    triaged = page.get_by_test_id("notification").filter(has_text="im Verbund bewertet")
    expect(triaged).to_have_count(1)
    expect(triaged).to_contain_text("BSP-2026-0001")
    expect(triaged).to_contain_text("Handeln (sofort)")
    expect(triaged).not_to_contain_text("Weilerbach")
    triaged.get_by_role("link", name=re.compile("BSP-2026-0001")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treffer")
    expect(page.locator(".vb-sec-matches")).to_contain_text("Landstuhl")
    expect(page.locator(".vb-sec-matches")).not_to_contain_text("Weilerbach")
