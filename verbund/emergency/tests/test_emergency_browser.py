"""End to end in headless Chromium, the issue's browser test: the head of the joint staff (LdS) opens an
event on the staff page; S2 writes a message with a place (German coordinates); the Koordinierungsgruppe
screens it and assigns it to S2; the situation map shows it as a marker of the layer "Meldungen"
(checked on the drawn marker, on the map's layers and in the legend), its popup leads to the message;
S2 finds the notification of the assignment in the inbox. (Same Playwright set-up as
``verbund/web/tests/test_browser.py``, whose ``page`` fixture fails on any script error.)"""

from __future__ import annotations

import re

import pytest

from verbund.emergency.models import Event, Message, MessageState
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

from .factories import joint_staff_world

pytestmark = pytest.mark.browser


def _login(page, live_server, user) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_open_an_event_write_and_screen_a_message_and_see_it_on_the_map(live_server, page) -> None:  # noqa: F811
    from playwright.sync_api import expect

    world = joint_staff_world()
    for person in (world.lead, world.kgs, world.s2):
        person.set_password(PASSWORD)
        person.save()

    # the head of staff opens the event on the staff page
    _login(page, live_server, world.lead)
    page.goto(f"{live_server.url}/krisenstab/stab/{world.staff.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gemeinsamer Verwaltungsstab")
    page.get_by_role("link", name="Lage eröffnen", exact=True).click()
    page.get_by_label("Bezeichnung").fill("Stromausfall Westpfalz")
    page.get_by_label("Mittelpunkt Breite").fill("49.44")
    page.get_by_label("Mittelpunkt Länge").fill("7.77")
    page.get_by_role("button", name="Lage eröffnen und alarmieren").click()
    expect(page.get_by_text("Die Lage ist eröffnet")).to_be_visible()
    incident = Event.objects.get(title="Stromausfall Westpfalz")

    # a member (S2) writes a message with a place
    _login(page, live_server, world.s2)
    page.goto(f"{live_server.url}/krisenstab/lage/{incident.pk}/")
    page.get_by_role("link", name="Nachrichten", exact=True).first.click()
    page.get_by_role("link", name="Nachricht aufnehmen").click()
    page.get_by_label("Blitz").check()
    page.get_by_label("Absender/in").fill("Pfalzwerke Leitstelle")
    page.get_by_label("Betreff").fill("Umspannwerk Nord ausgefallen")
    page.get_by_label("Inhalt", exact=True).fill("Trafo 3 ausgefallen, 12.000 Haushalte ohne Strom.")
    page.get_by_label(re.compile(r"^Ort – optional")).fill("Umspannwerk Nord, Kaiserslautern")
    page.get_by_label(re.compile(r"^Koordinaten des Ortes \(Breite; Länge\)")).fill("49,4447; 7,7690")
    page.get_by_role("button", name="Nachricht speichern").click()
    expect(page.get_by_text("Nachricht Nr. 1 ist aufgenommen.")).to_be_visible()
    expect(page.get_by_text("Umspannwerk Nord, Kaiserslautern (49,4447; 7,769)")).to_be_visible()

    # not on the map before the screening
    page.goto(f"{live_server.url}/krisenstab/lage/{incident.pk}/karte/")
    expect(page.locator("#vb-situation-map.vb-map--ready")).to_be_visible()
    expect(page.locator("#vb-situation-map .vb-situation-message")).to_have_count(0)

    # the Koordinierungsgruppe screens it and assigns it to S2
    _login(page, live_server, world.kgs)
    page.goto(f"{live_server.url}/krisenstab/lage/{incident.pk}/nachrichten/1/")
    page.get_by_label("Vermerk der Sichtung").fill("Lagekarte aktualisieren")
    page.get_by_label("S2 Lage").check()
    page.get_by_role("button", name="Gesichtet").click()
    expect(page.get_by_text("Nachricht Nr. 1 ist gesichtet.")).to_be_visible()
    message = Message.objects.get(event=incident, number=1)
    assert message.state == MessageState.ASSIGNED and message.assigned_to == ["S2"]

    # the map shows it: a marker of its own layer, in the legend and in the table
    page.get_by_role("link", name="auf der Lagekarte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lagekarte: Stromausfall Westpfalz")
    map_ = page.locator("#vb-situation-map.vb-map--ready")
    expect(map_).to_be_visible()
    marker = page.locator("#vb-situation-map .vb-situation-message")
    expect(marker).to_have_count(1)
    expect(marker).to_have_class(re.compile(r"vb-situation-message--blitz"))
    expect(page.locator("#vb-situation-map .vb-situation-icon")).to_have_count(0)  # no drawn objects
    layer = page.locator("#vb-situation-map").evaluate(
        """(el) => el.vbLayers.messages.getLayers().map((m) => ({
            lat: m.getLatLng().lat, lon: m.getLatLng().lng,
            kind: m.feature.properties.kind, number: m.feature.properties.number,
            priority: m.feature.properties.priority_label, subject: m.feature.properties.subject,
            onMap: el.vbMap.hasLayer(m)
        }))"""
    )
    assert layer == [
        {
            "lat": 49.4447,
            "lon": 7.769,
            "kind": "nachricht",
            "number": 1,
            "priority": "Blitz",
            "subject": "Umspannwerk Nord ausgefallen",
            "onMap": True,
        }
    ]
    expect(page.locator(".leaflet-control-layers")).to_contain_text("Meldungen")
    legend = page.locator('#vb-situation-legend [data-vb-legend="nachricht"]')
    expect(legend).to_have_text(re.compile(r"Meldung, Vorrang Blitz"))
    expect(page.locator("#vb-map-messages")).to_contain_text("Umspannwerk Nord ausgefallen")

    # the popup names priority, number and subject and leads to the message
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Blitz · Nr. 1")
    expect(popup).to_contain_text("Umspannwerk Nord ausgefallen")
    popup.get_by_role("link", name="Nachricht öffnen").click()
    expect(page).to_have_url(re.compile(rf"/krisenstab/lage/{incident.pk}/nachrichten/1/$"))

    # S2 is told about the assignment (number and priority, not the content)
    _login(page, live_server, world.s2)
    page.goto(live_server.url + "/benachrichtigungen/")
    expect(
        page.get_by_text("Nachricht Nr. 1 (Vorrang Blitz) ist Ihrer Funktion im Stab zugewiesen.")
    ).to_be_visible()
    expect(page.get_by_text("Trafo 3")).to_have_count(0)
