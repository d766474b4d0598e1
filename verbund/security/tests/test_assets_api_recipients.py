"""/api/v1/security/assets with TLP:RED: ``recipients`` (user ids) names the people a RED asset goes
to; without them, or with someone outside the owner body's community, 422; an unnamed colleague of
the owner body gets 404 like everyone else not named."""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from verbund.security.models import Asset
from verbund.security.services.assets import asset_create

from .test_assets_services import make_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/security/assets"
MISSING = "mindestens eine Empfängerin oder einen Empfänger"


@pytest.fixture(autouse=True)
def no_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("verbund.security.services.matching")
    module.match_assets = lambda ids: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "verbund.security.services.matching", module)


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    return make_world()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _red(world: SimpleNamespace, **extra: Any) -> dict[str, Any]:
    return {
        "body": world.vg_a.ars,
        "name": "Geheimfirewall",
        "tlp": "red",
        "distribution": "organisation",
        **extra,
    }


def test_a_red_asset_without_recipients_is_refused(world: SimpleNamespace) -> None:
    before = Asset.objects.count()
    response = client_for(world.clerk_a).post(URL, _red(world), content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid" and MISSING in response.json()["detail"]
    empty = client_for(world.clerk_a).post(URL, _red(world, recipients=[]), content_type="application/json")
    assert empty.status_code == 422 and MISSING in empty.json()["detail"]
    assert Asset.objects.count() == before


def test_a_red_asset_with_recipients_is_created_and_seen_only_by_the_named_and_the_creator(
    world: SimpleNamespace,
) -> None:
    response = client_for(world.clerk_a).post(
        URL, _red(world, recipients=[world.clerk_b.pk]), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tlp"], body["distribution"]) == ("red", "organisation")
    asset = Asset.objects.get(pk=body["id"])
    assert list(asset.recipients.values_list("pk", flat=True)) == [world.clerk_b.pk]
    url = f"{URL}/{asset.pk}"
    assert client_for(world.clerk_a).get(url).status_code == 200  # the creator
    assert client_for(world.clerk_b).get(url).status_code == 200  # named, in a partner body
    for unnamed in (world.head_a, world.clerk_c, world.coordinator, world.operator):
        answer = client_for(unnamed).get(url)
        assert answer.status_code == 404, unnamed
        assert answer.json() == {"detail": "Nicht gefunden.", "code": "not_found"}
    listed = client_for(world.head_a).get(URL, {"limit": 500}).json()
    assert asset.pk not in {item["id"] for item in listed["items"]}


def test_recipients_outside_the_community_or_on_another_label_are_refused(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    stranger = client.post(URL, _red(world, recipients=[world.clerk_c.pk]), content_type="application/json")
    assert stranger.status_code == 422 and "Namentliche Empfänger müssen" in stranger.json()["detail"]
    unknown = client.post(URL, _red(world, recipients=[999_999]), content_type="application/json")
    assert unknown.status_code == 422
    amber = client.post(
        URL,
        {"body": world.vg_a.ars, "name": "X", "recipients": [world.clerk_b.pk]},
        content_type="application/json",
    )
    assert amber.status_code == 422 and "nur bei TLP:RED" in amber.json()["detail"]
    assert not Asset.objects.filter(name__in=["Geheimfirewall", "X"]).exists()


def test_patch_to_red_needs_recipients_and_can_change_them(world: SimpleNamespace) -> None:
    asset = asset_create(actor=world.clerk_a, owner_body=world.vg_a, values={"name": "Firewall"})
    url = f"{URL}/{asset.pk}"
    client = client_for(world.clerk_a)
    assert client_for(world.head_a).get(url).status_code == 200  # AMBER: the whole body

    refused = client.patch(url, {"tlp": "red"}, content_type="application/json")
    assert refused.status_code == 422 and MISSING in refused.json()["detail"]
    assert Asset.objects.get(pk=asset.pk).tlp == "amber"

    red = client.patch(url, {"tlp": "red", "recipients": [world.clerk_b.pk]}, content_type="application/json")
    assert red.status_code == 200, red.content
    assert red.json()["tlp"] == "red"
    assert client_for(world.head_a).get(url).status_code == 404
    assert client_for(world.clerk_b).get(url).status_code == 200

    renamed = client.patch(url, {"recipients": [world.head_a.pk]}, content_type="application/json")
    assert renamed.status_code == 200, renamed.content
    assert client_for(world.head_a).get(url).status_code == 200
    assert client_for(world.clerk_b).get(url).status_code == 404
    emptied = client.patch(url, {"recipients": []}, content_type="application/json")
    assert emptied.status_code == 422 and MISSING in emptied.json()["detail"]
    assert list(Asset.objects.get(pk=asset.pk).recipients.values_list("pk", flat=True)) == [world.head_a.pk]
