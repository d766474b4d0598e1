"""Pages of the model agreements and council resolution drafts under ``/beratung/vorlagen/``.

* ``vorlagen/`` — the templates (everyone logged in);
* ``vorlagen/<slug>/`` — a template: its versions with note and date, the placeholders it may use;
* ``vorlagen/<slug>/fassungen/<number>/`` — the text of one version (never changed);
* ``vorlagen/<slug>/neue-fassung/`` — the office adds a version: the text is checked, shown filled
  with example data, and saved after a confirmation;
* ``vorlagen/<slug>/ausfuellen/`` — choose an alliance (those the person may fill for), a version
  and the session date; the filled text is shown with links to the files;
* ``vorlagen/<slug>/herunterladen/?verbund=…&format=docx|odt|pdf`` — the file (audited).

The rules are in :mod:`verbund.advisory.services.documents`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from verbund.common.errors import Forbidden
from verbund.common.principal import Principal, principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import DateInput, KernForm, run_on_form

from .. import documents_render as render_doc
from ..models import DocumentTemplate
from ..services import documents as svc

NAV = "advisory"

#: example data for the check of a new version (no real alliance)
EXAMPLE_VALUES: dict[str, str | None] = {
    "verbund.name": "Kooperationsverbund Beispiel",
    "verbund.kurzname": "Beispiel",
    "verbund.mitglieder": "Verbandsgemeinde Ahorn und Verbandsgemeinde Buche",
    "verbund.mitgliederzahl": "2",
    "verbund.einwohner": "24.500",
    "verbund.handlungsfelder": "Personenstandswesen",
    "federfuehrend.name": "Verbandsgemeinde Ahorn",
    "federfuehrend.sitz": "Ahorn",
    "aufgabe": "Standesamt",
    "rechtsform": "Zweckvereinbarung",
    "kostenschluessel": "50 % zu gleichen Teilen, 50 % nach Einwohnern.",
    "beginn": "01.01.2027",
    "aufsichtsbehoerde": "Kreisverwaltung Beispielkreis",
    "datum": None,
    "sitzungsdatum": None,
}
EXAMPLE_MEMBERS: list[dict[str, str | None]] = [
    {"mitglied.name": "Verbandsgemeinde Ahorn", "mitglied.gremium": "Verbandsgemeinderat"},
    {"mitglied.name": "Verbandsgemeinde Buche", "mitglied.gremium": "Verbandsgemeinderat"},
]


def _template(request: HttpRequest, slug: str) -> tuple[Principal, DocumentTemplate]:
    principal = principal_of(request)
    return principal, svc.get_template(principal, slug)


@require_GET
@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    context = {
        "nav": NAV,
        "templates": svc.visible_templates(principal),
        "may_fill": svc.fillable_alliances(principal).exists(),
    }
    return render(request, "advisory/documents/list.html", context)


@require_GET
@login_required
def template_detail(request: HttpRequest, slug: str) -> HttpResponse:
    principal, template = _template(request, slug)
    context = {
        "nav": NAV,
        "template": template,
        "versions": svc.versions(template),
        "vocabulary": svc.vocabulary(),
        "syntax": svc.SYNTAX,
        "may_add_version": svc.may_add_version(principal),
        "may_fill": svc.fillable_alliances(principal).exists(),
    }
    return render(request, "advisory/documents/detail.html", context)


@require_GET
@login_required
def template_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    _principal, template = _template(request, slug)
    version = svc.get_version(template, number)
    context = {"nav": NAV, "template": template, "version": version}
    return render(request, "advisory/documents/version.html", context)


class VersionForm(KernForm):
    body = forms.CharField(
        label=gettext_lazy("Text der Vorlage"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        max_length=svc.MAX_BODY,
        help_text=gettext_lazy(
            "Überschriften mit #, Paragrafen mit „## §“, nummerierte Absätze mit „(#)“, Aufzählungen "
            "mit „-“; Platzhalter in doppelten geschweiften Klammern aus der Liste unten."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Was ändert sich?"),
        max_length=svc.MAX_NOTE,
        help_text=gettext_lazy("Pflichtangabe"),
    )
    source = forms.CharField(
        label=gettext_lazy("Grundlage (Gesetz, Fundstelle)"),
        max_length=svc.MAX_SOURCE,
        required=False,
        help_text=gettext_lazy("Leer: wie die vorige Fassung"),
    )


@require_http_methods(["GET", "POST"])
@login_required
def template_version_new(request: HttpRequest, slug: str) -> HttpResponse:
    principal, template = _template(request, slug)
    if not svc.may_add_version(principal):
        raise Forbidden(_(svc.REFUSAL_VERSION))
    latest = template.versions.order_by("-number").first()
    initial = {"body": latest.body if latest else "", "source": latest.source if latest else ""}
    form = VersionForm(request.POST or None, initial=initial)
    example = None
    if request.method == "POST" and form.is_valid():
        problems = render_doc.check(form.cleaned_data["body"])
        if problems:
            form.add_error("body", problems)
            form.mark_errors()
        elif request.POST.get("confirm") == "1":
            created = run_on_form(
                form,
                lambda: svc.version_add(
                    actor=request_actor(request),
                    template=template,
                    body=form.cleaned_data["body"],
                    note=form.cleaned_data["note"],
                    source=form.cleaned_data["source"],
                ),
                default_field="body",
            )
            if created:
                messages.success(
                    request, _("Fassung %(number)s ist gespeichert.") % {"number": created.number}
                )
                return redirect("advisory:template_detail", slug=template.slug)
        else:
            example = render_doc.fill(form.cleaned_data["body"], EXAMPLE_VALUES, EXAMPLE_MEMBERS)
    context = {
        "nav": NAV,
        "template": template,
        "form": form,
        "example": example,
        "next_number": (latest.number if latest else 0) + 1,
        "vocabulary": svc.vocabulary(),
        "syntax": svc.SYNTAX,
    }
    return render(request, "advisory/documents/version_form.html", context)


class FillForm(KernForm):
    verbund = forms.ChoiceField(label=gettext_lazy("Verbund"))
    fassung = forms.TypedChoiceField(label=gettext_lazy("Fassung"), coerce=int)
    sitzungsdatum = forms.DateField(
        label=gettext_lazy("Datum der Ratssitzung"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        help_text=gettext_lazy("Optional; leer bleibt eine Lücke zum Ausfüllen von Hand."),
    )

    def __init__(self, *args: Any, alliances: list[tuple[str, str]], numbers: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["verbund"]).choices = alliances
        latest = _("(neueste)")
        cast(forms.ChoiceField, self.fields["fassung"]).choices = [
            (n, f"{n} {latest}" if i == 0 else str(n)) for i, n in enumerate(numbers)
        ]


def _fill_form(request: HttpRequest, principal: Principal, template: DocumentTemplate) -> FillForm:
    alliances = [(a.slug, a.name) for a in svc.fillable_alliances(principal).only("slug", "name")]
    numbers = list(svc.versions(template).values_list("number", flat=True))
    data = request.GET if "verbund" in request.GET else None
    return FillForm(
        data, alliances=alliances, numbers=numbers, initial={"fassung": numbers[0] if numbers else None}
    )


@require_GET
@login_required
def template_fill(request: HttpRequest, slug: str) -> HttpResponse:
    principal, template = _template(request, slug)
    form = _fill_form(request, principal, template)
    filled = None
    downloads: list[dict[str, str]] = []
    if form.is_bound and form.is_valid():
        alliance = svc.alliance_to_fill(principal, form.cleaned_data["verbund"])
        filled = svc.prepare(
            principal=principal,
            template=template,
            alliance=alliance,
            number=form.cleaned_data["fassung"],
            session_date=form.cleaned_data["sitzungsdatum"],
        )
        query: dict[str, str] = {"verbund": alliance.slug, "fassung": str(filled.version.number)}
        if form.cleaned_data["sitzungsdatum"]:
            query["sitzungsdatum"] = form.cleaned_data["sitzungsdatum"].isoformat()
        downloads = [
            {"label": label, "query": urlencode({**query, "format": fmt})}
            for fmt, label in svc.FORMAT_LABELS.items()
        ]
    context = {
        "nav": NAV,
        "template": template,
        "form": form,
        "filled": filled,
        "downloads": downloads,
        "has_alliances": bool(cast(forms.ChoiceField, form.fields["verbund"]).choices),
    }
    return render(request, "advisory/documents/fill.html", context)


@require_GET
@login_required
def template_download(request: HttpRequest, slug: str) -> HttpResponse:
    principal, template = _template(request, slug)
    alliance_slug = request.GET.get("verbund", "")
    fmt = request.GET.get("format", svc.FORMAT_PDF)
    if not alliance_slug or fmt not in svc.FORMATS:
        raise Http404(_("Bitte einen Verbund und ein Format (docx, odt, pdf) wählen."))
    number = request.GET.get("fassung", "")
    session = request.GET.get("sitzungsdatum", "")
    try:
        session_date = dt.date.fromisoformat(session) if session else None
    except ValueError:
        session_date = None
    alliance = svc.alliance_to_fill(principal, alliance_slug)
    content, name, content_type = svc.fill(
        actor=request_actor(request),
        template=template,
        alliance=alliance,
        fmt=fmt,
        number=int(number) if number.isdigit() and len(number) < 9 else None,
        session_date=session_date,
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("vorlagen/", template_list, name="template_list"),
    path("vorlagen/<slug:slug>/", template_detail, name="template_detail"),
    path("vorlagen/<slug:slug>/fassungen/<int:number>/", template_version, name="template_version"),
    path("vorlagen/<slug:slug>/neue-fassung/", template_version_new, name="template_version_new"),
    path("vorlagen/<slug:slug>/ausfuellen/", template_fill, name="template_fill"),
    path("vorlagen/<slug:slug>/herunterladen/", template_download, name="template_download"),
]
