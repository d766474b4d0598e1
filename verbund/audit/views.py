"""The operator's view of the audit log: filterable, 50 rows a page, a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from verbund.accounts.access import can_view_audit

from .forms import AuditFilterForm
from .models import AuditEntry

PAGE_SIZE = 50


def _change_rows(changes: Any) -> list[tuple[str, Any, Any, bool]]:
    """``(field, old, new, is_pair)`` rows of ``changes``: ``{"f": [old, new]}`` or ``{"f": value}``."""
    if not isinstance(changes, dict):
        return [("", None, changes, False)]
    rows = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append((name, value[0], value[1], True))
        else:
            rows.append((name, None, value, False))
    return rows


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    # Everyone but operators gets 404: the log's existence is none of their business.
    if not can_view_audit(request.user):
        raise Http404
    visible = AuditEntry.objects.visible_to(request.user)
    form = AuditFilterForm(
        request.GET or None,
        actions=list(visible.order_by("action").values_list("action", flat=True).distinct()),
        object_types=list(visible.order_by("object_type").values_list("object_type", flat=True).distinct()),
    )
    entries = form.apply(visible).select_related("actor").order_by("-at", "-id")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("seite"))
    rows = [(entry, _change_rows(entry.changes)) for entry in page.object_list]
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "nav": "audit"},
    )
