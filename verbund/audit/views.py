"""The audit pages: the history a principal may read, filtered, 50 rows a page, as CSV; and the
operator's log of reads of confidential data.

Who reads what (:meth:`AuditEntryQuerySet.visible_to`): operators everything, coordinators the
history of their alliances, heads (Verwaltungsleitung) of their bodies. Everyone else gets 404: the
log's existence is none of their business. The principal comes from
:func:`verbund.common.principal.principal_of` (the audit part sits below accounts).
"""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from verbund.common.principal import Principal, Sensitivity, principal_of
from verbund.common.storage import open_stored
from verbund.ui.actor import request_actor
from verbund.ui.views import is_htmx, paginate

from .exports import (
    KEEP_EXPORTS,
    audit_export_start,
    export_filename,
    filtered_entries,
    record_export,
    with_scopes,
    write_csv,
)
from .forms import AuditFilterForm
from .models import AuditEntryQuerySet, AuditExport
from .presenters import BERLIN, object_type_label, present
from .selectors import may_read_audit, may_read_sensitive_reads, sensitive_reads

PAGE_SIZE = 50
#: Up to this many entries the CSV is answered in the request; a larger export runs on the queue.
AUDIT_EXPORT_DIRECT_MAX = 5000


def _reader(request: HttpRequest) -> Principal:
    principal = principal_of(request)
    if not may_read_audit(principal):
        raise Http404
    return principal


def _filtered(request: HttpRequest, principal: Principal) -> tuple[AuditFilterForm, AuditEntryQuerySet]:
    return filtered_entries(principal, request.GET)


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    principal = _reader(request)
    form, entries = _filtered(request, principal)
    page = paginate(request, entries, per_page=PAGE_SIZE)
    rows = with_scopes([present(entry) for entry in page.object_list])
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


@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered history as CSV for German spreadsheet programs (:func:`exports.write_csv`): up to
    :data:`AUDIT_EXPORT_DIRECT_MAX` entries in this answer, a larger export as a job on the queue,
    whose page the reader is sent to. Either way the export is recorded in the log."""
    principal = _reader(request)
    _form, entries = _filtered(request, principal)
    query = request.GET.urlencode()
    count = entries.count()
    if count > AUDIT_EXPORT_DIRECT_MAX:
        job = audit_export_start(actor=request_actor(request), query=query, rows=count)
        return redirect(job.get_absolute_url())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    rows = write_csv(response, entries)
    with transaction.atomic():
        record_export(actor=request_actor(request), query=query, rows=rows)
    return response


def _own_export(request: HttpRequest, pk: int) -> AuditExport:
    """The export ``pk`` if this reader requested it; 404 for everyone else."""
    _reader(request)
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(AuditExport, pk=pk, requested_by_id=request.user.pk)


@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The state of an export job (polled with HTMX while it waits or runs), and its download."""
    job = _own_export(request, pk)
    if is_htmx(request):
        response = render(request, "audit/_export_status.html", {"job": job})
        if job.is_finished:
            response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "audit/export_detail.html",
        {"job": job, "keep_days": KEEP_EXPORTS.days, "nav": "audit"},
    )


@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """The finished export's file, streamed from the storage (requester only)."""
    job = _own_export(request, pk)
    if job.status != AuditExport.Status.DONE or not job.file:
        raise Http404
    try:
        stream = open_stored(job.file)
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        stream,
        as_attachment=True,
        filename=export_filename(job.created_at),
        content_type="text/csv; charset=utf-8",
    )


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
