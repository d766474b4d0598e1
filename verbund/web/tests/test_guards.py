"""Cheap guards over the whole site: no missing migrations; every page renders with exactly one
<h1>, ``lang="de"`` and a label for every input; every static file a page or template refers to
exists; the committed OpenAPI schema (docs/openapi.json) matches the live one."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from verbund.accounts.tests.factories import UserFactory
from verbund.funding.tests.pages import FUNDING_PAGES
from verbund.planning.tests.pages import PLANNING_PAGES
from verbund.registry.tests.factories import BodyBoundaryFactory, BodyFactory, make_neighbours
from verbund.shared_services.tests.pages import SHARED_SERVICES_PAGES
from verbund.web.management.commands.export_openapi import openapi_schema, render_openapi

REPO = Path(settings.BASE_DIR)
OPENAPI_FILE = REPO / "docs" / "openapi.json"
OPENAPI_HINT = (
    "docs/openapi.json differs from the live schema of /api/v1/openapi.json. If the API change is "
    "intended, run `make openapi` and commit docs/openapi.json with it (while several parts are being "
    "built at once, the lead regenerates it once at the end)."
)


@pytest.mark.django_db
def test_no_missing_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Models changed without a migration: run `manage.py makemigrations`.\n{out.getvalue()}")


@pytest.fixture
def body(db):
    vg = BodyFactory.create(verbandsgemeinde=True)
    og = BodyFactory.create(parent=vg, name="Erfweiler", centroid_lon=7.80, centroid_lat=49.15)
    neighbour = BodyFactory.create(parent=vg, name="Schindhard")
    BodyBoundaryFactory.create(body=og)
    BodyBoundaryFactory.create(body=neighbour, lon=7.82, lat=49.15)
    make_neighbours(og, neighbour)
    return og


def alliance_page(body, *, view: str = "detail", coordinator: bool = False):
    """A published alliance of ``body`` and its neighbour; ``(url, user)`` when a login is needed."""
    from verbund.alliances.tests.factories import AllianceFactory

    neighbour = body.parent.children.exclude(pk=body.pk).first()
    user = UserFactory.create(head_of=body) if coordinator else None
    alliance = AllianceFactory.create(published=True, members=[body, neighbour], coordinator=user)
    url = reverse(f"alliances:{view}", args=[alliance.slug])
    return (url, user) if user else url


def alliance_directory(body) -> str:
    alliance_page(body)
    return "/verbuende/?q=verbund"


PAGES = {
    "home": lambda body: "/",
    "body_list": lambda body: "/koerperschaften/",
    "body_list_search": lambda body: "/koerperschaften/?q=erf",
    "body_detail": lambda body: body.get_absolute_url(),
    "body_detail_parent": lambda body: body.parent.get_absolute_url(),
    "login": lambda body: "/konto/anmelden/",
    "api_docs": lambda body: "/api/v1/docs",
    "alliance_directory": alliance_directory,
    "alliance_detail": lambda body: alliance_page(body),
    "alliance_detail_coordinator": lambda body: alliance_page(body, coordinator=True),
    "alliance_edit": lambda body: alliance_page(body, view="edit", coordinator=True),
    "alliance_create": lambda body: ("/verbuende/neu/", UserFactory.create(staff_of=body)),
    **FUNDING_PAGES,
    **SHARED_SERVICES_PAGES,
    **PLANNING_PAGES,
}


def render_page(client, url: str | tuple) -> str:
    if isinstance(url, tuple):  # a page behind the login: (url, user)
        url, user = url
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_renders_accessibly(client, body, page):
    html = render_page(client, PAGES[page](body))

    assert re.search(r'<html[^>]*\blang="de"', html), 'the page must declare lang="de"'
    assert len(re.findall(r"<h1[\s>]", html)) == 1, "exactly one <h1> per page"
    labels = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(?:hidden|submit|button)"', tag):
            continue
        input_id = re.search(r'\bid="([^"]+)"', tag)
        assert "aria-label=" in tag or (input_id and input_id[1] in labels), f"input without a label: {tag}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_static_files_referenced_by_pages_exist(client, body, page):
    html = render_page(client, PAGES[page](body))
    referenced = re.findall(r'(?:href|src)="' + re.escape(settings.STATIC_URL) + r'([^"?#]+)', html)

    assert referenced, "every page loads at least the stylesheets"
    missing = [path for path in referenced if finders.find(path) is None]
    assert missing == []


def test_static_files_named_in_templates_exist():
    templates = [p for p in (REPO / "verbund").glob("*/templates/**/*.html") if p.is_file()]
    named = {
        (path, name)
        for path in templates
        for name in re.findall(r"""\{%\s*static\s+['"]([^'"]+)['"]\s*%\}""", path.read_text(encoding="utf-8"))
    }

    assert named, "templates refer to static files with {% static %}"
    missing = sorted(f"{p.relative_to(REPO)}: {name}" for p, name in named if finders.find(name) is None)
    assert missing == []


@pytest.mark.django_db
def test_committed_openapi_schema_is_current(client):
    assert OPENAPI_FILE.is_file(), "docs/openapi.json is missing: run `make openapi`"
    committed = OPENAPI_FILE.read_text(encoding="utf-8")
    live = client.get("/api/v1/openapi.json")

    assert live.status_code == 200
    assert live.json() == json.loads(committed), OPENAPI_HINT
    assert render_openapi(openapi_schema()) == committed, OPENAPI_HINT


def test_export_openapi_prints_the_schema_stably():
    first, second = StringIO(), StringIO()
    call_command("export_openapi", stdout=first)
    call_command("export_openapi", stdout=second)

    schema = json.loads(first.getvalue())
    assert first.getvalue() == second.getvalue()
    assert schema["info"]["title"] == "Verbund API"
    assert "/api/v1/bodies" in schema["paths"]
    assert list(schema) == sorted(schema)
