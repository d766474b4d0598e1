"""Pages of the security part: WiBA checklists (upload), a body's answers, evidence files and the
alliance's progress.

* ``/sicherheit/wiba/`` — the checklists, the assessments the user may read with their progress,
  the alliances whose progress they open.
* ``/sicherheit/wiba/hochladen/`` — upload a checklist (Plattformbetrieb, Beratungsstelle).
* ``/sicherheit/wiba/checklisten/<id>/`` — the questions; begin the assessment for an own body.
* ``/sicherheit/wiba/bearbeitungen/<id>/`` — answer (who acts for the body) or read (TLP decides).
* ``/sicherheit/wiba/bearbeitungen/<id>/teilen/`` — TLP label and distribution of the answers.
* ``/sicherheit/wiba/verbund/<slug>/`` — counts per member and checklist, no answers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.common.errors import NotFound
from verbund.common.principal import principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form
from verbund.ui.views import refusals_as_messages

from ..forms import SharingForm
from ..models import Attachment, Tlp, WibaAnswer, WibaAnswerValue, WibaAssessment, WibaChecklist
from ..policies import acts_for, own_body_ids, recipient_candidates
from ..selectors import get_shared, security_alliances
from ..services import wiba as wiba_services

NAV = "security"


class ChecklistUploadForm(KernForm):
    file = forms.FileField(
        label=gettext_lazy("Checkliste (Word .docx, Excel .xlsx oder CSV)"),
        help_text=gettext_lazy(
            "Laden Sie die Checkliste so hoch, wie das BSI sie veröffentlicht. Erwartet wird eine Tabelle "
            "mit Nummer, Prüffrage und Hilfsmitteln. Die Dateien des BSI sind urheberrechtlich geschützt "
            "und werden deshalb nicht mit Verbund ausgeliefert."
        ),
    )
    topic = forms.CharField(
        label=gettext_lazy("Thema"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("leer lassen: aus der Datei"),
    )
    number = forms.CharField(label=gettext_lazy("Nummer"), max_length=20, required=False)
    edition = forms.CharField(label=gettext_lazy("Stand"), max_length=100, required=False)


class StartForm(KernForm):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), label=gettext_lazy("Körperschaft"))

    id_format = "id_start_%s"

    def __init__(self, *args: Any, bodies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]


class EvidenceForm(KernForm):
    file = forms.FileField(label=gettext_lazy("Nachweis (PDF)"))


class ShareForm(SharingForm):
    """The sharing fields of an assessment (the body is fixed), with the named people of TLP:RED."""

    def __init__(self, *args: Any, assessment: WibaAssessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner_body"]
        owner.queryset = Body.objects.filter(pk=assessment.owner_body_id or 0)
        self.fields["owner_body"].disabled = True
        self.fields["owner_body"].initial = assessment.owner_body_id
        people: Any = self.fields["recipients"]
        people.queryset = recipient_candidates([assessment.owner_body_id or 0]).order_by(
            "last_name", "first_name", "username"
        )


# --- helpers -------------------------------------------------------------------------------------------


def _assessment(request: HttpRequest, assessment_id: int, purpose: str) -> WibaAssessment:
    assessment: WibaAssessment = get_shared(
        WibaAssessment.objects.select_related("checklist", "owner_body", "alliance"),
        principal_of(request),
        actor=request.user,
        purpose=purpose,
        pk=assessment_id,
    )
    return assessment


def _checklist(checklist_id: int) -> WibaChecklist:
    checklist = WibaChecklist.objects.filter(pk=checklist_id).first()
    if checklist is None:
        raise NotFound()
    return checklist


# --- pages ---------------------------------------------------------------------------------------------


@login_required
def wiba_index(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    checklists = list(WibaChecklist.objects.all())
    totals = wiba_services.question_totals([c.pk for c in checklists])
    context = {
        "checklists": [(c, totals.get(c.pk, 0)) for c in checklists],
        "assessments": wiba_services.progress_of(wiba_services.visible_assessments(principal)),
        "alliances": list(security_alliances(principal).order_by("name")),
        "may_upload": wiba_services.may_import_checklist(principal),
        "nav": NAV,
    }
    return render(request, "security/wiba/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def wiba_upload(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not wiba_services.may_import_checklist(principal):
        from verbund.common.errors import Forbidden

        raise Forbidden(_(wiba_services.IMPORT_REFUSAL))
    form = ChecklistUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        checklist = run_on_form(
            form,
            lambda: wiba_services.wiba_checklist_import(
                actor=request_actor(request),
                file=upload,
                name=upload.name,
                topic=data["topic"],
                number=data["number"],
                edition=data["edition"],
            ),
            default_field="file",
        )
        if checklist:
            messages.success(
                request,
                _("Die Checkliste „%(name)s“ ist eingelesen (%(count)s Prüffragen).")
                % {"name": checklist, "count": checklist.questions.count()},
            )
            return redirect("security:wiba_checklist", checklist_id=checklist.pk)
    return render(request, "security/wiba/upload.html", {"form": form, "nav": NAV})


@login_required
def wiba_checklist(request: HttpRequest, checklist_id: int) -> HttpResponse:
    principal = principal_of(request)
    checklist = _checklist(checklist_id)
    bodies = own_body_ids(principal)
    begun = set(
        WibaAssessment.objects.filter(checklist=checklist, owner_body_id__in=bodies).values_list(
            "owner_body_id", flat=True
        )
    )
    own = WibaAssessment.objects.filter(checklist=checklist, owner_body_id__in=bodies).select_related(
        "owner_body"
    )
    open_bodies = Body.objects.filter(pk__in=bodies - begun).order_by("name")
    context = {
        "checklist": checklist,
        "questions": checklist.questions.order_by("position"),
        "own": list(own),
        "start_form": StartForm(bodies=open_bodies) if open_bodies.exists() else None,
        "nav": NAV,
    }
    return render(request, "security/wiba/checklist.html", context)


@login_required
@require_POST
@refusals_as_messages
def wiba_start(request: HttpRequest, checklist_id: int) -> HttpResponse:
    checklist = _checklist(checklist_id)
    principal = principal_of(request)
    form = StartForm(request.POST, bodies=Body.objects.filter(pk__in=own_body_ids(principal)))
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie eine Ihrer Körperschaften."))
        return redirect("security:wiba_checklist", checklist_id=checklist.pk)
    assessment = wiba_services.wiba_assessment_start(
        actor=request_actor(request), checklist=checklist, body=form.cleaned_data["body"]
    )
    return redirect("security:wiba_assessment", assessment_id=assessment.pk)


def _posted_answers(request: HttpRequest, assessment: WibaAssessment) -> dict[int, tuple[str, str]]:
    answers: dict[int, tuple[str, str]] = {}
    for question_id in assessment.checklist.questions.values_list("pk", flat=True):
        value = request.POST.get(f"antwort-{question_id}", "")
        note = request.POST.get(f"bemerkung-{question_id}", "")
        answers[question_id] = (value, note)
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def wiba_assessment(request: HttpRequest, assessment_id: int) -> HttpResponse:
    principal = principal_of(request)
    assessment = _assessment(request, assessment_id, _("WiBA-Antworten gelesen"))
    editable = acts_for(principal, assessment.owner_body_id)
    problems: list[str] = []
    if request.method == "POST":
        if not editable:
            from verbund.common.errors import Forbidden

            raise Forbidden(_(wiba_services.ANSWER_REFUSAL))
        try:
            counts = wiba_services.wiba_answers_save(
                actor=request_actor(request),
                assessment=assessment,
                answers=_posted_answers(request, assessment),
            )
        except Exception as exc:
            from verbund.common.errors import Invalid, as_refusal

            refusal = as_refusal(exc)
            if not isinstance(refusal, Invalid):
                raise
            problems = [m for msgs in refusal.fields.values() for m in msgs] or [refusal.detail]
        else:
            messages.success(
                request,
                _("Gespeichert: %(saved)s Antworten geändert, %(removed)s entfernt.") % counts,
            )
            return redirect("security:wiba_assessment", assessment_id=assessment.pk)
    context = {
        "assessment": assessment,
        "rows": wiba_services.checklist_for_answers(assessment),
        "progress": wiba_services.assessment_progress(assessment),
        "editable": editable,
        "choices": WibaAnswerValue.choices,
        "problems": problems,
        "posted": request.POST if problems else None,
        "evidence_form": EvidenceForm() if editable else None,
        "nav": NAV,
    }
    return render(request, "security/wiba/assessment.html", context, status=422 if problems else 200)


@login_required
@require_http_methods(["GET", "POST"])
def wiba_share(request: HttpRequest, assessment_id: int) -> HttpResponse:
    principal = principal_of(request)
    assessment = _assessment(request, assessment_id, _("WiBA-Weitergabe geöffnet"))
    if not acts_for(principal, assessment.owner_body_id):
        from verbund.common.errors import Forbidden

        raise Forbidden(_(wiba_services.ANSWER_REFUSAL))
    initial = {
        "owner_body": assessment.owner_body_id,
        "tlp": assessment.tlp,
        "distribution": assessment.distribution,
        "alliance": assessment.alliance_id,
        "sharing_group": assessment.sharing_group_id,
        "advisory_office": assessment.advisory_office,
        # names left from an earlier TLP:RED count for RED only (offered again when RED is chosen)
        "recipients": list(assessment.recipients.values_list("pk", flat=True))
        if assessment.tlp == Tlp.RED
        else [],
    }
    form = ShareForm(request.POST or None, initial=initial, principal=principal, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        values = form.sharing_values()
        done = run_on_form(
            form,
            lambda: wiba_services.wiba_assessment_share(
                actor=request_actor(request),
                assessment=assessment,
                tlp=values["tlp"],
                distribution=values["distribution"],
                alliance=values["alliance"],
                sharing_group=values["sharing_group"],
                advisory_office=values["advisory_office"],
                recipients=values["recipients"],
            ),
            default_field="distribution",
        )
        if done:
            messages.success(request, _("Die Weitergabe ist geändert."))
            return redirect("security:wiba_assessment", assessment_id=assessment.pk)
    return render(request, "security/wiba/share.html", {"assessment": assessment, "form": form, "nav": NAV})


@login_required
@require_POST
@refusals_as_messages
def wiba_evidence_add(request: HttpRequest, answer_id: int) -> HttpResponse:
    principal = principal_of(request)
    answer = WibaAnswer.objects.select_related("assessment").filter(pk=answer_id).first()
    if (
        answer is None
        or not WibaAssessment.objects.visible_to(principal).filter(pk=answer.assessment_id).exists()
    ):
        raise NotFound()
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie eine PDF-Datei."))
    else:
        upload = form.cleaned_data["file"]
        wiba_services.wiba_evidence_add(
            actor=request_actor(request), answer=answer, file=upload, name=upload.name
        )
        messages.success(request, _("Der Nachweis ist gespeichert."))
    return redirect("security:wiba_assessment", assessment_id=answer.assessment_id)


@login_required
@require_http_methods(["GET"])
def wiba_evidence(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file only for who sees it under its own TLP label (the assessment's); AMBER/RED reads logged."""
    attachment: Attachment = get_shared(
        Attachment.objects.filter(wiba_answer__isnull=False),
        principal_of(request),
        actor=request.user,
        purpose=_("WiBA-Nachweis heruntergeladen"),
        pk=attachment_id,
    )
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def wiba_alliance(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    alliance = security_alliances(principal).filter(slug=slug).first()
    if alliance is None:
        raise NotFound()
    progress = wiba_services.alliance_progress(alliance, principal)
    readable = {
        (a.owner_body_id, a.checklist_id): a.pk
        for a in wiba_services.visible_assessments(principal).filter(owner_body__in=progress.members)
    }
    rows = [
        (
            body,
            [
                (cell, readable.get((body.pk, c.pk)))
                for cell, c in zip(cells, progress.checklists, strict=True)
            ],
            progress.totals(body),
        )
        for body, cells in progress.rows()
    ]
    context = {"alliance": alliance, "progress": progress, "rows": rows, "nav": NAV}
    return render(request, "security/wiba/alliance.html", context)


urlpatterns: list[URLPattern] = [
    path("wiba/", wiba_index, name="wiba_index"),
    path("wiba/hochladen/", wiba_upload, name="wiba_upload"),
    path("wiba/checklisten/<int:checklist_id>/", wiba_checklist, name="wiba_checklist"),
    path("wiba/checklisten/<int:checklist_id>/beginnen/", wiba_start, name="wiba_start"),
    path("wiba/bearbeitungen/<int:assessment_id>/", wiba_assessment, name="wiba_assessment"),
    path("wiba/bearbeitungen/<int:assessment_id>/teilen/", wiba_share, name="wiba_share"),
    path("wiba/antworten/<int:answer_id>/nachweis/", wiba_evidence_add, name="wiba_evidence_add"),
    path("wiba/nachweise/<int:attachment_id>/", wiba_evidence, name="wiba_evidence"),
    path("wiba/verbund/<slug:slug>/", wiba_alliance, name="wiba_alliance"),
]
