"""The request id (and what the log may say about the request) of the code running now.

A context variable, so that it is right per thread (WSGI) and per task (ASGI, Celery): the
middleware sets it for a request, the Celery signals for a task (with the id of the request that
enqueued it). Log records read it through :class:`verbund.web.operations.logs.RequestContextFilter`.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

#: What a request id from the proxy may look like: letters, digits and ``-_.:``, 1–128 characters
#: (a UUID, an nginx ``$request_id``, a trace id). Anything else is replaced by a fresh UUID, so a
#: client cannot write line breaks or lookalike fields into the logs.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    method: str | None = None
    path: str | None = None
    #: the Celery task running under this request id (in the worker)
    task: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("verbund_request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


def current_request_id() -> str | None:
    context = _current.get()
    return context.request_id if context else None


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """``value`` if it is an acceptable request id, else ``None``."""
    if value and VALID_REQUEST_ID.fullmatch(value):
        return value
    return None


def activate(context: RequestContext | None) -> object:
    """Make ``context`` current; returns the token for :func:`restore`."""
    return _current.set(context)


def restore(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
