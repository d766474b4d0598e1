"""Uploaded documents: the one check every upload passes, and access-checked reading.

Only PDF is accepted, for signed agreements and council resolutions alike. German administrations
keep signed originals and council minutes as PDF (for archiving PDF/A, which is PDF), so a PDF is
what a member actually has to upload; office formats (DOCX, ODT) are drafts that can still change
and would make it unclear which text was signed, and images of single pages lose the rest of the
document. Only the content decides: the file must start with the PDF header ``%PDF-`` and end with
the ``%%EOF`` marker (a truncated upload lacks it); the name and the browser's content type are
not trusted. The size limit is ``settings.ALLIANCE_UPLOAD_MAX_MB`` (default 20 MB, env
``ALLIANCE_UPLOAD_MAX_MB``), enough for a scanned, signed agreement of some dozen pages.

Files are never served by URL. Views call :func:`open_document`, which checks that the user may
read the alliance's documents (insiders only) and answers 404 otherwise, then stream the result,
e.g. ``FileResponse(doc.file, as_attachment=True, filename=doc.filename, content_type=doc.content_type)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.http import Http404

from .access import can_read_documents
from .models import AgreementDocument, CouncilResolution

PDF_CONTENT_TYPE = "application/pdf"
PDF_MAGIC = b"%PDF-"
PDF_EOF = b"%%EOF"
#: The PDF end marker must appear in the last 1024 bytes (as PDF readers require).
_TAIL_BYTES = 1024
_CHUNK = 1 << 20


@dataclass(frozen=True)
class CheckedUpload:
    """What :func:`check_upload` learnt about a file, stored next to it."""

    content_type: str
    size: int
    sha256: str
    original_name: str


def max_upload_bytes() -> int:
    return int(settings.ALLIANCE_UPLOAD_MAX_MB) * 1024 * 1024


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def check_upload(upload: File | IO[bytes], *, name: str = "") -> CheckedUpload:
    """Check an upload (type and size) and compute its SHA-256; ``ValidationError`` in German if refused.

    Accepts a Django ``File``/``UploadedFile`` or a binary file object; leaves it rewound.
    """
    file_name = name or str(getattr(upload, "name", "") or "")
    limit = max_upload_bytes()
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise ValidationError(
            f"Die Datei ist zu groß ({_megabytes(declared)} MB); erlaubt sind höchstens "
            f"{settings.ALLIANCE_UPLOAD_MAX_MB} MB.",
            code="file_too_large",
        )
    upload.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    while chunk := upload.read(_CHUNK):
        if isinstance(chunk, str):  # pragma: no cover - text-mode files are a programming error
            raise TypeError("check_upload needs a binary file")
        if size == 0:
            head = chunk[:16]
        size += len(chunk)
        if size > limit:
            upload.seek(0)
            raise ValidationError(
                f"Die Datei ist zu groß (mehr als {settings.ALLIANCE_UPLOAD_MAX_MB} MB); erlaubt sind "
                f"höchstens {settings.ALLIANCE_UPLOAD_MAX_MB} MB.",
                code="file_too_large",
            )
        digest.update(chunk)
        tail = (tail + chunk)[-_TAIL_BYTES:]
    upload.seek(0)
    if size == 0:
        raise ValidationError("Die Datei ist leer.", code="file_empty")
    if not head.startswith(PDF_MAGIC):
        raise ValidationError(
            "Die Datei ist kein PDF-Dokument. Bitte laden Sie die unterschriebene Fassung als PDF "
            "(möglichst PDF/A) hoch; andere Formate wie Word, OpenDocument oder Bilder werden "
            "nicht angenommen.",
            code="file_not_pdf",
        )
    if PDF_EOF not in tail:
        raise ValidationError(
            "Die PDF-Datei ist unvollständig (das Dateiende fehlt). Bitte laden Sie sie noch einmal hoch.",
            code="file_truncated",
        )
    return CheckedUpload(
        content_type=PDF_CONTENT_TYPE,
        size=size,
        sha256=digest.hexdigest(),
        original_name=file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255],
    )


@dataclass(frozen=True)
class DocumentFile:
    """An opened document, ready to stream; close ``file`` when done (``FileResponse`` does)."""

    file: Any
    filename: str
    content_type: str
    size: int | None
    sha256: str


def download_name(document: AgreementDocument | CouncilResolution) -> str:
    """A readable file name for the download (the stored name is random)."""
    if document.original_name:
        return document.original_name
    if isinstance(document, AgreementDocument):
        return f"{document.title} (Fassung {document.version}).pdf"
    return f"Beschluss {document.decided_on:%Y-%m-%d}.pdf"


def open_document(user: Any, document: AgreementDocument | CouncilResolution) -> DocumentFile:
    """Open a stored agreement or resolution for ``user``; ``Http404`` if they may not read it.

    Missing file, no file (a resolution recorded without a document) and no permission all answer
    404, so that nobody learns which documents exist.
    """
    alliance = document.alliance
    if not can_read_documents(user, alliance) or not document.file:
        raise Http404("Kein solches Dokument.")
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("Kein solches Dokument.") from exc
    return DocumentFile(
        file=handle,
        filename=download_name(document),
        content_type=document.content_type or PDF_CONTENT_TYPE,
        size=document.size,
        sha256=document.sha256,
    )


def access_agreement(user: Any, document_id: int) -> AgreementDocument:
    """An agreement the user may read (``Http404`` otherwise, also for an unknown id)."""
    document = AgreementDocument.objects.select_related("alliance").filter(pk=document_id).first()
    if document is None or not can_read_documents(user, document.alliance):
        raise Http404("Kein solches Dokument.")
    return document


def access_resolution(user: Any, resolution_id: int) -> CouncilResolution:
    """A council resolution the user may read (``Http404`` otherwise)."""
    resolution = CouncilResolution.objects.select_related("alliance", "body").filter(pk=resolution_id).first()
    if resolution is None or not can_read_documents(user, resolution.alliance):
        raise Http404("Kein solches Dokument.")
    return resolution
