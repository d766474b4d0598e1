"""The offline pack of an event: ``/krisenstab/lage/<id>/offline-paket/``.

GET downloads the newest pack (built on the spot when there is none yet); POST with ``neu=1`` builds
a new one first. Only members of the event's staff (404 for everyone else).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor

from ..services import log as log_services
from ..services import packs as svc


@login_required
@require_http_methods(["GET", "POST"])
def pack(request: HttpRequest, event_id: int) -> FileResponse:
    event = log_services.get_event(principal_of(request), event_id)
    stored = svc.latest_pack(event)
    if stored is None or (request.method == "POST" and request.POST.get("neu") == "1"):
        stored = svc.write_pack(event, actor=request_actor(request))
    name = stored.rsplit("/", 1)[-1]
    response = FileResponse(
        default_storage.open(stored, "rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"offline-paket-lage-{event.pk}-{name}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("lage/<int:event_id>/offline-paket/", pack, name="pack"),
]
