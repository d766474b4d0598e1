"""End to end in headless Chromium: a member body's clerk logs in, creates an alliance with the form,
finds two bodies with the HTMX member search and adds them, sees them on the alliance map, moves
the alliance to the next stage and sees the new status; the directory lists it after publishing.
(Same Playwright set-up as ``verbund/web/tests/test_browser.py``, whose ``page`` fixture it uses.)"""

from __future__ import annotations

import re

import pytest

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.alliances.models import Alliance, Membership, Status
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, make_neighbours
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_create_alliance_add_members_and_move_on(live_server, page):  # noqa: F811
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
    erika = User.objects.create_user("erika", password=PASSWORD, first_name="Erika", last_name="Muster")
    RoleAssignment.objects.create(user=erika, role=Role.SACHBEARBEITUNG, body=landstuhl)

    page.goto(live_server.url + "/verbuende/")
    page.get_by_role("link", name="Anmelden").click()
    page.get_by_label("Benutzername").fill("erika")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperationsverbünde")

    # create
    page.get_by_role("link", name="Neuen Verbund anlegen").click()
    page.get_by_role("button", name="Verbund anlegen").click()  # empty: the error is at the field
    expect(page.locator("#id_name_error")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Interkommunale Cybersicherheit")
    page.get_by_label("Kurzbeschreibung (öffentlich)").fill("Gemeinsam gegen Cyberangriffe.")
    page.get_by_label("Cybersicherheit").check()
    page.get_by_label("Rechtsform").select_option(label="Kooperationsvereinbarung")
    page.get_by_role("button", name="Verbund anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Interkommunale Cybersicherheit")
    expect(page.locator("#vb-status")).to_have_text("Status: Idee")

    # add two members through the search (HTMX replaces the results in place)
    for query, name in (("Landst", "Landstuhl"), ("Ramst", "Ramstein-Miesenbach")):
        page.get_by_label("Körperschaft suchen (Name oder Gemeindeschlüssel)").fill(query)
        candidates = page.locator("#vb-member-candidates")
        expect(candidates.get_by_label(re.compile(f"^{name}"))).to_be_checked()
        candidates.get_by_role("button", name="Als Mitglied aufnehmen").click()
        expect(page.get_by_text(f"{name} ist jetzt Mitglied des Verbunds.")).to_be_visible()
    members = page.locator("#mitglieder table")
    expect(members.get_by_role("link", name="Landstuhl")).to_be_visible()
    expect(members.get_by_role("link", name="Ramstein-Miesenbach")).to_be_visible()
    # both boundaries on the map
    expect(page.locator("#vb-alliance-map .leaflet-overlay-pane path")).to_have_count(2)

    # next stage
    page.get_by_role("button", name="Weiter zu „Anbahnung“").click()
    expect(page.locator("#vb-status")).to_have_text("Status: Anbahnung")
    expect(page.get_by_text("Der Verbund ist jetzt im Status „Anbahnung“.")).to_be_visible()

    # publish: the directory lists it
    page.get_by_role("button", name="Im Verzeichnis veröffentlichen").click()
    expect(page.get_by_text("Der Verbund steht jetzt im öffentlichen Verzeichnis.")).to_be_visible()
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Verbünde").click()
    results = page.locator("#vb-results")
    expect(results.get_by_role("link", name="Interkommunale Cybersicherheit")).to_be_visible()
    expect(page.locator("#vb-directory-map.vb-map--ready canvas")).to_have_count(1)  # members as points

    alliance = Alliance.objects.get(name="Interkommunale Cybersicherheit")
    assert alliance.status == Status.ANBAHNUNG and alliance.is_published
    assert Membership.objects.current().filter(alliance=alliance).count() == 2
