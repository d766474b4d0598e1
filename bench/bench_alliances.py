"""The alliance directory with 1,000 published alliances of 2–12 members each over real RLP bodies.

Measures, with ``django.test.Client`` in one thread (the full middleware stack, no network), the
p50/p95 latency of ``N`` requests and the queries of one request, for

* the directory page ``/verbuende/`` (table page and the map of every listed alliance's members),
* ``GET /api/v1/alliances``,

each anonymous and as the Beratungsstelle (which sees every alliance), with 20 and 100 alliances per
page. The query count must be the same for both page sizes (``equal``): nothing is read per row.
Then once each: the open-data exports (CSV and the GeoJSON with 1,000 merged areas).

Data: the Rhineland-Palatinate part of the official GV100AD with its boundary layers (centroids for
the map) when the importer and the files are there, otherwise synthetic bodies made with the test
factories. Alliances, members and fields are written with ``bulk_create``.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench import percentile
from verbund.accounts.models import Role, RoleAssignment, User
from verbund.alliances.models import Alliance, FieldOfAction, LegalForm, MemberRole, Membership, Status
from verbund.common.data import GV100AD_LATEST, RLP_BOUNDARY_LAYERS, data_file
from verbund.registry.models import Body, Kind

ALLIANCES = 1_000
MIN_MEMBERS, MAX_MEMBERS = 2, 12
REQUESTS = 50
WARMUP = 5
PAGE_SIZES = (20, 100)
MEMBER_KINDS = (
    Kind.LANDKREIS,
    Kind.KREISFREIE_STADT,
    Kind.VERBANDSGEMEINDE,
    Kind.VERBANDSFREIE_GEMEINDE,
    Kind.ORTSGEMEINDE,
)


def _load_registry() -> str:
    """RLP with boundaries (official) or synthetic bodies; returns where the rows came from."""
    if Body.objects.in_state("07").of_kind(Kind.VERBANDSGEMEINDE).exists():
        return "existing"
    gv100ad = data_file(GV100AD_LATEST)
    try:
        from verbund.common.actors import SystemActor
        from verbund.registry.policies import IMPORT
        from verbund.registry.services import registry_import_boundaries, registry_import_gv100ad
    except ImportError:
        gv100ad = None
    if gv100ad is not None:
        actor = SystemActor(name="Benchmark", capabilities=frozenset({IMPORT}))
        registry_import_gv100ad(path=gv100ad, state="07", actor=actor)
        layers = [path for path in (data_file(layer) for layer in RLP_BOUNDARY_LAYERS) if path is not None]
        for layer in layers:
            registry_import_boundaries(path=layer, actor=actor)
        return f"GV100AD 30.11.2025, Land 07, {len(layers)} Grenzebenen"
    _create_synthetic()
    return "synthetic"


def _create_synthetic(kreise: int = 24, vgs_per_kreis: int = 5, gemeinden_per_vg: int = 20) -> None:
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


def _create_alliances(rng: random.Random) -> int:
    """``ALLIANCES`` published alliances with 2–12 current members and 1–3 fields (bulk inserts)."""
    Alliance.objects.filter(slug__startswith="bench-").delete()
    bodies = list(
        Body.objects.current().in_state("07").filter(kind__in=MEMBER_KINDS).values_list("pk", flat=True)
    )
    fields = list(FieldOfAction.objects.values_list("pk", flat=True))
    statuses = [s for s in Status.values if s != Status.BEENDET]
    alliances = []
    for n in range(ALLIANCES):
        status = rng.choice(statuses)
        alliances.append(
            Alliance(
                name=f"Benchmark-Verbund {n:04d}",
                short_name=f"BV {n:04d}",
                slug=f"bench-{n:04d}",
                public_summary=f"Gemeinsames Vorhaben Nummer {n} für den Benchmark.",
                status=status,
                legal_form=LegalForm.NONE
                if status in (Status.IDEE, Status.ANBAHNUNG)
                else LegalForm.ZWECKVEREINBARUNG,
                is_published=True,
                sources="Benchmark",
            )
        )
    Alliance.objects.bulk_create(alliances, batch_size=500)
    created = list(Alliance.objects.filter(slug__startswith="bench-").order_by("slug"))
    through = Alliance.fields.through
    links = [
        through(alliance_id=a.pk, fieldofaction_id=f)
        for a in created
        for f in rng.sample(fields, rng.randint(1, 3))
    ]
    through.objects.bulk_create(links, batch_size=1000)
    memberships = []
    for alliance in created:
        chosen = rng.sample(bodies, rng.randint(MIN_MEMBERS, MAX_MEMBERS))
        for i, body_id in enumerate(chosen):
            role = MemberRole.FEDERFUEHREND if i == 0 and rng.random() < 0.5 else MemberRole.MITGLIED
            memberships.append(
                Membership(alliance_id=alliance.pk, body_id=body_id, role=role, joined_on="2025-01-01")
            )
    Membership.objects.bulk_create(memberships, batch_size=1000)
    return len(memberships)


def _advisory_user() -> User:
    user, _ = User.objects.get_or_create(username="bench.beratung")
    RoleAssignment.objects.get_or_create(user=user, role=Role.BERATUNGSSTELLE, body=None)
    return user


def _measure(client: Client, url: str) -> dict[str, Any]:
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    queries = len(ctx.captured_queries)
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(percentile(timings, 0.95) * 1000, 1),
        "queries": queries,
        "bytes": len(response.content),
    }


def run() -> Iterator[dict[str, Any]]:
    rng = random.Random(2026)
    source = _load_registry()
    started = time.perf_counter()
    members = _create_alliances(rng)
    yield {
        "metric": "alliances_created_s",
        "value": round(time.perf_counter() - started, 3),
        "alliances": ALLIANCES,
        "memberships": members,
        "registry": source,
    }
    advisory = _advisory_user()
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for who in ("anonymous", "beratungsstelle"):
            client = Client()
            if who == "beratungsstelle":
                client.force_login(advisory)
            for target, template in (
                ("directory", "/verbuende/?per_page={n}"),
                ("api", "/api/v1/alliances?limit={n}"),
            ):
                queries = {}
                for n in PAGE_SIZES:
                    figures = _measure(client, template.format(n=n))
                    queries[n] = figures["queries"]
                    yield {
                        "metric": f"{target}_p95_ms",
                        "value": figures["p95_ms"],
                        "p50_ms": figures["p50_ms"],
                        "who": who,
                        "page_size": n,
                        "queries": figures["queries"],
                        "kb": round(figures["bytes"] / 1024, 1),
                        "requests": REQUESTS,
                    }
                yield {
                    "metric": f"{target}_queries_equal_for_page_sizes",
                    "value": len(set(queries.values())) == 1,
                    "who": who,
                    "queries": queries,
                }
        client = Client()
        for kind in ("csv", "geojson"):
            started = time.perf_counter()
            response = client.get(f"/verbuende/export.{kind}")
            assert response.status_code == 200
            yield {
                "metric": f"export_{kind}_s",
                "value": round(time.perf_counter() - started, 3),
                "kb": round(len(response.content) / 1024, 1),
            }
