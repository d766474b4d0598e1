"""The audit pages: the history a principal may read, filtered, 50 rows a page, as CSV; and the
operator's log of reads of confidential data.

Who reads what (:meth:`AuditEntryQuerySet.visible_to`): operators everything, coordinators the
history of their alliances, heads (Verwaltungsleitung) of their bodies. Everyone else gets 404: the
log's existence is none of their business. The principal comes from
:func:`verbund.common.principal.principal_of` (the audit part sits below accounts).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import replace

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from verbund.common.principal import Principal, Sensitivity, principal_of
from verbund.ui.views import paginate

from .forms import AuditFilterForm
from .models import AuditEntryQuerySet
from .presenters import BERLIN, EntryView, object_type_label, present
from .selectors import audit_entries, may_read_audit, may_read_sensitive_reads, scope_names, sensitive_reads

PAGE_SIZE = 50
#: The export is a document and stays German whatever the reader's language (like official documents).
CSV_HEADERS = (
    "Zeitpunkt",
    "Handelnde Person",
    "Systemvorgang",
    "Eintrag",
    "Änderungen",
    "Objektart",
    "Objekt",
    "Bezug (Verbund, Körperschaft)",
)


def _reader(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not may_read_audit(principal):
        raise Http404
    return principal


def _filtered(request: HttpRequest, principal: Principal) -> tuple[AuditFilterForm, AuditEntryQuerySet]:
    visible = audit_entries(principal)
    form = AuditFilterForm(request.GET or None, principal=principal, visible=visible)
    return form, form.apply(visible).order_by("-at", "-id")


def _with_scopes(rows: list[EntryView]) -> list[EntryView]:
    """Name the alliance and body of each row (two queries for the whole page at most)."""
    alliances = scope_names("alliance", (r.entry.alliance_id for r in rows if r.entry.alliance_id))
    bodies = scope_names("body", (r.entry.body_id for r in rows if r.entry.body_id))
    return [
        replace(
            row,
            scope=" · ".join(
                names[key]
                for names, key in ((alliances, row.entry.alliance_id), (bodies, row.entry.body_id))
                if key
            ),
        )
        for row in rows
    ]


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    principal = _reader(request)
    form, entries = _filtered(request, principal)
    page = paginate(request, entries, per_page=PAGE_SIZE)
    rows = _with_scopes([present(entry) for entry in page.object_list])
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "is_operator": principal.is_operator,
            "nav": "audit",
        },
    )


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_rows(entries: Iterable[EntryView]) -> list[list[str]]:
    rows = []
    for view in entries:
        entry = view.entry
        rows.append(
            [
                _csv_safe(value)
                for value in (
                    view.at_text,
                    entry.actor_label,
                    "Ja" if entry.is_system else "Nein",
                    view.sentence,
                    view.changes_text,
                    view.object_type_label,
                    entry.object_repr,
                    view.scope,
                )
            ]
        )
    return rows


@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered history as CSV for German spreadsheet programs: UTF-8 with BOM, semicolons; German
    in every language (an export is a document, like the official ones)."""
    principal = _reader(request)
    _form, entries = _filtered(request, principal)
    with translation.override("de"):
        views = _with_scopes([present(entry) for entry in entries.iterator(chunk_size=2000)])
        rows = _csv_rows(views)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(BERLIN).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="protokoll-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    writer.writerows(rows)
    return response


@require_GET
def sensitive_read_list(request: HttpRequest) -> HttpResponse:
    """Who read confidential (TLP:AMBER/RED) data: operators only, 404 for everyone else."""
    principal = principal_of(request)
    if not may_read_sensitive_reads(principal):
        raise Http404
    page = paginate(request, sensitive_reads(principal), per_page=PAGE_SIZE)
    rows = [
        {
            "read": read,
            "at": read.at.astimezone(BERLIN),
            "object_type": object_type_label(read.object_type),
            "sensitivity": _sensitivity_label(read.sensitivity),
        }
        for read in page.object_list
    ]
    return render(request, "audit/sensitive_reads.html", {"page": page, "rows": rows, "nav": "audit"})


def _sensitivity_label(value: int) -> str:
    try:
        return Sensitivity(value).label
    except ValueError:
        return _("Stufe %(value)s") % {"value": value}
