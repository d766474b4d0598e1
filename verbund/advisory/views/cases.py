"""Pages of the advisory cases under ``/beratung/``: the list, a case with its parties, notes,
documents, appointments and history, the forms, and the office's work queue (``/beratung/arbeitsliste/``).

Cases the visitor may not read are a 404 (the operator and the funding authority included);
changes other than a party's notes and documents are the office's (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from verbund.common.errors import Forbidden, NotFound
from verbund.common.principal import principal_of
from verbund.common.storage import open_stored
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import paginate, refusals_as_messages

from ..casework import ABGESCHLOSSEN, CASE_STATES, EMPFEHLUNG
from ..forms_cases import (
    AllianceLinkForm,
    AppointmentForm,
    CaseFilterForm,
    CaseForm,
    CaseOpenForm,
    DocumentForm,
    NoteForm,
    PartyForm,
    TransitionForm,
)
from ..models import CaseParty, CaseStatusChange
from ..models.cases import OPEN_STATES
from ..policies import is_office, works_cases
from ..services import cases as svc


def _office_or_403(request: HttpRequest) -> None:
    if not works_cases(principal_of(request)):
        raise Forbidden(_("Nur die Beratungsstelle bearbeitet Beratungsfälle."))


def _case(request: HttpRequest, case_id: int) -> Any:
    try:
        return svc.get_case(principal_of(request), case_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _detail_url(case_id: int) -> str:
    return reverse("advisory:case_detail", kwargs={"case_id": case_id})


@require_GET
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    office = is_office(principal)
    cases = svc.visible_cases(principal).prefetch_related("parties__body", "parties__alliance")
    form = CaseFilterForm(request.GET or None)
    if office and form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["stand"]:
            cases = cases.filter(status=data["stand"])
        if data["beratung"]:
            cases = cases.filter(advisor=data["beratung"])
        if data["handlungsfeld"]:
            cases = cases.filter(field_of_action=data["handlungsfeld"])
        if data["verbund"]:
            cases = cases.filter(alliance=data["verbund"])
        if data["ueberfaellig"]:
            cases = cases.filter(status__in=OPEN_STATES, next_step_due__lt=timezone.localdate())
    page = paginate(request, cases.order_by("-opened_at", "-id"))
    today = timezone.localdate()
    rows = [
        {"case": case, "status": svc.status_label(case.status), "overdue": svc.is_overdue(case, today)}
        for case in page
    ]
    context = {"nav": "advisory", "page": page, "rows": rows, "is_office": office, "filter_form": form}
    return render(request, "advisory/cases/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    _office_or_403(request)
    form = CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parties = []
        if data["requesting_body"]:
            parties.append(svc.PartyInput(body_id=data["requesting_body"].pk, requested=True))
        if data["requesting_alliance"]:
            parties.append(svc.PartyInput(alliance_id=data["requesting_alliance"].pk, requested=True))
        case = run_on_form(
            form,
            lambda: svc.open_case(
                actor=request_actor(request),
                title=data["title"],
                description=data["description"],
                origin=data["origin"],
                field_of_action=data["field_of_action"],
                task=data["task"],
                advisor=data["advisor"],
                parties=parties,
                alliance=data["alliance"],
                next_step=data["next_step"],
                next_step_due=data["next_step_due"],
            ),
        )
        if case:
            return redirect(_detail_url(case.pk))
    return render(request, "advisory/cases/form.html", {"nav": "advisory", "form": form, "case": None})


@require_GET
@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    principal = principal_of(request)
    case = _case(request, case_id)
    office = works_cases(principal)
    history = [
        {
            "change": change,
            "from": svc.status_label(change.from_status) if change.from_status else "",
            "to": svc.status_label(change.to_status),
        }
        for change in CaseStatusChange.objects.filter(case=case).select_related("changed_by")
    ]
    actions = [
        {
            "action": t.action,
            "label": _(t.label),
            "url": reverse("advisory:case_transition", kwargs={"case_id": case.pk, "action": t.action}),
        }
        for t in svc.available_actions(principal, case)
    ]
    context = {
        "nav": "advisory",
        "case": case,
        "status": svc.status_label(case.status),
        "overdue": svc.is_overdue(case),
        "is_office": office,
        "actions": actions,
        "parties": CaseParty.objects.filter(case=case).select_related("body", "alliance"),
        "notes": svc.notes_of(principal, case),
        "documents": svc.documents_of(principal, case),
        "appointments": case.appointments.all(),
        "history": history,
        "note_form": NoteForm(),
        "document_form": DocumentForm(),
        "party_form": PartyForm(),
        "link_form": AllianceLinkForm(initial={"alliance": case.alliance_id}),
        "max_mb": svc.upload_max_mb(),
    }
    return render(request, "advisory/cases/detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    _office_or_403(request)
    initial = {
        "title": case.title,
        "description": case.description,
        "origin": case.origin,
        "field_of_action": case.field_of_action_id,
        "task": case.task_id,
        "advisor": case.advisor_id,
        "next_step": case.next_step,
        "next_step_due": case.next_step_due,
    }
    form = CaseForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_on_form(
            form, lambda: svc.update_case(actor=request_actor(request), case_id=case.pk, **form.cleaned_data)
        )
    ):
        return redirect(_detail_url(case.pk))
    return render(request, "advisory/cases/form.html", {"nav": "advisory", "form": form, "case": case})


@require_POST
@login_required
@refusals_as_messages
def case_link(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = AllianceLinkForm(request.POST)
    if form.is_valid():
        svc.link_alliance(
            actor=request_actor(request), case_id=case.pk, alliance=form.cleaned_data["alliance"]
        )
    return redirect(_detail_url(case.pk))


@require_POST
@login_required
@refusals_as_messages
def case_party_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = PartyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        svc.add_party(
            actor=request_actor(request),
            case_id=case.pk,
            body=data["body"],
            alliance=data["alliance"],
            requested=data["requested"],
        )
    return redirect(_detail_url(case.pk))


@require_POST
@login_required
@refusals_as_messages
def case_party_remove(request: HttpRequest, case_id: int, party_id: int) -> HttpResponse:
    case = _case(request, case_id)
    svc.remove_party(actor=request_actor(request), case_id=case.pk, party_id=party_id)
    return redirect(_detail_url(case.pk))


@require_http_methods(["GET", "POST"])
@login_required
def case_transition(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    case = _case(request, case_id)
    _office_or_403(request)
    step = next((t for t in CASE_STATES.transitions if t.action == action), None)
    if step is None:
        raise Http404()
    form = TransitionForm(request.POST or None, initial={"recommendation": case.recommendation})
    if (
        request.method == "POST"
        and form.is_valid()
        and run_on_form(
            form,
            lambda: svc.transition(
                actor=request_actor(request),
                case_id=case.pk,
                action=action,
                remark=form.cleaned_data["remark"],
                recommendation=form.cleaned_data["recommendation"],
            ),
        )
    ):
        return redirect(_detail_url(case.pk))
    context = {
        "nav": "advisory",
        "case": case,
        "form": form,
        "label": _(step.label),
        "status": svc.status_label(case.status),
        "target": svc.status_label(step.target),
        "possible": case.status in step.sources,
        "needs_recommendation": step.target == EMPFEHLUNG,
        "closes": step.target == ABGESCHLOSSEN,
    }
    return render(request, "advisory/cases/transition.html", context)


@require_POST
@login_required
def case_note(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = NoteForm(request.POST)
    if form.is_valid() and run_on_form(
        form,
        lambda: svc.add_note(
            actor=request_actor(request),
            case_id=case.pk,
            text=form.cleaned_data["text"],
            internal=form.cleaned_data["internal"],
        ),
    ):
        return redirect(_detail_url(case.pk) + "#notizen")
    return render(
        request,
        "advisory/cases/note_form.html",
        {"nav": "advisory", "case": case, "form": form, "is_office": is_office(principal_of(request))},
        status=422,
    )


@require_POST
@login_required
def case_document_upload(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid() and run_on_form(
        form,
        lambda: svc.add_document(
            actor=request_actor(request),
            case_id=case.pk,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            internal=form.cleaned_data["internal"],
        ),
    ):
        return redirect(_detail_url(case.pk) + "#dokumente")
    context = {
        "nav": "advisory",
        "case": case,
        "form": form,
        "is_office": is_office(principal_of(request)),
        "max_mb": svc.upload_max_mb(),
    }
    return render(request, "advisory/cases/document_form.html", context, status=422)


@require_GET
@login_required
def case_document_download(request: HttpRequest, case_id: int, document_id: int) -> FileResponse:
    try:
        document = svc.get_document(principal_of(request), case_id, document_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    try:
        handle = open_stored(document.file)
    except OSError as exc:
        raise Http404(_("Das Dokument ist nicht mehr vorhanden.")) from exc
    name = document.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
@refusals_as_messages
def case_document_remove(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    case = _case(request, case_id)
    svc.remove_document(actor=request_actor(request), case_id=case.pk, document_id=document_id)
    return redirect(_detail_url(case.pk) + "#dokumente")


@require_http_methods(["GET", "POST"])
@login_required
def case_appointment(request: HttpRequest, case_id: int, appointment_id: int | None = None) -> HttpResponse:
    case = _case(request, case_id)
    appointment = None
    if appointment_id is not None:
        try:
            appointment = svc.get_appointment(principal_of(request), case.pk, appointment_id)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
    _office_or_403(request)
    initial = {}
    if appointment is not None:
        initial = {
            "subject": appointment.subject,
            "starts_at": timezone.localtime(appointment.starts_at),
            "ends_at": timezone.localtime(appointment.ends_at) if appointment.ends_at else None,
            "place": appointment.place,
            "online_url": appointment.online_url,
            "participants": appointment.participants,
        }
    form = AppointmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = request_actor(request)
        if appointment is None:
            done = run_on_form(
                form, lambda: svc.create_appointment(actor=actor, case_id=case.pk, **form.cleaned_data)
            )
        else:
            done = run_on_form(
                form,
                lambda: svc.update_appointment(
                    actor=actor, case_id=case.pk, appointment_id=appointment.pk, **form.cleaned_data
                ),
            )
        if done:
            return redirect(_detail_url(case.pk) + "#termine")
    context = {"nav": "advisory", "case": case, "form": form, "appointment": appointment}
    return render(request, "advisory/cases/appointment_form.html", context)


@require_POST
@login_required
@refusals_as_messages
def case_appointment_delete(request: HttpRequest, case_id: int, appointment_id: int) -> HttpResponse:
    case = _case(request, case_id)
    svc.delete_appointment(actor=request_actor(request), case_id=case.pk, appointment_id=appointment_id)
    return redirect(_detail_url(case.pk) + "#termine")


@require_GET
@login_required
def case_appointment_ics(request: HttpRequest, case_id: int, appointment_id: int) -> HttpResponse:
    try:
        appointment = svc.get_appointment(principal_of(request), case_id, appointment_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    response = HttpResponse(
        svc.appointment_ics(appointment, host=request.get_host().split(":")[0]),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="termin-{appointment.pk}.ics"'
    return response


@require_GET
@login_required
def work_queue(request: HttpRequest) -> HttpResponse:
    _office_or_403(request)
    queue = svc.work_queue(actor=request_actor(request))
    due = [{"case": case, "overdue": svc.is_overdue(case, queue.today)} for case in queue.due]
    context = {"nav": "advisory", "queue": queue, "due": due}
    return render(request, "advisory/cases/queue.html", context)


urlpatterns: list[URLPattern] = [
    path("faelle/", case_list, name="case_list"),
    path("faelle/neu/", case_create, name="case_create"),
    path("faelle/<int:case_id>/", case_detail, name="case_detail"),
    path("faelle/<int:case_id>/bearbeiten/", case_edit, name="case_edit"),
    path("faelle/<int:case_id>/verbund/", case_link, name="case_link"),
    path("faelle/<int:case_id>/beteiligte/", case_party_add, name="case_party_add"),
    path(
        "faelle/<int:case_id>/beteiligte/<int:party_id>/entfernen/",
        case_party_remove,
        name="case_party_remove",
    ),
    path("faelle/<int:case_id>/stand/<slug:action>/", case_transition, name="case_transition"),
    path("faelle/<int:case_id>/notizen/", case_note, name="case_note"),
    path("faelle/<int:case_id>/dokumente/", case_document_upload, name="case_document_upload"),
    path(
        "faelle/<int:case_id>/dokumente/<int:document_id>/",
        case_document_download,
        name="case_document_download",
    ),
    path(
        "faelle/<int:case_id>/dokumente/<int:document_id>/entfernen/",
        case_document_remove,
        name="case_document_remove",
    ),
    path("faelle/<int:case_id>/termine/neu/", case_appointment, name="case_appointment_create"),
    path(
        "faelle/<int:case_id>/termine/<int:appointment_id>/", case_appointment, name="case_appointment_edit"
    ),
    path(
        "faelle/<int:case_id>/termine/<int:appointment_id>/loeschen/",
        case_appointment_delete,
        name="case_appointment_delete",
    ),
    path(
        "faelle/<int:case_id>/termine/<int:appointment_id>/termin.ics",
        case_appointment_ics,
        name="case_appointment_ics",
    ),
    path("arbeitsliste/", work_queue, name="work_queue"),
]
