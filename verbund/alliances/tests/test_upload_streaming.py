"""Uploads are checked for size while they stream, not after (issue 10, item 4).

The request body is a lazy stream that counts what is read from it, so a "2 GB" upload costs
nothing: the test shows that the upload handler stops long before the end (announced size: before
the file's first byte; a file that is larger than it should be: one chunk past the limit), that
nothing is stored, and that the user sees the German error on the alliance's page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from verbund.alliances.models import AgreementDocument
from verbund.alliances.tests.factories import pdf_bytes
from verbund.ui import uploads

pytestmark = pytest.mark.django_db

BOUNDARY = "verbundgrenze"
MB = 1024 * 1024


class CountingBody:
    """A multipart body of ``file_size`` bytes of PDF, produced lazily; counts the bytes read."""

    def __init__(self, csrf_token: str, file_size: int) -> None:
        head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{csrf_token}\r\n"
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="title"\r\n\r\n'
            "Zweckvereinbarung\r\n"
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="riesig.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode() + b"%PDF-1.7\n"
        self.tail = f"\r\n%%EOF\r\n--{BOUNDARY}--\r\n".encode()
        self.head = head
        self.filler = file_size - len(b"%PDF-1.7\n")
        self.length = len(head) + self.filler + len(self.tail)
        self.position = 0
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.position
        size = min(size, self.length - self.position)
        out = bytearray()
        while len(out) < size:
            pos = self.position
            if pos < len(self.head):
                piece = self.head[pos : pos + size - len(out)]
            elif pos < len(self.head) + self.filler:
                piece = b"0" * min(size - len(out), len(self.head) + self.filler - pos, MB)
            else:
                start = pos - len(self.head) - self.filler
                piece = self.tail[start : start + size - len(out)]
            out += piece
            self.position += len(piece)
        self.read_bytes += len(out)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:  # pragma: no cover - the multipart parser reads by size
        return self.read(size)


@pytest.fixture
def coordinator_client(alliance: Any, world: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    client.get(alliance.get_absolute_url())  # sets the CSRF cookie
    return client


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> list[uploads.LimitedUploadHandler]:
    """The size-checking upload handlers Django made for the requests of the test."""
    made: list[uploads.LimitedUploadHandler] = []
    original = uploads.LimitedUploadHandler.__init__

    def init(self: uploads.LimitedUploadHandler, request: Any = None) -> None:
        original(self, request)
        made.append(self)

    monkeypatch.setattr(uploads.LimitedUploadHandler, "__init__", init)
    return made


def _environ(body: CountingBody, declared: int | None = None) -> dict[str, Any]:
    """The body as the WSGI server hands it over: a stream and its announced length."""
    return {"wsgi.input": body, "CONTENT_LENGTH": str(declared if declared is not None else body.length)}


def _post_stream(client: Client, alliance: Any, body: CountingBody, *, declared: int | None = None) -> Any:
    url = reverse("alliances:agreement_upload", args=[alliance.slug])
    return client.generic(
        "POST",
        url,
        b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",  # generic() sets it only with data
        HTTP_REFERER="http://testserver" + alliance.get_absolute_url(),
        **_environ(body, declared),
    )


def _follow(client: Client, response: Any) -> str:
    assert response.status_code == 302
    return str(client.get(response["Location"]).content.decode())


def test_a_2_gb_upload_is_refused_before_its_first_byte(
    coordinator_client: Client, alliance: Any, handlers: list[uploads.LimitedUploadHandler]
) -> None:
    body = CountingBody(coordinator_client.cookies["csrftoken"].value, 2 * 1024 * MB)
    response = _post_stream(coordinator_client, alliance, body)
    # the form fields before the file were read (the CSRF token passed), the 2 GB were not
    assert body.read_bytes < MB
    assert [handler.chunks for handler in handlers] == [0]  # not one chunk of the file was taken
    assert not AgreementDocument.objects.exists()
    html = _follow(coordinator_client, response)
    assert "Die Datei ist zu groß: erlaubt sind höchstens 20 MB." in html


@override_settings(UPLOAD_MAX_MB=1)
def test_a_file_is_stopped_while_streaming_one_chunk_past_the_limit(
    coordinator_client: Client, alliance: Any, handlers: list[uploads.LimitedUploadHandler]
) -> None:
    # 1.8 MB: the request is within the announced allowance (1 MB + room for fields), the file is not
    body = CountingBody(coordinator_client.cookies["csrftoken"].value, int(1.8 * MB))
    response = _post_stream(coordinator_client, alliance, body)
    chunk = uploads.LimitedUploadHandler.chunk_size
    [handler] = handlers
    # stopped at the first chunk past 1 MB, of about 29 chunks of the file
    assert handler.received - chunk <= MB < handler.received
    assert MB // chunk <= handler.chunks <= MB // chunk + 2
    assert body.read_bytes < body.length - 10 * chunk  # the rest of the body was never read
    assert not AgreementDocument.objects.exists()
    html = _follow(coordinator_client, response)
    assert "Die Datei ist zu groß: erlaubt sind höchstens 1 MB." in html


@override_settings(UPLOAD_MAX_MB=1)
def test_a_file_below_the_limit_passes_and_the_document_check_still_runs(
    coordinator_client: Client, alliance: Any
) -> None:
    url = reverse("alliances:agreement_upload", args=[alliance.slug])
    token = coordinator_client.cookies["csrftoken"].value
    ok = coordinator_client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "title": "Zweckvereinbarung",
            "file": SimpleUploadedFile("zv.pdf", pdf_bytes(padding=500_000)),
        },
    )
    assert ok.status_code == 302
    assert AgreementDocument.objects.count() == 1


@override_settings(UPLOAD_MAX_MB=1)
def test_the_api_answers_413_in_german(client: Client) -> None:
    body = CountingBody("", 3 * MB)
    response = client.generic(
        "POST",
        "/api/v1/shared-services/1/volumes/import",
        b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        **_environ(body),
    )
    assert response.status_code == 413
    assert response.json() == {"detail": uploads.too_large_message(1), "code": "file_too_large"}
    assert body.read_bytes < MB
