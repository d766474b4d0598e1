"""The pages and the API of the resource pool: list, request detail with ranked offers, commit by
POST, the statement with the no-reimbursement note, and the API's commit refusing units not free."""

from __future__ import annotations

import pytest
from django.test import Client

from verbund.emergency.models import Commitment

from .test_resources import aid_world, ask, pump

pytestmark = pytest.mark.django_db


def test_pages_from_pool_to_statement() -> None:
    world = aid_world()
    resource = pump(world)
    request = ask(world, quantity=2)
    lender = Client()
    lender.force_login(world.kgs)
    assert "Tauchpumpe" in lender.get("/krisenstab/ressourcen/").content.decode()
    page = lender.get(f"/krisenstab/ressourcen/ersuchen/{request.pk}/").content.decode()
    assert "Platz 1:" in page and "Keine Erstattung zwischen öffentlichen Stellen" in page
    response = lender.post(
        f"/krisenstab/ressourcen/ersuchen/{request.pk}/zusagen/",
        {"resource": resource.pk, f"c{resource.pk}-resource": resource.pk, f"c{resource.pk}-quantity": "2"},
    )
    assert response.status_code == 302
    assert Commitment.objects.get().quantity == 2
    commitment = Commitment.objects.get()
    assert lender.post(f"/krisenstab/ressourcen/zusagen/{commitment.pk}/uebergabe/", {}).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "uebergeben"
    statement = lender.get(f"/krisenstab/ressourcen/ersuchen/{request.pk}/abrechnung/")
    assert "Keine Erstattung zwischen öffentlichen Stellen" in statement.content.decode()
    pdf = lender.get(f"/krisenstab/ressourcen/ersuchen/{request.pk}/abrechnung.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert lender.get("/krisenstab/ressourcen/zusagen/").status_code == 200
    assert lender.get("/krisenstab/ressourcen/ersuchen/").status_code == 200
    assert lender.get("/krisenstab/ressourcen/neu/").status_code == 200


def test_api_commit_and_conflict() -> None:
    world = aid_world()
    resource = pump(world, quantity=1)
    first, second = ask(world, quantity=1), ask(world, quantity=1)
    client = Client()
    client.force_login(world.kgs)
    offers = client.get(f"/api/v1/emergency/requests/{first.pk}/offers").json()
    assert offers[0]["resource"]["id"] == resource.pk and offers[0]["road_km"] is not None
    ok = client.post(
        f"/api/v1/emergency/requests/{first.pk}/commitments",
        {"resource_id": resource.pk, "quantity": 1},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    refused = client.post(
        f"/api/v1/emergency/requests/{second.pk}/commitments",
        {"resource_id": resource.pk, "quantity": 1},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "not_enough_free"
    assert client.get("/api/v1/emergency/resources").json()["count"] == 1
    assert client.get("/api/v1/emergency/requests").json()["count"] == 2
