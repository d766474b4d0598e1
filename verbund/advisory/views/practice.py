"""Pages of the knowledge base of good practice under ``/beratung/praxis/``.

Public: the search (``praxis/``: published public records; signed-in people also those of the
programme and of their alliances), a record (``praxis/<kennung>/``), its documents and "projects
like mine" (``praxis/wie-meine/<ars>/``). The Beratungsstelle creates, fills from an alliance,
edits, publishes and withdraws (with a confirmation). A record nobody may read is a 404.

A body's page (registry) gets a panel "Praxisbeispiele wie Ihres" next to the planning engine's
"Kooperationspotenzial" panel (:func:`body_panel`, registered in ``apps.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseFormSet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from verbund.alliances.models import Alliance
from verbund.common.errors import Forbidden, Invalid, NotFound, as_refusal
from verbund.common.principal import principal_of
from verbund.registry.models import Body
from verbund.shared_services.models import Task
from verbund.ui.actor import request_actor
from verbund.ui.forms import apply_refusal, run_on_form
from verbund.ui.views import paginate, refusals_as_messages

from ..forms_practice import (
    DocumentForm,
    LikeMineForm,
    MembersForm,
    PracticeForm,
    PracticeSearchForm,
    row_formsets,
    row_values,
)
from ..models import PracticeDocument, PracticeRecord
from ..policies import edits_practice
from ..services import practice as svc

NAV = "advisory"


def _require_office(request: HttpRequest) -> None:
    if not edits_practice(principal_of(request)):
        raise Forbidden(str(svc.REFUSAL))


def _record(request: HttpRequest, slug: str) -> PracticeRecord:
    try:
        return svc.record_for(principal_of(request), slug)
    except Exception as exc:
        raise Http404(str(exc)) from exc


@require_GET
def practice_list(request: HttpRequest) -> HttpResponse:
    form = PracticeSearchForm(request.GET or None)
    filters = form.filters()
    principal = principal_of(request)
    records = svc.search(principal, filters)
    context = {
        "form": form,
        "page": paginate(request, records, per_page=20),
        "filtered": any(
            [filters.q, filters.task, filters.field, filters.size, filters.region, filters.legal_form]
        )
        or bool(filters.status or filters.partner_search),
        "editor": edits_practice(principal),
        "alliances": Alliance.objects.order_by("name") if edits_practice(principal) else [],
        "nav": NAV,
    }
    return render(request, "advisory/practice/list.html", context)


def _day(value: Any) -> dt.date | None:
    """An ISO date of a list entry for display (``None`` for what is not one, e.g. older API data)."""
    try:
        return parse_date(str(value or ""))
    except ValueError:
        return None


@require_GET
def practice_detail(request: HttpRequest, slug: str) -> HttpResponse:
    record = _record(request, slug)
    members = list(record.members.select_related("body").order_by("role", "body__name"))
    context = {
        "record": record,
        "members": members,
        # only here, after record_for: a reader who may not see the record gets a 404, no map data
        "map_features": svc.member_map(members),
        "tile_url": settings.VERBUND_MAP_TILE_URL,
        "tile_attribution": settings.VERBUND_MAP_TILE_ATTRIBUTION,
        "documents": record.documents.all(),
        "kpis": [{**kpi, "date": _day(kpi.get("date"))} for kpi in record.kpis if isinstance(kpi, dict)],
        "legal_form": svc.legal_form_label(record.legal_form) if record.legal_form else "",
        "editor": edits_practice(principal_of(request)),
        "publish_consequences": [
            _("Das Beispiel erscheint in der Suche für alle, die die Sichtbarkeit erlaubt."),
            _("Die Veröffentlichung wird protokolliert."),
        ],
        "withdraw_consequences": [
            _("Das Beispiel verschwindet aus der Suche; nur die Beratungsstelle sieht es noch."),
            _("Das Zurückziehen wird protokolliert."),
        ],
        "nav": NAV,
    }
    return render(request, "advisory/practice/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def practice_create(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    form = PracticeForm(request.POST or None, initial={"status": "in_betrieb", "visibility": "oeffentlich"})
    if request.method == "POST" and form.is_valid():
        record = run_on_form(
            form,
            lambda: svc.practice_create(actor=request_actor(request), values=form.values()),
            default_field="title",
        )
        if record:
            messages.success(request, _("Das Praxisbeispiel ist angelegt (noch nicht veröffentlicht)."))
            return redirect("advisory:practice_detail", slug=record.slug)
    return render(request, "advisory/practice/form.html", {"form": form, "record": None, "nav": NAV})


def _place_refusal(
    form: PracticeForm,
    formsets: list[tuple[Any, BaseFormSet]],
    positions: dict[str, list[int]],
    exc: Exception,
) -> None:
    """A refusal of the service on the page: ``<list>.<row>.<key>`` at that field of the row the
    user typed it in (the service counts only the rows sent), everything else on the main form."""
    refusal = as_refusal(exc)
    if refusal is None or isinstance(refusal, NotFound):
        raise exc
    by_prefix = {formset.prefix: formset for _heading, formset in formsets}
    rest: dict[str, list[str]] = {}
    for name, texts in refusal.fields.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] in by_prefix and parts[1].isdigit():
            where = positions[parts[0]]
            row = int(parts[1]) - 1
            row_form = by_prefix[parts[0]].forms[where[row]] if 0 <= row < len(where) else None
            if row_form is not None:
                # the service's text names its own row count ("Zeile 2, Betrag: …"); at the field
                # only the message, the page names the row in its legend and the summary
                field = parts[2] if parts[2] in row_form.fields else None
                row_form.add_error(field, [t.split(": ", 1)[-1] for t in texts])
                row_form.mark_errors()
                continue
        rest[name] = list(texts)
    if not refusal.fields:
        apply_refusal(form, refusal, default_field="title")
    elif rest:
        apply_refusal(form, Invalid(fields=rest), default_field="title")


@login_required
@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The record's fields and, as rows, its contact persons, funding and key figures — saved in one
    :func:`~.services.practice.practice_update` (the API's path), so a refusal stores nothing."""
    record = _record(request, slug)
    _require_office(request)
    data = request.POST if request.method == "POST" else None
    form = PracticeForm(data, initial=PracticeForm.initial_of(record))
    formsets = row_formsets(data, record)
    # every part checked (no short cut), so the page shows all errors at once
    valid = data is not None and [form.is_valid(), *(fs.is_valid() for _h, fs in formsets)]
    if valid and all(valid):
        lists, positions = row_values(formsets)
        try:
            done = svc.practice_update(
                actor=request_actor(request), record=record, values={**form.values(), **lists}
            )
        except Exception as exc:  # a refusal lands on the form (see _place_refusal), others re-raise
            _place_refusal(form, formsets, positions, exc)
        else:
            messages.success(request, _("Das Praxisbeispiel ist gespeichert."))
            if "weiter" in request.POST:
                return redirect("advisory:practice_edit", slug=done.slug)
            return redirect("advisory:practice_detail", slug=done.slug)
    context = {"form": form, "formsets": formsets, "record": record, "nav": NAV}
    return render(request, "advisory/practice/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def practice_members(request: HttpRequest, slug: str) -> HttpResponse:
    record = _record(request, slug)
    _require_office(request)
    words: dict[str, str] = {str(v): k for k, v in MembersForm.ROLE_WORDS.items()}
    current = "\n".join(f"{m.body.ars} {words[m.role]}" for m in record.members.select_related("body"))
    form = MembersForm(request.POST or None, initial={"members": current})
    if request.method == "POST" and form.is_valid():
        pairs = form.pairs()
        bodies = {b.ars: b for b in Body.objects.filter(ars__in=[a for a, _r in pairs])}
        unknown = [a for a, _r in pairs if a not in bodies]
        if unknown:
            form.add_error(
                "members", _("Unbekannte Regionalschlüssel: %(keys)s") % {"keys": ", ".join(unknown)}
            )
        elif pairs:
            done = run_on_form(
                form,
                lambda: svc.practice_members_set(
                    actor=request_actor(request), record=record, members=[(bodies[a], r) for a, r in pairs]
                ),
                default_field="members",
            )
            if done:
                messages.success(request, _("Die Mitglieder sind gespeichert."))
                return redirect("advisory:practice_detail", slug=record.slug)
        form.mark_errors()
    return render(request, "advisory/practice/members.html", {"form": form, "record": record, "nav": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def practice_document_add(request: HttpRequest, slug: str) -> HttpResponse:
    record = _record(request, slug)
    _require_office(request)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_on_form(
            form,
            lambda: svc.practice_document_add(
                actor=request_actor(request),
                record=record,
                kind=data["kind"],
                title=data["title"],
                file=data.get("file"),
                url=data.get("url") or "",
                dated=data.get("dated"),
                licence=data.get("licence") or "",
                reusable=bool(data.get("reusable")),
            ),
            default_field="file",
        )
        if done:
            messages.success(request, _("Das Dokument ist abgelegt."))
            return redirect("advisory:practice_detail", slug=record.slug)
    return render(
        request, "advisory/practice/document_form.html", {"form": form, "record": record, "nav": NAV}
    )


def _document(request: HttpRequest, slug: str, document_id: int) -> PracticeDocument:
    record = _record(request, slug)
    document = record.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404(_("Kein Dokument mit dieser Kennung."))
    return document


@require_GET
def practice_document(request: HttpRequest, slug: str, document_id: int) -> HttpResponseBase:
    """The file of a document (after the record's access check), or its URL."""
    document = _document(request, slug, document_id)
    if not document.file:
        return redirect(document.url)
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
@refusals_as_messages
def practice_document_remove(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = _document(request, slug, document_id)
    svc.practice_document_remove(actor=request_actor(request), document=document)
    messages.success(request, _("Das Dokument ist entfernt."))
    return redirect("advisory:practice_detail", slug=slug)


@login_required
@require_POST
@refusals_as_messages
def practice_publish(request: HttpRequest, slug: str) -> HttpResponse:
    record = _record(request, slug)
    svc.practice_publish(actor=request_actor(request), record=record)
    messages.success(request, _("Das Praxisbeispiel ist veröffentlicht."))
    return redirect("advisory:practice_detail", slug=slug)


@login_required
@require_POST
@refusals_as_messages
def practice_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    record = _record(request, slug)
    svc.practice_withdraw(actor=request_actor(request), record=record)
    messages.success(request, _("Das Praxisbeispiel ist zurückgezogen."))
    return redirect("advisory:practice_detail", slug=slug)


@login_required
@require_POST
@refusals_as_messages
def practice_prefill(request: HttpRequest) -> HttpResponse:
    """Create a record from an alliance (``verbund`` = its slug), or complete ``praxis`` from its alliance."""
    _require_office(request)
    slug = request.POST.get("praxis", "")
    record = svc.record_for(principal_of(request), slug) if slug else None
    alliance_slug = request.POST.get("verbund", "") or (
        record.alliance.slug if record and record.alliance else ""
    )
    alliance = Alliance.objects.filter(slug=alliance_slug).first()
    if alliance is None:
        messages.error(request, _("Bitte einen Verbund wählen."))
        return redirect("advisory:practice_list")
    record = svc.prefill_from_alliance(actor=request_actor(request), alliance=alliance, record=record)
    messages.success(
        request,
        _("Die Angaben aus Verbund sind übernommen; Eingaben der Beratungsstelle bleiben unverändert."),
    )
    return redirect("advisory:practice_detail", slug=record.slug)


@require_GET
def practice_like(request: HttpRequest, ars: str) -> HttpResponse:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise Http404(_("Körperschaft nicht gefunden."))
    form = LikeMineForm(request.GET or None)
    form.is_valid()
    slug = getattr(form, "cleaned_data", {}).get("aufgabe") or ""
    task = Task.objects.filter(slug=slug).first() if slug else None
    context: dict[str, Any] = {
        "body": body,
        "form": form,
        "results": svc.like_mine(principal_of(request), body, task=task),
        "nav": NAV,
    }
    return render(request, "advisory/practice/like.html", context)


def body_panel(request: HttpRequest, body: Body) -> str | None:
    """The panel "Praxisbeispiele wie Ihres" on a body's page (top three, a link to the page)."""
    if body.dissolved_on is not None:
        return None
    results = svc.like_mine(principal_of(request), body, limit=3)
    if not results:
        return None
    return render_to_string(
        "advisory/practice/_body_panel.html", {"body": body, "results": results}, request=request
    )


urlpatterns: list[URLPattern] = [
    path("praxis/", practice_list, name="practice_list"),
    path("praxis/neu/", practice_create, name="practice_create"),
    path("praxis/aus-verbund/", practice_prefill, name="practice_prefill"),
    path("praxis/wie-meine/<str:ars>/", practice_like, name="practice_like"),
    path("praxis/<slug:slug>/", practice_detail, name="practice_detail"),
    path("praxis/<slug:slug>/bearbeiten/", practice_edit, name="practice_edit"),
    path("praxis/<slug:slug>/mitglieder/", practice_members, name="practice_members"),
    path("praxis/<slug:slug>/dokumente/neu/", practice_document_add, name="practice_document_add"),
    path("praxis/<slug:slug>/dokumente/<int:document_id>/", practice_document, name="practice_document"),
    path(
        "praxis/<slug:slug>/dokumente/<int:document_id>/entfernen/",
        practice_document_remove,
        name="practice_document_remove",
    ),
    path("praxis/<slug:slug>/veroeffentlichen/", practice_publish, name="practice_publish"),
    path("praxis/<slug:slug>/zurueckziehen/", practice_withdraw, name="practice_withdraw"),
]
