"""Drawdowns (Mittelabrufe) and the proof of use (Verwendungsnachweis)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.http import refusals_as_http_errors
from verbund.ui.views import refusals_as_messages

from .. import services
from ..forms import DecisionForm, DrawdownForm, ProofForm
from ..models import GrantNotice, GrantYear
from ..selectors import access_application, access_drawdown, access_proof


@login_required
@require_POST
@refusals_as_messages
def drawdown_request(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk)
    years = list(GrantYear.objects.filter(grant__application=application).select_related("programme_year"))
    form = DrawdownForm(request.POST, grant_years=years)
    if form.is_valid():
        services.drawdown_request(
            actor=request_actor(request),
            application=application,
            year=int(form.cleaned_data["grant_year"]),
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, "Mittelabruf gestellt; die Bewilligungsbehörde ist benachrichtigt.")
    else:
        messages.error(request, "Bitte Haushaltsjahr und Betrag angeben.")
    return redirect(application)


@login_required
@require_POST
@refusals_as_messages
def drawdown_decide(request: HttpRequest, pk: int) -> HttpResponse:
    drawdown = access_drawdown(principal_of(request), pk)
    application = drawdown.grant_year.grant.application
    form = DecisionForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["decision"] == "approve":
            services.drawdown_approve(
                actor=request_actor(request), drawdown=drawdown, note=form.cleaned_data["note"]
            )
            messages.success(request, "Mittelabruf freigegeben.")
        else:
            services.drawdown_return(
                actor=request_actor(request), drawdown=drawdown, reason=form.cleaned_data["note"]
            )
            messages.success(request, "Mittelabruf zurückgegeben.")
    if request.POST.get("next", "") == "queue":
        return redirect("funding:queue")
    return redirect(application)


@login_required
@refusals_as_http_errors
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
    form = DecisionForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["decision"] == "approve":
            services.use_proof_accept(
                actor=request_actor(request), proof=proof, note=form.cleaned_data["note"]
            )
            messages.success(request, "Verwendungsnachweis angenommen; das Verfahren ist abgeschlossen.")
        else:
            services.use_proof_return(
                actor=request_actor(request), proof=proof, reason=form.cleaned_data["note"]
            )
            messages.success(request, "Verwendungsnachweis zurückgegeben.")
    return redirect(proof.application)
