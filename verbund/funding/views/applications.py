"""Application pages: list, create, detail, the draft form with its live checks, and the steps of the
workflow (buttons), the authority's grant and rejection, the grant notice and attachments.

Objects come only through :func:`verbund.funding.selectors.access_application` (404 across tenants,
403 when visible but not allowed); the services check the precise right again. Form pages show a
refusal at its field (``run_on_form``); buttons show it as a message (``refusals_as_messages``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verbund.alliances.selectors import alliance_documents
from verbund.common.errors import Forbidden
from verbund.common.principal import principal_of
from verbund.common.storage import open_stored
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import is_htmx, paginate, refusals_as_messages

from .. import policies, rules, services, workflow
from ..forms import (
    AnswerForm,
    ApplicationCreateForm,
    AttachmentForm,
    DecisionForm,
    DraftForm,
    DrawdownForm,
    GrantForm,
    InfoRequestForm,
    PrematureStartForm,
    PrematureStartWithdrawForm,
    RejectForm,
)
from ..models import (
    Application,
    ApplicationAttachment,
    Drawdown,
    GrantApproval,
    GrantNotice,
    GrantYear,
    InfoRequest,
)
from ..selectors import access_application, application_checks, application_list, draft_of
from ._common import post_form

PAGE_SIZE = 50


@login_required
def application_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in workflow.STATUS_LABELS:
        status = ""
    q = request.GET.get("q", "")[:100]
    page = paginate(request, application_list(principal_of(request), status=status, q=q), per_page=PAGE_SIZE)
    return render(
        request,
        "funding/application_list.html",
        {
            "page_obj": page,
            "status": status,
            "q": q,
            "statuses": [(value, _(label)) for value, label in workflow.STATUS_LABELS.items()],
            "nav": "funding",
        },
    )


@login_required
def application_create(request: HttpRequest) -> HttpResponse:
    form = ApplicationCreateForm(
        request.POST or None, principal=principal_of(request), initial=request.GET or None
    )
    if not form.fields["alliance_applicant"].choices:  # type: ignore[attr-defined]
        raise Forbidden(_("Anträge stellen Mitglieder eines Verbunds; Sie gehören zu keinem."))
    if request.method == "POST" and form.is_valid():
        alliance, applicant = form.alliance_and_applicant()
        application = run_on_form(
            form,
            lambda: services.application_create(
                actor=request_actor(request),
                programme=form.cleaned_data["programme"],
                alliance=alliance,
                applicant=applicant,
                title=form.cleaned_data["title"],
            ),
        )
        if application:
            messages.success(
                request,
                _("Antrag %(reference)s angelegt. Bitte vervollständigen.")
                % {"reference": application.reference},
            )
            return redirect("funding:application_edit", pk=application.pk)
    return render(request, "funding/application_create.html", {"form": form, "nav": "funding"})


def _detail_context(request: HttpRequest, application: Application) -> dict[str, Any]:
    principal = principal_of(request)
    draft = draft_of(application)
    checks = application_checks(application, draft) if application.is_editable else None
    grant = GrantNotice.objects.filter(application=application).first()
    grant_years = (
        list(
            GrantYear.objects.filter(grant=grant)
            .select_related("programme_year")
            .order_by("programme_year__year")
        )
        if grant
        else []
    )
    drawdowns = list(
        Drawdown.objects.filter(grant_year__grant__application=application)
        .select_related("grant_year__programme_year", "requested_by", "decided_by")
        .order_by("requested_at", "id")
    )
    _agreements, resolutions = alliance_documents(application.alliance)
    participant_ids = set(draft.participant_ids)
    authority = policies.may_decide(principal)
    drafter = policies.may_draft(principal, application)
    signer = policies.may_sign(principal, application)
    status = application.status
    submit_action = "submit" if workflow.allowed("submit", status) else "resubmit"
    submit_refusal = (
        _submit_refusal(application, checks, signer=signer, resubmit=submit_action == "resubmit")
        if workflow.allowed(submit_action, status) and (signer or drafter)
        else None
    )
    return {
        "application": application,
        "submit_refusal": submit_refusal,
        "signer_text": _(
            "Einreichen, erneut einreichen und zurückziehen kann die Verwaltungsleitung von "
            "%(applicant)s (antragstellendes Mitglied); sie zeichnet für den Verbund."
        )
        % {"applicant": application.applicant.name},
        "premature_form": PrematureStartForm()
        if authority
        and status in services.PREMATURE_START_STATUSES
        and application.premature_start_approved_on is None
        and application.period_start is not None
        and application.submitted_at is not None
        and application.period_start < timezone.localdate(application.submitted_at)
        else None,
        "premature_withdraw_form": PrematureStartWithdrawForm()
        if authority
        and status in services.PREMATURE_START_STATUSES
        and application.premature_start_approved_on is not None
        else None,
        "draft": draft,
        "participants": list(application.participants.order_by("name")),
        "fields": list(application.fields.all()),
        "costs": list(application.costs.order_by("year", "category")),
        "requested_years": list(application.requested_years.order_by("year")),
        "checks": checks,
        "stored_checks": application.checks,
        "attachments": list(application.attachments.order_by("uploaded_at", "id")),
        "info_requests": list(
            InfoRequest.objects.filter(application=application).select_related("asked_by", "answered_by")
        ),
        "events": list(application.events.select_related("by").order_by("at", "id")),
        "resolutions": [r for r in resolutions if r.body_id in participant_ids],
        "grant": grant,
        "grant_years": grant_years,
        "drawdowns": drawdowns,
        "proofs": list(application.proofs.prefetch_related("costs").order_by("submitted_at", "id")),
        "is_authority": authority,
        "can_draft": drafter,
        "can_sign": signer,
        "may_edit": drafter and application.is_editable,
        # The button shows exactly when the step would succeed; otherwise the reason is shown.
        "may_submit": signer and workflow.allowed("submit", status) and submit_refusal is None,
        "may_withdraw": signer and workflow.allowed("withdraw", status),
        "may_resubmit": signer and workflow.allowed("resubmit", status) and submit_refusal is None,
        "may_review": authority and workflow.allowed("review", status),
        "may_decide": authority and workflow.allowed("grant", status),
        "may_draw": drafter and status == workflow.BEWILLIGT and bool(grant_years),
        "may_prove": signer and workflow.allowed("submit_proof", status),
        "attachment_form": AttachmentForm(),
        "info_form": InfoRequestForm(),
        "answer_form": AnswerForm(),
        "reject_form": RejectForm(),
        "drawdown_form": DrawdownForm(grant_years=grant_years) if grant_years else None,
        "decision_form": DecisionForm(),
        "nav": "funding",
    }


def _submit_refusal(
    application: Application, checks: list[Any] | None, *, signer: bool, resubmit: bool
) -> str | None:
    """Why (re)submitting would fail now, in German (``None``: it would succeed). Mirrors
    :func:`verbund.funding.services.application_submit`: the signer, the checks, a reason."""
    if not signer:
        return _(
            "Einreichen kann nur die Verwaltungsleitung von %(applicant)s (antragstellendes Mitglied). "
            "Sie können den Antrag vorbereiten; bitte die Verwaltungsleitung bitten, ihn zu prüfen und "
            "einzureichen."
        ) % {"applicant": application.applicant.name}
    if resubmit and InfoRequest.objects.filter(application=application, answered_at__isnull=True).exists():
        return _("Vor dem erneuten Einreichen bitte jede Rückfrage beantworten.")
    results = [r for r in (checks or []) if not (resubmit and r.code == "window")]
    hard = rules.blocking(results)
    if hard:
        return _("Einreichen ist noch nicht möglich, weil Förderregeln nicht erfüllt sind: %(join)s.") % {
            "join": "; ".join(f"{r.label}: {r.explanation}" for r in hard)
        }
    soft = rules.needing_reason(results)
    if soft and not application.deviation_reason.strip():
        return _(
            "Einreichen ist erst möglich mit einer Begründung im Feld „Begründung für Abweichungen“, "
            "weil nicht erfüllt ist: %(join)s."
        ) % {"join": ", ".join(r.label for r in soft)}
    return None


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk)
    return render(request, "funding/application_detail.html", _detail_context(request, application))


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk, need="draft")
    if not application.is_editable:
        messages.info(
            request,
            _("Ein Antrag im Status „%(status)s“ ist nicht mehr änderbar.")
            % {"status": application.get_status_display()},
        )
        return redirect(application)
    form = DraftForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        saved = run_on_form(
            form,
            lambda: services.application_update(
                actor=request_actor(request), application=application, data=form.changes()
            ),
        )
        if saved:
            messages.success(request, _("Entwurf gespeichert."))
            return redirect(application)
    checks = application_checks(application, form.to_draft() if form.is_bound else None)
    return render(
        request,
        "funding/application_edit.html",
        {"application": application, "form": form, "checks": checks, "nav": "funding"},
    )


@login_required
@require_POST
def application_check(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the check list for the unsaved form data (nothing is stored)."""
    application = access_application(principal_of(request), pk, need="draft")
    if not is_htmx(request):
        return redirect("funding:application_edit", pk=application.pk)
    form = DraftForm(request.POST, application=application)
    checks = application_checks(application, form.to_draft())
    return render(request, "funding/_checks.html", {"checks": checks, "live": True})


#: The URL's word for a button → the service step and the message on success.
ACTIONS: dict[str, tuple[Callable[..., object], Any]] = {
    "einreichen": (
        services.application_submit,
        gettext_lazy("Antrag eingereicht. Die Bewilligungsbehörde ist benachrichtigt."),
    ),
    "zurueckziehen": (services.application_withdraw, gettext_lazy("Antrag zurückgezogen.")),
    "pruefen": (services.application_review, gettext_lazy("Prüfung begonnen.")),
    "erneut-einreichen": (services.application_resubmit, gettext_lazy("Antrag erneut eingereicht.")),
}


@login_required
@require_POST
@refusals_as_messages
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, withdraw, start review, resubmit (buttons on the detail page)."""
    if action not in ACTIONS:
        raise Http404(_("Unbekannte Aktion."))
    step, done = ACTIONS[action]
    application = access_application(principal_of(request), pk)
    extra = {"reason": request.POST.get("reason", "")} if action == "zurueckziehen" else {}
    step(actor=request_actor(request), application=application, **extra)
    messages.success(request, done)
    return redirect(application)


@login_required
@require_POST
@refusals_as_messages
def application_request_info(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk)
    post_form(
        request,
        InfoRequestForm(request.POST),
        lambda data: services.application_request_info(
            actor=request_actor(request), application=application, question=data["question"]
        ),
        _("Rückfrage gestellt; der Verbund ist benachrichtigt."),
        _("Bitte die Rückfrage formulieren."),
    )
    return redirect(application)


@login_required
@require_POST
@refusals_as_messages
def info_answer(request: HttpRequest, pk: int, info_pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk)
    info = get_object_or_404(InfoRequest, pk=info_pk, application=application)
    post_form(
        request,
        AnswerForm(request.POST),
        lambda data: services.info_request_answer(
            actor=request_actor(request), info_request=info, answer=data["answer"]
        ),
        _("Antwort gespeichert. Bitte den Antrag erneut einreichen."),
        _("Bitte eine Antwort eingeben."),
    )
    return redirect(application)


@login_required
def application_grant(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk, need="decide")
    if not workflow.allowed("grant", application.status):
        messages.error(request, workflow.refusal("grant", application.status) or "")
        return redirect(application)
    years = list(application.programme.years.order_by("year").values_list("year", flat=True))
    draft = draft_of(application)
    initial: dict[str, Any] = {
        "period_start": application.period_start,
        "period_end": application.period_end,
        "conditions": services.notice_template_values(application.programme)[0]["conditions"],
        **{f"grant_{y}": draft.requested_by_year.get(y) for y in years},
    }
    approval = GrantApproval.objects.filter(application=application).select_related("approved_by").first()
    if approval is not None:
        # The second approver decides on exactly the terms of the first.
        initial.update(
            {f"grant_{y}": Decimal(a) for y, a in approval.terms.get("years", {}).items()},
            period_start=dt.date.fromisoformat(approval.terms["period"][0]),
            period_end=dt.date.fromisoformat(approval.terms["period"][1]),
            conditions=approval.terms.get("conditions", initial["conditions"]),
            override_reason=approval.terms.get("override_reason", ""),
        )
    form = GrantForm(request.POST or None, initial=initial, years=years)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        amounts = form.amounts()
        total = sum(amounts.values(), Decimal(0))
        first_step = services.needs_first_grant_approval(application, total)
        if request.POST.get("confirmed") != "1":
            # Server side: nothing is decided before the consequences were shown and confirmed.
            return render(
                request,
                "funding/grant_confirm.html",
                {
                    "application": application,
                    "form": form,
                    "amounts": sorted(amounts.items()),
                    "total": total,
                    "first_step": first_step,
                    "approval": approval,
                    "nav": "funding",
                },
            )
        arguments = {
            "actor": request_actor(request),
            "application": application,
            "amounts_by_year": amounts,
            "conditions": data["conditions"],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "override_reason": data["override_reason"],
        }
        if first_step:
            recorded = run_on_form(form, lambda: services.application_grant_first_approval(**arguments))
            if recorded:
                messages.success(
                    request,
                    _(
                        "Erste Freigabe erfasst. Bewilligt ist erst, wenn eine zweite, andere Person der "
                        "Bewilligungsbehörde bestätigt (Vier-Augen-Prinzip); sie ist benachrichtigt."
                    ),
                )
                return redirect(application)
        else:
            granted = run_on_form(form, lambda: services.application_grant(**arguments))
            if granted:
                messages.success(
                    request,
                    _("Bewilligt. Der Zuwendungsbescheid ist erstellt; der Verbund ist benachrichtigt."),
                )
                return redirect(application)
    checks = application_checks(application, draft)
    return render(
        request,
        "funding/grant_form.html",
        {
            "application": application,
            "form": form,
            "checks": checks,
            "draft": draft,
            "approval": approval,
            "nav": "funding",
        },
    )


@login_required
@require_POST
@refusals_as_messages
def premature_start_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority records its approval of a premature start."""
    application = access_application(principal_of(request), pk, need="decide")
    post_form(
        request,
        PrematureStartForm(request.POST),
        lambda data: services.premature_start_approve(
            actor=request_actor(request),
            application=application,
            approved_on=data["approved_on"],
            note=data["note"],
        ),
        _("Zustimmung zum vorzeitigen Maßnahmebeginn erfasst; der Verbund ist benachrichtigt."),
        _("Bitte das Datum der Zustimmung angeben."),
    )
    return redirect(application)


@login_required
@require_POST
@refusals_as_messages
def premature_start_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority withdraws its consent to a premature start (with a reason)."""
    application = access_application(principal_of(request), pk, need="decide")
    post_form(
        request,
        PrematureStartWithdrawForm(request.POST),
        lambda data: services.premature_start_withdraw(
            actor=request_actor(request), application=application, reason=data["reason"]
        ),
        _("Die Zustimmung zum vorzeitigen Maßnahmebeginn ist widerrufen."),
        _("Bitte den Grund des Widerrufs angeben."),
    )
    return redirect(application)


@login_required
@require_POST
@refusals_as_messages
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk)
    post_form(
        request,
        RejectForm(request.POST),
        lambda data: services.application_reject(
            actor=request_actor(request), application=application, reasons=data["reasons"]
        ),
        _("Antrag abgelehnt; der Verbund ist benachrichtigt."),
        _("Eine Ablehnung braucht eine Begründung."),
    )
    return redirect(application)


@login_required
def grant_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The stored grant notice, streamed after the access check (never served by URL)."""
    application = access_application(principal_of(request), pk)
    grant = GrantNotice.objects.filter(application=application).first()
    if grant is None or not grant.pdf:
        raise Http404(_("Kein Bescheid."))
    try:
        handle = open_stored(grant.pdf)  # streamed, also from S3
    except OSError as exc:
        raise Http404(_("Kein Bescheid.")) from exc
    return FileResponse(
        handle,
        as_attachment=False,
        filename=f"Zuwendungsbescheid-{grant.reference}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
@refusals_as_messages
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(principal_of(request), pk)
    post_form(
        request,
        AttachmentForm(request.POST, request.FILES),
        lambda data: services.application_attach(
            actor=request_actor(request), application=application, upload=data["file"], title=data["title"]
        ),
        _("Anlage hinzugefügt."),
        _("Bitte Bezeichnung und PDF-Datei angeben."),
    )
    return redirect(application)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    application = access_application(principal_of(request), pk)
    attachment = get_object_or_404(ApplicationAttachment, pk=attachment_pk, application=application)
    try:
        handle = open_stored(attachment.file)
    except OSError as exc:
        raise Http404(_("Keine solche Anlage.")) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name or f"{attachment.title}.pdf",
        content_type="application/pdf",
    )
