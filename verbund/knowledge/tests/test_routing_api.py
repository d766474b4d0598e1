"""``GET /api/v1/knowledge/route``: public, the exact answer shape, best first, the responsible office
(also through an alliance's shared service), the decision, and refusals naming ``q`` or ``ars``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from verbund.accounts.tests.factories import UserFactory
from verbund.knowledge.models import Service
from verbund.knowledge.services import routing as svc
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import ServiceRecipient, Task
from verbund.shared_services.tests.factories import SharedServiceFactory, ensure_seed_data

from . import test_routing_service as base
from .test_routing_service import kreis_of, vg_of

catalogue = base.catalogue  # the autouse fixture: rules, sample catalogue, fresh router

pytestmark = pytest.mark.django_db


@pytest.fixture
def town() -> Body:
    """An Ortsgemeinde named Erfweiler (its Verbandsgemeinde and Landkreis above it)."""
    return BodyFactory.create(name="Erfweiler")


URL = "/api/v1/knowledge/route"


def get(params: dict[str, Any], client: Client | None = None) -> Any:
    return (client or Client()).get(URL, params)


def test_anonymous_can_route_and_the_answer_has_exactly_the_documented_shape(town: Body) -> None:
    response = get({"q": "Personalausweis gestohlen", "ars": town.ars})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "decision"}
    assert body["decision"] in ("auto", "suggest")
    assert 1 <= len(body["items"]) <= 5
    for item in body["items"]:
        assert set(item) == {"service", "score", "responsible"}
        assert set(item["service"]) == {"id", "name", "leika"}
        assert item["responsible"] is None or set(item["responsible"]) == {"ars", "name", "via"}
    best = body["items"][0]
    assert best["service"] == {
        "id": "1076889",
        "name": "Verlust oder Diebstahl Personalausweis",
        "leika": "99008001014002",
    }
    assert best["responsible"] == {"ars": vg_of(town).ars, "name": vg_of(town).name, "via": None}
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_without_ars_responsible_is_null() -> None:
    body = get({"q": "Gewerbe anmelden"}).json()
    assert body["items"][0]["service"]["name"] == "Gewerbe-Anmeldung"
    assert all(item["responsible"] is None for item in body["items"])


def test_a_signed_in_caller_gets_the_same_answer(town: Body) -> None:
    client = Client()
    client.force_login(UserFactory.create(operator=True))
    assert (
        get({"q": "Personalausweis gestohlen", "ars": town.ars}, client).json()
        == get({"q": "Personalausweis gestohlen", "ars": town.ars}).json()
    )


@pytest.mark.parametrize("q", ["asdf qwertz", "?!?!", "ich du er"])
def test_garbage_is_handed_to_a_person(q: str) -> None:
    assert get({"q": q}).json() == {"items": [], "decision": "human"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "Pass", "ars": "07-1"}, "ars"),
        ({"q": "Pass", "ars": "079999999999"}, "ars"),
    ],
)
def test_bad_parameters_are_a_422_naming_them(params: dict[str, str], field: str) -> None:
    response = get(params)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"].startswith(f"{field}: ")


def test_a_shared_service_names_the_provider_and_via(town: Body) -> None:
    ensure_seed_data()
    kreis = kreis_of(town)
    provider = BodyFactory.create(landkreis=True, name="Landkreis Bernkastel-Wittlich")
    shared = SharedServiceFactory.create(
        alliance__is_published=True,  # an unpublished alliance is not named to the public
        task=Task.objects.get(slug="kfz-zulassung"),
        provider=provider,
        start_date=dt.date(2024, 1, 1),
    )
    ServiceRecipient.objects.create(service=shared, body=kreis, from_date=dt.date(2024, 1, 1))
    Service.objects.filter(name="Fahrzeug abmelden").update(task=Task.objects.get(slug="kfz-zulassung"))
    svc.reset()

    body = get({"q": "Auto abmelden", "ars": town.ars}).json()
    best = body["items"][0]
    assert best["service"]["name"] == "Fahrzeug abmelden"
    assert best["responsible"]["ars"] == provider.ars
    assert best["responsible"]["name"] == "Landkreis Bernkastel-Wittlich"
    assert shared.name in best["responsible"]["via"] and shared.alliance.name in best["responsible"]["via"]


def test_a_request_reuses_the_router_of_the_process(monkeypatch: Any) -> None:
    get({"q": "Pass"})
    monkeypatch.setattr(svc, "build_router", lambda: pytest.fail("a request rebuilt the router"))
    assert get({"q": "Reisepass"}).status_code == 200


def test_the_answers_validate_against_the_live_schema(town: Body) -> None:
    """The 200 and 422 bodies as the served OpenAPI schema documents them (docs/openapi.json is
    regenerated from it)."""
    import json

    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from verbund.web.management.commands.export_openapi import openapi_schema

    schema = json.loads(json.dumps(openapi_schema()))
    registry = Registry().with_resource(
        "urn:live", Resource.from_contents(schema, default_specification=DRAFT202012)
    )
    responses = schema["paths"][URL]["get"]["responses"]
    for params, status in (
        ({"q": "Personalausweis gestohlen", "ars": town.ars}, 200),
        ({"q": "asdf"}, 200),
        ({"q": "Pass", "ars": "1"}, 422),
    ):
        response = get(params)
        assert response.status_code == status
        assert str(status) in responses
        path = URL.replace("/", "~1")
        pointer = f"urn:live#/paths/{path}/get/responses/{status}/content/application~1json/schema"
        validator = Draft202012Validator({"$ref": pointer}, registry=registry)
        assert [e.message for e in validator.iter_errors(response.json())] == []
