"""Checking an API response against the committed schema (docs/openapi.json) with jsonschema.

:func:`contract_violations` says what in a response the schema does not document: its status, its
media type, or its body (validated against the operation's response schema, references resolved in
the whole document as JSON Schema 2020-12, which OpenAPI 3.1 uses).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

OPENAPI_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.json"
DOCUMENT_URI = "urn:verbund:openapi"


@cache
def committed_schema() -> dict[str, Any]:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(committed_schema(), default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, resource)


def contract_violations(template: str, method: str, status: int, content_type: str, body: bytes) -> list[str]:
    """What the committed schema does not document about one response (empty: all documented)."""
    where = f"{method.upper()} {template} → {status}"
    operation = committed_schema()["paths"][template][method.lower()]
    declared = operation["responses"].get(str(status))
    if declared is None:
        return [f"{where}: status not documented ({sorted(operation['responses'])})"]
    content = declared.get("content")
    if not content:
        return [f"{where}: a body, but none is documented"] if body.strip() else []
    media = content_type.split(";")[0].strip()
    if media not in content:
        return [f"{where}: media type {media!r} not documented ({sorted(content)})"]
    if content[media].get("schema") == {"type": "string", "format": "binary"}:
        return []  # a file (a download): documented as bytes of this media type
    try:
        data = json.loads(body)
    except ValueError:
        return [f"{where}: body is not JSON"]
    ref = (
        DOCUMENT_URI
        + "#"
        + _pointer("paths", template, method.lower(), "responses", str(status), "content", media, "schema")
    )
    validator = Draft202012Validator({"$ref": ref}, registry=_registry())
    return [
        f"{where}: {'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message[:300]}"
        for error in validator.iter_errors(data)
    ]
