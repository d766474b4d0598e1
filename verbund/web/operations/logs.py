"""Log records with the request id, and a JSON-lines formatter for production.

``LOG_FORMAT=text`` (the default, for ``make run``) prints
``2026-11-24 15:30:00,123 INFO verbund.request [3f2a…] GET /verbuende/ 200 12.3 ms``;
``LOG_FORMAT=json`` (recommended in production, where a collector reads the lines) prints one JSON
object per line::

    {"timestamp": "2026-11-24T14:30:00.123+00:00", "level": "INFO", "logger": "verbund.request",
     "message": "GET /verbuende/ 200", "request_id": "3f2a…", "method": "GET", "path": "/verbuende/",
     "status": 200, "duration_ms": 12.3, "user_id": 7}

The lines carry no personal data beyond the user's id: no user names, no query strings, no
addresses, no form data. This module is referenced from ``settings.LOGGING`` and imports nothing of
Django's models, so that logging can be configured before the apps are ready.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import context

#: Fields the access line (and any caller through ``extra=``) may add to a record.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "view", "task", "task_id")


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` (``-`` outside a request), ``method``, ``path`` and ``task`` of the
    current request or task to every record that does not carry them already."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = context.current()
        if not getattr(record, "request_id", None):
            record.request_id = current.request_id if current else "-"
        if current is not None:
            for name in ("method", "path", "task"):
                if getattr(record, name, None) is None and getattr(current, name) is not None:
                    setattr(record, name, getattr(current, name))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message, request id and
    the request's method, path, status, duration and user id where known; the traceback as text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or context.current_request_id(),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


#: The text format of ``LOG_FORMAT=text``.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def with_request_context(config: dict[str, Any], *, log_format: str) -> dict[str, Any]:
    """``config`` (the settings' ``LOGGING``) with the request id on every console line, written as
    text or JSON lines; whatever else ``config`` says (levels, other handlers) stays."""
    if log_format not in ("text", "json"):
        raise ImproperlyConfigured(f"LOG_FORMAT={log_format!r}: use text or json.")
    merged = {key: (dict(value) if isinstance(value, dict) else value) for key, value in config.items()}
    merged.setdefault("filters", {})["request_context"] = {
        "()": "verbund.web.operations.logs.RequestContextFilter"
    }
    merged.setdefault("formatters", {}).update(
        {"text": {"format": TEXT_FORMAT}, "json": {"()": "verbund.web.operations.logs.JsonFormatter"}}
    )
    handlers = merged.setdefault("handlers", {})
    console = dict(handlers.get("console", {"class": "logging.StreamHandler"}))
    console["formatter"] = log_format
    console["filters"] = [*console.get("filters", []), "request_context"]
    handlers["console"] = console
    # runserver's own access lines repeat those of verbund.request; keep its warnings and errors.
    merged.setdefault("loggers", {}).setdefault("django.server", {"level": "WARNING"})
    return merged
