"""The Content-Security-Policy in a real browser: no page breaks it (issue 10, item 4).

Headless Chromium loads pages with maps (the alliance directory and an alliance, Leaflet), uses
HTMX (the directory's filter replaces the results in place, without an inline style for its
indicator), signs in, enrols nothing, and opens the Swagger UI of the API; every console message
about the Content Security Policy and every ``securitypolicyviolation`` event is collected: none.
"""

from __future__ import annotations

from typing import Any

import pytest

from verbund.accounts.models import User
from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, make_neighbours
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_with_maps_htmx_and_swagger_break_no_policy(live_server: Any, page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    kreis = BodyFactory.create(landkreis=True, name="Kaiserslautern")
    landstuhl = BodyFactory.create(
        verbandsgemeinde=True, parent=kreis, name="Landstuhl", centroid_lon=7.50, centroid_lat=49.40
    )
    ramstein = BodyFactory.create(
        verbandsgemeinde=True, parent=kreis, name="Ramstein-Miesenbach", centroid_lon=7.52, centroid_lat=49.40
    )
    BodyBoundaryFactory.create(body=landstuhl)
    BodyBoundaryFactory.create(body=ramstein)
    make_neighbours(landstuhl, ramstein)
    AllianceFactory.create(
        name="Interkommunale Cybersicherheit", slug="cyber", members=[landstuhl, ramstein], published=True
    )
    AllianceFactory.create(
        name="Gemeinsame Vergabestelle", slug="vergabe", members=[landstuhl], published=True
    )
    User.objects.create_user("erika", password=PASSWORD, first_name="Erika", last_name="Muster")

    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.add_init_script(WATCH)

    def violations() -> list[str]:
        found = list(page.evaluate("window.__cspViolations || []"))
        found += [
            line for line in console if "Content Security Policy" in line or "Content-Security-Policy" in line
        ]
        return found

    # the directory: a map of the members (Leaflet) and the HTMX filter
    page.goto(live_server.url + "/verbuende/")
    expect(page.locator("#vb-directory-map.vb-map--ready canvas")).to_have_count(1)
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0  # HTMX added no inline style element
    page.locator("#id_q").fill("Vergabe")
    results = page.locator("#vb-results")
    expect(results.get_by_role("link", name="Gemeinsame Vergabestelle")).to_be_visible()
    expect(results.get_by_role("link", name="Interkommunale Cybersicherheit")).to_have_count(0)
    assert violations() == []

    # an alliance with its map of member areas
    page.goto(live_server.url + "/verbuende/cyber/")
    expect(page.locator("#vb-alliance-map .leaflet-overlay-pane path")).to_have_count(2)
    assert violations() == []

    # sign in (form-action 'self') and open the account page and the second factor's QR code
    page.goto(live_server.url + "/konto/anmelden/?next=/konto/zwei-faktor/")
    page.get_by_label("Benutzername").fill("erika")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zweiter Faktor")
    expect(page.locator("[data-testid=otp-qr] svg")).to_be_visible()
    assert violations() == []

    # the Swagger UI of the API (its own static script, a JSON data block for its settings)
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    assert violations() == []
