"""End to end in headless Chromium: the coordinator of an alliance (also head of the providing
Verbandsgemeinde) creates a shared service, sets a mixed key (50 % Grundbetrag + 50 % inhabitants)
and watches the HTMX preview of the shares, enters the actual costs of the year, computes the final
settlement and finalizes it; the finalized settlement shows the shares and can no longer be changed.
(Same Playwright set-up as ``verbund/web/tests/test_browser.py``, whose ``page`` fixture it uses.)"""

from __future__ import annotations

import re

import pytest

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import Settlement, SharedService
from verbund.shared_services.tests.factories import ensure_seed_data
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_set_up_a_service_with_a_mixed_key_and_finalize_a_year(live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    ensure_seed_data()
    kreis = BodyFactory.create(landkreis=True, name="Donnersbergkreis")
    kibo = BodyFactory.create(
        verbandsgemeinde=True, parent=kreis, name="Kirchheimbolanden", population=30_000
    )
    goellheim = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Göllheim", population=10_000)
    klara = User.objects.create_user("klara", password=PASSWORD, first_name="Klara", last_name="Koordination")
    RoleAssignment.objects.create(user=klara, role=Role.VERWALTUNGSLEITUNG, body=kibo)
    AllianceFactory.create(
        name="Zentrale Vergabestelle", slug="vergabe", members=[kibo, goellheim], coordinator=klara
    )

    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill("klara")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()

    # the service, from the "Dienste" navigation
    page.get_by_role("link", name="Dienste", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geteilte Dienste")
    page.get_by_role("link", name="Dienst anlegen").click()
    page.get_by_label("Bezeichnung").fill("Zentrale Vergabestelle")
    page.get_by_label("Aufgabe").select_option(label="Vergabestelle")
    page.get_by_label("Erbringende Körperschaft").select_option(label="Kirchheimbolanden")
    page.get_by_label("Kirchheimbolanden", exact=True).check()
    page.get_by_label("Göllheim", exact=True).check()
    page.get_by_label("Beginn").fill("2025-01-01")
    page.get_by_role("button", name="Dienst anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verteilungsschlüssel festlegen")

    # a mixed key; the preview follows every change (HTMX) with a sample total
    page.get_by_label("Mischschlüssel (z. B. 50 % Grundbetrag + 50 % Einwohner)").check()
    page.get_by_label("Teil 1: Anteil in %").fill("50")
    page.get_by_label("Teil 1: Grundlage").select_option(label="Grundbetrag (gleiche Teile)")
    page.get_by_label("Teil 2: Anteil in %").fill("50")
    page.get_by_label("Teil 2: Grundlage").select_option(label="Einwohner")
    page.get_by_label("Vorschau für das Jahr").fill("2025")
    page.get_by_label("Vorschau-Betrag (EUR)").fill("1000")
    preview = page.locator("#vb-ss-preview")
    # 500 / 2 + 500 × 30,000 / 40,000 = 625; the other 375
    expect(preview.get_by_role("row", name=re.compile("Kirchheimbolanden"))).to_contain_text("625,00 EUR")
    expect(preview.get_by_role("row", name=re.compile("Göllheim"))).to_contain_text("375,00 EUR")
    page.get_by_role("button", name="Schlüssel speichern").click()
    expect(page.get_by_text("Der Verteilungsschlüssel ist gespeichert.")).to_be_visible()
    expect(page.locator("#schluessel")).to_contain_text(
        "50 % Grundbetrag zu gleichen Teilen + 50 % nach Einwohnern"
    )
    service = SharedService.objects.get(name="Zentrale Vergabestelle")

    # actual costs 2025 (the coordinator heads the providing body, so may keep the cost plan)
    page.goto(f"{live_server.url}/dienste/{service.pk}/kosten/2025/actual/")
    page.get_by_label("Kostenart").select_option(label="IT")
    page.get_by_label("Bezeichnung").fill("eVergabe-Plattform")
    page.get_by_label("Betrag in EUR (Sach-, IT-, sonstige Kosten, Erlöse)").fill("12000")
    page.get_by_role("button", name="Hinzufügen").click()
    expect(page.locator("#vb-ss-cost-totals")).to_contain_text("12.000,00 EUR")

    # compute and finalize the final settlement of 2025
    page.get_by_role("link", name="Abrechnungen", exact=True).click()
    page.get_by_label("Jahr").fill("2025")
    page.get_by_label("Art").select_option(label="Spitzabrechnung")
    page.get_by_role("button", name="Berechnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spitzabrechnung 2025")
    lines = page.locator("#vb-ss-lines-table")
    expect(lines.get_by_role("row", name=re.compile("Kirchheimbolanden"))).to_contain_text("7.500,00 EUR")
    expect(lines.get_by_role("row", name=re.compile("Göllheim"))).to_contain_text("4.500,00 EUR")
    page.get_by_text("Abrechnung abschließen", exact=True).click()  # opens the confirmation
    page.get_by_role("button", name="Verbindlich abschließen").click()
    expect(page.get_by_text("ist abgeschlossen und kann nicht mehr geändert werden")).to_be_visible()
    expect(page.get_by_role("button", name="Verbindlich abschließen")).to_have_count(0)
    settlement = Settlement.objects.get(service=service)
    assert settlement.is_finalized
    assert sorted(settlement.lines.values_list("share", flat=True)) == [4500, 7500]
