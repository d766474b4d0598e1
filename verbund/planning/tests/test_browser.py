"""End to end in headless Chromium: the head of a Verbandsgemeinde asks for partners for the
Standesamt and sees ranked proposals with reasons; the advisory office creates a Land-wide plan and
opens its map (points drawn by Leaflet, hosts marked) and table."""

from __future__ import annotations

import itertools
import os
import re

import pytest

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.registry.tests.factories import BodyFactory, LandFactory, make_neighbours
from verbund.shared_services.tests.factories import ensure_seed_data
from verbund.web.tests.test_browser import page  # noqa: F401  (the fixture)

from .conftest import at

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser
PASSWORD = "Kooperation-2026!"


def log_in(page, base: str, username: str) -> None:  # noqa: F811
    page.goto(base + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_partners_for_a_verbandsgemeinde_and_the_land_wide_map(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    ensure_seed_data()
    land = LandFactory.create(state="07")
    kreis = BodyFactory.create(landkreis=True, parent=land, name="Südwestpfalz", **at(20, 5))
    vgs = [
        BodyFactory.create(verbandsgemeinde=True, parent=kreis, name=name, population=population, **at(x))
        for name, x, population in (
            ("Verbandsgemeinde Dahner Felsenland", 0, 14_000),
            ("Verbandsgemeinde Hauenstein", 12, 9_000),
            ("Verbandsgemeinde Rodalben", 24, 16_000),
            ("Verbandsgemeinde Waldfischbach-Burgalben", 36, 12_000),
        )
    ]
    for left, right in itertools.pairwise(vgs):
        make_neighbours(left, right)
    UserFactory.create(username="leitung.dahn", password=PASSWORD, head_of=vgs[0])
    advisory = UserFactory.create(username="beratung", password=PASSWORD)
    RoleAssignmentFactory.create(user=advisory, role=Role.BERATUNGSSTELLE)

    log_in(page, live_server.url, "leitung.dahn")
    expect(page.get_by_text("Angemeldet als")).to_be_visible()
    page.get_by_role("link", name="Planung").click()
    page.get_by_role("link", name="Kooperationspotenzial von Verbandsgemeinde Dahner Felsenland").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kooperationspotenzial: Verbandsgemeinde Dahner Felsenland"
    )
    page.get_by_label("Aufgabe", exact=True).select_option("standesamt")
    page.get_by_role("button", name="Partner vorschlagen").click()
    proposals = page.locator("#vb-recommendations article")
    expect(proposals.first).to_be_visible()
    expect(proposals.first.get_by_role("heading")).to_contain_text("Vorschlag 1")
    expect(page.get_by_text("Gemeinsame Grenze mit Verbandsgemeinde Hauenstein").first).to_be_visible()
    page.get_by_role("button", name="Abmelden").click()

    log_in(page, live_server.url, "beratung")
    page.goto(live_server.url + "/planung/szenarien/neu/")
    page.get_by_label("Aufgabe", exact=True).select_option("standesamt")
    page.get_by_label("Höchstzahl Mitglieder je Gruppe").fill("2")
    page.get_by_role("button", name="Szenario rechnen").click()
    expect(page).to_have_url(re.compile(r"/planung/szenarien/\d+/$"))
    expect(page.get_by_text("fertig", exact=True)).to_be_visible()
    plan_map = page.locator("#vb-plan-map")
    expect(plan_map).to_have_class(re.compile(r"vb-map--ready"))
    # Canvas rendering: the points are drawn on one canvas; the table lists the same groups.
    expect(plan_map.locator("canvas")).to_have_count(1)
    # The points are really painted, and the canvas is shown at the size Leaflet gave it (the design
    # system's canvas { max-width: 100% } once squeezed it and the map looked empty).
    painted, shown_width, set_width = plan_map.locator("canvas").evaluate(
        """c => {
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
            return [n, c.getBoundingClientRect().width, parseFloat(c.style.width)];
        }"""
    )
    assert painted > 0
    assert abs(shown_width - set_width) < 1
    expect(page.locator("#vb-groups tbody tr")).to_have_count(2)
