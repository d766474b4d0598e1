"""End to end in headless Chromium, from draft to grant notice: the head of a member body logs in,
creates an application, fills in the cost plan and the request while the checks update live (HTMX:
too much requested → the cap check fails; corrected → it passes), saves and submits; the funding
authority finds it in its work queue, starts the review, grants it with the form and opens the grant
notice as a PDF; the portfolio shows the grant on its map. (Same Playwright set-up as
``verbund/web/tests/test_browser.py``, whose ``page`` fixture it uses.)"""

from __future__ import annotations

import re

import pytest

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.alliances.tests.factories import AllianceFactory
from verbund.funding import workflow
from verbund.funding.models import Application, GrantNotice
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, make_neighbours
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

from .factories import ProgrammeFactory

pytestmark = pytest.mark.browser


def log_in(page, live_server, username: str) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(live_server.url + "/foerderung/")
    page.get_by_role("link", name="Anmelden").click()
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_application_from_draft_to_grant_notice(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    kreis = BodyFactory.create(landkreis=True, name="Kaiserslautern", centroid_lat=49.44, centroid_lon=7.77)
    vgs = [
        BodyFactory.create(
            verbandsgemeinde=True, parent=kreis, name=name, centroid_lon=7.5 + i * 0.03, centroid_lat=49.4
        )
        for i, name in enumerate(("Landstuhl", "Ramstein-Miesenbach", "Weilerbach"))
    ]
    for vg in vgs:
        BodyBoundaryFactory.create(body=vg)
    make_neighbours(vgs[0], vgs[1])
    make_neighbours(vgs[1], vgs[2])
    AllianceFactory.create(name="Interkommunale Cybersicherheit", slug="cyber", members=vgs)
    # A project that starts after its application (no premature start) and is paid from the budget
    # years in which its costs fall.
    ProgrammeFactory.create(
        slug="ikz-pilot",
        code="IKZ-RLP",
        name="IKZ-Pilotförderung Rheinland-Pfalz",
        budgets={2027: "5000000.00", 2028: "5000000.00"},
    )
    head = User.objects.create_user("leitung", password=PASSWORD, first_name="Lena", last_name="Leitung")
    RoleAssignment.objects.create(user=head, role=Role.VERWALTUNGSLEITUNG, body=vgs[0])
    authority = User.objects.create_user(
        "bewilligung", password=PASSWORD, first_name="Frieda", last_name="Förder"
    )
    RoleAssignment.objects.create(user=authority, role=Role.BEWILLIGUNGSBEHOERDE)

    # --- the applicant drafts, with live checks, and submits -------------------------------------
    log_in(page, live_server, "leitung")
    page.get_by_role("link", name="Neuen Antrag anlegen").click()
    page.get_by_label("Verbund und antragstellendes Mitglied").select_option(
        label="Interkommunale Cybersicherheit – beantragt durch Landstuhl"
    )
    page.get_by_label("Bezeichnung des Vorhabens").fill("Gemeinsame IT-Sicherheit")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("bearbeiten")

    page.get_by_label("Beginn").fill("2027-01-01")
    page.get_by_label("Ende").fill("2028-12-31")
    page.get_by_label("IT / Software 2027").fill("150.000,00")
    page.get_by_label("Beantragte Zuwendung (EUR)").fill("250.000,00")
    page.get_by_label("Haushaltsjahr 2027 (EUR)").fill("250.000,00")
    checks = page.locator("#vb-checks")
    expect(checks.locator('[data-check="cap"]')).to_have_attribute("data-status", "fail")
    expect(checks.locator('[data-check="cap"]')).to_contain_text("40.000,00 EUR mehr als erlaubt")
    expect(checks.locator('[data-check="rate"]')).to_have_attribute("data-status", "fail")

    page.get_by_label("Beantragte Zuwendung (EUR)").fill("150.000,00")
    page.get_by_label("Haushaltsjahr 2027 (EUR)").fill("150.000,00")
    expect(checks.locator('[data-check="cap"]')).to_have_attribute("data-status", "ok")
    expect(checks.locator('[data-check="rate"]')).to_have_attribute("data-status", "ok")
    expect(checks.locator('[data-check="budget"]')).to_have_attribute("data-status", "ok")
    page.get_by_role("button", name="Entwurf speichern").click()
    expect(page.get_by_text("Entwurf gespeichert.")).to_be_visible()

    page.get_by_role("button", name="Antrag einreichen").click()
    expect(page.locator("#vb-status")).to_have_text("eingereicht")
    application = Application.objects.get()
    assert application.status == workflow.EINGEREICHT
    page.get_by_role("button", name="Abmelden").click()

    # --- the authority reviews and grants ---------------------------------------------------------
    log_in(page, live_server, "bewilligung")
    page.goto(live_server.url + "/foerderung/arbeitsvorrat/")
    page.get_by_role("link", name=application.reference).click()
    page.get_by_role("button", name="Prüfung beginnen").click()
    expect(page.locator("#vb-status")).to_have_text("in Prüfung")
    page.get_by_role("link", name="Bewilligen …").click()
    expect(page.get_by_label("Bewilligt für 2027 (EUR)")).to_have_value(re.compile(r"^150\.000,00$"))
    page.get_by_role("button", name="Weiter: Folgen prüfen und bestätigen").click()
    # The confirmation shows what becomes binding before anything is granted.
    expect(page.get_by_text("150.000,00 EUR").first).to_be_visible()
    assert not GrantNotice.objects.exists()
    page.get_by_role("button", name="Bewilligung bestätigen und Bescheid erlassen").click()
    expect(page.locator("#vb-status")).to_have_text("bewilligt")
    expect(page.get_by_text("150.000,00 EUR").first).to_be_visible()

    link = page.locator("#vb-notice-pdf")
    expect(link).to_contain_text(f"{application.reference}-B")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    assert GrantNotice.objects.get().amount == 150000

    page.goto(live_server.url + "/foerderung/portfolio/")
    expect(page.locator("#vb-grant-total")).to_have_text("150.000,00 EUR")
    expect(page.locator("#vb-portfolio-map .leaflet-interactive")).to_have_count(1)
