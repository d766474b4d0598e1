"""Pages of request routing under ``/wissen/``.

* ``anliegen/`` — "Wer hilft mir weiter?": a citizen describes a request in their own words and names
  their municipality (name or ARS); the page shows the best services, who answers for each (office,
  reason, contact) and the decision in words. Public; the form posts (the request text stays out of
  addresses and logs); ``?anliegen=…&ort=…`` works too, for links. Signed-in staff see one-click
  corrections.
* ``anliegen/korrektur/`` — POST: a member of staff stores the right service for the request
  (:func:`verbund.knowledge.services.routing.correct`); the page shows the request routed again.
* ``anliegen/korrekturen/`` — the corrections (staff: their own; the Beratungsstelle and the operator:
  all), each deletable (``…/<id>/loeschen/``, POST), e.g. when a text holds personal data.
* ``algorithmenregister/`` — the algorithm register entry of the routing (purpose, data, method,
  thresholds, measured accuracy, who is responsible), as Amsterdam publishes Signalen's.
"""

from __future__ import annotations

import inspect
from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from verbund.common.errors import Forbidden, Invalid
from verbund.common.principal import principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form

from .. import routing as engine
from ..policies import corrects_routes, reads_all_corrections
from ..routing import router as engine_router
from ..routing.text import fold
from ..services import routing as svc
from ..services.responsibility import contact_of

NAV = "knowledge"
MAX_CANDIDATES = 20


def municipality_candidates(text: str) -> list[Body]:
    """Current municipalities whose name contains ``text`` (exact names first)."""
    text = " ".join(text.split())
    if not text:
        return []
    found = list(
        Body.objects.current()
        .gemeinden()
        .filter(name__icontains=text)
        .select_related("parent__parent")
        .order_by("name", "ars")[:MAX_CANDIDATES]
    )
    wanted = fold(text)
    return sorted(found, key=lambda b: (fold(b.name) != wanted, b.name, b.ars))


def _place_label(body: Body) -> str:
    return f"{body.name} ({body.parent.name})" if body.parent is not None else body.name


class RouteForm(KernForm):
    anliegen = forms.CharField(
        label=gettext_lazy("Ihr Anliegen"),
        max_length=svc.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "In eigenen Worten, z. B. „Perso weg“ oder „Wir ziehen nach Landstuhl“. Bitte keine Namen, "
            "Geburtsdaten oder anderen persönlichen Angaben eingeben."
        ),
    )
    ort = forms.CharField(
        label=gettext_lazy("Ihre Gemeinde"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Name oder Regionalschlüssel (12 Ziffern); dann nennen wir die zuständige Stelle."
        ),
    )
    gemeinde = forms.ChoiceField(
        label=gettext_lazy("Welche Gemeinde meinen Sie?"), required=False, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ort = str(self.data.get("ort") or "").strip() if self.is_bound else ""
        self.candidates = municipality_candidates(ort) if ort and not ort.isdigit() else []
        choice = self.fields["gemeinde"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [(b.ars, _place_label(b)) for b in self.candidates]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["body"] = None
        ort = " ".join(str(data.get("ort") or "").split())
        chosen = data.get("gemeinde")
        if chosen:
            data["body"] = next((b for b in self.candidates if b.ars == chosen), None)
        elif ort.isdigit():
            try:
                data["body"] = svc.municipality(ort, field_name="ort")
            except Invalid as exc:
                for message in (exc.fields or {}).get("ort", [exc.detail]):
                    self.add_error("ort", message)
        elif ort:
            exact = [b for b in self.candidates if fold(b.name) == fold(ort)]
            if len(self.candidates) == 1 or len(exact) == 1:
                data["body"] = exact[0] if len(exact) == 1 else self.candidates[0]
            elif not self.candidates:
                self.add_error("ort", _("Keine Gemeinde mit diesem Namen gefunden."))
            else:
                self.add_error("gemeinde", _("Mehrere Gemeinden passen; bitte wählen Sie Ihre."))
        return data

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1 and "gemeinde" in getattr(self, "_errors", {})


class CorrectionForm(KernForm):
    id_format = "correction_%s"

    text = forms.CharField(max_length=svc.MAX_TEXT, widget=forms.HiddenInput)
    ars = forms.CharField(max_length=12, required=False, widget=forms.HiddenInput)
    routed = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    service = forms.ChoiceField(label=gettext_lazy("Richtige Leistung"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["service"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [(s.external_id, s.name) for s in svc.active_services()]


def _contact_lines(contact: dict[str, str]) -> list[tuple[str, str, str]]:
    """(key, German label, value) of the contact data an office entered."""
    labels = {
        "office": _("Dienststelle"),
        "street": _("Anschrift"),
        "phone": _("Telefon"),
        "email": _("E-Mail"),
        "website": _("Internetseite"),
        "hours": _("Öffnungszeiten"),
    }
    values = dict(contact)
    place = " ".join(v for v in (values.pop("postcode", ""), values.pop("city", "")) if v)
    if place:
        values["street"] = ", ".join(v for v in (values.get("street", ""), place) if v)
    return [(k, labels[k], values[k]) for k in labels if values.get(k)]


def _result_context(result: svc.Route) -> dict[str, Any]:
    items = []
    for item in result.items:
        responsibility = item.responsibility
        items.append(
            {
                "service": item.service,
                "score": item.score,
                "responsibility": responsibility,
                "office": item.office,
                "contact": _contact_lines(responsibility.contact) if responsibility is not None else [],
            }
        )
    fallback = None
    if result.municipality is not None:
        administration = svc.administration_of(result.municipality)
        fallback = {"body": administration, "contact": _contact_lines(contact_of(administration))}
    return {"result": result, "items": items, "fallback": fallback}


def _page(request: HttpRequest, form: RouteForm, *, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "nav": NAV, "max_text": svc.MAX_TEXT}
    if form.is_bound:
        form.is_valid()
        text = form.cleaned_data.get("anliegen")
        if text:
            body = form.cleaned_data.get("body")
            result = svc.route(text, body.ars if body is not None else "")
            context.update(_result_context(result))
            principal = principal_of(request)
            if principal.is_person and corrects_routes(principal):
                best = result.best
                context["correction_form"] = CorrectionForm(
                    initial={
                        "text": result.text,
                        "ars": body.ars if body is not None else "",
                        "routed": best.service.external_id if best is not None else "",
                        "service": best.service.external_id if best is not None else "",
                    }
                )
    return render(request, "knowledge/routing/route.html", context, status=status)


@require_http_methods(["GET", "POST"])
def route_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RouteForm(request.POST)
    else:
        form = RouteForm(request.GET if "anliegen" in request.GET else None)
    return _page(request, form)


@login_required
@require_POST
def route_correct(request: HttpRequest) -> HttpResponse:
    if not corrects_routes(principal_of(request)):
        raise Forbidden(
            _("Zuordnungen korrigieren Mitarbeitende einer Körperschaft und die Beratungsstelle.")
        )
    correction = CorrectionForm(request.POST)
    if correction.is_valid():
        data = correction.cleaned_data
        stored = run_on_form(
            correction,
            lambda: svc.correct(
                actor=request_actor(request),
                text=data["text"],
                service_id=data["service"],
                ars=data.get("ars") or "",
                routed_id=data.get("routed") or "",
            ),
            default_field="service",
        )
        if stored:
            messages.success(
                request,
                _("Gespeichert: Dieses Anliegen gehört zu „%(service)s“. Die Zuordnung lernt es sofort.")
                % {"service": stored.service.name},
            )
    if correction.errors:
        for errors in correction.errors.values():
            for message in errors:
                messages.error(request, str(message))
    form = RouteForm({"anliegen": correction.data.get("text", ""), "ort": correction.data.get("ars", "")})
    return _page(request, form, status=200 if not correction.errors else 422)


@login_required
def corrections(request: HttpRequest) -> HttpResponse:
    """The corrections the person sees (the Beratungsstelle and the operator: all), newest first."""
    principal = principal_of(request)
    if not corrects_routes(principal):
        raise Forbidden(
            _("Zuordnungen korrigieren Mitarbeitende einer Körperschaft und die Beratungsstelle.")
        )
    rows = list(svc.corrections_of(principal)[:200])
    context = {"rows": rows, "all": reads_all_corrections(principal), "nav": NAV}
    return render(request, "knowledge/routing/corrections.html", context)


@login_required
@require_POST
def correction_delete(request: HttpRequest, correction_id: int) -> HttpResponse:
    svc.delete_correction(actor=request_actor(request), correction_id=correction_id)
    messages.success(request, _("Die Korrektur ist gelöscht; die Zuordnung vergisst sie sofort."))
    return redirect("knowledge:route_corrections")


def _docstring(module: Any) -> list[str]:
    return [" ".join(p.split()) for p in (inspect.getdoc(module) or "").split("\n\n") if p.strip()]


def algorithm_register(request: HttpRequest) -> HttpResponse:
    facts = svc.register_facts()
    context = {
        **facts,
        "method_en": _docstring(engine_router),
        "package_en": _docstring(engine),
        "weights": asdict(engine.Weights()),
        "calibration": asdict(engine.Calibration()),
        "latest": facts["evaluations"][0] if facts["evaluations"] else None,
        "nav": NAV,
    }
    return render(request, "knowledge/routing/register.html", context)


urlpatterns: list[URLPattern] = [
    path("anliegen/", route_page, name="route"),
    path("anliegen/korrektur/", route_correct, name="route_correct"),
    path("anliegen/korrekturen/", corrections, name="route_corrections"),
    path(
        "anliegen/korrekturen/<int:correction_id>/loeschen/",
        correction_delete,
        name="route_correction_delete",
    ),
    path("algorithmenregister/", algorithm_register, name="algorithm_register"),
]
