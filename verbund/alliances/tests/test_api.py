"""``/api/v1/alliances``: the directory with its filters and paging at a constant query count,
public fields for the public and more for insiders, 404 for what a caller may not see, document
metadata without storage paths, lifecycle transitions and members with 200/403/404/409/422."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from verbund.alliances import services
from verbund.alliances.models import Alliance, FieldOfAction, LegalForm, Membership, Status
from verbund.registry.tests.factories import BodyFactory

from .factories import AllianceFactory, pdf_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/alliances"


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def directory(world: SimpleNamespace, alliance: Alliance) -> SimpleNamespace:
    """The unpublished ``cyber`` alliance, a published one in another Kreis, a published ended one."""
    cyber_field = FieldOfAction.objects.get(slug="cybersicherheit")
    alliance.fields.set([cyber_field])
    elsewhere = BodyFactory(verbandsgemeinde=True, name="Wörrstadt")
    published = AllianceFactory(
        name="Gemeinde-App",
        slug="gemeinde-app",
        published=True,
        anbahnung=True,
        members=[elsewhere, world.outsider],
        fields=[FieldOfAction.objects.get(slug="verwaltungsdigitalisierung")],
    )
    ended = AllianceFactory(
        name="Krisenvorsorge Stromausfall", slug="strom", published=True, beendet=True, members=[world.vg_c]
    )
    return SimpleNamespace(cyber=alliance, published=published, ended=ended, elsewhere=elsewhere)


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["items"]]


def test_anonymous_list_shows_published_with_public_fields_only(directory: SimpleNamespace) -> None:
    response = client_for().get(URL)
    assert slugs(response) == ["gemeinde-app", "strom"]
    body = response.json()
    assert body["count"] == 2
    item = body["items"][0]
    assert set(item) == {
        "slug",
        "name",
        "short_name",
        "status",
        "status_label",
        "public_summary",
        "fields",
        "members",
        "url",
    }
    assert item["status"] == "anbahnung" and item["status_label"] == "Anbahnung"
    assert item["fields"] == [{"slug": "verwaltungsdigitalisierung", "name": "Verwaltungsdigitalisierung"}]
    assert sorted(m["name"] for m in item["members"]) == ["Anderswo", "Wörrstadt"]
    assert item["url"] == f"{URL}/gemeinde-app"


def test_insiders_list_their_unpublished_alliance(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    assert slugs(client_for(world.clerk_a).get(URL)) == ["gemeinde-app", "cyber", "strom"]
    assert slugs(client_for(world.advisory).get(URL)) == ["gemeinde-app", "cyber", "strom"]
    assert slugs(client_for(world.nobody).get(URL)) == ["gemeinde-app", "strom"]


def test_filters(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    client = client_for(world.advisory)
    assert slugs(client.get(URL, {"field": "cybersicherheit"})) == ["cyber"]
    assert slugs(client.get(URL, {"status": "beendet"})) == ["strom"]
    assert slugs(client.get(URL, {"status": ["beendet", "anbahnung"]})) == ["gemeinde-app", "strom"]
    kreis = world.kreis.ars[:5]
    assert slugs(client.get(URL, {"kreis": kreis})) == ["cyber", "strom"]
    assert slugs(client.get(URL, {"kreis": world.kreis.ars})) == ["cyber", "strom"]
    assert slugs(client.get(URL, {"member": world.vg_a.ars})) == ["cyber"]
    assert slugs(client.get(URL, {"member": directory.elsewhere.ars})) == ["gemeinde-app"]
    assert slugs(client.get(URL, {"q": "strom"})) == ["strom"]
    assert slugs(client.get(URL, {"q": "app", "status": "idee"})) == []
    # a former member no longer counts
    services.member_remove(
        actor=world.coordinator,
        membership=Membership.objects.get(alliance=directory.cyber, body=world.vg_a),
    )
    assert slugs(client.get(URL, {"member": world.vg_a.ars})) == []


@pytest.mark.parametrize("params", [{"kreis": "0733"}, {"member": "07"}, {"status": "fertig"}, {"limit": 0}])
def test_invalid_filters_are_422(directory: SimpleNamespace, params: dict[str, Any]) -> None:
    response = client_for().get(URL, params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_paging(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    client = client_for(world.advisory)
    first = client.get(URL, {"limit": 2}).json()
    second = client.get(URL, {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == 3
    assert [i["slug"] for i in first["items"] + second["items"]] == ["gemeinde-app", "cyber", "strom"]


@pytest.mark.parametrize("who", ["anonymous", "advisory", "clerk_a"])
def test_list_query_count_does_not_grow(world: SimpleNamespace, who: str) -> None:
    fields = list(FieldOfAction.objects.all()[:3])

    def make(n: int) -> None:
        for i in range(n):
            bodies = [BodyFactory(verbandsgemeinde=True, parent=world.kreis) for _ in range(2 + i % 3)]
            if who == "clerk_a":
                bodies.append(world.vg_a)
            AllianceFactory(published=True, members=bodies, fields=fields)

    client = client_for(None if who == "anonymous" else getattr(world, who))
    make(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, {"limit": 100}).json()["count"] == 2
    make(10)
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL, {"limit": 100}).json()["count"] == 12
    assert len(large) == len(small)
    # count, page, fields, members (+ session, user, roles and one query per grant kind when logged in:
    # coordinated alliances, the security part's officer grants on bodies and alliances, and the
    # emergency part's staff and event functions)
    assert len(small) <= (4 if who == "anonymous" else 12)


def test_detail_public_and_internal(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    public = client_for().get(f"{URL}/gemeinde-app")
    assert public.status_code == 200
    assert public.json()["internal"] is None
    assert public.json()["name"] == "Gemeinde-App"
    for who in ("advisory", "coordinator", "head_b"):
        internal = client_for(getattr(world, who)).get(f"{URL}/cyber").json()["internal"]
        assert internal["legal_form"] == "none" and internal["legal_form_label"] == "noch keine"
        assert internal["coordinators"] == ["Erika " + world.coordinator.last_name]
        assert internal["can_change"] is (who == "coordinator")
    # a logged-in outsider sees a published alliance like the public
    assert client_for(world.nobody).get(f"{URL}/gemeinde-app").json()["internal"] is None


@pytest.mark.parametrize("path", ["", "/members", "/documents", "/facts", "/timeline"])
@pytest.mark.parametrize("who", ["anonymous", "nobody", "clerk_outsider"])
def test_invisible_alliance_is_404_everywhere(
    world: SimpleNamespace, directory: SimpleNamespace, path: str, who: str
) -> None:
    client = client_for(None if who == "anonymous" else getattr(world, who))
    for slug in ("cyber", "gibt-es-nicht"):
        response = client.get(f"{URL}/{slug}{path}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}


def test_members_public_and_history_for_insiders(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    services.member_remove(
        actor=world.coordinator,
        membership=Membership.objects.get(alliance=directory.cyber, body=world.vg_b),
    )
    services.member_add(actor=world.coordinator, alliance=directory.cyber, body=world.vg_c)
    insider = client_for(world.clerk_a).get(f"{URL}/cyber/members").json()
    assert insider["count"] == 3
    assert [(m["name"], m["left_on"] is not None) for m in insider["items"]] == [
        ("Landstuhl", False),
        ("Ramstein-Miesenbach", True),
        ("Enkenbach-Alsenborn", False),
    ]
    assert insider["items"][0]["joined_on"] == "2025-01-15" and insider["items"][0]["confirmed"] is False
    public = client_for().get(f"{URL}/gemeinde-app/members").json()
    assert public["count"] == 2
    assert all(m["joined_on"] is None and m["confirmed"] is None for m in public["items"])


def test_documents_metadata_never_shows_paths(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    doc = services.agreement_attach(
        actor=world.coordinator,
        alliance=directory.cyber,
        title="Zweckvereinbarung",
        file=SimpleUploadedFile("zv.pdf", pdf_bytes()),
    )
    services.resolution_record(
        actor=world.head_a,
        alliance=directory.cyber,
        body=world.vg_a,
        decided_on=doc.uploaded_at.date(),
        decided_by="verbandsgemeinderat",
        subject="Beitritt",
    )
    response = client_for(world.head_b).get(f"{URL}/cyber/documents")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["kind"], i["title"], i["version"]) for i in items] == [
        ("vereinbarung", "Zweckvereinbarung", 1),
        ("ratsbeschluss", "Beitritt", None),
    ]
    assert items[0]["size"] == len(pdf_bytes()) and items[0]["has_file"] is True
    assert items[1]["body_ars"] == world.vg_a.ars and items[1]["decided_by"] == "Verbandsgemeinderat"
    assert "alliances/" not in response.content.decode()
    assert doc.file.name.split("/")[-1] not in response.content.decode()
    # published, but documents are internal
    assert client_for().get(f"{URL}/gemeinde-app/documents").status_code == 404


def test_facts_and_timeline(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    facts = client_for(world.clerk_a).get(f"{URL}/cyber/facts").json()
    assert facts["member_count"] == 2
    assert facts["supervisory_authority"]["value"] == "Kreisverwaltung Kaiserslautern"
    assert facts["contiguous"]["value"] is True
    assert facts["population"]["value"] == world.vg_a.population + world.vg_b.population
    assert isinstance(facts["area_km2"]["value"], float)
    assert client_for().get(f"{URL}/gemeinde-app/facts").status_code == 200
    services.alliance_transition(
        actor=world.coordinator, alliance=directory.cyber, to_status=Status.ANBAHNUNG
    )
    timeline = client_for(world.clerk_a).get(f"{URL}/cyber/timeline").json()
    assert [i["to_status"] for i in timeline["items"]] == ["anbahnung"]
    assert timeline["items"][0]["changed_by"] == "Erika " + world.coordinator.last_name
    assert client_for().get(f"{URL}/gemeinde-app/timeline").status_code == 404


def test_transitions(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    url = f"{URL}/cyber/transitions"
    coordinator = client_for(world.coordinator)
    ok = coordinator.post(url, {"to": "anbahnung", "note": "erstes Treffen"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "anbahnung" and ok.json()["from_status"] == "idee"
    refused = coordinator.post(url, {"to": "vereinbarung"}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "transition_refused" and "Rechtsform" in refused.json()["detail"]
    assert coordinator.post(url, {"to": "fertig"}, content_type="application/json").status_code == 422
    for who in ("advisory", "clerk_a", "head_a"):
        forbidden = client_for(getattr(world, who)).post(
            url, {"to": "beendet"}, content_type="application/json"
        )
        assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    for client in (client_for(), client_for(world.nobody)):
        assert client.post(url, {"to": "beendet"}, content_type="application/json").status_code == 404
    # a published alliance is visible, so the refusal is a 403
    published = client_for().post(
        f"{URL}/gemeinde-app/transitions", {"to": "beendet"}, content_type="application/json"
    )
    assert published.status_code == 403
    directory.cyber.refresh_from_db()
    assert directory.cyber.status == Status.ANBAHNUNG
    services.alliance_update(
        actor=world.coordinator,
        alliance=directory.cyber,
        data={"legal_form": LegalForm.ZWECKVEREINBARUNG},
    )
    assert coordinator.post(url, {"to": "vereinbarung"}, content_type="application/json").status_code == 200


def test_add_and_remove_members(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    coordinator = client_for(world.coordinator)
    url = f"{URL}/cyber/members"
    added = coordinator.post(
        url,
        {"ars": world.vg_c.ars, "role": "antragstellend", "joined_on": "2025-10-01"},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["role"] == "antragstellend" and added.json()["left_on"] is None
    again = coordinator.post(url, {"ars": world.vg_c.ars}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_member"
    assert "bereits Mitglied" in again.json()["detail"]
    assert coordinator.post(url, {"ars": "079999999999"}, content_type="application/json").status_code == 404
    forbidden = client_for(world.head_a).post(url, {"ars": world.kreis.ars}, content_type="application/json")
    assert forbidden.status_code == 403
    removed = coordinator.delete(f"{url}/{world.vg_c.ars}?left_on=2026-01-31")
    assert removed.status_code == 200 and removed.json()["left_on"] == "2026-01-31"
    assert coordinator.delete(f"{url}/{world.vg_c.ars}").status_code == 404
    assert Membership.objects.filter(alliance=directory.cyber, body=world.vg_c).count() == 1


def test_unpublished_is_404_for_outsiders_and_member_staff_gets_403(
    world: SimpleNamespace, directory: SimpleNamespace
) -> None:
    """The 404/403 rule through the principal, on every kind of endpoint."""
    for client in (client_for(), client_for(world.clerk_outsider)):
        for path in ("", "/members", "/facts", "/documents", "/timeline", "/coordinators"):
            response = client.get(f"{URL}/cyber{path}")
            assert response.status_code == 404 and response.json() == {
                "detail": "Nicht gefunden.",
                "code": "not_found",
            }
        assert (
            client.post(
                f"{URL}/cyber/coordinators", {"username": "x"}, content_type="application/json"
            ).status_code
            == 404
        )
    staff = client_for(world.clerk_a)
    assert staff.get(f"{URL}/cyber").json()["internal"]["can_change"] is False
    assert (
        staff.post(
            f"{URL}/cyber/members", {"ars": world.vg_c.ars}, content_type="application/json"
        ).status_code
        == 403
    )
    answer = staff.post(
        f"{URL}/cyber/coordinators", {"username": "sachbearbeitung.a"}, content_type="application/json"
    )
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"


def test_coordination_through_the_api(world: SimpleNamespace, directory: SimpleNamespace) -> None:
    url = f"{URL}/cyber/coordinators"
    coordinator = client_for(world.coordinator)
    assert coordinator.get(url).json() == {
        "items": [{"username": "koordination", "name": world.coordinator.get_full_name() or "koordination"}],
        "count": 1,
    }
    last = coordinator.delete(f"{url}/koordination")
    assert last.status_code == 409 and last.json()["code"] == "last_coordinator"
    outsider = coordinator.post(
        url, {"username": "sachbearbeitung.anderswo"}, content_type="application/json"
    )
    assert outsider.status_code == 422 and "Mitgliedskörperschaft" in outsider.json()["detail"]
    unknown = coordinator.post(url, {"username": "gibt.es.nicht"}, content_type="application/json")
    assert unknown.status_code == 422
    added = coordinator.post(url, {"username": "leitung.a"}, content_type="application/json")
    assert added.status_code == 201 and added.json()["username"] == "leitung.a"
    assert coordinator.delete(f"{url}/leitung.a").status_code == 204
    handed = coordinator.post(
        f"{url}/handover", {"username": "sachbearbeitung.a"}, content_type="application/json"
    )
    assert handed.status_code == 200 and handed.json()["username"] == "sachbearbeitung.a"
    assert [i["username"] for i in client_for(world.clerk_a).get(url).json()["items"]] == [
        "sachbearbeitung.a"
    ]
    # the former coordinator works for no member: the alliance is now invisible to them
    assert coordinator.get(f"{URL}/cyber").status_code == 404
