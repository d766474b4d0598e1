"""TLP:RED advisories through the API: the import names its recipients (user ids); without them it
is refused and nothing is stored; an unnamed colleague of the same body gets 404."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from verbund.accounts.tests.factories import UserFactory
from verbund.security.models import Advisory
from verbund.security.tests.test_advisory_pages import client_for, world  # noqa: F401  (fixture)
from verbund.security.tests.test_csaf_validation import sample_advisory

pytestmark = pytest.mark.django_db


def _document() -> io.BytesIO:
    document = io.BytesIO(json.dumps(sample_advisory()).encode())
    document.name = "hinweis.json"
    return document


def test_a_red_import_needs_named_recipients(world: Any) -> None:  # noqa: F811
    client = client_for(world.clerk_a)
    refused = client.post(
        "/api/v1/security/advisories", {"document": _document(), "owner_body": world.a.pk, "tlp": "red"}
    )
    assert refused.status_code == 422, refused.content
    assert "Empf" in refused.json()["detail"]
    assert Advisory.objects.count() == 0

    named = UserFactory.create(staff_of=world.a)
    colleague = UserFactory.create(staff_of=world.a)
    created = client.post(
        "/api/v1/security/advisories",
        {"document": _document(), "owner_body": world.a.pk, "tlp": "red", "recipients": [named.pk]},
    )
    assert created.status_code == 201, created.content
    advisory_id = created.json()["advisory"]["id"]
    assert list(Advisory.objects.get(pk=advisory_id).recipients.all()) == [named]
    assert client_for(named).get(f"/api/v1/security/advisories/{advisory_id}").status_code == 200
    assert client_for(colleague).get(f"/api/v1/security/advisories/{advisory_id}").status_code == 404
    assert client_for(colleague).get("/api/v1/security/advisories").json()["count"] == 0
