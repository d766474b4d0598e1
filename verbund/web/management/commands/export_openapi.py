"""``manage.py export_openapi``: print the OpenAPI schema of ``/api/v1/`` as stable JSON.

``make openapi`` writes it to ``docs/openapi.json``, which is committed: a test compares it with the
live schema, so that every change of the public API shows up in a review as a diff of that file.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand


def openapi_schema() -> dict[str, Any]:
    """The schema exactly as ``GET /api/v1/openapi.json`` serves it."""
    from config.api import api

    return api.get_openapi_schema()


def render_openapi(schema: dict[str, Any]) -> str:
    """Sorted keys and fixed indentation: the same schema always gives the same text."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Gibt das OpenAPI-Schema der API als sortiertes JSON aus (make openapi: docs/openapi.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(render_openapi(openapi_schema()), ending="")
