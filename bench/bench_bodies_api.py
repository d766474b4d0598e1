"""``GET /api/v1/bodies`` over real HTTP, against a bare Django view that returns the same rows.

What the API layer (ninja, schemas, auth, pagination with a count) costs on top of Django itself:
both are served by one threaded WSGI server (Django's own, in a thread of this process) with the full
middleware stack, and 16 client threads send keep-alive requests. Yields p50/p95 of both, the ratio
API p95 ÷ bare p95 (target ≤ 2), requests per second, and the queries of one API request at
``limit=10`` and ``limit=500`` (must be equal: no query per row).

Data: the Rhineland-Palatinate part of the official GV100AD when the importer and the file are there,
otherwise about 2,300 synthetic Ortsgemeinden made with the test factories. Client and server share
one interpreter (and its GIL), so absolute figures are pessimistic; the ratio is the point.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, path

from bench import percentile
from verbund.common.data import GV100AD_LATEST
from verbund.registry.models import Body, Kind

CLIENT_THREADS = 16
REQUESTS_PER_THREAD = 150
WARMUP_REQUESTS = 20
API_PATH = "/api/v1/bodies?state=07&kind=ortsgemeinde"
BARE_PATH = "/bench/bodies-bare"
BARE_FIELDS = (
    "ars",
    "ags",
    "key",
    "name",
    "kind",
    "is_stadt",
    "state",
    "parent__ars",
    "population",
    "population_date",
    "area_ha",
    "postcode",
    "centroid_lat",
    "centroid_lon",
    "dissolved_on",
)


def bare_bodies(request: HttpRequest) -> JsonResponse:
    """The floor: the same 50 rows as the API's first page, straight from ``values()``."""
    rows = list(
        Body.objects.filter(state="07", kind=Kind.ORTSGEMEINDE, dissolved_on__isnull=True)
        .order_by("ars")
        .values(*BARE_FIELDS)[:50]
    )
    return JsonResponse({"items": rows, "count": len(rows)})


def _urlpatterns() -> list[URLPattern | URLResolver]:
    from config.urls import urlpatterns as site

    return [path(BARE_PATH.lstrip("/"), bare_bodies), *site]


def __getattr__(name: str) -> Any:
    # This module is the bench-only ROOT_URLCONF; built lazily so that importing it needs no URLconf.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def _load_bodies() -> str:
    """Fill the registry with RLP (official or synthetic); returns where the rows came from."""
    if Body.objects.in_state("07").of_kind(Kind.ORTSGEMEINDE).count() > 1000:
        return "existing"
    gv100ad = Path(settings.VERBUND_DATA_DIR) / GV100AD_LATEST
    try:
        from verbund.registry.services import registry_import_gv100ad
    except ImportError:
        registry_import_gv100ad = None  # type: ignore[assignment]
    if registry_import_gv100ad is not None and gv100ad.is_file():
        from verbund.common.actors import SystemActor
        from verbund.registry.policies import IMPORT

        actor = SystemActor(name="Benchmark", capabilities=frozenset({IMPORT}))
        registry_import_gv100ad(path=gv100ad, state="07", actor=actor)
        return "GV100AD 30.11.2025, Land 07"
    _create_synthetic()
    return "synthetic"


def _create_synthetic(kreise: int = 24, vgs_per_kreis: int = 5, gemeinden_per_vg: int = 20) -> None:
    """2,400 Ortsgemeinden in 120 Verbandsgemeinden of 24 Landkreise, keys as in the real scheme."""
    from verbund.registry.tests.factories import BodyFactory, LandFactory

    land = LandFactory.create(state="07")
    gemeinden = []
    for k in range(1, kreise + 1):
        kreis_ars = f"071{k:02d}0000000"
        kreis = BodyFactory.create(landkreis=True, parent=land, ars=kreis_ars, key=kreis_ars[:5])
        for v in range(1, vgs_per_kreis + 1):
            vg_ars = f"{kreis_ars[:5]}{5000 + v:04d}000"
            vg = BodyFactory.create(verbandsgemeinde=True, parent=kreis, ars=vg_ars, key=vg_ars[:9])
            for g in range(1, gemeinden_per_vg + 1):
                number = f"{v * 100 + g:03d}"
                ags = f"{kreis_ars[:5]}{number}"
                gemeinden.append(BodyFactory.build(parent=vg, ars=f"{vg_ars[:9]}{number}", ags=ags, key=ags))
    Body.objects.bulk_create(gemeinden, batch_size=500)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve() -> tuple[ThreadedWSGIServer, threading.Thread]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=True)
    server.set_app(get_internal_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, name="bench-wsgi", daemon=True)
    thread.start()
    return server, thread


def _client(port: int, url: str, n: int, timings: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(n):
            started = time.perf_counter()
            conn.request("GET", url)
            response = conn.getresponse()
            body = response.read()
            timings.append(time.perf_counter() - started)
            if response.status != 200 or not body:
                errors.append(f"{url}: HTTP {response.status}")
    finally:
        conn.close()


def _load(port: int, url: str, per_thread: int) -> tuple[list[float], float, list[str]]:
    """``CLIENT_THREADS`` keep-alive clients, ``per_thread`` requests each: timings, wall time, errors."""
    timings: list[float] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_client, args=(port, url, per_thread, timings, errors))
        for _ in range(CLIENT_THREADS)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, time.perf_counter() - started, errors


def _queries_per_request(limit: int) -> int:
    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API_PATH}&limit={limit}")
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == min(limit, response.json()["count"])
    return len(ctx.captured_queries)


def run() -> Iterator[dict[str, Any]]:
    source = _load_bodies()
    total = Body.objects.in_state("07").of_kind(Kind.ORTSGEMEINDE).current().count()
    yield {"metric": "ortsgemeinden", "value": total, "source": source}

    with override_settings(ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=["127.0.0.1", "testserver"]):
        q10, q500 = _queries_per_request(10), _queries_per_request(500)
        yield {"metric": "api_queries_limit_10", "value": q10}
        yield {"metric": "api_queries_limit_500", "value": q500, "equal": q10 == q500}

        server, thread = _serve()
        port = server.server_address[1]
        try:
            results: dict[str, dict[str, float]] = {}
            for name, url in (("bare", BARE_PATH), ("api", API_PATH)):
                _load(port, url, WARMUP_REQUESTS)
                timings, wall, errors = _load(port, url, REQUESTS_PER_THREAD)
                if errors:
                    raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
                results[name] = {
                    "p50_ms": statistics.median(timings) * 1000,
                    "p95_ms": percentile(timings, 0.95) * 1000,
                    "rps": len(timings) / wall,
                }
                for key, value in results[name].items():
                    yield {
                        "metric": f"{name}_{key}",
                        "value": round(value, 2),
                        "requests": len(timings),
                        "clients": CLIENT_THREADS,
                    }
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    ratio = results["api"]["p95_ms"] / results["bare"]["p95_ms"]
    yield {"metric": "api_p95_over_bare_p95", "value": round(ratio, 2), "target": 2.0, "ok": ratio <= 2.0}
