"""Drawdowns (Mittelabrufe) and the proof of use (Verwendungsnachweis)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import refusals_as_messages

from .. import services
from ..forms import DecisionForm, DrawdownForm, ProofForm
from ..models import GrantNotice, GrantYear
from ..selectors import access_application, access_drawdown, access_proof
from ._common import post_form


def _decide(
    request: HttpRequest,
    *,
    approve: Callable[[str], object],
    give_back: Callable[[str], object],
    approved: str,
    returned: str,
) -> None:
    """The authority's decision of the ``DecisionForm``: approve or give back, with the note."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return
    if form.cleaned_data["decision"] == "approve":
        approve(form.cleaned_data["note"])
        messages.success(request, approved)
    else:
        give_back(form.cleaned_data["note"])
        messages.success(request, returned)


@login_required
@require_POST
@refusals_as_messages
def drawdown_request(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk)
    years = list(GrantYear.objects.filter(grant__application=application).select_related("programme_year"))
    post_form(
        request,
        DrawdownForm(request.POST, grant_years=years),
        lambda data: services.drawdown_request(
            actor=request_actor(request),
            application=application,
            year=int(data["grant_year"]),
            amount=data["amount"],
            note=data["note"],
        ),
        _("Mittelabruf gestellt; die Bewilligungsbehörde ist benachrichtigt."),
        _("Bitte Haushaltsjahr und Betrag angeben."),
    )
    return redirect(application)


@login_required
@require_POST
@refusals_as_messages
def drawdown_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Return, or release after a confirmation page (amount, recipient, year, what becomes binding);
    above the programme's four-eyes amount the first release is recorded and a second person's
    release pays."""
    drawdown = access_drawdown(principal_of(request), pk)
    application = drawdown.grant_year.grant.application
    if request.POST.get("decision") == "approve" and request.POST.get("confirmed") != "1":
        return render(
            request,
            "funding/drawdown_confirm.html",
            {
                "drawdown": drawdown,
                "application": application,
                "note": request.POST.get("note", "")[:2000],
                "next": request.POST.get("next", ""),
                "four_eyes": application.programme.needs_second_approval(drawdown.amount),
                "nav": "funding",
            },
        )
    released = _("Mittelabruf freigegeben.")
    if (
        request.POST.get("decision") == "approve"
        and application.programme.needs_second_approval(drawdown.amount)
        and drawdown.first_approved_at is None
    ):
        released = _(
            "Erste Freigabe erfasst. Ausgezahlt wird, wenn eine zweite Person der Bewilligungsbehörde "
            "den Abruf ebenfalls freigibt (Vier-Augen-Prinzip); sie ist benachrichtigt."
        )
    _decide(
        request,
        approve=lambda note: services.drawdown_approve(
            actor=request_actor(request), drawdown=drawdown, note=note
        ),
        give_back=lambda note: services.drawdown_return(
            actor=request_actor(request), drawdown=drawdown, reason=note
        ),
        approved=released,
        returned=_("Mittelabruf zurückgegeben."),
    )
    if request.POST.get("next", "") == "queue":
        return redirect("funding:queue")
    return redirect(application)


@login_required
def proof_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk, need="sign")
    form = ProofForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        proof = run_on_form(
            form,
            lambda: services.use_proof_submit(
                actor=request_actor(request),
                application=application,
                actual_costs=form.actual_costs(),
                report=form.cleaned_data["report"],
            ),
        )
        if proof:
            messages.success(request, f"Verwendungsnachweis eingereicht. {proof.explanation}")
            return redirect(application)
    grant = GrantNotice.objects.filter(application=application).first()
    return render(
        request,
        "funding/proof_form.html",
        {"application": application, "form": form, "grant": grant, "nav": "funding"},
    )


@login_required
@require_POST
@refusals_as_messages
def proof_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proof = access_proof(principal_of(request), pk)
    _decide(
        request,
        approve=lambda note: services.use_proof_accept(actor=request_actor(request), proof=proof, note=note),
        give_back=lambda note: services.use_proof_return(
            actor=request_actor(request), proof=proof, reason=note
        ),
        approved=_("Verwendungsnachweis angenommen; das Verfahren ist abgeschlossen."),
        returned=_("Verwendungsnachweis zurückgegeben."),
    )
    return redirect(proof.application)
