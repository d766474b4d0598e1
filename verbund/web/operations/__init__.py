"""Operations: health and readiness probes, request ids in structured logs, Prometheus metrics.

- :mod:`.health` answers ``/healthz`` (the process) and ``/readyz`` (database, queue, file storage).
- :mod:`.context` keeps the request id of the running request (or task) in a context variable;
  :mod:`.middleware` sets it, times the request and writes one access line per request;
  :mod:`.logs` adds it to every log record and writes JSON lines with ``LOG_FORMAT=json``.
- :mod:`.metrics` counts requests and their latency by view and serves ``/metrics``.
- :mod:`.tasks` carries the request id into the Celery tasks a request enqueues.

See docs/operations.md.
"""
