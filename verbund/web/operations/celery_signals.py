"""Tasks carry the request id of the request that enqueued them.

``before_task_publish`` writes the current request id into the task message's headers
(``verbund_request_id``); in the worker, ``task_prerun`` makes it current for the task's log lines
(with the task's name), ``task_postrun`` clears it. A task enqueued outside a request (beat, a
command) gets its own id: the task id. With ``CELERY_TASK_ALWAYS_EAGER`` the task runs inside the
request and simply keeps its id.

In the worker the log records get the request id through :class:`~.logs.RequestContextFilter`,
which :func:`attach_filter` puts on the handlers Celery sets up (and, with ``LOG_FORMAT=json``, the
JSON formatter), so that the worker writes the same lines as the web process.

Connected once from :class:`verbund.web.apps.WebConfig.ready` through :func:`connect`.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import signals

from . import context
from .logs import JsonFormatter, RequestContextFilter

HEADER = "verbund_request_id"

_tokens: dict[str, object] = {}


def _before_publish(sender: Any = None, headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = context.current_request_id()
    if request_id and headers is not None and HEADER not in headers:
        headers[HEADER] = request_id


def _prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task is None or task_id is None:
        return
    request = getattr(task, "request", None)
    if getattr(request, "is_eager", False) and context.current() is not None:
        return  # runs inside the request: keep the request's context
    headers = getattr(request, "headers", None) or {}
    request_id = (
        context.valid_request_id(getattr(request, HEADER, None))
        or context.valid_request_id(headers.get(HEADER))
        or task_id
    )
    _tokens[task_id] = context.activate(context.RequestContext(request_id=request_id, task=task.name))


def _postrun(task_id: str | None = None, **kwargs: Any) -> None:
    token = _tokens.pop(task_id or "", None)
    if token is not None:
        context.restore(token)


def attach_filter(logger: logging.Logger | None = None, **kwargs: Any) -> None:
    """Give the handlers Celery configured the request id (and the JSON format if chosen)."""
    from django.conf import settings

    json_lines = getattr(settings, "LOG_FORMAT", "text") == "json"
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RequestContextFilter) for f in handler.filters):
            handler.addFilter(RequestContextFilter())
        if json_lines:
            handler.setFormatter(JsonFormatter())


def connect() -> None:
    signals.before_task_publish.connect(_before_publish, dispatch_uid="verbund-request-id-publish")
    signals.task_prerun.connect(_prerun, dispatch_uid="verbund-request-id-prerun")
    signals.task_postrun.connect(_postrun, dispatch_uid="verbund-request-id-postrun")
    signals.after_setup_logger.connect(attach_filter, dispatch_uid="verbund-log-filter")
    signals.after_setup_task_logger.connect(attach_filter, dispatch_uid="verbund-task-log-filter")
