"""HTML pages of the funding part. Thin: forms validate, services write, selectors read.

Access: objects come only through :mod:`verbund.funding.access` (404 across tenants, 403 when
visible but not allowed); writes go through the services, which check the precise right again.
A refused step (``DomainError`` / ``ValidationError``) is shown on the page in German.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from verbund.alliances.selectors import alliance_documents
from verbund.common.errors import DomainError

from . import exports, rules, services, workflow
from .access import (
    access_application,
    access_drawdown,
    access_proof,
    can_draft,
    can_sign,
    is_authority,
    reads_portfolio,
    require_authority,
    require_portfolio,
)
from .forms import (
    AnswerForm,
    ApplicationCreateForm,
    AttachmentForm,
    BudgetForm,
    DecisionForm,
    DraftForm,
    DrawdownForm,
    GrantForm,
    InfoRequestForm,
    PortfolioFilterForm,
    ProgrammeForm,
    ProofForm,
    RejectForm,
    draft_options,
)
from .models import (
    Application,
    ApplicationAttachment,
    Drawdown,
    GrantNotice,
    GrantYear,
    InfoRequest,
    Programme,
)
from .selectors import (
    application_checks,
    application_list,
    budget_overview,
    draft_of,
    grant_rows,
    granted_notices,
    portfolio,
    work_queue,
)

PAGE_SIZE = 50


def _error_text(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.detail
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _refused(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, _error_text(exc))


def _to_form(form: Any, exc: ValidationError | DomainError) -> None:
    """Show a service refusal at the fields it names (or above the form)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, _error_text(exc))


# --- Start page and programmes ---------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """Programmes (public) and, for signed-in users, their applications and the authority's links."""
    programmes = list(Programme.objects.visible_to(request.user).prefetch_related("years").order_by("name"))
    context: dict[str, Any] = {
        "programmes": programmes,
        "nav": "funding",
        "is_authority": is_authority(request.user),
        "reads_portfolio": reads_portfolio(request.user),
    }
    if request.user.is_authenticated:
        context["applications"] = list(application_list(request.user)[:20])
        context["may_draft"] = bool(draft_options(request.user))
    return render(request, "funding/index.html", context)


def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)
    try:
        rule_set: rules.RuleSet | None = programme.rules
    except rules.RuleSetError:
        rule_set = None
    return render(
        request,
        "funding/programme_detail.html",
        {
            "programme": programme,
            "rules": rule_set,
            "budget": budget_overview(programme),
            "conditions": rules.CONDITIONS,
            "bases": rules.BASES,
            "is_authority": is_authority(request.user),
            "nav": "funding",
        },
    )


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    require_authority(request.user, "Programme legt die Bewilligungsbehörde an.")
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            programme = services.programme_create(
                acting_user=request.user,
                name=data["name"],
                code=data["code"],
                slug=data["slug"] or "",
                preset=data["preset"],
                rule_set=data["rule_set"],
                description=data["description"],
                eligible_categories=data["eligible_categories"],
                window_opens=data["window_opens"],
                window_closes=data["window_closes"],
                budgets=form.budgets(),
            )
        except (ValidationError, DomainError) as exc:
            _to_form(form, exc)
        else:
            messages.success(request, f"Programm „{programme.name}“ angelegt.")
            return redirect(programme)
    return render(request, "funding/programme_form.html", {"form": form, "nav": "funding", "programme": None})


@login_required
def programme_edit(request: HttpRequest, slug: str) -> HttpResponse:
    require_authority(request.user, "Programme ändert die Bewilligungsbehörde.")
    programme = get_object_or_404(Programme, slug=slug)
    initial = {
        "name": programme.name,
        "code": programme.code,
        "slug": programme.slug,
        "description": programme.description,
        "preset": programme.preset,
        "rule_set": _pretty(programme.rule_set),
        "eligible_categories": programme.eligible_categories,
        "window_opens": programme.window_opens,
        "window_closes": programme.window_closes,
    }
    years = [(y.year, y.budget) for y in programme.years.order_by("year")]
    form = ProgrammeForm(request.POST or None, initial=initial, programme=programme)
    budget_form = BudgetForm(request.POST or None, years=years, prefix="b")
    if request.method == "POST" and form.is_valid() and budget_form.is_valid():
        data = form.cleaned_data
        try:
            services.programme_update(
                acting_user=request.user,
                programme=programme,
                data={
                    "name": data["name"],
                    "code": data["code"],
                    "description": data["description"],
                    "preset": data["preset"],
                    "rule_set": data["rule_set"] if data["rule_set"] is not None else programme.rule_set,
                    "eligible_categories": data["eligible_categories"],
                    "window_opens": data["window_opens"],
                    "window_closes": data["window_closes"],
                },
            )
            for year, budget in {**budget_form.budgets(), **form.budgets()}.items():
                services.programme_year_set(
                    acting_user=request.user, programme=programme, year=year, budget=budget
                )
        except (ValidationError, DomainError) as exc:
            _to_form(form, exc)
        else:
            messages.success(request, "Programm gespeichert.")
            return redirect(programme)
    return render(
        request,
        "funding/programme_form.html",
        {"form": form, "budget_form": budget_form, "programme": programme, "nav": "funding"},
    )


def _pretty(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2)


# --- Applications ------------------------------------------------------------------------------------


@login_required
def application_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in workflow.STATUS_LABELS:
        status = ""
    q = request.GET.get("q", "")[:100]
    page = Paginator(application_list(request.user, status=status, q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "funding/application_list.html",
        {
            "page_obj": page,
            "status": status,
            "q": q,
            "statuses": list(workflow.STATUS_LABELS.items()),
            "nav": "funding",
        },
    )


@login_required
def application_create(request: HttpRequest) -> HttpResponse:
    form = ApplicationCreateForm(request.POST or None, user=request.user, initial=request.GET or None)
    if not form.fields["alliance_applicant"].choices:  # type: ignore[attr-defined]
        raise PermissionDenied("Anträge stellen Mitglieder eines Verbunds; Sie gehören zu keinem.")
    if request.method == "POST" and form.is_valid():
        alliance, applicant = form.alliance_and_applicant()
        try:
            application = services.application_create(
                acting_user=request.user,
                programme=form.cleaned_data["programme"],
                alliance=alliance,
                applicant=applicant,
                title=form.cleaned_data["title"],
            )
        except (ValidationError, DomainError) as exc:
            _to_form(form, exc)
        else:
            messages.success(request, f"Antrag {application.reference} angelegt. Bitte vervollständigen.")
            return redirect("funding:application_edit", pk=application.pk)
    return render(request, "funding/application_create.html", {"form": form, "nav": "funding"})


def _detail_context(request: HttpRequest, application: Application) -> dict[str, Any]:
    user = request.user
    draft = draft_of(application)
    live = application.is_editable
    checks = application_checks(application, draft) if live else None
    stored = application.checks
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
    authority = is_authority(user)
    drafter = can_draft(user, application)
    signer = can_sign(user, application)
    status = application.status
    return {
        "application": application,
        "draft": draft,
        "participants": list(application.participants.order_by("name")),
        "fields": list(application.fields.all()),
        "costs": list(application.costs.order_by("year", "category")),
        "requested_years": list(application.requested_years.order_by("year")),
        "checks": checks,
        "stored_checks": stored,
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
        "may_submit": signer and workflow.allowed("submit", status),
        "may_withdraw": signer and workflow.allowed("withdraw", status),
        "may_resubmit": signer and workflow.allowed("resubmit", status),
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


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk)
    return render(request, "funding/application_detail.html", _detail_context(request, application))


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    if not can_draft(request.user, application):
        raise PermissionDenied("Sie dürfen diesen Antrag nicht bearbeiten.")
    if not application.is_editable:
        messages.info(
            request, f"Ein Antrag im Status „{application.get_status_display()}“ ist nicht mehr änderbar."
        )
        return redirect(application)
    form = DraftForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                acting_user=request.user, application=application, data=form.changes()
            )
        except (ValidationError, DomainError) as exc:
            _to_form(form, exc)
        else:
            messages.success(request, "Entwurf gespeichert.")
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
    application = access_application(request.user, pk, for_change=True)
    if not can_draft(request.user, application):
        raise PermissionDenied("Sie dürfen diesen Antrag nicht bearbeiten.")
    form = DraftForm(request.POST, application=application)
    checks = application_checks(application, form.to_draft())
    return render(request, "funding/_checks.html", {"checks": checks, "live": True})


ACTIONS = {
    "einreichen": "submit",
    "zurueckziehen": "withdraw",
    "pruefen": "review",
    "erneut-einreichen": "resubmit",
}


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, withdraw, start review, resubmit (buttons on the detail page)."""
    application = access_application(request.user, pk, for_change=True)
    step = ACTIONS.get(action)
    if step is None:
        raise Http404("Unbekannte Aktion.")
    try:
        if step == "submit":
            services.application_submit(acting_user=request.user, application=application)
            messages.success(request, "Antrag eingereicht. Die Bewilligungsbehörde ist benachrichtigt.")
        elif step == "withdraw":
            services.application_withdraw(
                acting_user=request.user, application=application, reason=request.POST.get("reason", "")
            )
            messages.success(request, "Antrag zurückgezogen.")
        elif step == "review":
            services.application_review(acting_user=request.user, application=application)
            messages.success(request, "Prüfung begonnen.")
        else:
            services.application_resubmit(acting_user=request.user, application=application)
            messages.success(request, "Antrag erneut eingereicht.")
    except (ValidationError, DomainError) as exc:
        _refused(request, exc)
    return redirect(application)


@login_required
@require_POST
def application_request_info(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    form = InfoRequestForm(request.POST)
    if form.is_valid():
        try:
            services.application_request_info(
                acting_user=request.user, application=application, question=form.cleaned_data["question"]
            )
            messages.success(request, "Rückfrage gestellt; der Verbund ist benachrichtigt.")
        except (ValidationError, DomainError) as exc:
            _refused(request, exc)
    else:
        messages.error(request, "Bitte die Rückfrage formulieren.")
    return redirect(application)


@login_required
@require_POST
def info_answer(request: HttpRequest, pk: int, info_pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    info = get_object_or_404(InfoRequest, pk=info_pk, application=application)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.info_request_answer(
                acting_user=request.user, info_request=info, answer=form.cleaned_data["answer"]
            )
            messages.success(request, "Antwort gespeichert. Bitte den Antrag erneut einreichen.")
        except (ValidationError, DomainError) as exc:
            _refused(request, exc)
    else:
        messages.error(request, "Bitte eine Antwort eingeben.")
    return redirect(application)


@login_required
def application_grant(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    require_authority(request.user)
    if not workflow.allowed("grant", application.status):
        messages.error(request, workflow.refusal("grant", application.status) or "")
        return redirect(application)
    years = list(application.programme.years.order_by("year").values_list("year", flat=True))
    draft = draft_of(application)
    initial: dict[str, Any] = {
        "period_start": application.period_start,
        "period_end": application.period_end,
        "conditions": services.DEFAULT_CONDITIONS,
        **{f"grant_{y}": draft.requested_by_year.get(y) for y in years},
    }
    form = GrantForm(request.POST or None, initial=initial, years=years)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_grant(
                acting_user=request.user,
                application=application,
                amounts_by_year=form.amounts(),
                conditions=data["conditions"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                override_reason=data["override_reason"],
            )
        except (ValidationError, DomainError) as exc:
            _to_form(form, exc)
        else:
            messages.success(
                request, "Bewilligt. Der Zuwendungsbescheid ist erstellt; der Verbund ist benachrichtigt."
            )
            return redirect(application)
    checks = application_checks(application, draft)
    return render(
        request,
        "funding/grant_form.html",
        {"application": application, "form": form, "checks": checks, "draft": draft, "nav": "funding"},
    )


@login_required
@require_POST
def application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.application_reject(
                acting_user=request.user, application=application, reasons=form.cleaned_data["reasons"]
            )
            messages.success(request, "Antrag abgelehnt; der Verbund ist benachrichtigt.")
        except (ValidationError, DomainError) as exc:
            _refused(request, exc)
    else:
        messages.error(request, "Eine Ablehnung braucht eine Begründung.")
    return redirect(application)


@login_required
def grant_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The stored grant notice, streamed after the access check (never served by URL)."""
    application = access_application(request.user, pk)
    grant = GrantNotice.objects.filter(application=application).first()
    if grant is None or not grant.pdf:
        raise Http404("Kein Bescheid.")
    try:
        handle = grant.pdf.storage.open(grant.pdf.name, "rb")
    except OSError as exc:
        raise Http404("Kein Bescheid.") from exc
    return FileResponse(
        handle,
        as_attachment=False,
        filename=f"Zuwendungsbescheid-{grant.reference}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.application_attach(
                acting_user=request.user,
                application=application,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
            messages.success(request, "Anlage hinzugefügt.")
        except (ValidationError, DomainError) as exc:
            _refused(request, exc)
    else:
        messages.error(request, "Bitte Bezeichnung und PDF-Datei angeben.")
    return redirect(application)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    application = access_application(request.user, pk)
    attachment = get_object_or_404(ApplicationAttachment, pk=attachment_pk, application=application)
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except OSError as exc:
        raise Http404("Keine solche Anlage.") from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name or f"{attachment.title}.pdf",
        content_type="application/pdf",
    )


# --- Drawdowns and proof of use -------------------------------------------------------------------------


@login_required
@require_POST
def drawdown_request(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    years = list(GrantYear.objects.filter(grant__application=application).select_related("programme_year"))
    form = DrawdownForm(request.POST, grant_years=years)
    if form.is_valid():
        try:
            services.drawdown_request(
                acting_user=request.user,
                application=application,
                year=int(form.cleaned_data["grant_year"]),
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, "Mittelabruf gestellt; die Bewilligungsbehörde ist benachrichtigt.")
        except (ValidationError, DomainError) as exc:
            _refused(request, exc)
    else:
        messages.error(request, "Bitte Haushaltsjahr und Betrag angeben.")
    return redirect(application)


@login_required
@require_POST
def drawdown_decide(request: HttpRequest, pk: int) -> HttpResponse:
    drawdown = access_drawdown(request.user, pk)
    application = drawdown.grant_year.grant.application
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.drawdown_approve(
                    acting_user=request.user, drawdown=drawdown, note=form.cleaned_data["note"]
                )
                messages.success(request, "Mittelabruf freigegeben.")
            else:
                services.drawdown_return(
                    acting_user=request.user, drawdown=drawdown, reason=form.cleaned_data["note"]
                )
                messages.success(request, "Mittelabruf zurückgegeben.")
        except (ValidationError, DomainError) as exc:
            _refused(request, exc)
    next_url = request.POST.get("next", "")
    if next_url == "queue":
        return redirect("funding:queue")
    return redirect(application)


@login_required
def proof_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk, for_change=True)
    if not can_sign(request.user, application):
        raise PermissionDenied("Den Verwendungsnachweis reicht die Verwaltungsleitung ein.")
    form = ProofForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proof = services.use_proof_submit(
                acting_user=request.user,
                application=application,
                actual_costs=form.actual_costs(),
                report=form.cleaned_data["report"],
            )
        except (ValidationError, DomainError) as exc:
            _to_form(form, exc)
        else:
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
def proof_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proof = access_proof(request.user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.use_proof_accept(
                    acting_user=request.user, proof=proof, note=form.cleaned_data["note"]
                )
                messages.success(request, "Verwendungsnachweis angenommen; das Verfahren ist abgeschlossen.")
            else:
                services.use_proof_return(
                    acting_user=request.user, proof=proof, reason=form.cleaned_data["note"]
                )
                messages.success(request, "Verwendungsnachweis zurückgegeben.")
        except (ValidationError, DomainError) as exc:
            _refused(request, exc)
    return redirect(proof.application)


# --- Authority and ministry --------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The funding authority's work queue (the advisory office and operators may look)."""
    require_portfolio(request.user)
    work = work_queue(request.user)
    now = timezone.now()
    rows = [
        {"application": a, "waiting_days": (now - (a.submitted_at or a.created_at)).days}
        for a in work.applications
    ]
    return render(
        request,
        "funding/queue.html",
        {
            "rows": rows,
            "drawdowns": work.drawdowns,
            "decision_form": DecisionForm(),
            "is_authority": is_authority(request.user),
            "nav": "funding",
        },
    )


@login_required
def portfolio_view(request: HttpRequest) -> HttpResponse:
    """Portfolio by year, field of action, Landkreis and on a map; budget per year; grants table."""
    require_portfolio(request.user)
    form = PortfolioFilterForm(request.GET or None)
    filters = form.filters()
    data = portfolio(request.user, **filters)
    programmes = [filters["programme"]] if filters["programme"] else list(Programme.objects.order_by("name"))
    budgets = [{"programme": p, "rows": budget_overview(p)} for p in programmes]
    notices = grant_rows(granted_notices(request.user, **filters))
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "funding/portfolio.html",
        {
            "form": form,
            "data": data,
            "budgets": budgets,
            "page_obj": page,
            "query": query.urlencode(),
            "map_points": data.map_points,
            "tile_url": _setting("VERBUND_MAP_TILE_URL"),
            "tile_attribution": _setting("VERBUND_MAP_TILE_ATTRIBUTION"),
            "nav": "funding",
        },
    )


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def _export_notices(request: HttpRequest) -> Any:
    require_portfolio(request.user)
    form = PortfolioFilterForm(request.GET or None)
    return granted_notices(request.user, **form.filters())


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exports.grants_csv(_export_notices(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="bewilligungen.csv"'
    return response


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exports.grants_xlsx(_export_notices(request)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="bewilligungen.xlsx"'
    return response


@login_required
def export_transparency(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exports.transparency_csv(_export_notices(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="transparenz-zuwendungen.csv"'
    return response


def alliance_funding_panel(request: HttpRequest, alliance: Any) -> str:
    """The alliance page's section on its funding applications, for those who may see them."""
    from django.template.loader import render_to_string

    if not getattr(request.user, "is_authenticated", False):
        return ""
    applications = list(
        Application.objects.visible_to(request.user).filter(alliance=alliance).order_by("-created_at")
    )
    if not applications:
        return ""
    return render_to_string("funding/_alliance_panel.html", {"applications": applications}, request=request)
