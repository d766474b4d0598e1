"""``/healthz`` and ``/readyz``: may a load balancer or orchestrator send traffic here?

- ``/healthz`` (liveness): the process answers. No database, no broker, nothing that can hang; a
  failing liveness probe restarts the process, so it must fail only when the process is stuck.
- ``/readyz`` (readiness): the process can do its work: the database answers a trivial query, the
  queue's broker is reachable (for the default filesystem broker: its folders are writable), the file
  storage can be written and read (a tiny probe file saved, read and deleted; on S3 a HEAD request
  through ``exists()``, so that probes cost no writes).

Both answer JSON ``{"status": "ok"|"fail", "checks": {...}}`` with 200 or 503, are not cached, need no
login and no CSRF token, and are never counted as login attempts. A failed check names only the kind
of error (``"error": "OperationalError"``), never a message, URL or host: the probes are public, the
details go to the log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from . import broker

logger = logging.getLogger(__name__)

#: Folder of the storage probe files (each deleted right after it was read back).
PROBE_FOLDER = "verbund-bereitschaft"
PROBE_CONTENT = b"ok"


def check_database() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                raise RuntimeError("unexpected answer")


def check_queue() -> None:
    broker.check()


def check_storage() -> None:
    storage = default_storage
    if isinstance(storage, FileSystemStorage | InMemoryStorage):
        name = storage.save(f"{PROBE_FOLDER}/{uuid.uuid4().hex}.txt", ContentFile(PROBE_CONTENT))
        try:
            with storage.open(name, "rb") as probe:
                if probe.read() != PROBE_CONTENT:
                    raise RuntimeError("probe file read back differently")
        finally:
            storage.delete(name)
        return
    # object stores (S3): one HEAD request; a missing object is fine, a refusal or no answer is not
    storage.exists(f"{PROBE_FOLDER}/probe.txt")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "queue": check_queue,
    "storage": check_storage,
}


def _run(name: str, check: Callable[[], None]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        logger.warning("Bereitschaftsprüfung %s fehlgeschlagen", name, exc_info=True)
        return {"status": "fail", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


@csrf_exempt
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "checks": {"process": {"status": "ok"}}})


@csrf_exempt
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {name: _run(name, check) for name, check in CHECKS.items()}
    ok = all(result["status"] == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
