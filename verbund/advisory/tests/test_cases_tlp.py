"""TLP-labelled data of the security part never reaches an advisory case: a TLP:RED advisory shared
in the alliance a case is about appears on no case page and in no API answer, and case pages link no
security objects."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from verbund.advisory.services import cases as svc
from verbund.security.models import Advisory, Distribution, Tlp
from verbund.security.services.advisories import import_advisory
from verbund.security.tests.test_csaf_validation import sample_advisory

from .test_cases_services import case_world, open_sample

pytestmark = pytest.mark.django_db

RED_TITLE = "ROT-VERTRAULICH Schwachstelle im Fachverfahren Einwohnerwesen"


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = case_world()
    document = sample_advisory()
    document["document"]["title"] = RED_TITLE
    import_advisory(w.clerk_a, document, tlp="red", owner_body=w.body_a)
    advisory = Advisory.objects.get()
    Advisory.objects.filter(pk=advisory.pk).update(distribution=Distribution.ALLIANCE, alliance=w.alliance)
    advisory.refresh_from_db()
    assert advisory.tlp == Tlp.RED and advisory.title == RED_TITLE
    w.advisory = advisory
    w.case = open_sample(w, title="IT-Sicherheit im Verbund", alliance=w.alliance)
    svc.add_party(actor=w.office, case_id=w.case.pk, alliance=w.alliance)
    svc.transition(actor=w.office, case_id=w.case.pk, action="beginnen")
    return w


def test_a_red_advisory_never_appears_in_a_case(world: SimpleNamespace) -> None:
    case = world.case
    for user in (world.office, world.clerk_a, world.coordinator):
        client = Client()
        client.force_login(user)
        answers = [
            client.get("/beratung/faelle/"),
            client.get(f"/beratung/faelle/{case.pk}/"),
            client.get(f"/api/v1/advisory/cases/{case.pk}"),
            client.get("/api/v1/advisory/cases"),
            client.get(f"/api/v1/advisory/cases/{case.pk}/notes"),
            client.get(f"/api/v1/advisory/cases/{case.pk}/documents"),
            client.get(f"/api/v1/advisory/cases/{case.pk}/appointments"),
        ]
        if user == world.office:
            answers += [
                client.get("/beratung/arbeitsliste/"),
                client.get(f"/beratung/faelle/{case.pk}/bearbeiten/"),
            ]
        for response in answers:
            assert response.status_code == 200
            text = response.content.decode()
            assert RED_TITLE not in text
            assert world.advisory.tracking_id not in text
            # no link to a security object (the site navigation links the part's start page only)
            assert not re.search(r'href="/(sicherheit/[^"]+|api/v1/security)', text), response.request[
                "PATH_INFO"
            ]
    # the same person reads the advisory in the security part (so the absence above means something)
    owner = Client()
    owner.force_login(world.clerk_a)
    page = owner.get(f"/sicherheit/hinweise/{world.advisory.pk}/")
    assert page.status_code == 200 and RED_TITLE in page.content.decode()
