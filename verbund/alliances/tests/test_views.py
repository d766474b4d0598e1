"""The alliance pages: the directory with its filters, HTMX fragment, map data and a constant query
count; an alliance's page showing the public fields to the public and more to insiders, 404 for
hidden alliances and documents; the coordinator's actions (status with refusals, publication,
members, agreements), the head's confirmation and council resolution; the create and edit forms
with their field errors; and the panel on a body's page."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import FileResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from verbund.alliances.models import (
    AgreementDocument,
    Alliance,
    AllianceRole,
    CouncilResolution,
    FieldOfAction,
    LegalForm,
    MemberRole,
    Membership,
    Status,
    StatusChange,
)
from verbund.audit.models import AuditEntry
from verbund.registry.panels import body_panels, register_body_panel, unregister_body_panel
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory

from .factories import AgreementDocumentFactory, AllianceFactory, MembershipFactory, pdf_bytes

pytestmark = pytest.mark.django_db

DIRECTORY = "/verbuende/"


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page(response: Any, status: int = 200) -> str:
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def listed(html: str) -> list[str]:
    """Alliance names linked in the directory table, in order."""
    table = html.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""
    return re.findall(r'<a class="kern-link" href="/verbuende/[^/"]+/">([^<]+)</a>', table)


def embedded_json(html: str, element_id: str) -> Any:
    """The data a page embeds with ``json_script``."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</script>', html, re.S)
    assert match is not None, element_id
    return json.loads(match[1])


def messages_of(html: str) -> str:
    alerts = re.findall(r'<div class="kern-alert[^"]*" role="status">(.*?)</div>\s*</div>', html, re.S)
    return " ".join(alerts)


@pytest.fixture
def directory(world: SimpleNamespace, alliance: Alliance) -> SimpleNamespace:
    """``alliance`` (unpublished cyber alliance of vg_a and vg_b), two published ones elsewhere."""
    alliance.fields.set([FieldOfAction.objects.get(slug="cybersicherheit")])
    other_kreis = BodyFactory(landkreis=True, name="Alzey-Worms")
    woerrstadt = BodyFactory(verbandsgemeinde=True, parent=other_kreis, name="Wörrstadt")
    app = AllianceFactory(
        name="Gemeinde-App",
        slug="gemeinde-app",
        published=True,
        anbahnung=True,
        members=[woerrstadt],
        fields=[FieldOfAction.objects.get(slug="verwaltungsdigitalisierung")],
        description="Geheime interne Notiz",
        sources="Interne Quelle XYZ",
    )
    strom = AllianceFactory(
        name="Krisenvorsorge Stromausfall",
        slug="strom",
        published=True,
        umsetzung=True,
        members=[world.vg_c, world.vg_a],
        fields=[FieldOfAction.objects.get(slug="brand-katastrophenschutz")],
    )
    return SimpleNamespace(cyber=alliance, app=app, strom=strom, woerrstadt=woerrstadt, kreis2=other_kreis)


# --- directory -------------------------------------------------------------------------------------


class TestDirectory:
    def test_anonymous_sees_published_alliances_with_public_fields_only(self, directory):
        html = page(client_for().get(DIRECTORY))
        assert listed(html) == ["Gemeinde-App", "Krisenvorsorge Stromausfall"]
        assert "Interkommunale Cybersicherheit" not in html
        assert "Geheime interne Notiz" not in html
        assert "Interne Quelle XYZ" not in html
        assert "Gemeinsames Vorhaben" in html  # the public summary
        assert "Wörrstadt" in html  # members are public
        assert 'href="/verbuende/export.csv"' in html and 'href="/verbuende/export.geojson"' in html

    def test_insiders_also_see_their_unpublished_alliance(self, directory, world):
        html = page(client_for(world.clerk_a).get(DIRECTORY))
        assert listed(html) == [
            "Gemeinde-App",
            "Interkommunale Cybersicherheit",
            "Krisenvorsorge Stromausfall",
        ]
        assert "nicht veröffentlicht" in html
        # staff of a body outside the alliance see only the published ones
        assert "Interkommunale Cybersicherheit" not in page(client_for(world.clerk_outsider).get(DIRECTORY))

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"field": "brand-katastrophenschutz"}, ["Krisenvorsorge Stromausfall"]),
            ({"status": "anbahnung"}, ["Gemeinde-App"]),
            ({"q": "strom"}, ["Krisenvorsorge Stromausfall"]),
            ({"member": "wörrst"}, ["Gemeinde-App"]),
            ({"member": "Enkenbach"}, ["Krisenvorsorge Stromausfall"]),
            ({"status": "idee"}, []),
        ],
    )
    def test_filters(self, directory, params, expected):
        assert listed(page(client_for().get(DIRECTORY, params))) == expected

    def test_kreis_and_member_key_filters(self, directory, world):
        by_kreis = page(client_for().get(DIRECTORY, {"kreis": directory.kreis2.ars[:5]}))
        assert listed(by_kreis) == ["Gemeinde-App"]
        assert listed(page(client_for().get(DIRECTORY, {"kreis": world.kreis.ars[:5]}))) == [
            "Krisenvorsorge Stromausfall"
        ]
        by_key = page(client_for().get(DIRECTORY, {"member": world.vg_c.ars}))
        assert listed(by_key) == ["Krisenvorsorge Stromausfall"]
        # the Kreis select offers the Kreise of the Länder with members, labelled readably
        assert "Landkreis Alzey-Worms" in by_kreis

    def test_the_kreis_filter_offers_only_the_kreise_of_laender_with_alliances(self, directory, world):
        hessen = BodyFactory.create(landkreis=True, state="06", name="Bergstraße")  # no alliance in Hessen
        saar = BodyFactory.create(landkreis=True, state="10", name="Merzig-Wadern")
        AllianceFactory(name="Saar intern", members=[saar])  # unpublished: its Land stays hidden
        options = re.findall(r'<option value="(\d{5})"', page(client_for().get(DIRECTORY)))
        assert hessen.ars[:5] not in options and saar.ars[:5] not in options
        assert {world.kreis.ars[:5], directory.kreis2.ars[:5]} <= set(options)
        assert all(option.startswith("07") for option in options)
        # whoever may see the Saarland alliance gets its Kreise too
        as_operator = page(client_for(world.operator).get(DIRECTORY))
        assert saar.ars[:5] in re.findall(r'<option value="(\d{5})"', as_operator)

    def test_an_invalid_filter_is_reported_at_its_field_not_an_error(self, directory):
        html = page(client_for().get(DIRECTORY, {"status": "gibtsnicht"}))
        assert "Status:" in html and "kern-alert--warning" in html
        assert listed(html) == ["Gemeinde-App", "Krisenvorsorge Stromausfall"]

    def test_htmx_request_gets_the_results_fragment(self, directory):
        response = client_for().get(DIRECTORY, {"q": "app"}, HTTP_HX_REQUEST="true")
        html = page(response)
        assert "<html" not in html and "<h1" not in html
        assert listed(html) == ["Gemeinde-App"]
        assert 'id="vb-directory-data"' in html  # the map follows the filters
        assert "HX-Request" in response["Vary"]

    def test_map_data_has_one_point_per_member_body_with_its_alliances(self, directory, world):
        html = page(client_for().get(DIRECTORY))
        data = embedded_json(html, "vb-directory-data")
        assert [entry[1] for entry in data["alliances"]] == ["Gemeinde-App", "Krisenvorsorge Stromausfall"]
        points = {f["properties"]["name"]: f for f in data["features"]}
        assert set(points) == {"Wörrstadt", "Enkenbach-Alsenborn", "Landstuhl"}
        assert points["Landstuhl"]["properties"]["alliances"] == [1]
        assert points["Landstuhl"]["geometry"]["type"] == "Point"
        # the Kreise of the Land as a simplified background (the world's Landkreis has a boundary)
        assert [f["geometry"]["type"] for f in data["outlines"]["features"]] == ["Polygon"]
        fragment = page(client_for().get(DIRECTORY, {"q": "app"}, HTTP_HX_REQUEST="true"))
        assert "outlines" not in embedded_json(fragment, "vb-directory-data")  # the map keeps its outlines

    def test_paging(self, world):
        for n in range(25):
            AllianceFactory(name=f"Verbund {n:02d}", published=True, members=[world.vg_a])
        first = page(client_for().get(DIRECTORY))
        assert len(listed(first)) == 20 and "Seite 1 von 2" in first
        assert len(listed(page(client_for().get(DIRECTORY, {"seite": 2})))) == 5
        assert len(listed(page(client_for().get(DIRECTORY, {"per_page": 50})))) == 25

    @pytest.mark.parametrize("as_user", [False, True])
    def test_query_count_does_not_grow_with_the_number_of_alliances(self, world, as_user):
        user = world.clerk_a if as_user else None
        bodies = [BodyFactory(verbandsgemeinde=True, parent=world.kreis) for _ in range(6)]
        fields = list(FieldOfAction.objects.all()[:3])

        def make(count: int) -> None:
            for n in range(count):
                AllianceFactory(published=True, members=bodies[n % 3 : n % 3 + 3], fields=fields[: n % 3 + 1])

        def queries() -> int:
            client = client_for(user)
            client.get(DIRECTORY)  # warm the session
            with CaptureQueriesContext(connection) as ctx:
                html = page(client.get(DIRECTORY, {"per_page": 100}))
            assert "Verb" in html
            return len(ctx.captured_queries)

        make(3)
        few = queries()
        make(27)
        many = queries()
        assert Alliance.objects.count() == 30
        assert few == many


# --- alliance page ---------------------------------------------------------------------------------


class TestDetail:
    def test_public_view_shows_public_fields_and_the_map(self, directory, world):
        app = directory.app
        app.legal_form = LegalForm.KOOPERATIONSVEREINBARUNG
        app.reported_grant_eur = "83000.00"
        app.save()
        BodyBoundaryFactory(body=directory.woerrstadt)
        html = page(client_for().get(app.get_absolute_url()))
        assert len(re.findall(r"<h1[\s>]", html)) == 1 and "Gemeinde-App" in html
        assert "Status: Anbahnung" in html
        assert "Verwaltungsdigitalisierung" in html and "Wörrstadt" in html
        assert "Einwohner insgesamt" in html  # derived facts with their reasoning
        for internal in ("Geheime interne Notiz", "Interne Quelle XYZ", "Kooperationsvereinbarung", "83.000"):
            assert internal not in html
        assert "Verlauf" not in html and "Vereinbarungen und Beschlüsse" not in html
        assert "Verbund steuern" not in html
        data = embedded_json(html, "vb-alliance-map-data")
        assert [f["properties"]["name"] for f in data["features"]] == ["Wörrstadt"]
        assert data["features"][0]["geometry"]["type"] == "Polygon"

    def test_hidden_alliance_is_404_for_the_public_and_outsiders(self, directory, world):
        url = directory.cyber.get_absolute_url()
        assert client_for().get(url).status_code == 404
        assert client_for(world.clerk_outsider).get(url).status_code == 404
        assert client_for().get("/verbuende/gibt-es-nicht/").status_code == 404

    def test_insiders_see_history_documents_timeline_and_reported_grant(self, directory, world):
        cyber = directory.cyber
        cyber.reported_grant_eur = "321411.61"
        cyber.reported_grant_note = "100 %, 2026–2027"
        cyber.sources = "ol.wittich.de 186/2026/3"
        cyber.save()
        MembershipFactory(alliance=cyber, body=world.vg_c, left=True)
        StatusChange.objects.create(alliance=cyber, to_status=Status.IDEE, note="angelegt")
        AgreementDocumentFactory(alliance=cyber, title="Zweckvereinbarung")
        html = page(client_for(world.clerk_a).get(cyber.get_absolute_url()))
        assert "321.411,61 EUR (100 %, 2026–2027)" in html
        assert "ol.wittich.de 186/2026/3" in html
        assert "30.06.2025" in html  # the former member's leaving date
        assert "angelegt" in html
        assert "Zweckvereinbarung" in html and "PDF herunterladen" in html
        assert "Verbund steuern" not in html  # staff read, coordinators steer
        assert "Mitgliedschaft bestätigen" not in html  # only heads confirm

    def test_coordinator_sees_the_actions(self, directory, world):
        html = page(client_for(world.coordinator).get(directory.cyber.get_absolute_url()))
        assert "Verbund steuern" in html
        assert "Weiter zu „Anbahnung“" in html and "Verbund beenden" in html
        assert "Im Verzeichnis veröffentlichen" in html
        assert "Mitglied aufnehmen" in html and "Vereinbarung hochladen" in html
        assert "Beschluss eintragen" in html  # coordinators may record resolutions too


# --- documents -------------------------------------------------------------------------------------


class TestDocuments:
    def test_download_only_for_insiders(self, directory, world):
        directory.app.fields.clear()
        doc = AgreementDocumentFactory.create(alliance=directory.app)  # a published alliance
        url = reverse("alliances:agreement_file", args=["gemeinde-app", doc.pk])
        assert client_for().get(url).status_code == 404
        assert client_for(world.clerk_a).get(url).status_code == 404
        response = client_for(world.advisory).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert cast(FileResponse, response).getvalue().startswith(b"%PDF-")
        # the same document under another alliance's address does not exist
        assert client_for(world.advisory).get(url.replace("gemeinde-app", "strom")).status_code == 404

    def test_resolution_download_and_missing_file(self, directory, world):
        cyber = directory.cyber
        with_file = CouncilResolution.objects.create(
            alliance=cyber,
            body=world.vg_a,
            decided_on="2025-02-01",
            decided_by="verbandsgemeinderat",
            subject="Beitritt",
            file=SimpleUploadedFile("b.pdf", pdf_bytes("Beschluss")),
        )
        without = CouncilResolution.objects.create(
            alliance=cyber,
            body=world.vg_b,
            decided_on="2025-02-02",
            decided_by="verbandsgemeinderat",
            subject="x",
        )
        url = reverse("alliances:resolution_file", args=["cyber", with_file.pk])
        assert client_for(world.head_b).get(url).status_code == 200
        assert client_for(world.clerk_outsider).get(url).status_code == 404
        missing = reverse("alliances:resolution_file", args=["cyber", without.pk])
        assert client_for(world.head_b).get(missing).status_code == 404


# --- coordinator actions ---------------------------------------------------------------------------


class TestCoordinatorActions:
    def test_next_stage_and_refused_transition(self, alliance, world):
        client = client_for(world.coordinator)
        url = reverse("alliances:transition", args=["cyber"])
        response = client.post(url, {"to": "anbahnung", "note": "Erstes Treffen"}, follow=True)
        html = page(response)
        alliance.refresh_from_db()
        assert alliance.status == Status.ANBAHNUNG
        assert "jetzt im Status „Anbahnung“" in messages_of(html)
        assert "Status: Anbahnung" in html and "Erstes Treffen" in html
        # no legal form yet: "Vereinbarung geschlossen" is refused with the reason, shown as an alert
        html = page(client.post(url, {"to": "vereinbarung"}, follow=True))
        alliance.refresh_from_db()
        assert alliance.status == Status.ANBAHNUNG
        assert "kern-alert--danger" in html
        assert "Rechtsform" in messages_of(html)
        # skipping a stage is refused too
        html = page(client.post(url, {"to": "regelbetrieb"}, follow=True))
        assert "jede Stufe wird einzeln durchlaufen" in messages_of(html)

    def test_only_changers_may_act(self, directory, world):
        url = reverse("alliances:transition", args=["cyber"])
        assert client_for(world.clerk_a).post(url, {"to": "anbahnung"}).status_code == 403
        assert client_for().post(url, {"to": "anbahnung"}).status_code == 404
        assert client_for(world.advisory).post(url, {"to": "anbahnung"}).status_code == 403
        published = reverse("alliances:transition", args=["gemeinde-app"])
        assert client_for(world.clerk_outsider).post(published, {"to": "beendet"}).status_code == 403
        assert client_for().get(url).status_code == 405
        directory.cyber.refresh_from_db()
        assert directory.cyber.status == Status.IDEE

    def test_publish_needs_a_public_summary(self, alliance, world):
        alliance.public_summary = ""
        alliance.save()
        client = client_for(world.coordinator)
        url = reverse("alliances:publication", args=["cyber"])
        html = page(client.post(url, {"action": "publish"}, follow=True))
        assert "Kurzbeschreibung" in messages_of(html)
        alliance.public_summary = "Gemeinsam sicher."
        alliance.save()
        client.post(url, {"action": "publish"})
        alliance.refresh_from_db()
        assert alliance.is_published
        assert client_for().get(alliance.get_absolute_url()).status_code == 200
        client.post(url, {"action": "unpublish"})
        alliance.refresh_from_db()
        assert not alliance.is_published

    def test_member_search_add_and_remove(self, alliance, world):
        client = client_for(world.coordinator)
        search = reverse("alliances:member_search", args=["cyber"])
        fragment = page(client.get(search, {"member_q": "Enken"}, HTTP_HX_REQUEST="true"))
        assert "<html" not in fragment
        assert f'value="{world.vg_c.ars}"' in fragment
        # current members are not offered again
        assert f'value="{world.vg_a.ars}"' not in page(client.get(search, {"member_q": "Landst"}))
        # without JavaScript the alliance page shows the same results
        assert f'value="{world.vg_c.ars}"' in page(
            client.get(alliance.get_absolute_url(), {"member_q": "Enken"})
        )
        html = page(
            client.post(
                reverse("alliances:member_add", args=["cyber"]),
                {"ars": world.vg_c.ars, "role": MemberRole.FEDERFUEHREND},
                follow=True,
            )
        )
        assert "Enkenbach-Alsenborn ist jetzt Mitglied" in messages_of(html)
        membership = Membership.objects.current().get(alliance=alliance, body=world.vg_c)
        assert membership.role == MemberRole.FEDERFUEHREND
        assert AuditEntry.objects.filter(action="alliance.member_add").count() == 1
        html = page(
            client.post(
                reverse("alliances:member_remove", args=["cyber", membership.pk]),
                {"left_on": ""},
                follow=True,
            )
        )
        assert "Austritt von Enkenbach-Alsenborn" in messages_of(html)
        membership.refresh_from_db()
        assert membership.left_on is not None

    def test_member_add_errors_are_shown_at_the_field(self, alliance, world):
        client = client_for(world.coordinator)
        url = reverse("alliances:member_add", args=["cyber"])
        html = page(client.post(url, {"ars": world.vg_c.ars, "role": "mitglied", "joined_on": "2999-01-01"}))
        assert 'id="member_joined_on_error"' in html
        assert "Zukunft" in html
        assert 'aria-invalid="true"' in html
        html = page(client.post(url, {"ars": "", "role": "mitglied", "member_q": "Enk"}))
        assert "Bitte eine Körperschaft aus den Suchergebnissen auswählen." in html
        assert not Membership.objects.filter(alliance=alliance, body=world.vg_c).exists()
        # a refusal of the state (409, a Conflict) lands on the form too, at the body
        response = client.post(url, {"ars": world.vg_a.ars, "role": "mitglied"})
        assert response.status_code == 200
        html = page(response)
        assert 'id="member_ars_error"' in html and "bereits Mitglied des Verbunds" in html

    def test_upload_agreement_versions(self, alliance, world):
        client = client_for(world.coordinator)
        url = reverse("alliances:agreement_upload", args=["cyber"])
        for _ in range(2):
            response = client.post(
                url,
                {"title": "Zweckvereinbarung", "file": SimpleUploadedFile("zv.pdf", pdf_bytes())},
            )
            assert response.status_code == 302
        versions = AgreementDocument.objects.filter(alliance=alliance).values_list("version", flat=True)
        assert list(versions) == [2, 1]
        html = page(
            client.post(url, {"title": "Vertrag", "file": SimpleUploadedFile("v.docx", b"PK\x03\x04 word")})
        )
        assert 'id="agreement_file_error"' in html and "kein PDF" in html
        assert not AgreementDocument.objects.filter(title="Vertrag").exists()


# --- heads of member bodies ------------------------------------------------------------------------


class TestHeadActions:
    def test_head_confirms_own_membership_only(self, alliance, world):
        own = Membership.objects.get(alliance=alliance, body=world.vg_a)
        other = Membership.objects.get(alliance=alliance, body=world.vg_b)
        client = client_for(world.head_a)
        html = page(client.get(alliance.get_absolute_url()))
        assert html.count("Mitgliedschaft bestätigen") == 1
        html = page(client.post(reverse("alliances:member_confirm", args=["cyber", own.pk]), follow=True))
        assert "Die Mitgliedschaft von Landstuhl ist bestätigt." in messages_of(html)
        own.refresh_from_db()
        assert own.confirmed_by == world.head_a
        # another body's membership: the service refuses, the page says why
        html = page(client.post(reverse("alliances:member_confirm", args=["cyber", other.pk]), follow=True))
        assert "Verwaltungsleitung von Ramstein-Miesenbach" in messages_of(html)
        other.refresh_from_db()
        assert other.confirmed_at is None
        # confirming twice is refused with the reason
        html = page(client.post(reverse("alliances:member_confirm", args=["cyber", own.pk]), follow=True))
        assert "bereits" in messages_of(html)

    def test_head_uploads_a_council_resolution(self, alliance, world):
        client = client_for(world.head_a)
        html = page(client.get(alliance.get_absolute_url()))
        assert "Beschluss eintragen" in html
        assert f'<option value="{world.vg_a.pk}"' in html and f'<option value="{world.vg_b.pk}"' not in html
        response = client.post(
            reverse("alliances:resolution_upload", args=["cyber"]),
            {
                "body": world.vg_a.pk,
                "decided_on": "2025-03-04",
                "decided_by": "verbandsgemeinderat",
                "subject": "Beitritt zum Verbund",
                "file": SimpleUploadedFile("beschluss.pdf", pdf_bytes("Beschluss"), "application/pdf"),
            },
            follow=True,
        )
        html = page(response)
        assert "Der Beschluss von Landstuhl ist eingetragen." in messages_of(html)
        resolution = CouncilResolution.objects.get(alliance=alliance)
        assert resolution.body == world.vg_a and resolution.sha256
        assert "Beitritt zum Verbund" in html
        download = client.get(reverse("alliances:resolution_file", args=["cyber", resolution.pk]))
        assert download.status_code == 200

    def test_resolution_errors_and_who_may_not(self, alliance, world):
        url = reverse("alliances:resolution_upload", args=["cyber"])
        html = page(
            client_for(world.head_a).post(
                url, {"body": world.vg_a.pk, "decided_on": "", "decided_by": "sonstiges", "subject": "x"}
            )
        )
        assert 'id="resolution_decided_on_error"' in html
        html = page(
            client_for(world.head_a).post(
                url,
                {
                    "body": world.vg_a.pk,
                    "decided_on": "2025-01-01",
                    "decided_by": "sonstiges",
                    "subject": "x",
                },
            )
        )
        # the model's rule, reported by the service, at its field
        assert 'id="resolution_decided_by_other_error"' in html
        assert "Bitte das beschließende Gremium angeben." in html
        assert not CouncilResolution.objects.exists()
        assert client_for(world.clerk_a).post(url, {}).status_code == 403
        assert client_for(world.head_outsider).post(url, {}).status_code == 404


# --- create and edit -------------------------------------------------------------------------------


class TestForms:
    def test_who_may_create(self, world):
        url = reverse("alliances:create")
        assert client_for().get(url).status_code == 302  # to the login
        assert client_for(world.nobody).get(url).status_code == 403
        assert client_for(world.funding).get(url).status_code == 403
        for user in (world.clerk_a, world.head_a, world.advisory, world.operator):
            assert client_for(user).get(url).status_code == 200

    def test_create_makes_the_creator_coordinator(self, world):
        response = client_for(world.clerk_a).post(
            reverse("alliances:create"),
            {
                "name": "Gemeinsame Vergabestelle",
                "short_name": "Vergabe",
                "fields_of_action": ["back-office-vergabe-beschaffung"],
                "legal_form": LegalForm.NONE,
                "start_date": "2026-01-01",
            },
        )
        alliance = Alliance.objects.get(name="Gemeinsame Vergabestelle")
        assert response.status_code == 302 and response["Location"] == alliance.get_absolute_url()
        assert alliance.status == Status.IDEE and not alliance.is_published
        assert [f.slug for f in alliance.fields.all()] == ["back-office-vergabe-beschaffung"]
        assert AllianceRole.objects.filter(alliance=alliance, user=world.clerk_a).exists()
        assert "Verbund steuern" in page(client_for(world.clerk_a).get(alliance.get_absolute_url()))

    def test_reserved_slug_is_avoided(self, world):
        client_for(world.clerk_a).post(reverse("alliances:create"), {"name": "Neu", "legal_form": "none"})
        alliance = Alliance.objects.get(name="Neu")
        assert alliance.slug != "neu"
        assert client_for(world.clerk_a).get(alliance.get_absolute_url()).status_code == 200

    def test_create_shows_errors_at_the_fields(self, world):
        html = page(
            client_for(world.clerk_a).post(
                reverse("alliances:create"),
                {"name": "", "legal_form": "falsch", "start_date": "2026-05-01", "end_date": "2026-01-01"},
            )
        )
        assert not Alliance.objects.exists()
        assert "Bitte prüfen Sie Ihre Angaben" in html
        for name in ("name", "legal_form", "end_date"):
            assert f'id="id_{name}_error"' in html
            tag = re.search(rf'<(?:input|select)[^>]*\bid="id_{name}"[^>]*>', html)
            assert tag and 'aria-invalid="true"' in tag[0], name
        assert "kern-form-input--error" in html
        assert "Dieses Feld ist zwingend erforderlich." in html  # German
        assert "Das Ende darf nicht vor dem Beginn liegen." in html

    def test_edit(self, alliance, world):
        url = reverse("alliances:edit", args=["cyber"])
        assert client_for(world.clerk_a).get(url).status_code == 403
        assert client_for(world.clerk_outsider).get(url).status_code == 404
        client = client_for(world.coordinator)
        html = page(client.get(url))
        assert 'value="Interkommunale Cybersicherheit"' in html
        response = client.post(
            url,
            {
                "name": "Interkommunale Cybersicherheit Westpfalz",
                "public_summary": "Gemeinsam gegen Cyberangriffe.",
                "fields_of_action": ["cybersicherheit"],
                "legal_form": LegalForm.ZWECKVEREINBARUNG,
                "start_date": "2026-01-21",
            },
        )
        assert response.status_code == 302
        alliance.refresh_from_db()
        assert alliance.name == "Interkommunale Cybersicherheit Westpfalz"
        assert alliance.legal_form == LegalForm.ZWECKVEREINBARUNG
        assert alliance.slug == "cyber"  # the address stays
        html = page(client.get(url))
        assert re.search(r'<input[^>]*value="cybersicherheit"[^>]*checked', html)
        assert 'value="2026-01-21"' in html  # dates in the format of the date picker
        assert AuditEntry.objects.filter(action="alliance.update").count() == 1

    def test_edit_shows_a_service_refusal_at_its_field(self, world):
        bound = AllianceFactory.create(
            slug="gebunden",
            vereinbarung=True,
            members=[world.vg_a, world.vg_b],
            coordinator=world.coordinator,
        )
        html = page(
            client_for(world.coordinator).post(
                reverse("alliances:edit", args=[bound.slug]),
                {"name": bound.name, "legal_form": LegalForm.NONE},
            )
        )
        assert 'id="id_legal_form_error"' in html
        assert "Rechtsform" in html
        bound.refresh_from_db()
        assert bound.legal_form == LegalForm.ZWECKVEREINBARUNG


# --- body page panel -------------------------------------------------------------------------------


class TestBodyPanel:
    def test_body_page_lists_the_alliances_the_user_may_see(self, directory, world):
        url = world.vg_a.get_absolute_url()
        public = page(client_for().get(url))
        assert "Kooperationsverbünde" in public
        assert "Krisenvorsorge Stromausfall" in public
        assert "Interkommunale Cybersicherheit" not in public
        insider = page(client_for(world.clerk_a).get(url))
        assert "Interkommunale Cybersicherheit" in insider and "nicht veröffentlicht" in insider
        assert len(re.findall(r"<h1[\s>]", insider)) == 1

    def test_panels_are_a_registry_of_functions(self, rf, world):
        def panel(request: Any, body: Any) -> str | None:
            return f"<p>Panel {body.name}</p>" if body == world.vg_b else None

        register_body_panel(panel)
        register_body_panel(panel)
        try:
            request = rf.get("/")
            request.user = world.nobody
            rendered = body_panels(request, world.vg_b)
            assert "".join(rendered).count("<p>Panel Ramstein-Miesenbach</p>") == 1
            assert "<p>Panel" not in "".join(body_panels(request, world.vg_a))
        finally:
            unregister_body_panel(panel)
        assert "<p>Panel" not in "".join(body_panels(request, world.vg_b))
