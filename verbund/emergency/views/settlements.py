"""Pages of the booked reimbursement of a request (Erstattungsabrechnung) under
``/krisenstab/ressourcen/ersuchen/<id>/erstattung/``.

* ``…/berechnen/`` (POST) — compute the draft (or recompute it), then its page;
* ``…/<settlement>/`` — a version: lines, positions per body (claim, share, balance), the key, the
  status, the versions, and the buttons (recompute, set with a confirmation step, correct);
* ``…/<settlement>/festsetzen/`` (POST, ``confirmed=1``) and ``…/<settlement>/berichtigen/`` (POST);
* ``…/<settlement>/erstattung.pdf`` — the statement of the version as a PDF that can be sent as it is.

:func:`section` gives the request page its part (the versions and the buttons). The rules are the
service's (:mod:`verbund.emergency.services.settlements`); whoever may not see a settlement gets 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verbund.common.principal import Principal, principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm
from verbund.ui.views import refusals_as_messages

from ..models import AidRequest, AidSettlement
from ..policies import person_name
from ..services import aid
from ..services import settlements as svc

NAV = "emergency"


class CorrectionForm(KernForm):
    reason = forms.CharField(
        label=gettext_lazy("Grund der Berichtigung"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def section(principal: Principal, aid_request: AidRequest) -> dict[str, Any]:
    """The request page's part: the settlement's versions and what the person may do."""
    if not svc.may_see_any(principal, aid_request):
        return {"settlement_section": None}
    versions = svc.settlements_of(principal, aid_request)
    draft = next((s for s in versions if not s.is_final), None)
    latest = versions[0] if versions else None
    return {
        "settlement_section": {
            "versions": versions,
            "draft": draft,
            "may_compute": (latest is None or draft is not None) and svc.may_compute(principal, aid_request),
            "may_set_draft": draft is not None and svc.may_set(principal, draft),
            "may_correct": latest is not None and latest.is_final and svc.may_set(principal, latest),
            "latest": latest,
            "open_commitments": svc.open_commitments(aid_request),
            "consequences": svc.finalize_consequences(draft) if draft is not None else [],
            "correction_form": CorrectionForm(),
        }
    }


def _page_context(principal: Principal, settlement: AidSettlement) -> dict[str, Any]:
    aid_request = settlement.request
    versions = svc.settlements_of(principal, aid_request)
    is_latest = bool(versions) and versions[0].pk == settlement.pk
    lines = list(
        settlement.lines.select_related("lender", "commitment", "commitment__resource").order_by(
            "lender__name", "commitment_id"
        )
    )
    shares = list(settlement.shares.select_related("body").order_by("body__name"))
    return {
        "settlement": settlement,
        "aid_request": aid_request,
        "lines": lines,
        "shares": shares,
        "versions": versions,
        "is_latest": is_latest,
        "snapshot": settlement.snapshot or {},
        "agreements": (settlement.snapshot or {}).get("agreements", []),
        "no_reimbursement": _(aid.NO_REIMBURSEMENT),
        "finalized_by": person_name(settlement.finalized_by),
        "computed_by": person_name(settlement.computed_by),
        "may_compute": not settlement.is_final and svc.may_compute(principal, aid_request),
        "may_set": not settlement.is_final and svc.may_set(principal, settlement),
        "may_correct": settlement.is_final and is_latest and svc.may_set(principal, settlement),
        "open_commitments": svc.open_commitments(aid_request),
        "consequences": [] if settlement.is_final else svc.finalize_consequences(settlement),
        "correction_form": CorrectionForm(),
        "nav": NAV,
    }


def _url(settlement: AidSettlement) -> str:
    return svc.settlement_path(settlement)


@login_required
@require_POST
@refusals_as_messages
def compute_view(request: HttpRequest, request_id: int) -> HttpResponse:
    aid_request = svc.get_request(principal_of(request), request_id)
    settlement = svc.settlement_compute(actor=request_actor(request), aid_request=aid_request)
    messages.success(
        request,
        _("Die Erstattungsabrechnung ist berechnet (Entwurf, Fassung %(version)s).")
        % {"version": settlement.version},
    )
    return redirect(_url(settlement))


@login_required
def settlement_view(request: HttpRequest, request_id: int, settlement_id: int) -> HttpResponse:
    principal = principal_of(request)
    settlement = svc.get_settlement(principal, settlement_id, request_id=request_id)
    return render(request, "emergency/resources/settlement.html", _page_context(principal, settlement))


@login_required
@require_POST
@refusals_as_messages
def finalize_view(request: HttpRequest, request_id: int, settlement_id: int) -> HttpResponse:
    settlement = svc.get_settlement(principal_of(request), settlement_id, request_id=request_id)
    if request.POST.get("confirmed") != "1":
        messages.error(request, _("Bitte das Festsetzen bestätigen."))
        return redirect(_url(settlement))
    svc.settlement_finalize(actor=request_actor(request), settlement=settlement, confirmed=True)
    messages.success(
        request,
        _(
            "Fassung %(version)s der Erstattungsabrechnung ist festgesetzt "
            "und kann nicht mehr geändert werden."
        )
        % {"version": settlement.version},
    )
    return redirect(_url(settlement))


@login_required
@require_POST
@refusals_as_messages
def correct_view(request: HttpRequest, request_id: int, settlement_id: int) -> HttpResponse:
    settlement = svc.get_settlement(principal_of(request), settlement_id, request_id=request_id)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Keine Berichtigung angelegt: Bitte den Grund angeben (höchstens 2.000 Zeichen).")
        )
        return redirect(_url(settlement))
    draft = svc.settlement_correct(
        actor=request_actor(request), settlement=settlement, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Fassung %(version)s ist als Entwurf angelegt.") % {"version": draft.version})
    return redirect(_url(draft))


@login_required
def settlement_pdf(request: HttpRequest, request_id: int, settlement_id: int) -> HttpResponse:
    from django.utils import timezone

    from verbund.common.pdf import render_pdf

    principal = principal_of(request)
    settlement = svc.get_settlement(principal, settlement_id, request_id=request_id)
    context = _page_context(principal, settlement)
    context["generated_at"] = timezone.localtime()
    title = _("Erstattungsabrechnung zu Hilfeersuchen Nr. %(number)s") % {"number": request_id}
    data = render_pdf("emergency/resources/settlement_pdf.html", context, title=title)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="erstattung-hilfeersuchen-{request_id}-fassung-{settlement.version}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path(
        "ressourcen/ersuchen/<int:request_id>/erstattung/berechnen/",
        compute_view,
        name="aid_settlement_compute",
    ),
    path(
        "ressourcen/ersuchen/<int:request_id>/erstattung/<int:settlement_id>/",
        settlement_view,
        name="aid_settlement",
    ),
    path(
        "ressourcen/ersuchen/<int:request_id>/erstattung/<int:settlement_id>/festsetzen/",
        finalize_view,
        name="aid_settlement_finalize",
    ),
    path(
        "ressourcen/ersuchen/<int:request_id>/erstattung/<int:settlement_id>/berichtigen/",
        correct_view,
        name="aid_settlement_correct",
    ),
    path(
        "ressourcen/ersuchen/<int:request_id>/erstattung/<int:settlement_id>/erstattung.pdf",
        settlement_pdf,
        name="aid_settlement_pdf",
    ),
]
