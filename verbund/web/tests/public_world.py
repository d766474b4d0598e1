"""Test data of the public pages (start page, open data): a Landkreis with three Verbandsgemeinden
(3, 3 and 2 Ortsgemeinden), and

* ``active``: a published alliance in Umsetzung of ``vg1`` and ``vg3`` (covering their five
  Ortsgemeinden) and one Ortsgemeinde of ``vg2``;
* ``hidden``: an unpublished idea of the Landkreis (visible to the operator, not to the public);
* ``ended``: a published, ended alliance of ``vg2`` (history: not counted);
* ``programme``: 5 Mio EUR in 2025 and 2026, one grant of 100,000 EUR in each year.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone

from verbund.alliances.tests.factories import AllianceFactory
from verbund.funding import services, workflow
from verbund.funding.models import Application
from verbund.funding.tests.factories import TEST_ACTOR, ProgrammeFactory, draft_application, fill_draft
from verbund.registry.tests.factories import BodyFactory


def public_world() -> SimpleNamespace:
    kreis = BodyFactory.create(landkreis=True, name="Landkreis Musterkreis")
    vg1 = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Verbandsgemeinde Eins")
    vg2 = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Verbandsgemeinde Zwei")
    ogs1 = [BodyFactory.create(parent=vg1, name=f"Ort Eins {i}") for i in range(3)]
    vg3 = BodyFactory.create(verbandsgemeinde=True, parent=kreis, name="Verbandsgemeinde Drei")
    ogs2 = [BodyFactory.create(parent=vg2, name=f"Ort Zwei {i}") for i in range(3)]
    ogs3 = [BodyFactory.create(parent=vg3, name=f"Ort Drei {i}") for i in range(2)]
    active = AllianceFactory.create(
        published=True, umsetzung=True, name="Gemeinsame Vergabestelle", members=[vg1, vg3, ogs2[0]]
    )
    hidden = AllianceFactory.create(name="Geheimer Entwurf", members=[kreis])
    ended = AllianceFactory.create(published=True, beendet=True, name="Alter Verbund", members=[vg2])
    programme = ProgrammeFactory.create(name="IKZ-Pilotförderung")
    application = fill_draft(draft_application(programme=programme, alliance=active, applicant=vg1))
    Application.objects.filter(pk=application.pk).update(
        status=workflow.IN_PRUEFUNG, submitted_at=timezone.now()
    )
    application.refresh_from_db()
    services.application_grant(
        actor=TEST_ACTOR,
        application=application,
        amounts_by_year={2025: "100000.00", 2026: "100000.00"},
        notify=False,
    )
    return SimpleNamespace(
        kreis=kreis,
        vg1=vg1,
        vg2=vg2,
        vg3=vg3,
        ogs1=ogs1,
        ogs2=ogs2,
        ogs3=ogs3,
        active=active,
        hidden=hidden,
        ended=ended,
        programme=programme,
        application=application,
    )
