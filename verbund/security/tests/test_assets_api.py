"""/api/v1/security/assets: the list holds what the caller sees (paginated ``{"items", "count"}``),
one asset answers 404 outside its distribution and 403 for changes by who does not act for the owner,
create/patch/retire/import follow the services' rules with 422 naming the field (an import: line and
field, nothing stored); the schema declares every operation with ``SecurityAsset…`` components."""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.security.models import Asset
from verbund.security.services.assets import asset_create

from .test_assets_services import make_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/security/assets"


@pytest.fixture(autouse=True)
def no_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("verbund.security.services.matching")
    module.match_assets = lambda ids: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "verbund.security.services.matching", module)


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    w = make_world()
    w.private = asset_create(
        actor=w.clerk_a, owner_body=w.vg_a, values={"name": "Meldewesen", "version": "5.4"}
    )
    w.shared = asset_create(
        actor=w.clerk_a,
        owner_body=w.vg_a,
        values={"name": "FortiGate", "vendor": "Fortinet"},
        sharing={"distribution": "alliance", "alliance": w.alliance},
    )
    return w


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_list_is_paginated_and_shows_only_the_visible(world: SimpleNamespace) -> None:
    assert client_for().get(URL).status_code == 401 or client_for().get(URL).json() == {
        "items": [],
        "count": 0,
    }
    own = client_for(world.clerk_a).get(URL).json()
    assert own["count"] == 2 and {i["name"] for i in own["items"]} == {"Meldewesen", "FortiGate"}
    assert own["items"][0]["owner_body"] == {"ars": world.vg_a.ars, "name": world.vg_a.name}
    page = client_for(world.clerk_a).get(URL, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    member = client_for(world.clerk_b).get(URL).json()
    assert [i["name"] for i in member["items"]] == ["FortiGate"]
    assert member["items"][0]["may_change"] is False
    assert client_for(world.clerk_c).get(URL).json() == {"items": [], "count": 0}
    assert client_for(world.clerk_b).get(URL, {"body": world.vg_a.ars, "q": "forti"}).json()["count"] == 1
    assert client_for(world.clerk_a).get(URL, {"kind": "raumschiff"}).status_code == 422


def test_detail_404_outside_the_distribution(world: SimpleNamespace) -> None:
    for asset in (world.private, world.shared):
        response = client_for(world.clerk_c).get(f"{URL}/{asset.pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}
    assert client_for(world.clerk_b).get(f"{URL}/{world.private.pk}").status_code == 404
    body = client_for(world.clerk_b).get(f"{URL}/{world.shared.pk}").json()
    assert (body["tlp"], body["distribution"], body["alliance"]) == ("amber", "alliance", "cyber-kl")


def test_create_defaults_and_refusals(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    response = client.post(
        URL,
        {"body": world.vg_a.ars, "name": "Django", "purl": "pkg:PyPI/Django@5.2", "kind": "software"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tlp"], body["distribution"], body["purl"], body["origin"]) == (
        "amber",
        "organisation",
        "pkg:pypi/django@5.2",
        "api",
    )
    bad = client.post(
        URL, {"body": world.vg_a.ars, "name": "X", "cpe": "cpe:2.3:a"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid" and "CPE" in bad.json()["detail"]
    strict = client.post(
        URL,
        {
            "body": world.vg_a.ars,
            "name": "X",
            "tlp": "amber+strict",
            "distribution": "alliance",
            "alliance": "cyber-kl",
        },
        content_type="application/json",
    )
    assert strict.status_code == 422 and "AMBER+STRICT" in strict.json()["detail"]
    other = client_for(world.clerk_b).post(
        URL, {"body": world.vg_a.ars, "name": "X"}, content_type="application/json"
    )
    assert other.status_code == 403
    assert (
        client_for()
        .post(URL, {"body": world.vg_a.ars, "name": "X"}, content_type="application/json")
        .status_code
        == 401
    )


def test_patch_and_retire(world: SimpleNamespace) -> None:
    url = f"{URL}/{world.shared.pk}"
    assert (
        client_for(world.clerk_b).patch(url, {"version": "7"}, content_type="application/json").status_code
        == 403
    )
    assert (
        client_for(world.clerk_c).patch(url, {"version": "7"}, content_type="application/json").status_code
        == 404
    )
    response = client_for(world.clerk_a).patch(url, {"version": "7.4.1"}, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["distribution"]) == ("7.4.1", "alliance")
    hashes = client_for(world.clerk_a).patch(
        url, {"hashes": [{"algorithm": "sha1", "value": "abc"}]}, content_type="application/json"
    )
    assert hashes.status_code == 422 and "Prüfsummen" in hashes.json()["detail"]
    assert client_for(world.clerk_b).post(f"{url}/retire").status_code == 403
    retired = client_for(world.clerk_a).post(f"{url}/retire")
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert Asset.objects.filter(pk=world.shared.pk).exists()


def test_import_contract(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    good = SimpleUploadedFile("inventar.csv", b"Produkt;Hersteller;Version\nClient;Dell;1\nServer;HPE;2\n")
    response = client.post(f"{URL}/import", {"file": good, "body": world.vg_a.ars})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["format"], body["created"], body["updated"], body["unchanged"]) == ("csv", 2, 0, 0)
    before = Asset.objects.count()
    bad = SimpleUploadedFile("inventar.csv", b"Produkt;Kritikalit\xc3\xa4t\nA;hoch\nB;nie\n")
    refused = client.post(f"{URL}/import", {"file": bad, "body": world.vg_a.ars})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("inventar.csv, Zeile 3, Feld Kritikalität")
    assert Asset.objects.count() == before
    other = SimpleUploadedFile("inventar.csv", b"Produkt\nA\n")
    assert (
        client_for(world.clerk_b).post(f"{URL}/import", {"file": other, "body": world.vg_a.ars}).status_code
        == 403
    )


def test_schema_declares_the_asset_components() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/security/assets"])
    assert {"get", "patch"} <= set(paths["/api/v1/security/assets/{asset_id}"])
    assert "post" in paths["/api/v1/security/assets/{asset_id}/retire"]
    assert "post" in paths["/api/v1/security/assets/import"]
    components = schema["components"]["schemas"]
    for name in ("SecurityAssetOut", "SecurityAssetIn", "SecurityAssetPatch", "SecurityAssetImportOut"):
        assert name in components
    from config.api import api

    collisions = api.get_openapi_schema().collisions
    assert not [name for name in collisions if name.startswith("SecurityAsset")]
