"""End to end in headless Chromium against a live server: open the start page, log in, search a
municipality, open its page and see its boundary and its neighbour drawn on the Leaflet map; the
list's filter form updates the results in place with HTMX and pushes the URL."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from verbund.accounts.models import User
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, make_neighbours

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from it
# unless told that this test does not share connections with async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("VERBUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "Kooperation-2026!"


@pytest.fixture
def page() -> Iterator[Any]:
    if os.environ.get("VERBUND_SKIP_BROWSER") == "1":
        pytest.skip("VERBUND_SKIP_BROWSER=1: Browsertests übersprungen")
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make browser` (installs Debian's chromium), set "
            "VERBUND_CHROMIUM to another binary, or VERBUND_SKIP_BROWSER=1 to skip the browser tests.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE")
        context.set_default_timeout(15_000)
        browser_page = context.new_page()
        errors: list[str] = []
        browser_page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield browser_page
        finally:
            context.close()
            browser.close()
            # While Playwright's event loop runs, Django hands the test its own connection (connections
            # are per context); close it here, or PostgreSQL cannot drop the test database at the end.
            connections.close_all()
        assert errors == [], f"JavaScript errors: {errors}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_log_in_search_and_see_the_map(live_server, page):
    from playwright.sync_api import expect

    User.objects.create_user("erika", password=PASSWORD, first_name="Erika", last_name="Muster")
    vg = BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Dahner Felsenland")
    erfweiler = BodyFactory.create(parent=vg, name="Erfweiler", centroid_lon=7.80, centroid_lat=49.15)
    schindhard = BodyFactory.create(parent=vg, name="Schindhard", centroid_lon=7.82, centroid_lat=49.15)
    BodyBoundaryFactory.create(body=erfweiler)
    BodyBoundaryFactory.create(body=schindhard)
    make_neighbours(erfweiler, schindhard, shared_border_m=2200.0)

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("link", name="Anmelden").click()
    page.get_by_label("Benutzername").fill("erika")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()

    page.get_by_label("Kommune suchen (Name oder Gemeindeschlüssel)").fill("Erfw")
    page.get_by_role("button", name="Suchen").click()
    expect(page).to_have_url(re.compile(r"/koerperschaften/\?q=Erfw"))
    results = page.locator("#vb-results")
    expect(results.get_by_role("link", name="Erfweiler")).to_be_visible()

    # HTMX: typing replaces the results in place and pushes the new URL.
    page.get_by_label("Name oder Gemeindeschlüssel").fill("Schind")
    expect(results.get_by_role("link", name="Schindhard")).to_be_visible()
    expect(results.get_by_role("link", name="Erfweiler")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=Schind"))

    page.get_by_label("Name oder Gemeindeschlüssel").fill("Erfweiler")
    results.get_by_role("link", name="Erfweiler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erfweiler")
    map_container = page.locator("#vb-body-map")
    expect(map_container).to_have_attribute("aria-label", "Karte: Erfweiler und Nachbarn")
    # the body and its neighbour, both drawn as SVG paths by Leaflet
    expect(map_container.locator(".leaflet-overlay-pane path")).to_have_count(2)
    expect(page.get_by_role("link", name="Schindhard")).to_be_visible()
