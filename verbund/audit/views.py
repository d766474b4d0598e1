"""The operator's view of the audit log."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from verbund.accounts.access import can_view_audit

from .models import AuditEntry


def audit_list(request: HttpRequest) -> HttpResponse:
    if not can_view_audit(request.user):
        raise Http404
    entries = AuditEntry.objects.select_related("actor")[:200]
    return render(request, "audit/list.html", {"entries": entries, "nav": "audit"})
