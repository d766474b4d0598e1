"""Reading stored files as a stream, whichever storage holds them.

The storage is configured once (``STORAGES["default"]`` from ``STORAGE_BACKEND`` in
``config/settings/base.py``): the local disk or an S3-compatible object store. Documents are never
served by URL; each part's view checks access and streams the file with :func:`open_stored`:

* on S3, the object's body is read from the store as the response is sent (django-storages'
  ``S3File`` would first copy the whole object into a temporary file);
* elsewhere, ``storage.open(name, "rb")``.

A missing file is a :class:`FileNotFoundError` in both cases.
"""

from __future__ import annotations

from typing import IO, Any

try:  # django-storages is installed with Verbund; guarded so that a slim install still works locally
    from storages.backends.s3 import S3Storage
    from storages.utils import clean_name
except ImportError:  # pragma: no cover
    S3Storage = None  # type: ignore[assignment, misc, unused-ignore]


def open_stored(field_file: Any) -> IO[bytes]:
    """A binary stream of a stored ``FieldFile`` (close it when done; ``FileResponse`` does)."""
    storage = field_file.storage
    name = field_file.name
    if S3Storage is not None and isinstance(storage, S3Storage):
        from botocore.exceptions import ClientError

        try:
            obj = storage.bucket.Object(storage._normalize_name(clean_name(name)))
            body: IO[bytes] = obj.get()["Body"]
        except ClientError as exc:
            raise FileNotFoundError(name) from exc
        return body
    handle: IO[bytes] = storage.open(name, "rb")
    return handle
