"""Pages of the emergency part: export and import of a whole event.

* ``/krisenstab/lage/<id>/export/`` — download the event as JSON (``?gz=1``: gzip-compressed); for
  every member of the event's staff (404 for everyone else).
* ``/krisenstab/stab/<id>/lage/importieren/`` — upload an export of another Verbund instance; it
  becomes a new event of this staff. For those who lead the staff (404 if they do not see it, 403 if
  they see but do not lead it). A refused file shows the reason on the form; nothing is stored.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form

from ..policies import sees_event
from ..services import transfer as svc
from .staffs import NAV

#: the largest upload (a compressed export of 100,000 entries is a few MB; uncompressed some 50 MB)
MAX_UPLOAD = 256 * 1024 * 1024
_SPOOL = 8 * 1024 * 1024


class ImportForm(KernForm):
    file = forms.FileField(
        label=gettext_lazy("Exportdatei der Lage"),
        help_text=gettext_lazy("JSON-Datei (.json oder .json.gz) aus „Export“ einer Lage in Verbund"),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Die Datei ist größer als 256 MB."))
        return upload


@login_required
@require_GET
def export(request: HttpRequest, event_id: int) -> FileResponse:
    compressed = request.GET.get("gz") == "1"
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 (the response closes it)
    done = svc.event_export(actor=request_actor(request), event_id=event_id, out=out, compressed=compressed)
    out.seek(0)
    response = FileResponse(
        out,
        content_type="application/gzip" if compressed else "application/json; charset=utf-8",
        as_attachment=True,
        filename=done.filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor = request_actor(request)
    staff = svc.may_import(actor, staff_id)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        done = run_on_form(
            form,
            lambda: svc.event_import(
                actor=actor, staff_id=staff.pk, data=upload.read(), name=upload.name or ""
            ),
            default_field="file",
        )
        if done:
            messages.success(
                request,
                _(
                    "Die Lage „%(title)s“ ist eingelesen: %(entries)s Einträge, %(messages)s Nachrichten, "
                    "%(tasks)s Aufträge, %(features)s Kartenobjekte, %(reports)s Lagemeldungen."
                )
                % {
                    "title": done.event.title,
                    "entries": done.entries,
                    "messages": done.messages,
                    "tasks": done.tasks,
                    "features": done.features,
                    "reports": done.reports,
                },
            )
            if sees_event(principal_of(request), staff_id=staff.pk, event_id=done.event.pk):
                return redirect("emergency:event_detail", event_id=done.event.pk)
            return redirect("emergency:staff_detail", staff_id=staff.pk)
    return render(request, "emergency/transfer/import.html", {"form": form, "staff": staff, "nav": NAV})


urlpatterns: list[URLPattern] = [
    path("lage/<int:event_id>/export/", export, name="event_export"),
    path("stab/<int:staff_id>/lage/importieren/", import_page, name="event_import"),
]
