"""Pages and files of the open data: the catalogue as a page and as JSON-LD, and the exports."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from verbund.common.licence import add_licence_header, open_data_licence
from verbund.registry.selectors import registry_attribution

from . import catalog, exports


def _open(response: HttpResponse) -> HttpResponse:
    """Open data: any site may read it (no credentials involved), and it names its licence."""
    response["Access-Control-Allow-Origin"] = "*"
    return add_licence_header(response)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/opendata.html",
        {
            "datasets": catalog.datasets(),
            "formats": catalog.FORMATS,
            "licence": open_data_licence(),
            "registry_source": registry_attribution(),
        },
    )


@require_GET
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    body = json.dumps(catalog.catalog(), ensure_ascii=False, indent=1)
    return _open(HttpResponse(body, content_type="application/ld+json; charset=utf-8"))


def _download(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _open(response)


@require_GET
def bodies_csv(request: HttpRequest) -> HttpResponse:
    return _download(exports.bodies_csv(), "text/csv; charset=utf-8", "koerperschaften.csv")


@require_GET
def funding_csv(request: HttpRequest) -> HttpResponse:
    return _download(exports.funding_csv(), "text/csv; charset=utf-8", "foerderung.csv")


@require_GET
def funding_json(request: HttpRequest) -> HttpResponse:
    body = json.dumps(exports.funding_json(), ensure_ascii=False, separators=(",", ":"))
    return _open(HttpResponse(body, content_type="application/json"))


@require_GET
def programme_csv(request: HttpRequest) -> HttpResponse:
    return _download(exports.programme_csv(), "text/csv; charset=utf-8", "programm.csv")


@require_GET
def programme_json(request: HttpRequest) -> HttpResponse:
    body = json.dumps(exports.programme_json(), ensure_ascii=False, separators=(",", ":"))
    return _open(HttpResponse(body, content_type="application/json"))
