"""A TLP:RED import names its people: ``recipients`` (user ids, one form field each) on
``POST /api/v1/security/assets/import`` and on the import page. Without them, or with someone outside
the owner body's community, 422 naming the recipients and nothing stored; with them every asset the
import creates goes to the named people (an unnamed colleague of the owner body gets 404)."""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from verbund.security.models import Asset

from .test_assets_services import make_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/security/assets/import"
MISSING = "mindestens eine Empfängerin oder einen Empfänger"
CSV = b"Produkt;Hersteller;Version\nGeheimfirewall;Fortinet;7.2.5\nGeheimserver;Microsoft;2022\n"


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


def _import(world: SimpleNamespace, **fields: Any) -> Any:
    data = {
        "file": SimpleUploadedFile("inventar.csv", CSV),
        "body": world.vg_a.ars,
        "tlp": "red",
        "distribution": "organisation",
        **fields,
    }
    return client_for(world.clerk_a).post(URL, data)


def test_a_red_import_without_recipients_is_refused(world: SimpleNamespace) -> None:
    refused = _import(world)
    assert refused.status_code == 422, refused.content
    assert refused.json()["code"] == "invalid" and MISSING in refused.json()["detail"]
    stranger = _import(world, recipients=[world.clerk_c.pk])
    assert stranger.status_code == 422 and "Namentliche Empfänger müssen" in stranger.json()["detail"]
    amber = _import(world, tlp="amber", recipients=[world.clerk_b.pk])
    assert amber.status_code == 422 and "nur bei TLP:RED" in amber.json()["detail"]
    assert not Asset.objects.filter(name__startswith="Geheim").exists()


def test_a_red_import_goes_to_the_named_people_only(world: SimpleNamespace) -> None:
    response = _import(world, recipients=[world.clerk_b.pk, world.head_a.pk])
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assets = list(Asset.objects.filter(pk__in=response.json()["asset_ids"]))
    assert len(assets) == 2
    for asset in assets:
        assert asset.tlp == "red"
        assert sorted(asset.recipients.values_list("pk", flat=True)) == sorted(
            [world.clerk_b.pk, world.head_a.pk]
        )
        url = f"/api/v1/security/assets/{asset.pk}"
        for user in (world.clerk_a, world.clerk_b, world.head_a):  # the importer and the named
            assert client_for(user).get(url).status_code == 200, user
        for user in (world.coordinator, world.clerk_c, world.operator):
            assert client_for(user).get(url).status_code == 404, user


def test_a_red_import_names_one_person_and_a_colleague_does_not_see_it(world: SimpleNamespace) -> None:
    response = _import(world, recipients=[world.clerk_b.pk])
    assert response.status_code == 200, response.content
    for asset_id in response.json()["asset_ids"]:
        url = f"/api/v1/security/assets/{asset_id}"
        assert client_for(world.clerk_b).get(url).status_code == 200
        assert client_for(world.head_a).get(url).status_code == 404  # same body, not named


def test_the_import_page_takes_recipients(world: SimpleNamespace) -> None:
    client = client_for(world.clerk_a)
    page = client.get(reverse("security:asset_import"))
    assert page.status_code == 200 and 'name="recipients"' in page.content.decode()
    fields = {"owner_body": world.vg_a.pk, "tlp": "red", "distribution": "organisation"}
    refused = client.post(
        reverse("security:asset_import"), {"file": SimpleUploadedFile("inventar.csv", CSV), **fields}
    )
    assert refused.status_code == 200 and MISSING in refused.content.decode()
    assert not Asset.objects.filter(name__startswith="Geheim").exists()
    done = client.post(
        reverse("security:asset_import"),
        {"file": SimpleUploadedFile("inventar.csv", CSV), **fields, "recipients": [world.clerk_b.pk]},
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    imported = Asset.objects.filter(name__startswith="Geheim")
    assert imported.count() == 2
    assert {tuple(a.recipients.values_list("pk", flat=True)) for a in imported} == {(world.clerk_b.pk,)}
