"""Advisories: the list a member sees (TLP applied), one advisory with its vulnerabilities, CVSS
vectors, revisions and the member's affected assets, the upload of a CSAF document and the download
of a revision as it was received."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import paginate

from ..forms import SharingForm
from ..models import Advisory, AdvisoryRevision, Tlp, Triage
from ..selectors import get_shared, visible_advisories, visible_matches

NAV = "security"

#: Largest CSAF document accepted by the upload (the Red Hat VEX file of the data set has 3.1 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class AdvisoryUploadForm(SharingForm):
    """A CSAF 2.0 file; the sharing fields apply only when the document is not TLP:CLEAR."""

    document = forms.FileField(
        label=gettext_lazy("CSAF-Dokument (.json oder .json.gz)"),
        help_text=gettext_lazy(
            "Das Dokument wird gegen das CSAF-2.0-Schema und alle Pflichttests geprüft; ein ungültiges "
            "Dokument wird mit den Gründen abgewiesen und nicht gespeichert."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_body"].required = False
        self.fields["owner_body"].help_text = gettext_lazy(
            "Nur für Dokumente mit TLP:GREEN oder strenger: die Körperschaft, der das Dokument gehört."
        )
        self.fields["tlp"] = forms.ChoiceField(
            choices=[("", gettext_lazy("wie im Dokument angegeben")), *Tlp.choices],
            required=False,
            initial="",
            label=gettext_lazy("TLP"),
            help_text=gettext_lazy(
                "Nötig, wenn das Dokument keine TLP-Stufe nennt; sonst nur strenger als im Dokument."
            ),
        )


def _severity_filter(value: str) -> Decimal | None:
    try:
        return Decimal(value.replace(",", ".")) if value else None
    except InvalidOperation:
        return None


@login_required
def advisory_list(request: HttpRequest) -> HttpResponse:
    """The advisories the user sees, newest first; search by text and CVE, filter by score and
    exploitation."""
    principal = principal_of(request)
    advisories = visible_advisories(principal).select_related("source")
    q = request.GET.get("q", "").strip()[:200]
    if q:
        advisories = advisories.filter(
            Q(title__icontains=q)
            | Q(tracking_id__icontains=q)
            | Q(cves__icontains=q)
            | Q(publisher_name__icontains=q)
        )
    min_score = _severity_filter(request.GET.get("ab", ""))
    if min_score is not None:
        advisories = advisories.filter(max_score__gte=min_score)
    if request.GET.get("ausgenutzt"):
        advisories = advisories.filter(exploited=True)
    page = paginate(request, advisories.order_by("-current_release_date", "-id"))
    context = {
        "page": page,
        "q": q,
        "min_score": request.GET.get("ab", ""),
        "exploited": bool(request.GET.get("ausgenutzt")),
        "nav": NAV,
    }
    return render(request, "security/advisories/list.html", context)


@login_required
def advisory_detail(request: HttpRequest, advisory_id: int) -> HttpResponse:
    principal = principal_of(request)
    advisory = get_shared(
        Advisory.objects.all(),
        principal,
        actor=request_actor(request),
        purpose=_("Hinweis angesehen"),
        pk=advisory_id,
    )
    matches = (
        visible_matches(principal)
        .filter(advisory=advisory, current=True)
        .select_related("asset", "asset__owner_body", "vulnerability")
        .order_by("asset__owner_body__name", "asset__name", "vulnerability__position")
    )
    triages = (
        Triage.objects.visible_to(principal)
        .filter(advisory=advisory)
        .select_related("alliance", "decided_by")
    )
    context = {
        "advisory": advisory,
        "vulnerabilities": advisory.vulnerabilities.filter(current=True).order_by("position"),
        # listed by an earlier revision only (kept with their matches' remediation history)
        "earlier_vulnerabilities": advisory.vulnerabilities.filter(current=False)
        .order_by("position")
        .only("pk", "key", "cve", "title", "advisory_id"),
        "revisions": advisory.revisions.order_by("-current_release_date", "-id").only(
            "version",
            "tracking_status",
            "current_release_date",
            "received_at",
            "received_by",
            "signature",
            "advisory_id",
        ),
        "matches": matches,
        "triages": triages,
        "nav": NAV,
    }
    return render(request, "security/advisories/detail.html", context)


@login_required
def revision_download(request: HttpRequest, advisory_id: int, revision_id: int) -> HttpResponse:
    """A revision as it was received, as JSON (TLP of the advisory applies, reads logged)."""
    principal = principal_of(request)
    advisory = get_shared(
        Advisory.objects.all(),
        principal,
        actor=request_actor(request),
        purpose=_("Dokument heruntergeladen"),
        pk=advisory_id,
    )
    revision = AdvisoryRevision.objects.filter(advisory=advisory, pk=revision_id).first()
    if revision is None:
        from verbund.common.errors import NotFound

        raise NotFound()
    body = json.dumps(revision.document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"{advisory.tracking_id}_{revision.version}".replace("/", "_").replace(" ", "_")
    response["Content-Disposition"] = f'attachment; filename="{name.lower()}.json"'
    return response


@login_required
def advisory_upload(request: HttpRequest) -> HttpResponse:
    """Upload a CSAF document: validated, then stored (or refused with each failed test)."""
    from ..services.advisory_sharing import import_and_share

    principal = principal_of(request)
    form = AdvisoryUploadForm(request.POST or None, request.FILES or None, principal=principal)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("document", _("Die Datei ist größer als 20 MB."))
        else:
            data = upload.read()
            sharing = form.sharing_values()

            def run() -> Any:
                return import_and_share(
                    request_actor(request),
                    data,
                    filename=upload.name or "",
                    tlp=sharing["tlp"] or None,
                    owner_body=sharing["owner_body"],
                    sharing=sharing,
                )

            result = run_on_form(form, run, default_field="document")
            if result:
                advisory = getattr(result, "advisory", result)
                messages.success(
                    request, getattr(result, "message", "") or _("Der Hinweis wurde eingelesen.")
                )
                return redirect("security:advisory_detail", advisory_id=advisory.pk)
    return render(request, "security/advisories/upload.html", {"form": form, "nav": NAV})


urlpatterns: list[URLPattern] = [
    path("hinweise/", advisory_list, name="advisory_list"),
    path("hinweise/einlesen/", advisory_upload, name="advisory_upload"),
    path("hinweise/<int:advisory_id>/", advisory_detail, name="advisory_detail"),
    path(
        "hinweise/<int:advisory_id>/fassung/<int:revision_id>.json",
        revision_download,
        name="advisory_revision_download",
    ),
]
