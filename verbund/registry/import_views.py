"""The operator's page for registry imports: upload a GV100AD file (and optionally a boundary
layer), which a worker imports (:mod:`verbund.registry.jobs`); the page shows the state, the progress
(polled with HTMX) and the German report. Plattformbetrieb only; others get 404."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy

from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form
from verbund.ui.views import is_htmx

from .jobs import registry_import_start
from .models import RegistryImportJob

#: Jobs listed on the page.
RECENT_JOBS = 20


class ImportForm(KernForm):
    gv100ad = forms.FileField(
        label=gettext_lazy("GV100AD-Datei"),
        help_text=gettext_lazy("Das Gemeindeverzeichnis von Destatis im Festbreitenformat (.txt)."),
    )
    boundaries = forms.FileField(
        label=gettext_lazy("Grenzen (GeoJSON, freiwillig)"),
        required=False,
        help_text=gettext_lazy("Eine Ebene von Gebietsgrenzen, z. B. die Gemeinden eines Landes."),
    )
    state = forms.RegexField(
        label=gettext_lazy("Nur dieses Land (freiwillig)"),
        regex=r"^[0-9]{2}$",
        required=False,
        max_length=2,
        help_text=gettext_lazy(
            "Zweistelliger Land-Schlüssel, z. B. 07 für Rheinland-Pfalz; leer: alle Länder."
        ),
        error_messages={
            "invalid": gettext_lazy("Bitte einen zweistelligen Land-Schlüssel angeben (z. B. 07).")
        },
    )


def _require_operator(request: HttpRequest) -> None:
    if not principal_of(request).is_operator:
        raise Http404("Nicht gefunden.")


def import_list(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            job = run_on_form(
                form,
                lambda: registry_import_start(
                    actor=request_actor(request),
                    gv100ad=data["gv100ad"],
                    boundaries=data.get("boundaries") or None,
                    state=data.get("state") or "",
                ),
            )
            if job:
                return redirect(job.get_absolute_url())
    else:
        form = ImportForm()
    jobs = RegistryImportJob.objects.select_related("created_by")[:RECENT_JOBS]
    return render(request, "registry/imports.html", {"form": form, "jobs": jobs, "nav": "registry"})


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_operator(request)
    job = get_object_or_404(RegistryImportJob.objects.select_related("created_by"), pk=pk)
    if is_htmx(request):
        response = render(request, "registry/_import_progress.html", {"job": job})
        if job.is_finished:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "registry/import_detail.html", {"job": job, "nav": "registry"})
