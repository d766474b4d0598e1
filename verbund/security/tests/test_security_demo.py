"""The security demo (load_demo): on the cyber alliance of the five VGs around Kaiserslautern it
creates inventories, imports advisories (here the built-in one, without a data directory) and runs
the matcher, records the shared ISB with shares and a finalized settlement, one TLP:AMBER incident to
the alliance and WiBA progress on the sample checklists. A second run creates nothing; the demo ISB
signs in like the other demo users and sees the alliance's incident, a member of another alliance
does not."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from verbund.accounts.demo import DEMO_PASSWORD
from verbund.accounts.models import User
from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.demo import load_demo_alliances
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory, LandFactory
from verbund.security import demo
from verbund.security.models import (
    Advisory,
    Asset,
    Incident,
    Match,
    OfficerShare,
    SharedOfficer,
    WibaAnswer,
    WibaAssessment,
    WibaChecklist,
)
from verbund.shared_services.models import Settlement
from verbund.shared_services.tests.factories import ensure_seed_data

pytestmark = pytest.mark.django_db

#: The official data directory as configured (the fixture below points the demo elsewhere).
REAL_DATA_DIR = Path(django_settings.VERBUND_DATA_DIR)

VGS = {
    demo.BRUCHMUEHLBACH: "Bruchmühlbach-Miesau",
    demo.ENKENBACH: "Enkenbach-Alsenborn",
    demo.LANDSTUHL: "Landstuhl",
    demo.RAMSTEIN: "Ramstein-Miesenbach",
    demo.WEILERBACH: "Weilerbach",
}


@pytest.fixture
def registry(db, settings, tmp_path):
    settings.VERBUND_DATA_DIR = str(tmp_path)  # no CSAF files: the built-in advisory is used
    ensure_seed_data()
    land = LandFactory.create(state="07")
    kreis = BodyFactory.create(
        landkreis=True, parent=land, key="07335", ars="073350000000", name="Kaiserslautern"
    )
    for key, name in VGS.items():
        BodyFactory.create(verbandsgemeinde=True, parent=kreis, key=key, ars=f"{key}000", name=name)
    # members of another demo alliance (Zentrale Vergabestelle: Donnersbergkreis and its VGs)
    donnersberg = BodyFactory.create(
        landkreis=True, parent=land, key="07333", ars="073330000000", name="Donnersbergkreis"
    )
    BodyFactory.create(
        verbandsgemeinde=True,
        parent=donnersberg,
        key="073335004",
        ars="073335004000",
        name="Kirchheimbolanden",
    )
    load_demo_alliances()
    return donnersberg


def _counts() -> dict[str, int]:
    return {
        "assets": Asset.objects.count(),
        "advisories": Advisory.objects.count(),
        "matches": Match.objects.count(),
        "officers": SharedOfficer.objects.count(),
        "shares": OfficerShare.objects.count(),
        "settlements": Settlement.objects.count(),
        "incidents": Incident.objects.count(),
        "checklists": WibaChecklist.objects.count(),
        "assessments": WibaAssessment.objects.count(),
        "answers": WibaAnswer.objects.count(),
    }


def test_demo_loads_everything_once(registry):
    logins = demo.ensure_demo_security_users()
    created = demo.load_demo_security(stdout=io.StringIO())
    first = _counts()
    audit_before = AuditEntry.objects.count()

    assert [u for u, _p, _d in logins] == [demo.ISB_USERNAME, demo.DEPUTY_USERNAME]
    assert first["assets"] >= 35 and first["advisories"] == 1 and first["matches"] >= 1
    assert Match.objects.filter(asset__vendor="Siemens", asset__owner_body__key=demo.LANDSTUHL).exists()
    assert (first["officers"], first["shares"], first["incidents"], first["checklists"]) == (1, 5, 1, 2)
    assert first["settlements"] == 1 and Settlement.objects.get().status == "finalized"
    assert first["assessments"] == 8  # four VGs × two checklists; Bruchmühlbach-Miesau has not begun
    assert created["Sicherheitsvorfälle"] == 1

    demo.ensure_demo_security_users()
    again = demo.load_demo_security(stdout=io.StringIO())

    assert _counts() == first
    assert again == {}
    assert AuditEntry.objects.count() == audit_before


def test_demo_leaves_users_work_alone(registry):
    demo.ensure_demo_security_users()
    demo.load_demo_security()
    assessment = WibaAssessment.objects.filter(owner_body__key=demo.LANDSTUHL).first()
    assert assessment is not None
    assessment.answers.all().delete()  # someone cleared their answers
    Incident.objects.update(title="Umbenannt von der VG")

    demo.load_demo_security()

    assert not assessment.answers.exists()
    assert Incident.objects.count() == 1


def test_isb_signs_in_and_sees_the_shared_incident_an_outsider_does_not(registry, client):
    demo.ensure_demo_security_users()
    demo.load_demo_security()
    incident = Incident.objects.get()
    url = reverse("security:incident_detail", args=[incident.pk])
    outsider = UserFactory(staff_of=registry)  # Donnersbergkreis: member of another alliance

    isb = User.objects.get(username=demo.ISB_USERNAME)
    assert isb.is_active and isb.check_password(DEMO_PASSWORD)
    assert isb.email == "isb.cyber@verbund.invalid"
    client.force_login(isb)
    seen = client.get(url)
    officers = client.get(reverse("security:officer_list"))
    wiba = client.get(reverse("security:wiba_alliance", args=[demo.CYBER]))
    client.force_login(outsider)
    hidden = client.get(url)
    api_hidden = client.get(f"/api/v1/security/incidents/{incident.pk}")

    assert seen.status_code == 200
    assert demo.INCIDENT_TITLE in seen.content.decode()
    assert "Ines Sicherheit" in officers.content.decode()
    assert wiba.status_code == 200 and "nicht begonnen" in wiba.content.decode()
    assert hidden.status_code == 404
    assert api_hidden.status_code == 404


def test_load_demo_command_records_the_part_once(registry, monkeypatch):
    from verbund.web.models import DemoLoad

    monkeypatch.setattr(
        "verbund.web.management.commands.load_demo.Command._load_registry", lambda self, *a, **k: None
    )
    monkeypatch.setattr(
        "verbund.registry.services.resolve_registry_source",
        lambda prefer="auto": type(
            "S", (), {"note": "Test", "gv100ad": None, "state": "07", "boundaries": ()}
        )(),
    )
    for part in ("accounts", "alliances", "funding", "shared_services", "planning", "notifications"):
        DemoLoad.objects.create(part=part)

    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    first = _counts()
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())

    load = DemoLoad.objects.get(part="security")
    assert [u for u, _d in load.logins] == [demo.ISB_USERNAME, demo.DEPUTY_USERNAME]
    assert _counts() == first and first["incidents"] == 1


def test_demo_imports_the_real_advisories_of_the_data_directory(registry, settings):
    real = REAL_DATA_DIR / "csaf" / "real_advisories"
    if not real.is_dir():
        pytest.skip(f"CSAF advisories not found in VERBUND_DATA_DIR={REAL_DATA_DIR}")
    settings.VERBUND_DATA_DIR = str(REAL_DATA_DIR)
    out = io.StringIO()

    demo.ensure_demo_security_users()
    demo.load_demo_security(stdout=out)

    assert Advisory.objects.count() >= 30
    assert Advisory.objects.filter(tracking_id="ICSA-18-079-02").exists()
    siemens = Match.objects.filter(asset__owner_body__key=demo.LANDSTUHL, asset__vendor="Siemens")
    assert siemens.filter(advisory__tracking_id__in=["ICSA-18-079-02", "ICSA-19-283-01"]).exists()
    assert "Sicherheitshinweise" in out.getvalue()
