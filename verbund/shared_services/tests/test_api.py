"""/api/v1/shared-services: the task catalogue and key plugins; services listed and shown only to
those who may see them (404 otherwise, nothing for the anonymous); the key set and previewed by the
coordinator (403 for others, 422 with the engine's German reason); cost items and volumes by the
provider (CSV import with line numbers); settlements computed, finalized (409 once immutable),
corrected with differences; members get their own line and the total only."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.shared_services.models import Settlement, SharedService

from .factories import ensure_seed_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/shared-services"


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_task_catalogue_and_key_types_are_public(db):
    ensure_seed_data()
    tasks = Client().get(f"{URL}/tasks").json()
    assert {"kfz-zulassung", "bussgeldstelle", "vergabestelle", "standesamt"} <= {
        t["slug"] for t in tasks["items"]
    }
    keys = Client().get(f"{URL}/keys").json()
    assert {"equal", "population", "area", "volume", "mix", "fixed_share", "price_per_unit"} <= {
        k["type"] for k in keys["items"]
    }


def test_list_shows_visible_services_only(ss: SimpleNamespace, service: SharedService) -> None:
    assert Client().get(URL).json() == {"items": [], "count": 0}
    assert client_for(ss.head_outsider).get(URL).json()["count"] == 0
    body = client_for(ss.clerk_b).get(URL).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["name"] == "Zentrale Vergabestelle"
    assert item["key_description"] == "50 % Grundbetrag zu gleichen Teilen + 50 % nach Einwohnern"
    assert item["recipient_count"] == 3
    assert client_for(ss.advisory).get(f"{URL}?alliance=vergabe").json()["count"] == 1


def test_detail_404_for_outsiders_and_permissions_for_insiders(
    ss: SimpleNamespace, service: SharedService
) -> None:
    assert client_for(ss.head_outsider).get(f"{URL}/{service.pk}").status_code == 404
    assert client_for(ss.head_outsider).get(f"{URL}/{service.pk}").json() == {
        "detail": "Nicht gefunden.",
        "code": "not_found",
    }
    assert client_for(ss.clerk_b).get(f"{URL}/{service.pk}").json()["permissions"] == {
        "manage": False,
        "maintain": False,
        "sees_all_lines": False,
    }
    assert client_for(ss.clerk_a).get(f"{URL}/{service.pk}").json()["permissions"]["maintain"] is True
    assert client_for(ss.coordinator).get(f"{URL}/{service.pk}").json()["permissions"]["manage"] is True


def test_create_service_by_coordinator(ss: SimpleNamespace) -> None:
    payload = {
        "alliance": "vergabe",
        "task": "standesamt",
        "provider": ss.vg_a.ars,
        "name": "Gemeinsames Standesamt",
        "start_date": "2025-01-01",
        "allocation_key": {"type": "price_per_unit", "price": "1.90"},
        "recipients": [ss.vg_a.ars, ss.vg_b.ars],
    }
    assert client_for(ss.clerk_a).post(URL, payload, content_type="application/json").status_code == 403
    response = client_for(ss.coordinator).post(URL, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["key_description"] == "1,90 EUR je Einwohner"
    assert [r["name"] for r in response.json()["recipients"]] == ["Göllheim", "Kirchheimbolanden"]


def test_key_put_and_preview(ss: SimpleNamespace, service: SharedService) -> None:
    rosenheim = {
        "type": "fixed_share",
        "shares": {ss.vg_a.ars: "30"},
        "rest": {
            "type": "mix",
            "parts": [
                {"weight": "50", "key": {"type": "equal"}},
                {"weight": "50", "key": {"type": "population"}},
            ],
        },
    }
    assert (
        client_for(ss.clerk_b)
        .put(f"{URL}/{service.pk}/key", {"config": rosenheim}, content_type="application/json")
        .status_code
        == 403
    )
    bad = client_for(ss.coordinator).put(
        f"{URL}/{service.pk}/key", {"config": {"type": "mix", "parts": []}}, content_type="application/json"
    )
    assert bad.status_code == 422 and "mindestens zwei Teile" in bad.json()["detail"]
    preview = client_for(ss.coordinator).post(
        f"{URL}/{service.pk}/key/preview",
        {"config": rosenheim, "year": 2025, "total": "10000"},
        content_type="application/json",
    )
    assert preview.status_code == 200, preview.content
    shares = {s["name"]: Decimal(s["share"]) for s in preview.json()["shares"]}
    assert shares["Kirchheimbolanden"] == Decimal("3000.00")
    assert sum(shares.values()) == Decimal("10000.00")
    ok = client_for(ss.coordinator).put(
        f"{URL}/{service.pk}/key", {"config": rosenheim}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["key_description"].startswith("Kirchheimbolanden trägt fest 30 %")


def test_cost_plan_items_by_the_provider(ss: SimpleNamespace, service: SharedService) -> None:
    plan = client_for(ss.clerk_b).get(f"{URL}/{service.pk}/cost-plans/2025/actual").json()
    assert plan["totals"]["net"] == "100000.00" and plan["items"][0]["rate"] == "66800.00"
    assert client_for(ss.clerk_b).get(f"{URL}/{service.pk}/cost-plans/2030/plan").status_code == 404
    item = {"category": "staff", "description": "Vergabe", "fte": "0.5", "pay_grade": "A11"}
    assert (
        client_for(ss.coordinator)
        .post(f"{URL}/{service.pk}/cost-plans/2026/plan/items", item, content_type="application/json")
        .status_code
        == 403
    )
    created = client_for(ss.clerk_a).post(
        f"{URL}/{service.pk}/cost-plans/2026/plan/items", item, content_type="application/json"
    )
    assert (
        created.status_code == 201 and created.json()["totals"]["staff"] == "40050.00"
    )  # 0.5 × 80,100 (A11 2026)
    unknown = client_for(ss.clerk_a).post(
        f"{URL}/{service.pk}/cost-plans/2026/plan/items",
        {**item, "pay_grade": "X1"},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and "X1" in unknown.json()["detail"]
    item_id = created.json()["items"][0]["id"]
    deleted = client_for(ss.clerk_a).delete(f"{URL}/{service.pk}/cost-plans/2026/plan/items/{item_id}")
    assert deleted.status_code == 200 and deleted.json()["items"] == []


def test_volumes_one_by_one_and_csv(ss: SimpleNamespace, service: SharedService) -> None:
    record = {"ars": ss.vg_b.ars, "period_start": "2025-01-01", "period_end": "2025-06-30", "quantity": "7.5"}
    assert (
        client_for(ss.clerk_b)
        .post(f"{URL}/{service.pk}/volumes", record, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for(ss.clerk_a)
        .post(f"{URL}/{service.pk}/volumes", record, content_type="application/json")
        .status_code
        == 201
    )
    csv_text = (
        "ars;von;bis;menge\n"
        f"{ss.vg_a.ars};01.01.2025;30.06.2025;10\n"
        f"{ss.vg_c.ars};01.01.2025;30.06.2025;abc\n"
    )
    bad = client_for(ss.clerk_a).post(
        f"{URL}/{service.pk}/volumes/import", {"file": SimpleUploadedFile("q.csv", csv_text.encode())}
    )
    assert bad.status_code == 422
    assert bad.json() == {
        "detail": "q.csv, Zeile 3, Feld menge: keine Zahl (Beispiel: 1.250 oder 12,5)",
        "code": "invalid_file",
    }
    good = csv_text.replace("abc", "2,5")
    ok = client_for(ss.clerk_a).post(
        f"{URL}/{service.pk}/volumes/import", {"file": SimpleUploadedFile("q.csv", good.encode())}
    )
    assert ok.json() == {"created": 2, "updated": 0, "unchanged": 0}
    member_view = client_for(ss.clerk_b).get(f"{URL}/{service.pk}/volumes?year=2025").json()
    assert (member_view["count"], member_view["hidden"], member_view["total"]) == (1, 2, "20.00")
    assert client_for(ss.clerk_a).get(f"{URL}/{service.pk}/volumes?year=2025").json()["count"] == 3


def test_settlement_lifecycle_over_the_api(ss: SimpleNamespace, service: SharedService) -> None:
    coordinator = client_for(ss.coordinator)
    assert (
        client_for(ss.clerk_b)
        .post(
            f"{URL}/{service.pk}/settlements",
            {"year": 2025, "kind": "final"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    created = coordinator.post(
        f"{URL}/{service.pk}/settlements", {"year": 2025, "kind": "final"}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"
    settlement_id = created.json()["id"]
    confirmed = f"{URL}/settlements/{settlement_id}/finalize?confirmed=true"
    assert client_for(ss.clerk_a).post(confirmed).status_code == 403
    unconfirmed = coordinator.post(f"{URL}/settlements/{settlement_id}/finalize")
    assert unconfirmed.status_code == 422 and unconfirmed.json()["code"] == "confirmation_required"
    assert Settlement.objects.get(pk=settlement_id).status == "draft"
    finalized = coordinator.post(confirmed)
    assert finalized.status_code == 200 and finalized.json()["status"] == "finalized"
    again = coordinator.post(
        f"{URL}/{service.pk}/settlements", {"year": 2025, "kind": "final"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "settlement_finalized"

    lines = coordinator.get(f"{URL}/settlements/{settlement_id}/lines").json()
    assert lines["count"] == 3 and lines["total"] == "100000.00"
    own = client_for(ss.clerk_b).get(f"{URL}/settlements/{settlement_id}/lines").json()
    assert [line["name"] for line in own["items"]] == ["Göllheim"] and own["total"] == "100000.00"
    assert own["items"][0]["share"] == "30952.38"
    assert own["items"][0]["standalone_cost"] is not None
    assert client_for(ss.head_outsider).get(f"{URL}/settlements/{settlement_id}/lines").status_code == 404

    correction = coordinator.post(
        f"{URL}/settlements/{settlement_id}/corrections",
        {"reason": "Prüfung"},
        content_type="application/json",
    )
    assert correction.status_code == 201 and correction.json()["version"] == 2
    detail = coordinator.get(f"{URL}/settlements/{correction.json()['id']}").json()
    assert detail["previous_id"] == settlement_id
    assert {d["name"] for d in detail["differences"]} == {"Göllheim", "Kirchheimbolanden", "Winnweiler"}
    assert all(Decimal(d["difference"]) == 0 for d in detail["differences"])
    listed = client_for(ss.clerk_b).get(f"{URL}/{service.pk}/settlements?year=2025").json()
    assert [s["version"] for s in listed["items"]] == [2, 1]
    assert Settlement.objects.count() == 2


def test_settlement_not_computable_is_422_in_german(ss: SimpleNamespace, service: SharedService) -> None:
    response = client_for(ss.coordinator).post(
        f"{URL}/{service.pk}/settlements", {"year": 2025, "kind": "advance"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Es gibt keinen Kostenplan „Plan“ für 2025.",
        "code": "settlement_not_computable",
    }
