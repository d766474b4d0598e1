"""Real responses against the committed schema (docs/openapi.json), on the demo world: every GET
operation as every role, and a bounded schemathesis run of the committed schema against the app, in
process.

Every operation is fuzzed twice, each with a fixed, small number of examples
(:data:`EXAMPLES`, ``VERBUND_FUZZ_EXAMPLES`` to change it): with valid data (positive) on the demo
world's real objects (so that the answers carry real bodies), and with invalid data (negative) on
generated paths. The caller is the demo operator with a Bearer token (a role that sees data and may
write). Each response must not be a 5xx, and its status, media type and body must be what the
committed schema documents. Generation is derandomized, so a run is the same on every machine; no
Hypothesis deadline or health check depends on the machine's speed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .api_contract import committed_schema, contract_violations
from .api_world import ROLES, ApiWorld, api_world_fixture

api_world = pytest.fixture(scope="module", name="api_world")(api_world_fixture)

EXAMPLES = int(os.environ.get("VERBUND_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operations() -> list[str]:
    return sorted(
        f"{method.upper()} {path}" for path, ops in committed_schema()["paths"].items() for method in ops
    )


@pytest.fixture(scope="module")
def fuzz_schema() -> Iterator[Any]:
    """The committed schema, sent to the app's WSGI handler. As in Django's test client, a request
    does not close the database connection at its end (the test's transaction lives on it; on
    PostgreSQL, closing it would end the transaction)."""
    schema = schemathesis.openapi.from_dict(committed_schema())
    schema.app = get_wsgi_application()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _operation(schema: Any, label: str) -> Any:
    method, path = label.split(" ", 1)
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == method and operation.path == path:
            return operation
    raise AssertionError(f"{label} is not in the committed schema")


# --- real responses against the committed schema ------------------------------------------------------

#: Required query parameters of GET operations, from the demo world.
REQUIRED_QUERY = {
    "/api/v1/planning/recommendations": {"body": "073330000000", "task": "standesamt"},
    "/api/v1/knowledge/route": {"q": "Personalausweis verloren"},
    # a model text filled for a real alliance of the demo (the advisory office may fill any)
    "/api/v1/advisory/templates/{template_slug}/fill": {
        "alliance": "interkommunale-cybersicherheit",
        "format": "pdf",
    },
}


def _get_operations() -> list[str]:
    return sorted(p for p, ops in committed_schema()["paths"].items() if "get" in ops)


def _query(template: str, demo: ApiWorld) -> dict[str, str]:
    query = dict(REQUIRED_QUERY.get(template, {}))
    if template.endswith("/volumes"):
        query["year"] = demo.values["shared-services/{service_id}"]["year"]
    if template == "/api/v1/knowledge/responsible":
        query.update(service=demo.values["knowledge"]["service_id"], ars=demo.values["knowledge"]["ars"])
    return query


def _body(response: Any) -> bytes:
    """The response's bytes, also of a streamed file (a download)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_every_get_operation_answers_as_the_committed_schema_says(api_world: ApiWorld) -> None:
    from verbund.registry.models import Body

    # A Verbandsgemeinde of the demo (Landstuhl), a holder of the task "standesamt".
    REQUIRED_QUERY["/api/v1/planning/recommendations"]["body"] = Body.objects.get(key="073355011").ars
    violations: list[str] = []
    answered: dict[str, set[int]] = {}
    unresolved = []
    for template in _get_operations():
        path = api_world.path_for(template)
        if path is None:
            unresolved.append(template)
            continue
        for role in (None, *ROLES):
            client = Client(headers=api_world.headers(role))
            response = client.get(path, _query(template, api_world))
            answered.setdefault(template, set()).add(response.status_code)
            violations += [
                f"[{role or 'anonym'}] {v}"
                for v in contract_violations(
                    template, "get", response.status_code, response.get("Content-Type", ""), _body(response)
                )
            ]
    assert unresolved == []
    assert violations == []
    # Every GET answered 200 to someone: the schemas were checked against real bodies, not only errors.
    assert {t: codes for t, codes in answered.items() if 200 not in codes} == {}


# --- fuzzing ------------------------------------------------------------------------------------------


@pytest.mark.fuzz
@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", _operations())
def test_the_app_answers_every_fuzzed_request_as_documented(
    api_world: ApiWorld, fuzz_schema: Any, label: str, mode: GenerationMode
) -> None:
    operation = _operation(fuzz_schema, label)
    headers = api_world.headers("operator")
    real = api_world.values_for(operation.path) if mode is GenerationMode.POSITIVE else None
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=real or None)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    fuzz()


# --- a refused write on a visible object is 403 --------------------------------------------------------

#: Writes on objects the Beratungsstelle reads but may not change (it reads alliances, applications and
#: services of every tenant; it changes planning's cost models and scenarios, which are left out).
REFUSED_FAMILIES = ("/api/v1/alliances/", "/api/v1/funding/applications/", "/api/v1/shared-services/")


def _refused_writes() -> list[str]:
    return [
        label
        for label in _operations()
        if not label.startswith("GET ")
        and "{" in label
        and label.split(" ", 1)[1].startswith(REFUSED_FAMILIES)
    ]


@pytest.mark.fuzz
@pytest.mark.django_db
@pytest.mark.parametrize("label", _refused_writes())
def test_a_write_refused_on_a_visible_object_is_403_never_404(
    api_world: ApiWorld, fuzz_schema: Any, label: str
) -> None:
    operation = _operation(fuzz_schema, label)
    headers = api_world.headers("advisory")
    real = api_world.values_for(operation.path)
    seen: list[int] = []

    @settings(
        max_examples=3,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real))
    def write(case: Any) -> None:
        response = case.call(headers=headers)
        seen.append(response.status_code)
        # Valid input on an object the caller sees: refused with 403 (or 422/409 for a rule), never
        # 404 as if it did not exist, never done.
        assert response.status_code in (403, 409, 422), (label, response.status_code, response.text[:300])

    write()
    # Refused for the caller, unless no generated body was valid (a decimal string the schema cannot
    # describe exactly).
    assert 403 in seen or set(seen) == {422}, (label, seen)
