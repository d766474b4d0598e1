"""Pages of the advisory part: evidence per alliance, the rollout scenario and the programme reports.

* ``/beratung/nachweise/<slug>/`` — the alliance's figures, a table per year with the direction of
  each change in words; the entry form (coordinators and the office); the change history.
* ``/beratung/nachweise/<slug>/<id>/`` — change one figure; ``…/<id>/loeschen/`` (POST, confirmed).
* ``/beratung/programm/ausrollung/`` — the rollout scenario (office and funding authority): a table
  per Kreis with totals and the assumptions, which the user may change (GET form).
* ``/beratung/programm/berichte/`` — the yearly programme reports: list with downloads and the
  request form (office and funding authority); ``…/<id>/bericht.pdf`` and ``…/<id>/bericht.xlsx``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import GermanDecimalField, KernForm, apply_refusal, run_on_form
from verbund.ui.views import refusals_as_messages

from ..models.evidence import Metric, ProgrammeReport
from ..policies import reads_programme
from ..services import evidence as svc
from ..services import reports as report_svc
from ..services import rollout as rollout_svc

NAV = "advisory"


# --- evidence --------------------------------------------------------------------------------------


class FigureForm(KernForm):
    id_format = "vb-figure-%s"

    year = forms.IntegerField(
        label=gettext_lazy("Jahr"),
        min_value=svc.FIRST_YEAR,
        max_value=svc.LAST_YEAR,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    metric = forms.ChoiceField(label=gettext_lazy("Kennzahl"), choices=Metric.choices)
    label = forms.CharField(
        label=gettext_lazy("Bezeichnung (nur bei sonstiger Kennzahl)"), max_length=200, required=False
    )
    unit = forms.CharField(
        label=gettext_lazy("Einheit"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Leer lassen für die übliche Einheit der Kennzahl."),
    )
    before = GermanDecimalField(
        label=gettext_lazy("Wert vorher (vor der Zusammenarbeit)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Deutsche Schreibweise, z. B. 1.234,56"),
    )
    after = GermanDecimalField(
        label=gettext_lazy("Wert im Jahr"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Deutsche Schreibweise, z. B. 1.234,56"),
    )
    source = forms.CharField(
        label=gettext_lazy("Quelle"),
        max_length=500,
        help_text=gettext_lazy("Woher die Zahlen stammen, z. B. Haushaltsplan 2025 oder eigene Zählung."),
    )

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def _evidence_context(request: HttpRequest, alliance: Any, form: FigureForm | None) -> dict[str, Any]:
    principal = principal_of(request)
    figures = list(svc.figures_of(principal, alliance))
    may_enter = svc.may_enter(principal, alliance)
    return {
        "nav": NAV,
        "alliance": alliance,
        "tables": svc.tables(figures),
        "may_enter": may_enter,
        "form": form
        if form is not None
        else (FigureForm(initial={"year": svc.current_year()}) if may_enter else None),
        "history": svc.history(principal, alliance),
    }


@login_required
@require_http_methods(["GET", "POST"])
def evidence_page(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    alliance = svc.get_alliance(principal, slug)
    form = None
    if request.method == "POST":
        if not svc.may_enter(principal, alliance):
            raise Forbidden(_(svc.ENTER_REFUSAL))
        form = FigureForm(request.POST)
        if form.is_valid() and run_on_form(
            form,
            lambda: svc.evidence_set(actor=request_actor(request), alliance=alliance, values=form.values()),
            default_field=None,
        ):
            messages.success(request, _("Die Kennzahl ist gespeichert."))
            return redirect(reverse("advisory:evidence", kwargs={"slug": alliance.slug}))
    return render(request, "advisory/evidence/alliance.html", _evidence_context(request, alliance, form))


@login_required
@require_http_methods(["GET", "POST"])
def figure_edit(request: HttpRequest, slug: str, figure_id: int) -> HttpResponse:
    principal = principal_of(request)
    alliance = svc.get_alliance(principal, slug)
    figure = svc.get_figure(principal, figure_id)
    if figure.alliance_id != alliance.pk:
        raise NotFound()
    if not svc.may_enter(principal, alliance):
        raise Forbidden(_(svc.ENTER_REFUSAL))
    if request.method == "POST":
        form = FigureForm(request.POST)
        if form.is_valid() and run_on_form(
            form,
            lambda: svc.evidence_set(
                actor=request_actor(request), alliance=alliance, values=form.values(), figure=figure
            ),
        ):
            messages.success(request, _("Die Kennzahl ist geändert."))
            return redirect(reverse("advisory:evidence", kwargs={"slug": alliance.slug}))
    else:
        form = FigureForm(
            initial={
                "year": figure.year,
                "metric": figure.metric,
                "label": figure.label,
                "unit": figure.unit,
                "before": figure.before,
                "after": figure.after,
                "source": figure.source,
            }
        )
    context = {
        "nav": NAV,
        "alliance": alliance,
        "figure": figure,
        "name": svc.metric_name(figure),
        "form": form,
        "consequences": [_("Die Kennzahl wird gelöscht; das Protokoll behält den Vorgang.")],
    }
    return render(request, "advisory/evidence/figure_form.html", context)


@login_required
@require_POST
@refusals_as_messages
def figure_delete(request: HttpRequest, slug: str, figure_id: int) -> HttpResponse:
    principal = principal_of(request)
    alliance = svc.get_alliance(principal, slug)
    figure = svc.get_figure(principal, figure_id)
    if figure.alliance_id != alliance.pk:
        raise NotFound()
    target = reverse("advisory:evidence", kwargs={"slug": alliance.slug})
    if request.POST.get("confirmed") != "1":
        messages.error(request, _("Bitte das Löschen bestätigen."))
        return redirect(target)
    svc.evidence_delete(actor=request_actor(request), figure=figure)
    messages.success(request, _("Die Kennzahl ist gelöscht."))
    return redirect(target)


# --- rollout ---------------------------------------------------------------------------------------


class RolloutForm(KernForm):
    id_format = "vb-rollout-%s"

    scenario = forms.TypedChoiceField(label=gettext_lazy("Landesweiter Plan"), coerce=int, required=False)
    programme = forms.TypedChoiceField(
        label=gettext_lazy("Regelwerk des Förderprogramms"), coerce=int, required=False
    )
    mixed_levels_increase = GermanDecimalField(
        label=gettext_lazy("Erhöhung bei verschiedenen Verwaltungsebenen (EUR je Gruppe)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        help_text=gettext_lazy("Nicht öffentlich; leer: der Wert des Regelwerks."),
    )
    not_contiguous_increase = GermanDecimalField(
        label=gettext_lazy("Erhöhung bei fehlender gemeinsamer Grenze (EUR je Gruppe)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        help_text=gettext_lazy("Nicht öffentlich; leer: der Wert des Regelwerks."),
    )
    all_not_contiguous = forms.BooleanField(
        label=gettext_lazy("Erhöhung für fehlende gemeinsame Grenze bei allen Gruppen ansetzen"),
        required=False,
    )
    grant_share_percent = GermanDecimalField(
        label=gettext_lazy("Anteil des Höchstbetrags, der bewilligt wird (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scenario_field = self.fields["scenario"]
        programme_field = self.fields["programme"]
        assert isinstance(scenario_field, forms.ChoiceField) and isinstance(
            programme_field, forms.ChoiceField
        )
        scenario_field.choices = [("", _("der neueste fertige Plan"))] + [
            (s.pk, f"{s.name} ({s.task.name})") for s in rollout_svc.land_plans()[:50]
        ]
        programme_field.choices = [("", _("RLP-Pilotförderung (Vorgabe)"))] + [
            (p.pk, p.name) for p in rollout_svc.programmes()
        ]

    def assumptions(self) -> rollout_svc.Assumptions:
        data = self.cleaned_data
        share = data.get("grant_share_percent")
        return rollout_svc.Assumptions(
            scenario_id=data.get("scenario") or None,
            programme_id=data.get("programme") or None,
            mixed_levels_increase=data.get("mixed_levels_increase"),
            not_contiguous_increase=data.get("not_contiguous_increase"),
            all_not_contiguous=bool(data.get("all_not_contiguous")),
            grant_share_percent=rollout_svc.HUNDRED if share is None else share,
        )


@login_required
def rollout_page(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not reads_programme(principal):
        raise NotFound()
    form = RolloutForm(request.GET or None)
    assumptions = rollout_svc.Assumptions()
    if form.is_bound and form.is_valid():
        assumptions = form.assumptions()
    result = None
    if not form.is_bound or form.is_valid():
        try:
            result = rollout_svc.rollout(actor=request_actor(request), assumptions=assumptions)
        except Invalid as exc:
            apply_refusal(form, exc)
    return render(request, "advisory/evidence/rollout.html", {"nav": NAV, "form": form, "rollout": result})


# --- reports ---------------------------------------------------------------------------------------


class ReportForm(KernForm):
    id_format = "vb-report-%s"

    year = forms.IntegerField(
        label=gettext_lazy("Berichtsjahr"),
        min_value=report_svc.FIRST_YEAR,
        max_value=report_svc.LAST_YEAR,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _reports_context(request: HttpRequest, form: ReportForm) -> dict[str, Any]:
    principal = principal_of(request)
    return {"nav": NAV, "reports": report_svc.reports_of(principal)[:50], "form": form}


@login_required
@require_http_methods(["GET", "POST"])
def reports_page(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    if not reads_programme(principal):
        raise NotFound()
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid() and run_on_form(
            form,
            lambda: report_svc.report_request(actor=request_actor(request), year=form.cleaned_data["year"]),
        ):
            messages.success(
                request,
                _(
                    "Der Programmbericht %(year)s wird erstellt. "
                    "Sie erhalten eine Benachrichtigung, sobald er fertig ist."
                )
                % {"year": form.cleaned_data["year"]},
            )
            return redirect(reverse("advisory:reports"))
    else:
        form = ReportForm(initial={"year": svc.current_year() - 1})
    return render(request, "advisory/reports/list.html", _reports_context(request, form))


def _report_file(request: HttpRequest, report_id: int, kind: str) -> FileResponse:
    report: ProgrammeReport = report_svc.get_report(principal_of(request), report_id)
    file = report.pdf if kind == "pdf" else report.xlsx
    if not file:
        raise NotFound(_("Die Datei ist noch nicht erstellt."))
    name = f"programmbericht-{report.year}.{kind}"
    content_type = (
        "application/pdf"
        if kind == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def report_pdf(request: HttpRequest, report_id: int) -> FileResponse:
    return _report_file(request, report_id, "pdf")


@login_required
def report_xlsx(request: HttpRequest, report_id: int) -> FileResponse:
    return _report_file(request, report_id, "xlsx")


urlpatterns: list[URLPattern] = [
    path("nachweise/<slug:slug>/", evidence_page, name="evidence"),
    path("nachweise/<slug:slug>/<int:figure_id>/", figure_edit, name="evidence_figure"),
    path("nachweise/<slug:slug>/<int:figure_id>/loeschen/", figure_delete, name="evidence_figure_delete"),
    path("programm/ausrollung/", rollout_page, name="rollout"),
    path("programm/berichte/", reports_page, name="reports"),
    path("programm/berichte/<int:report_id>/bericht.pdf", report_pdf, name="report_pdf"),
    path("programm/berichte/<int:report_id>/bericht.xlsx", report_xlsx, name="report_xlsx"),
]
