"""The first middleware of every request: its id, its access line and its metrics.

- **Request id**: the ``X-Request-ID`` header set by the TLS proxy when it is valid
  (:data:`~verbund.web.operations.context.VALID_REQUEST_ID`), else a fresh UUID; kept in a context
  variable for the logs and the tasks the request enqueues, and sent back in ``X-Request-ID``.
- **Access line**: one record of the logger ``verbund.request`` per request with method, path
  (without the query string), status, duration and the user's id (no name), at INFO, or WARNING for
  5xx answers.
- **Metrics**: count and latency by view name (the resolver's, never the raw path, so that the number
  of series stays bounded), method and status (:mod:`verbund.web.operations.metrics`).

It sits first in ``MIDDLEWARE``, so that it also times and logs what the others answer (a redirect to
the login, a lock-out), and it never touches the database: the user's id is read only when the
request has loaded the user anyway.

**Probes and scrapes** (``/healthz``, ``/readyz``, ``/metrics``) are answered right here, before the
other middleware: an orchestrator or Prometheus calls them by the pod's or host's address over plain
HTTP, which the host check (``ALLOWED_HOSTS``) and the HTTPS redirect of production would refuse, and
they need no session, language, CSRF token or login. They build no links, so the host name does not
matter to them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from . import context, health, metrics

logger = logging.getLogger("verbund.request")

REQUEST_ID_HEADER = "X-Request-ID"


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if the request has loaded the user (never a query for it)."""
    user = request.__dict__.get("_cached_user")
    if user is None:
        # django-ninja's token and session auth set request.auth to the user
        user = request.__dict__.get("auth")
    if user is not None and getattr(user, "is_authenticated", False):
        pk = getattr(user, "pk", None)
        return int(pk) if isinstance(pk, int) else None
    return None


def _view_name(request: HttpRequest) -> str:
    direct = getattr(request, "operations_view", None)
    if direct:
        return str(direct)
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or "<unnamed>"


#: path → (view name for the metrics, view): answered before the other middleware.
DIRECT: dict[str, tuple[str, Callable[[HttpRequest], HttpResponse]]] = {
    "/healthz": ("operations:healthz", health.healthz),
    "/readyz": ("operations:readyz", health.readyz),
    "/metrics": ("operations:metrics", metrics.metrics_view),
}


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _respond(self, request: HttpRequest) -> HttpResponse:
        direct = DIRECT.get(request.path_info)
        if direct is None:
            return self.get_response(request)
        request.operations_view = direct[0]  # type: ignore[attr-defined]
        return direct[1](request)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = (
            context.valid_request_id(request.headers.get(REQUEST_ID_HEADER)) or context.new_request_id()
        )
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.activate(
            context.RequestContext(request_id=request_id, method=request.method, path=request.path)
        )
        started = time.perf_counter()
        try:
            try:
                response = self._respond(request)
            except Exception:
                # Django turns exceptions into responses inside get_response; this is the rare case
                # of a failure outside it. Count and log it, then let it propagate.
                self._finish(request, 500, started)
                raise
            response[REQUEST_ID_HEADER] = request_id
            self._finish(request, response.status_code, started)
            return response
        finally:
            context.restore(token)

    def _finish(self, request: HttpRequest, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        view = _view_name(request)
        metrics.observe_request(view=view, method=request.method or "", status=status, seconds=elapsed)
        if view in metrics.QUIET_VIEWS:
            return  # probes and scrapes every few seconds would drown the log
        extra: dict[str, Any] = {
            "request_id": getattr(request, "request_id", None),
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 1),
            "user_id": _user_id(request),
            "view": view,
        }
        level = logging.WARNING if status >= 500 else logging.INFO
        logger.log(
            level, "%s %s %s %.1f ms", request.method, request.path, status, elapsed * 1000, extra=extra
        )
