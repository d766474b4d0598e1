"""Uploads are checked for size while they stream in, not after they were stored.

* :class:`LimitedUploadHandler` (first in ``FILE_UPLOAD_HANDLERS``) refuses a request whose
  ``Content-Length`` announces more than ``UPLOAD_MAX_MB`` (plus room for the other form fields)
  as soon as the file part begins, and counts the bytes of each file in ``receive_data_chunk``:
  past the limit it stops the upload at once (``StopUpload(connection_reset=True)``: the rest of
  the body is not read; what was already passed on to Django's handlers is deleted). A 2 GB upload
  is therefore never written to disk, nor read.
* :class:`UploadLimitMiddleware` (after ``CsrfViewMiddleware``) turns the refusal into the German
  error the user sees: for a page an error message and a redirect back to the form (the refusal
  contract of :class:`verbund.ui.views.RefusalMiddleware`), for ``/api/`` a 413 with
  ``{"detail", "code": "file_too_large"}``.

Each part's own check (:func:`verbund.common.documents.check_upload`: type, its own size limit)
still runs on the files that pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .views import back_url

#: Room for the form fields next to the file (title, dates, CSRF token, multipart boundaries).
FORM_ALLOWANCE = 1024 * 1024
REFUSAL_ATTRIBUTE = "upload_refusal"


def upload_max_mb() -> int:
    """The largest file an upload may carry (``UPLOAD_MAX_MB``, never below a part's own limit)."""
    return max(int(getattr(settings, "UPLOAD_MAX_MB", 20)), 1)


def too_large_message(megabytes: int) -> str:
    return _(
        "Die Datei ist zu groß: erlaubt sind höchstens %(mb)s MB. Die Übertragung wurde abgebrochen; "
        "bitte laden Sie eine kleinere Datei hoch (z. B. mit geringerer Scan-Auflösung)."
    ) % {"mb": megabytes}


class LimitedUploadHandler(FileUploadHandler):
    """Counts each file's bytes while it streams and stops the upload past ``UPLOAD_MAX_MB``."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.megabytes = upload_max_mb()
        self.limit = self.megabytes * 1024 * 1024
        self.announced_too_large = False
        self.received = 0
        #: chunks seen by this handler (for tests and logs)
        self.chunks = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # Decided here, acted on when the first file begins: the fields before it (the CSRF token
        # comes first in every form) are still read, so the refusal reaches the user as a message.
        self.announced_too_large = content_length > self.limit + FORM_ALLOWANCE
        return None

    def _refuse(self) -> None:
        if self.request is not None:
            setattr(self.request, REFUSAL_ATTRIBUTE, too_large_message(self.megabytes))
        raise StopUpload(connection_reset=True)

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, Any] | None = None,
    ) -> None:
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.received = 0
        if self.announced_too_large or (content_length is not None and content_length > self.limit):
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.chunks += 1
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) builds the file


def upload_refusal(request: HttpRequest) -> str | None:
    """The German refusal of this request's upload, if the handler stopped it."""
    refusal = getattr(request, REFUSAL_ATTRIBUTE, None)
    return refusal if isinstance(refusal, str) else None


class UploadLimitMiddleware:
    """Answers a request whose upload was stopped with the German error, before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: Any) -> HttpResponse | None:
        if request.method not in {"POST", "PUT", "PATCH"}:
            return None
        if not (request.content_type or "").startswith("multipart/"):
            return None
        request.POST  # noqa: B018 - parse now (CsrfViewMiddleware usually did), so the handler has run
        refusal = upload_refusal(request)
        if refusal is None:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": refusal, "code": "file_too_large"}, status=413)
        messages.error(request, refusal)
        return redirect(back_url(request))
