"""Reading stored agreements and council resolutions, access-checked.

Uploads are checked by :func:`verbund.common.documents.check_upload` (PDF only, size limit
``settings.ALLIANCE_UPLOAD_MAX_MB``). Files are never served by URL. Views call
:func:`access_agreement`/:func:`access_resolution` and :func:`open_document`, which check that the
principal may read the alliance's documents (insiders only,
:func:`verbund.alliances.policies.may_read_documents`) and answer 404 otherwise, then stream the result, e.g.
``FileResponse(doc.file, as_attachment=True, filename=doc.filename, content_type=doc.content_type)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.common.documents import PDF_CONTENT_TYPE
from verbund.common.errors import NotFound
from verbund.common.principal import Principal
from verbund.common.storage import open_stored

from . import policies
from .models import AgreementDocument, CouncilResolution

NO_DOCUMENT = gettext_noop("Kein solches Dokument.")


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


def open_document(principal: Principal, document: AgreementDocument | CouncilResolution) -> DocumentFile:
    """Open a stored agreement or resolution for ``principal``; :class:`NotFound` if they may not read it.

    Missing file, no file (a resolution recorded without a document) and no permission all answer
    404, so that nobody learns which documents exist.
    """
    if not policies.may_read_documents(principal, document.alliance) or not document.file:
        raise NotFound(_(NO_DOCUMENT))
    try:
        handle = open_stored(document.file)  # on S3: streamed from the store
    except (FileNotFoundError, OSError) as exc:
        raise NotFound(_(NO_DOCUMENT)) from exc
    return DocumentFile(
        file=handle,
        filename=download_name(document),
        content_type=document.content_type or PDF_CONTENT_TYPE,
        size=document.size,
        sha256=document.sha256,
    )


def access_agreement(principal: Principal, document_id: int) -> AgreementDocument:
    """An agreement the principal may read (:class:`NotFound` otherwise, also for an unknown id)."""
    document = AgreementDocument.objects.select_related("alliance").filter(pk=document_id).first()
    if document is None or not policies.may_read_documents(principal, document.alliance):
        raise NotFound(_(NO_DOCUMENT))
    return document


def access_resolution(principal: Principal, resolution_id: int) -> CouncilResolution:
    """A council resolution the principal may read (:class:`NotFound` otherwise)."""
    resolution = CouncilResolution.objects.select_related("alliance", "body").filter(pk=resolution_id).first()
    if resolution is None or not policies.may_read_documents(principal, resolution.alliance):
        raise NotFound(_(NO_DOCUMENT))
    return resolution
