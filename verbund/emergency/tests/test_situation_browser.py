"""End to end in headless Chromium: S2 of the joint staff opens the situation map, sees the objects
drawn with their tactical symbols, draws a new damage point by typing German coordinates, and steps
back with the slider to the state before a change (the server draws that moment). Same Playwright
set-up as ``verbund/web/tests/test_browser.py`` (its ``page`` fixture fails on any script error)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from verbund.emergency.models import FeatureKind
from verbund.emergency.services import situation as svc
from verbund.web.tests.test_browser import PASSWORD, page  # noqa: F401  (fixture)

from .factories import event, joint_staff_world

pytestmark = pytest.mark.browser

AREA = {
    "type": "Polygon",
    "coordinates": [[[7.70, 49.40], [7.80, 49.40], [7.80, 49.48], [7.70, 49.48], [7.70, 49.40]]],
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_s2_draws_on_the_map_and_replays_an_earlier_state(live_server, page) -> None:  # noqa: F811
    from playwright.sync_api import expect

    world = joint_staff_world()
    world.s2.set_password(PASSWORD)
    world.s2.save()
    now = timezone.now()
    incident = event(world.staff, title="Stromausfall Westpfalz", opened_at=now - dt.timedelta(hours=3))
    area = svc.add_feature(
        actor=world.s2,
        event_id=incident.pk,
        kind=FeatureKind.AREA,
        label="Versorgungsgebiet Ost",
        geometry=AREA,
        now=now - dt.timedelta(hours=2),
    )
    svc.add_feature(
        actor=world.s2,
        event_id=incident.pk,
        kind=FeatureKind.RESOURCE,
        symbol="organisationen/thw",
        label="THW OV Kaiserslautern",
        geometry={"type": "Point", "coordinates": [7.75, 49.44]},
        now=now - dt.timedelta(hours=2) + dt.timedelta(minutes=1),
    )
    svc.change_feature(
        actor=world.s2,
        event_id=incident.pk,
        uid=area.uid,
        label="Versorgungsgebiet Ost (erweitert)",
        now=now - dt.timedelta(hours=1),
    )

    page.goto(live_server.url + "/konto/anmelden/")
    page.get_by_label("Benutzername").fill(world.s2.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Angemeldet als")).to_be_visible()

    page.goto(f"{live_server.url}/krisenstab/lage/{incident.pk}/karte/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lagekarte: Stromausfall Westpfalz")
    expect(page.locator("#vb-situation-map.vb-map--ready")).to_be_visible()
    expect(page.locator("#vb-situation-map .vb-situation-icon")).to_have_count(2)
    expect(page.locator("#vb-situation-map path.leaflet-interactive")).to_have_count(1)

    page.get_by_label("Art", exact=True).select_option("schaden")
    page.get_by_label("Beschriftung", exact=True).fill("Umspannwerk Nord")
    page.get_by_label("Koordinaten (Breite; Länge)").fill("49,4447; 7,7690")
    page.get_by_role("button", name="Eintragen", exact=True).click()
    expect(page.get_by_text("„Umspannwerk Nord“ ist auf der Lagekarte eingetragen.")).to_be_visible()
    expect(page.locator("#vb-situation-map .vb-situation-icon")).to_have_count(3)
    expect(page.locator("#vb-features")).to_contain_text("Umspannwerk Nord")

    # the slider: the second change (the THW unit added) comes before the area was extended
    slider = page.locator("#vb-replay-step")
    expect(slider).to_be_visible()
    slider.fill("1")
    expect(page).to_have_url(re.compile(r"zeitpunkt="))
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Stand am")
    table = page.locator("#vb-features")
    expect(table).to_contain_text("Versorgungsgebiet Ost")
    expect(table).not_to_contain_text("erweitert")
    expect(table).not_to_contain_text("Umspannwerk Nord")
    expect(page.locator("#vb-situation-map .vb-situation-icon")).to_have_count(2)
