"""The API keeps the contract of its committed schema (docs/openapi.json):

* no two different schemas share one component name (``Status``, ``BodyRef``, ``TaskOut`` did: the
  funding enum documented every alliance's status as invalid);
* every GET operation, called with the demo data by every role, answers a documented status with a
  body that validates against the committed schema (:mod:`.test_api_fuzz`, which has the demo world);
* bounds: an ``offset`` or an id beyond what a database integer holds is a 422 naming the parameter,
  never a 500 (on SQLite and on PostgreSQL);
* every error has the one documented shape, a body that is not JSON is a documented 400;
* a refused write on an object the caller sees is 403, not 404.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from ninja import Router, Schema

from config.api import api
from verbund.common.api import MAX_ID, MAX_OFFSET, VerbundAPI
from verbund.funding.tests.conftest import alliance, programme, world  # noqa: F401  (fixtures)
from verbund.funding.tests.factories import draft_application, fill_draft

from .api_contract import committed_schema, contract_violations

BEYOND = 2**63  # one more than PostgreSQL's bigint and SQLite's INTEGER hold


# --- component names --------------------------------------------------------------------------------


def test_no_two_schemas_share_a_component_name() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    assert schema.collisions == {}
    names = set(schema["components"]["schemas"])
    assert {"AllianceStatus", "ApplicationStatus", "PlanningBodyRef", "ServiceBodyRef"} <= names
    assert {"PlanningTaskOut", "ServiceTaskOut", "CostRowIn", "CostRowOut"} <= names
    assert "Status" not in names and "TaskOut" not in names


def test_the_collision_check_finds_two_schemas_of_one_name() -> None:
    first, second = Router(), Router()

    class Thing(Schema):
        a: int

    @first.get("/a", response=Thing)
    def get_a(request: Any) -> Any:  # pragma: no cover - only documented
        return {"a": 1}

    class Thing(Schema):  # type: ignore[no-redef]  # another part's "Thing"
        b: str

    @second.get("/b", response=Thing)
    def get_b(request: Any) -> Any:  # pragma: no cover - only documented
        return {"b": "x"}

    probe = VerbundAPI(urls_namespace="collision_probe")
    probe.add_router("/first", first)
    probe.add_router("/second", second)
    assert set(probe.get_openapi_schema(path_prefix="/").collisions) == {"Thing"}


def test_alliance_status_is_documented_with_the_alliance_values() -> None:
    from verbund.alliances.models import Status as AllianceStatus
    from verbund.funding.models import Status as ApplicationStatus

    schemas = committed_schema()["components"]["schemas"]
    assert schemas["AllianceStatus"]["enum"] == [s.value for s in AllianceStatus]
    assert schemas["ApplicationStatus"]["enum"] == [s.value for s in ApplicationStatus]


# --- bounds -----------------------------------------------------------------------------------------

LISTS = [
    "/api/v1/bodies",
    "/api/v1/alliances",
    "/api/v1/funding/applications",
    "/api/v1/funding/programmes",
    "/api/v1/planning/scenarios",
    "/api/v1/planning/tasks",
    "/api/v1/shared-services",
    "/api/v1/shared-services/tasks",
    "/api/v1/users",
    "/api/v1/notifications",
    "/api/v1/security/advisories",
    "/api/v1/security/assets",
    "/api/v1/security/matches",
    "/api/v1/security/incidents",
    "/api/v1/security/officers",
    "/api/v1/security/wiba/assessments",
    "/api/v1/security/wiba/checklists",
    "/api/v1/emergency/events",
    "/api/v1/emergency/resources",
    "/api/v1/emergency/requests",
    "/api/v1/emergency/agreements",
    "/api/v1/knowledge/services",
    "/api/v1/knowledge/holder-rules",
    "/api/v1/knowledge/council/search",
    "/api/v1/advisory/practice",
    "/api/v1/advisory/events",
    "/api/v1/advisory/evidence",
    "/api/v1/advisory/templates",
    "/api/v1/advisory/cases",  # advisory: cases
]


@pytest.fixture
def operator_client(db: Any) -> Client:
    from verbund.accounts.tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory.create(operator=True))
    return client


def test_every_paginated_list_is_in_the_bounds_test() -> None:
    paginated = {
        path
        for path, ops in committed_schema()["paths"].items()
        if "get" in ops
        and "{" not in path
        and any(p["name"] == "offset" for p in ops["get"].get("parameters", []))
    }
    assert paginated - set(LISTS) <= {"/api/v1/shared-services/keys"}


@pytest.mark.parametrize("url", LISTS)
def test_an_offset_beyond_a_database_integer_is_a_422(operator_client: Client, url: str) -> None:
    response = operator_client.get(url, {"offset": BEYOND})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "offset: höchstens 1.000.000.000 erlaubt"


@pytest.mark.parametrize("url", LISTS[:3])
def test_the_largest_offset_is_an_empty_page(operator_client: Client, url: str) -> None:
    response = operator_client.get(url, {"offset": MAX_OFFSET, "limit": 500})
    assert response.status_code == 200, response.content
    assert response.json()["items"] == []


def _id_paths() -> list[str]:
    paths = []
    for template, ops in committed_schema()["paths"].items():
        for method, op in ops.items():
            if any(
                p["in"] == "path" and p["schema"].get("maximum") == MAX_ID for p in op.get("parameters", [])
            ):
                paths.append(f"{method} {template}")
    return sorted(paths)


@pytest.mark.parametrize("operation", _id_paths())
def test_an_id_beyond_a_database_integer_is_a_422_and_the_largest_a_404(
    operator_client: Client, operation: str
) -> None:
    method, template = operation.split(" ")
    params = committed_schema()["paths"][template][method]["parameters"]
    kinds = {p["name"]: p["schema"] for p in params if p["in"] == "path"}

    def fill(big: int) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            schema = kinds[name]
            if schema.get("type") != "integer":
                return {"kind": "plan", "state": "07"}.get(name, "x")
            return str(big) if schema.get("maximum") == MAX_ID else str(schema.get("minimum", 1))

        return re.sub(r"{(\w+)}", value, template)

    send = getattr(operator_client, method)
    beyond = (
        send(fill(BEYOND), {}, content_type="application/json") if method != "get" else send(fill(BEYOND))
    )
    assert beyond.status_code == 422, (operation, beyond.content)
    assert "höchstens" in beyond.json()["detail"]
    largest = (
        send(fill(MAX_ID), {}, content_type="application/json") if method != "get" else send(fill(MAX_ID))
    )
    assert largest.status_code in (404, 422), (operation, largest.content)
    assert largest.status_code == 404 or "höchstens" not in largest.json()["detail"]


# --- statuses and the error shape ----------------------------------------------------------------------


def test_every_operation_documents_its_errors_in_one_shape() -> None:
    missing = []
    for template, ops in committed_schema()["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            need = {"401"}
            if "requestBody" in op:
                need |= {"400", "422"}
            if op.get("parameters"):
                need.add("422")
            if any(p["in"] == "path" for p in op.get("parameters", [])):
                need.add("404")
            for status in sorted(need - set(responses)):
                missing.append(f"{method.upper()} {template}: {status}")
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (template, status)
    assert missing == []


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_documented_400(operator_client: Client) -> None:
    response = operator_client.post(
        "/api/v1/alliances/irgendeiner/transitions", "{kein json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Der Inhalt der Anfrage ist kein gültiges JSON.",
        "code": "bad_request",
    }
    assert (
        contract_violations(
            "/api/v1/alliances/{slug}/transitions", "post", 400, response["Content-Type"], response.content
        )
        == []
    )


@pytest.mark.django_db
def test_validation_errors_are_german_and_name_the_field(operator_client: Client) -> None:
    response = operator_client.get("/api/v1/bodies", {"limit": "viele", "state": "7"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "limit: ist keine ganze Zahl" in detail
    assert "state: hat nicht das erwartete Format" in detail


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/users?q=%00", None),
        ("get", "/api/v1/bodies?q=a%00b", None),
        ("post", "/api/v1/alliances/x/coordinators", '{"username": "a\\u0000b"}'),
    ],
)
def test_a_nul_character_is_a_422_on_every_database(
    operator_client: Client, method: str, url: str, body: str | None
) -> None:
    if body is None:
        response = operator_client.get(url)
    else:
        response = operator_client.post(url, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid" and "Nullzeichen" in response.json()["detail"]


# --- 403 for a refused write on a visible object -------------------------------------------------------


@pytest.mark.django_db
def test_the_funding_authority_answering_an_applicants_query_gets_403(
    world: SimpleNamespace,  # noqa: F811
    alliance: Any,  # noqa: F811
    programme: Any,  # noqa: F811
) -> None:
    from verbund.funding import workflow
    from verbund.funding.models import Application, InfoRequest

    draft = fill_draft(draft_application(programme=programme, alliance=alliance, applicant=world.vg_a))
    # The application is in "Rückfrage" with an open query of the funding authority.
    from django.utils import timezone

    Application.objects.filter(pk=draft.pk).update(status=workflow.RUECKFRAGE, submitted_at=timezone.now())
    info_id = InfoRequest.objects.create(application=draft, question="Warum?", asked_by=world.authority).pk
    url = f"/api/v1/funding/applications/{draft.pk}"
    authority = Client()
    authority.force_login(world.authority)
    assert authority.get(url).status_code == 200  # the authority sees the application

    refused = authority.post(
        f"{url}/answers", {"info_request": info_id, "answer": "Ich?"}, content_type="application/json"
    )

    assert refused.status_code == 403, refused.content
    assert refused.json()["code"] == "forbidden"
    outsider = Client()
    outsider.force_login(world.head_outsider)
    hidden = outsider.post(
        f"{url}/answers", {"info_request": info_id, "answer": "?"}, content_type="application/json"
    )
    assert hidden.status_code == 404
