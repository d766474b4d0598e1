"""The CSAF sources the platform polls and the quarantine of documents that were not imported
(Plattformbetrieb only: a source is configured once for every alliance)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from verbund.common.access import require
from verbund.common.errors import NotFound
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernModelForm, run_on_form
from verbund.ui.views import paginate, refusals_as_messages

from ..models import CsafSource, QuarantinedDocument
from ..policies import manages_sources

NAV = "security"
REFUSAL = gettext_lazy("CSAF-Quellen und Quarantäne verwaltet der Plattformbetrieb.")


class SourceForm(KernModelForm):
    class Meta:
        model = CsafSource
        fields = [
            "name",
            "discovery",
            "domain",
            "url",
            "active",
            "interval_minutes",
            "min_request_seconds",
            "since",
            "public_keys",
        ]
        widgets = {"public_keys": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "domain": gettext_lazy(
                "z. B. cert-bund.de: gesucht wird unter /.well-known/csaf/, in security.txt und unter "
                "csaf.data.security.<Domain>"
            ),
            "url": gettext_lazy(
                "Bei „Adresse der provider-metadata.json“ oder „Aggregator“: die volle Adresse (https://…)"
            ),
            "since": gettext_lazy("Nur Dokumente, die seitdem geändert wurden (leer: alle)"),
        }


def _operator(request: HttpRequest) -> None:
    require(manages_sources(principal_of(request)), str(REFUSAL))


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    _operator(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from ..services.sources import csaf_source_create

        values = {name: form.cleaned_data[name] for name in SourceForm.Meta.fields}
        name, discovery = values.pop("name"), values.pop("discovery")
        created = run_on_form(
            form, lambda: csaf_source_create(request_actor(request), name=name, discovery=discovery, **values)
        )
        if created:
            messages.success(request, _("Die Quelle ist angelegt; sie wird beim nächsten Lauf abgerufen."))
            return redirect("security:source_list")
    context = {
        "sources": CsafSource.objects.order_by("name", "id"),
        "quarantined": QuarantinedDocument.objects.count(),
        "form": form,
        "nav": NAV,
    }
    return render(request, "security/sources/list.html", context)


@login_required
@require_POST
@refusals_as_messages
def source_poll(request: HttpRequest, source_id: int) -> HttpResponse:
    """Queue a poll of one source now (a full run through index.txt with ``vollstaendig``)."""
    _operator(request)
    source = CsafSource.objects.filter(pk=source_id).first()
    if source is None:
        raise NotFound()
    from ..tasks import poll_source

    full = bool(request.POST.get("vollstaendig"))
    transaction.on_commit(lambda: poll_source.delay(source.pk, full))
    messages.success(request, _("Der Abruf von „%(name)s“ ist eingeplant.") % {"name": source.name})
    return redirect("security:source_list")


@login_required
def quarantine_list(request: HttpRequest) -> HttpResponse:
    _operator(request)
    page = paginate(
        request, QuarantinedDocument.objects.select_related("source").order_by("-received_at", "-id")
    )
    return render(request, "security/sources/quarantine.html", {"page": page, "nav": NAV})


@login_required
def quarantine_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    _operator(request)
    document = QuarantinedDocument.objects.select_related("source").filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    context: dict[str, Any] = {"document": document, "preview": document.content[:20000], "nav": NAV}
    return render(request, "security/sources/quarantine_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("quellen/", source_list, name="source_list"),
    path("quellen/<int:source_id>/abrufen/", source_poll, name="source_poll"),
    path("quarantaene/", quarantine_list, name="quarantine_list"),
    path("quarantaene/<int:document_id>/", quarantine_detail, name="quarantine_detail"),
]
