"""Cheap guards over the whole site: no missing migrations; every page renders with exactly one
<h1>, ``lang="de"`` and a label for every input; every static file a page or template refers to
exists; the committed OpenAPI schema (docs/openapi.json) matches the live one.

The page guards walk the URL resolver (``django.urls.get_resolver``), so a new page is guarded
without anyone remembering to list it: every pattern without parameters is fetched as an anonymous
visitor and as the operator; every pattern with parameters must have sample arguments in
:data:`SAMPLE_ARGS` (built from fixture objects), and :func:`test_every_url_pattern_is_covered`
fails for a new pattern that has none. ``/admin/`` (Django's), ``/api/`` (the API tests) and static
files are left out. The hand-kept :data:`PAGES` add pages as the user who sees them in full (a
coordinator's edit page, a clerk's draft) for the accessibility checks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from verbund.accounts.tests.factories import UserFactory
from verbund.funding.tests.pages import FUNDING_PAGES
from verbund.knowledge.tests.catalogue_pages import CATALOGUE_PAGES
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
    "barrierefreiheit": lambda body: "/barrierefreiheit/",
    "opendata": lambda body: "/opendata/",
    "legal_edit": lambda body: ("/betrieb/rechtstexte/barrierefreiheit/", UserFactory.create(operator=True)),
    **FUNDING_PAGES,
    **SHARED_SERVICES_PAGES,
    **PLANNING_PAGES,
    **CATALOGUE_PAGES,
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


# --- every URL pattern, walked from the resolver ----------------------------------------------------

#: URL prefixes the page guards leave out: Django's admin, the API (its own tests), files.
EXCLUDED_PREFIXES = ("admin/", "api/", "static/", "media/")
MISSING = 999_999  # an id no fixture object has: the page must answer 404, not fail


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str  # "verbuende/<slug:slug>/"
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or pattern)
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern)) + tuple(
                re.findall(r"\(\?P<(\w+)>", pattern)
            )
            yield Route(name=name, pattern=pattern, params=params)


def site_routes() -> list[Route]:
    routes = {
        r.name: r for r in _walk(get_resolver().url_patterns) if not r.pattern.startswith(EXCLUDED_PREFIXES)
    }
    return sorted(routes.values(), key=lambda r: r.name)


def _practice_slug() -> str:
    """The slug of the first good-practice record, or one nobody has."""
    slug = (
        apps.get_model("advisory.practicerecord")
        .objects.order_by("pk")
        .values_list("slug", flat=True)
        .first()
    )
    return str(slug or "kein-praxisbeispiel")


def _pk(label: str, **filters: Any) -> int:
    """The id of the first ``label`` object (matching ``filters``), or an id nobody has."""
    value = (
        apps.get_model(label).objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()
    )
    return int(value) if value is not None else MISSING


def _service_id() -> str:
    """The catalogue id of the first service of the knowledge part, or one nobody has."""
    services = apps.get_model("knowledge.service").objects.order_by("pk")
    value = services.values_list("external_id", flat=True).first()
    return str(value) if value is not None else "unbekannt"


def _cost_plan(s: Any) -> dict[str, Any]:
    return {"service_id": s.service.pk, "year": s.cost_plan.year, "kind": s.cost_plan.kind}


def _token(s: Any) -> dict[str, Any]:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return {
        "uidb64": urlsafe_base64_encode(force_bytes(s.clerk.pk)),
        "token": default_token_generator.make_token(s.clerk),
    }


#: Sample arguments of every URL pattern with parameters, built from the ``site`` fixture. A new
#: pattern with parameters needs a line here (``test_every_url_pattern_is_covered``).
SAMPLE_ARGS: dict[str, Callable[[Any], dict[str, Any]]] = {
    # registry
    "registry:body_detail": lambda s: {"ars": s.body.ars},
    "registry:import_detail": lambda s: {"pk": _pk("registry.registryimportjob")},
    # audit
    "audit:export_detail": lambda s: {"pk": _pk("audit.auditexport")},
    "audit:export_download": lambda s: {"pk": _pk("audit.auditexport")},
    # alliances
    "alliances:detail": lambda s: {"slug": s.alliance.slug},
    "alliances:edit": lambda s: {"slug": s.alliance.slug},
    "alliances:transition": lambda s: {"slug": s.alliance.slug},
    "alliances:end": lambda s: {"slug": s.alliance.slug},
    "alliances:coordinator_add": lambda s: {"slug": s.alliance.slug},
    "alliances:coordinator_handover": lambda s: {"slug": s.alliance.slug},
    "alliances:coordinator_revoke": lambda s: {"slug": s.alliance.slug, "user_id": s.coordinator.pk},
    "alliances:publication": lambda s: {"slug": s.alliance.slug},
    "alliances:member_add": lambda s: {"slug": s.alliance.slug},
    "alliances:member_search": lambda s: {"slug": s.alliance.slug},
    "alliances:member_remove": lambda s: {"slug": s.alliance.slug, "membership_id": s.membership.pk},
    "alliances:member_confirm": lambda s: {"slug": s.alliance.slug, "membership_id": s.membership.pk},
    "alliances:agreement_upload": lambda s: {"slug": s.alliance.slug},
    "alliances:agreement_file": lambda s: {
        "slug": s.alliance.slug,
        "document_id": _pk("alliances.agreementdocument", alliance=s.alliance),
    },
    "alliances:resolution_upload": lambda s: {"slug": s.alliance.slug},
    "alliances:resolution_file": lambda s: {
        "slug": s.alliance.slug,
        "resolution_id": _pk("alliances.councilresolution"),
    },
    # accounts
    "accounts:token_revoke": lambda s: {"token_id": _pk("accounts.apitoken")},
    "accounts:user_detail": lambda s: {"username": s.clerk.username},
    "accounts:role_assign": lambda s: {"username": s.clerk.username},
    "accounts:role_revoke": lambda s: {
        "username": s.clerk.username,
        "role": "sachbearbeitung",
        "ars": s.vg.ars,
    },
    "accounts:user_deactivate": lambda s: {"username": s.clerk.username},
    "accounts:user_reactivate": lambda s: {"username": s.clerk.username},
    "accounts:two_factor_reset": lambda s: {"username": s.clerk.username},
    "accounts:body_users": lambda s: {"ars": s.vg.ars},
    "accounts:invite": lambda s: {"ars": s.vg.ars},
    "accounts:set_password": _token,
    "accounts:password_reset_confirm": _token,
    # funding
    "funding:programme_detail": lambda s: {"slug": s.programme.slug},
    "funding:programme_edit": lambda s: {"slug": s.programme.slug},
    "funding:notice_template_edit": lambda s: {"slug": s.programme.slug},
    "funding:application_detail": lambda s: {"pk": s.application.pk},
    "funding:application_edit": lambda s: {"pk": s.application.pk},
    "funding:application_check": lambda s: {"pk": s.application.pk},
    "funding:application_action": lambda s: {"pk": s.application.pk, "action": "einreichen"},
    "funding:application_request_info": lambda s: {"pk": s.application.pk},
    "funding:info_answer": lambda s: {"pk": s.application.pk, "info_pk": _pk("funding.inforequest")},
    "funding:application_grant": lambda s: {"pk": s.application.pk},
    "funding:premature_start_approve": lambda s: {"pk": s.application.pk},
    "funding:premature_start_withdraw": lambda s: {"pk": s.application.pk},
    "funding:application_reject": lambda s: {"pk": s.application.pk},
    "funding:grant_pdf": lambda s: {"pk": s.application.pk},
    "funding:attachment_add": lambda s: {"pk": s.application.pk},
    "funding:attachment_download": lambda s: {"pk": s.application.pk, "attachment_pk": MISSING},
    "funding:drawdown_request": lambda s: {"pk": s.application.pk},
    "funding:proof_submit": lambda s: {"pk": s.application.pk},
    "funding:drawdown_decide": lambda s: {"pk": _pk("funding.drawdown")},
    "funding:proof_decide": lambda s: {"pk": _pk("funding.useproof")},
    # shared services
    "shared_services:alliance_services": lambda s: {"slug": s.alliance.slug},
    "shared_services:service_create": lambda s: {"slug": s.alliance.slug},
    "shared_services:service_detail": lambda s: {"service_id": s.service.pk},
    "shared_services:service_edit": lambda s: {"service_id": s.service.pk},
    "shared_services:recipient_add": lambda s: {"service_id": s.service.pk},
    "shared_services:recipient_end": lambda s: {
        "service_id": s.service.pk,
        "recipient_id": _pk("shared_services.servicerecipient", service=s.service),
    },
    "shared_services:population_set": lambda s: {"service_id": s.service.pk},
    "shared_services:population_delete": lambda s: {
        "service_id": s.service.pk,
        "figure_id": _pk("shared_services.populationfigure"),
    },
    "shared_services:key_edit": lambda s: {"service_id": s.service.pk},
    "shared_services:key_preview": lambda s: {"service_id": s.service.pk},
    "shared_services:cost_plan": _cost_plan,
    "shared_services:cost_item_add": _cost_plan,
    "shared_services:cost_item_delete": lambda s: {
        **_cost_plan(s),
        "item_id": _pk("shared_services.costitem"),
    },
    "shared_services:cost_plan_copy": _cost_plan,
    "shared_services:volumes": lambda s: {"service_id": s.service.pk},
    "shared_services:settlements": lambda s: {"service_id": s.service.pk},
    "shared_services:settlement_detail": lambda s: {"settlement_id": _pk("shared_services.settlement")},
    "shared_services:settlement_recompute": lambda s: {"settlement_id": _pk("shared_services.settlement")},
    "shared_services:settlement_finalize": lambda s: {"settlement_id": _pk("shared_services.settlement")},
    "shared_services:settlement_correct": lambda s: {"settlement_id": _pk("shared_services.settlement")},
    "shared_services:settlement_discard": lambda s: {"settlement_id": _pk("shared_services.settlement")},
    "shared_services:invoice_pdf": lambda s: {
        "settlement_id": _pk("shared_services.settlement"),
        "ars": s.vg.ars,
    },
    "shared_services:invoice_xrechnung": lambda s: {
        "settlement_id": _pk("shared_services.settlement"),
        "ars": s.vg.ars,
    },
    "shared_services:billing": lambda s: {"service_id": s.service.pk},
    "shared_services:billing_edit": lambda s: {"service_id": s.service.pk, "ars": s.vg.ars},
    "shared_services:overview_xlsx": lambda s: {"settlement_id": _pk("shared_services.settlement")},
    "shared_services:overview_csv": lambda s: {"settlement_id": _pk("shared_services.settlement")},
    # planning
    "planning:cost_model_edit": lambda s: {"slug": s.service.task.slug, "state": "07"},
    "planning:recommendations": lambda s: {"ars": s.body.ars},
    "planning:recommendation_adopt": lambda s: {"ars": s.body.ars},
    "planning:scenario_detail": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_progress": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_status": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_compare": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_status_quo": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_export_csv": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_export_geojson": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_delete": lambda s: {"pk": _pk("planning.scenario")},
    "planning:scenario_restart": lambda s: {"pk": _pk("planning.scenario")},
    # security: assets
    "security:asset_detail": lambda s: {"asset_id": _pk("security.asset")},
    "security:asset_edit": lambda s: {"asset_id": _pk("security.asset")},
    "security:asset_retire": lambda s: {"asset_id": _pk("security.asset")},
    # security: WiBA and shared officers
    "security:wiba_checklist": lambda s: {"checklist_id": _pk("security.wibachecklist")},
    "security:wiba_start": lambda s: {"checklist_id": _pk("security.wibachecklist")},
    "security:wiba_assessment": lambda s: {"assessment_id": _pk("security.wibaassessment")},
    "security:wiba_share": lambda s: {"assessment_id": _pk("security.wibaassessment")},
    "security:wiba_evidence_add": lambda s: {"answer_id": _pk("security.wibaanswer")},
    "security:wiba_evidence": lambda s: {"attachment_id": MISSING},
    "security:wiba_alliance": lambda s: {"slug": s.alliance.slug},
    "security:officer_create": lambda s: {"slug": s.alliance.slug},
    "security:officer_detail": lambda s: {"officer_id": _pk("security.sharedofficer")},
    "security:officer_edit": lambda s: {"officer_id": _pk("security.sharedofficer")},
    "security:officer_settlement": lambda s: {"officer_id": _pk("security.sharedofficer")},
    "security:officer_end": lambda s: {"officer_id": _pk("security.sharedofficer")},
    # legal pages (web shell)
    "legal:edit": lambda s: {"kind": "impressum"},
    "legal:feedback_handle": lambda s: {"pk": _pk("web.accessibilityfeedback")},
    # security (alliance view, matches)
    "security:alliance": lambda s: {"slug": s.alliance.slug},
    "security:triage": lambda s: {"slug": s.alliance.slug, "advisory_id": _pk("security.advisory")},
    "security:match_detail": lambda s: {"match_id": _pk("security.match")},
    # notifications
    "notifications:open": lambda s: {"pk": _pk("notifications.notification")},
    "notifications:mark_read": lambda s: {"pk": _pk("notifications.notification")},
    "notifications:webhook_detail": lambda s: {"pk": _pk("notifications.webhooksubscription")},
    "notifications:webhook_delete": lambda s: {"pk": _pk("notifications.webhooksubscription")},
    "notifications:mail_redeliver": lambda s: {"pk": _pk("notifications.outboxmail")},
    "notifications:delivery_redeliver": lambda s: {"pk": _pk("notifications.webhookdelivery")},
    # security: incidents, mutual help, sharing groups
    "security:incident_detail": lambda s: {"incident_id": _pk("security.incident")},
    "security:incident_edit": lambda s: {"incident_id": _pk("security.incident")},
    "security:incident_report": lambda s: {"incident_id": _pk("security.incident")},
    "security:attachment_upload": lambda s: {"incident_id": _pk("security.incident")},
    "security:attachment_download": lambda s: {
        "incident_id": _pk("security.incident"),
        "attachment_id": MISSING,
    },
    "security:help_request_create": lambda s: {"incident_id": _pk("security.incident")},
    "security:help_contribution": lambda s: {"request_id": _pk("security.helprequest")},
    "security:help_statement": lambda s: {"request_id": _pk("security.helprequest")},
    "security:help_statement_csv": lambda s: {"request_id": _pk("security.helprequest")},
    "security:help_statement_pdf": lambda s: {"request_id": _pk("security.helprequest")},
    "security:help_settle": lambda s: {"request_id": _pk("security.helprequest")},
    "security:group_detail": lambda s: {"group_id": _pk("security.sharinggroup")},
    # security: sources and quarantine (Plattformbetrieb)
    "security:source_poll": lambda s: {"source_id": _pk("security.csafsource")},
    "security:quarantine_detail": lambda s: {"document_id": _pk("security.quarantineddocument")},
    # knowledge: request routing (a correction of the demo or a missing one)
    "knowledge:route_correction_delete": lambda s: {"correction_id": _pk("knowledge.routecorrection")},
    # emergency: staffs, events, the log (ids of the demo or a missing one: 404 for non-members)
    "emergency:staff_detail": lambda s: {"staff_id": _pk("emergency.staff")},
    "emergency:position_create": lambda s: {"staff_id": _pk("emergency.staff")},
    "emergency:position_end": lambda s: {
        "staff_id": _pk("emergency.staff"),
        "position_id": _pk("emergency.position"),
    },
    "emergency:shift_create": lambda s: {"staff_id": _pk("emergency.staff")},
    "emergency:shift_remove": lambda s: {
        "staff_id": _pk("emergency.staff"),
        "shift_id": _pk("emergency.shift"),
    },
    "emergency:event_open": lambda s: {"staff_id": _pk("emergency.staff")},
    "emergency:event_detail": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:alert_confirm": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:alert_decline": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:presence": lambda s: {"event_id": _pk("emergency.event"), "alert_id": _pk("emergency.alert")},
    "emergency:event_level": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:event_close": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:log": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:log_correct": lambda s: {"event_id": _pk("emergency.event"), "seq": 1},
    # security: advisories
    "security:advisory_detail": lambda s: {"advisory_id": _pk("security.advisory")},
    "security:advisory_revision_download": lambda s: {
        "advisory_id": _pk("security.advisory"),
        "revision_id": _pk("security.advisoryrevision"),
    },
    # emergency: messages and tasks (no event in the site: 404 for everyone)
    "emergency:messages": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:message_create": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:message_detail": lambda s: {"event_id": _pk("emergency.event"), "number": 1},
    "emergency:message_screen": lambda s: {"event_id": _pk("emergency.event"), "number": 1},
    "emergency:message_assign": lambda s: {"event_id": _pk("emergency.event"), "number": 1},
    "emergency:message_answer": lambda s: {"event_id": _pk("emergency.event"), "number": 1},
    "emergency:message_close": lambda s: {"event_id": _pk("emergency.event"), "number": 1},
    "emergency:message_task": lambda s: {"event_id": _pk("emergency.event"), "number": 1},
    "emergency:tasks": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:task_finish": lambda s: {"event_id": _pk("emergency.event"), "task_id": _pk("emergency.task")},
    # emergency: the situation picture (map, objects, reports; no event in the site: 404 for everyone)
    "emergency:map": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:feature_add": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:feature_edit": lambda s: {
        "event_id": _pk("emergency.event"),
        "uid": "00000000-0000-4000-8000-000000000000",
    },
    "emergency:feature_remove": lambda s: {
        "event_id": _pk("emergency.event"),
        "uid": "00000000-0000-4000-8000-000000000000",
    },
    "emergency:report_create": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:report": lambda s: {"event_id": _pk("emergency.event"), "number": 1},
    "emergency:pack": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:event_export": lambda s: {"event_id": _pk("emergency.event")},
    "emergency:event_import": lambda s: {"staff_id": _pk("emergency.staff")},
    # emergency: resource pool and mutual aid (ids of the demo or a missing one)
    "emergency:resource_edit": lambda s: {"resource_id": _pk("emergency.resource")},
    "emergency:aid_request_detail": lambda s: {"request_id": _pk("emergency.aidrequest")},
    "emergency:aid_commit": lambda s: {"request_id": _pk("emergency.aidrequest")},
    "emergency:aid_request_cancel": lambda s: {"request_id": _pk("emergency.aidrequest")},
    "emergency:aid_statement": lambda s: {"request_id": _pk("emergency.aidrequest")},
    "emergency:aid_statement_pdf": lambda s: {"request_id": _pk("emergency.aidrequest")},
    "emergency:aid_handover": lambda s: {"commitment_id": _pk("emergency.commitment")},
    "emergency:aid_return": lambda s: {"commitment_id": _pk("emergency.commitment")},
    "emergency:aid_commitment_cancel": lambda s: {"commitment_id": _pk("emergency.commitment")},
    "emergency:aid_settlement_compute": lambda s: {"request_id": _pk("emergency.aidrequest")},
    "emergency:aid_settlement": lambda s: {
        "request_id": _pk("emergency.aidrequest"),
        "settlement_id": _pk("emergency.aidsettlement"),
    },
    "emergency:aid_settlement_finalize": lambda s: {
        "request_id": _pk("emergency.aidrequest"),
        "settlement_id": _pk("emergency.aidsettlement"),
    },
    "emergency:aid_settlement_correct": lambda s: {
        "request_id": _pk("emergency.aidrequest"),
        "settlement_id": _pk("emergency.aidsettlement"),
    },
    "emergency:aid_settlement_pdf": lambda s: {
        "request_id": _pk("emergency.aidrequest"),
        "settlement_id": _pk("emergency.aidsettlement"),
    },
    # emergency: the alliances' agreements on mutual aid (the site's alliance; an id or a missing one)
    "emergency:agreements_alliance": lambda s: {"slug": s.alliance.slug},
    "emergency:agreement_create": lambda s: {"slug": s.alliance.slug},
    "emergency:agreement_detail": lambda s: {"agreement_id": _pk("emergency.aidagreement")},
    "emergency:agreement_edit": lambda s: {"agreement_id": _pk("emergency.aidagreement")},
    "emergency:agreement_new_version": lambda s: {"agreement_id": _pk("emergency.aidagreement")},
    "emergency:agreement_end": lambda s: {"agreement_id": _pk("emergency.aidagreement")},
    "emergency:agreement_delete": lambda s: {"agreement_id": _pk("emergency.aidagreement")},
    # knowledge: the service catalogue, holder rules, office contacts (an id of the demo or a missing one)
    "knowledge:service_detail": lambda s: {"external_id": _service_id()},
    "knowledge:service_edit": lambda s: {"external_id": _service_id()},
    "knowledge:holder_rule_edit": lambda s: {"rule_id": _pk("knowledge.holderrule")},
    "knowledge:holder_rule_delete": lambda s: {"rule_id": _pk("knowledge.holderrule")},
    "knowledge:contact_edit": lambda s: {"ars": s.vg.ars},
    # advisory: practice (a record of the demo or a missing one; a body of the site)
    "advisory:practice_detail": lambda s: {"slug": _practice_slug()},
    "advisory:practice_edit": lambda s: {"slug": _practice_slug()},
    "advisory:practice_members": lambda s: {"slug": _practice_slug()},
    "advisory:practice_document_add": lambda s: {"slug": _practice_slug()},
    "advisory:practice_document": lambda s: {"slug": _practice_slug(), "document_id": MISSING},
    "advisory:practice_document_remove": lambda s: {"slug": _practice_slug(), "document_id": MISSING},
    "advisory:practice_publish": lambda s: {"slug": _practice_slug()},
    "advisory:practice_withdraw": lambda s: {"slug": _practice_slug()},
    "advisory:practice_like": lambda s: {"ars": s.body.ars},
    # knowledge: a council document (an id of the demo or a missing one)
    "knowledge:council_object": lambda s: {"object_id": _pk("knowledge.oparlobject")},
    # advisory: events (an id of the demo or a missing one)
    "advisory:event_detail": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_ics": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_register": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_unregister": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_edit": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_publish": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_cancel": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_participants": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_participants_csv": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_participants_pdf": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_registration_remove": lambda s: {
        "event_id": _pk("advisory.event"),
        "registration_id": _pk("advisory.registration"),
    },
    "advisory:event_material_add": lambda s: {"event_id": _pk("advisory.event")},
    "advisory:event_material": lambda s: {
        "event_id": _pk("advisory.event"),
        "material_id": _pk("advisory.eventmaterial"),
    },
    "advisory:event_material_delete": lambda s: {
        "event_id": _pk("advisory.event"),
        "material_id": _pk("advisory.eventmaterial"),
    },
    "advisory:event_minutes": lambda s: {"event_id": _pk("advisory.event")},
    # advisory: evidence and reports (the fixture's alliance; a figure/report of the demo or a missing one)
    "advisory:evidence": lambda s: {"slug": s.alliance.slug},
    "advisory:evidence_figure": lambda s: {
        "slug": s.alliance.slug,
        "figure_id": _pk("advisory.evidencefigure"),
    },
    "advisory:evidence_figure_delete": lambda s: {
        "slug": s.alliance.slug,
        "figure_id": _pk("advisory.evidencefigure"),
    },
    "advisory:report_pdf": lambda s: {"report_id": _pk("advisory.programmereport")},
    "advisory:report_xlsx": lambda s: {"report_id": _pk("advisory.programmereport")},
    # advisory: templates (a model text seeded by the migration)
    "advisory:template_detail": lambda s: {"slug": "zweckvereinbarung"},
    "advisory:template_version": lambda s: {"slug": "zweckvereinbarung", "number": 1},
    "advisory:template_version_new": lambda s: {"slug": "zweckvereinbarung"},
    "advisory:template_fill": lambda s: {"slug": "zweckvereinbarung"},
    "advisory:template_download": lambda s: {"slug": "zweckvereinbarung"},
    # advisory: cases (a case, party, document, appointment of the demo or a missing one)
    "advisory:case_detail": lambda s: {"case_id": _pk("advisory.case")},
    "advisory:case_edit": lambda s: {"case_id": _pk("advisory.case")},
    "advisory:case_link": lambda s: {"case_id": _pk("advisory.case")},
    "advisory:case_party_add": lambda s: {"case_id": _pk("advisory.case")},
    "advisory:case_note": lambda s: {"case_id": _pk("advisory.case")},
    "advisory:case_document_upload": lambda s: {"case_id": _pk("advisory.case")},
    "advisory:case_appointment_create": lambda s: {"case_id": _pk("advisory.case")},
    "advisory:case_transition": lambda s: {"case_id": _pk("advisory.case"), "action": "beginnen"},
    "advisory:case_party_remove": lambda s: {
        "case_id": _pk("advisory.case"),
        "party_id": _pk("advisory.caseparty"),
    },
    "advisory:case_document_download": lambda s: {
        "case_id": _pk("advisory.case"),
        "document_id": _pk("advisory.casedocument"),
    },
    "advisory:case_document_remove": lambda s: {
        "case_id": _pk("advisory.case"),
        "document_id": _pk("advisory.casedocument"),
    },
    "advisory:case_appointment_edit": lambda s: {
        "case_id": _pk("advisory.case"),
        "appointment_id": _pk("advisory.appointment"),
    },
    "advisory:case_appointment_delete": lambda s: {
        "case_id": _pk("advisory.case"),
        "appointment_id": _pk("advisory.appointment"),
    },
    "advisory:case_appointment_ics": lambda s: {
        "case_id": _pk("advisory.case"),
        "appointment_id": _pk("advisory.appointment"),
    },
}


def test_every_url_pattern_is_covered() -> None:
    """A new page with parameters needs sample arguments; stale samples are removed."""
    routes = site_routes()
    with_params = {r.name for r in routes if r.params}
    missing = sorted(with_params - set(SAMPLE_ARGS))
    assert not missing, f"Add sample arguments to SAMPLE_ARGS in {__file__} for: {missing}"
    stale = sorted(set(SAMPLE_ARGS) - with_params)
    assert not stale, f"SAMPLE_ARGS names patterns that no longer exist: {stale}"
    assert len(routes) > 20 and not any(r.pattern.startswith(EXCLUDED_PREFIXES) for r in routes)


@pytest.fixture
def site(db: Any, body: Any) -> SimpleNamespace:
    """Objects for the sample arguments: a published alliance of ``body`` and its neighbour with a
    coordinator, a funding programme with a draft application, a shared service with a cost plan."""
    from verbund.alliances.tests.factories import AllianceFactory
    from verbund.funding.tests.factories import ProgrammeFactory, draft_application
    from verbund.shared_services.tests.factories import CostPlanFactory, SharedServiceFactory

    vg = body.parent
    neighbour = vg.children.exclude(pk=body.pk).first()
    coordinator = UserFactory.create(head_of=vg)
    clerk = UserFactory.create(staff_of=vg)
    alliance = AllianceFactory.create(published=True, members=[body, neighbour], coordinator=coordinator)
    programme = ProgrammeFactory.create()
    other = BodyFactory.create(verbandsgemeinde=True, parent=vg.parent)
    funded = AllianceFactory.create(published=True, members=[vg, other])
    application = draft_application(programme=programme, alliance=funded, applicant=vg)
    service = SharedServiceFactory.create(alliance=alliance, provider=body, recipients=[body, neighbour])
    cost_plan = CostPlanFactory.create(service=service)
    return SimpleNamespace(
        body=body,
        vg=vg,
        alliance=alliance,
        membership=alliance.memberships.first(),
        coordinator=coordinator,
        clerk=clerk,
        programme=programme,
        application=application,
        service=service,
        cost_plan=cost_plan,
        operator=UserFactory.create(operator=True),
    )


def _check_response(response: Any, url: str, who: str) -> None:
    """A page answers: 200 (a full HTML page with exactly one <h1>), a redirect (an anonymous
    visitor: to the login), 403/404 (not theirs), 405 (an action that takes POST only)."""
    status = response.status_code
    assert status in (200, 301, 302, 403, 404, 405), f"{who} GET {url}: {status}"
    if status in (301, 302) and who == "anonymous":
        target = response["Location"]
        assert target.startswith("/"), f"{who} GET {url} leaves the site: {target}"
    if status == 200 and response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        if "<html" in html:  # a whole page, not an HTMX fragment
            assert len(re.findall(r"<h1[\s>]", html)) == 1, f"{who} GET {url}: exactly one <h1> per page"
            assert re.search(r'<html[^>]*\blang="de"', html), f'{who} GET {url}: lang="de"'


PARAMETERLESS = [r for r in site_routes() if not r.params]


@pytest.mark.parametrize("route", PARAMETERLESS, ids=[r.name for r in PARAMETERLESS])
def test_every_page_without_parameters(client: Any, site: SimpleNamespace, route: Route) -> None:
    url = reverse(route.name) if ":" in route.name else "/" + route.pattern
    _check_response(client.get(url), url, "anonymous")
    client.force_login(site.operator)
    _check_response(client.get(url), url, "operator")


@pytest.mark.parametrize("name", sorted(SAMPLE_ARGS))
def test_every_page_with_parameters(client: Any, site: SimpleNamespace, name: str) -> None:
    url = reverse(name, kwargs=SAMPLE_ARGS[name](site))
    _check_response(client.get(url), url, "anonymous")
    for who in ("operator", "coordinator"):
        client.force_login(getattr(site, who))
        _check_response(client.get(url), url, who)
