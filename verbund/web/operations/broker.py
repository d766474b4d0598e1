"""The queue's broker as seen from the web process: reachable? how many jobs wait?

Used by ``/readyz`` and ``/metrics``. The connection comes from the Celery app (broker URL and
transport options of the settings) with a short timeout, so that a probe never hangs on a broker that
is down. For the default ``filesystem://`` broker "reachable" means its folders exist and are
writable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from kombu import Connection
from kombu.exceptions import ChannelError

#: Seconds a probe waits for the broker.
TIMEOUT = 2.0


def celery_app() -> Any:
    from config.celery import app

    return app


def broker_url() -> str:
    return str(celery_app().conf.broker_url or "")


def connection(timeout: float = TIMEOUT) -> Connection:
    """A (not yet connected) connection to the broker with a short connect timeout."""
    app = celery_app()
    options = dict(app.conf.broker_transport_options or {})
    # redis-py: give up connecting and waiting for answers after ``timeout`` seconds
    options.setdefault("socket_connect_timeout", timeout)
    options.setdefault("socket_timeout", timeout)
    return app.connection_for_write(connect_timeout=timeout, transport_options=options)


def filesystem_folders() -> list[str]:
    """The folders of the filesystem transport (empty for any other broker)."""
    if not broker_url().startswith("filesystem://"):
        return []
    options = celery_app().conf.broker_transport_options or {}
    names = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    return sorted({str(options[name]) for name in names if options.get(name)})


def check() -> None:
    """Raise if the broker cannot be reached (or, for the filesystem broker, not written)."""
    folders = filesystem_folders()
    if broker_url().startswith("filesystem://"):
        if not folders:
            raise RuntimeError("filesystem broker without folders")
        for folder in folders:
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)):
                raise PermissionError("a broker folder is missing or not writable")
        return
    with connection() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0)


def queue_names() -> list[str]:
    """The queues the Celery app knows (its default queue, and any declared in the settings)."""
    app = celery_app()
    names = set(app.amqp.queues.keys()) | {app.conf.task_default_queue or "celery"}
    return sorted(names)


def queue_lengths(names: Iterable[str] | None = None) -> dict[str, int]:
    """Messages waiting per queue (a queue that does not exist yet holds 0). Raises if the broker
    cannot be reached."""
    lengths: dict[str, int] = {}
    with connection() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0)
        for name in names or queue_names():
            try:
                with conn.channel() as channel:
                    lengths[name] = int(channel.queue_declare(queue=name, passive=True).message_count)
            except ChannelError:
                lengths[name] = 0
    return lengths
