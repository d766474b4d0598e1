"""Uploaded documents every part stores the same way: the one PDF check and the stored-file fields.

* :func:`check_upload`: only PDF is accepted (signed agreements, council resolutions, grant
  applications' attachments). German administrations keep signed originals and council minutes as
  PDF (for archiving PDF/A, which is PDF); office formats are drafts that can still change and images
  of single pages lose the rest of the document. Only the content decides: the file must start with
  the PDF header ``%PDF-`` and end with the ``%%EOF`` marker (a truncated upload lacks it); the name
  and the browser's content type are not trusted. The size limit is
  ``settings.ALLIANCE_UPLOAD_MAX_MB`` (default 20 MB), unless the caller gives ``max_mb``.
* :class:`StoredFileMixin`: the metadata of a checked upload on a model (name, type, size, SHA-256,
  who uploaded it when). Files are never served by URL: each part streams them after its own access
  check.

Example::

    checked = check_upload(upload, name=upload.name)     # Invalid (422) in German if refused
    document.sha256 = checked.sha256
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .errors import Invalid

PDF_CONTENT_TYPE = "application/pdf"
PDF_MAGIC = b"%PDF-"
PDF_EOF = b"%%EOF"
#: The PDF end marker must appear in the last 1024 bytes (as PDF readers require).
_TAIL_BYTES = 1024
_CHUNK = 1 << 20
DEFAULT_MAX_MB = 20


@dataclass(frozen=True)
class CheckedUpload:
    """What :func:`check_upload` learnt about a file, stored next to it."""

    content_type: str
    size: int
    sha256: str
    original_name: str


def max_upload_mb() -> int:
    return int(getattr(settings, "ALLIANCE_UPLOAD_MAX_MB", DEFAULT_MAX_MB))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def check_upload(upload: File | IO[bytes], *, name: str = "", max_mb: int | None = None) -> CheckedUpload:
    """Check an upload (type and size) and compute its SHA-256; :class:`Invalid` in German if refused.

    Accepts a Django ``File``/``UploadedFile`` or a binary file object; leaves it rewound.
    """
    file_name = name or str(getattr(upload, "name", "") or "")
    megabytes = max_mb if max_mb is not None else max_upload_mb()
    limit = megabytes * 1024 * 1024
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise Invalid(
            _("Die Datei ist zu groß (%(size)s MB); erlaubt sind höchstens %(limit)s MB.")
            % {"size": _megabytes(declared), "limit": megabytes},
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
            raise Invalid(
                _("Die Datei ist zu groß (mehr als %(limit)s MB); erlaubt sind höchstens %(limit)s MB.")
                % {"limit": megabytes},
                code="file_too_large",
            )
        digest.update(chunk)
        tail = (tail + chunk)[-_TAIL_BYTES:]
    upload.seek(0)
    if size == 0:
        raise Invalid(_("Die Datei ist leer."), code="file_empty")
    if not head.startswith(PDF_MAGIC):
        raise Invalid(
            _(
                "Die Datei ist kein PDF-Dokument. Bitte laden Sie die unterschriebene Fassung als PDF "
                "(möglichst PDF/A) hoch; andere Formate wie Word, OpenDocument oder Bilder werden "
                "nicht angenommen."
            ),
            code="file_not_pdf",
        )
    if PDF_EOF not in tail:
        raise Invalid(
            _("Die PDF-Datei ist unvollständig (das Dateiende fehlt). Bitte laden Sie sie noch einmal hoch."),
            code="file_truncated",
        )
    return CheckedUpload(
        content_type=PDF_CONTENT_TYPE,
        size=size,
        sha256=digest.hexdigest(),
        original_name=file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255],
    )


class StoredFileMixin(models.Model):
    """Metadata of a checked upload (see :func:`check_upload`)."""

    original_name = models.CharField(_lazy("Dateiname"), max_length=255, blank=True)
    content_type = models.CharField(_lazy("Dateityp"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_lazy("Größe (Bytes)"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_lazy("hochgeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_lazy("hochgeladen am"), default=timezone.now)

    class Meta:
        abstract = True
