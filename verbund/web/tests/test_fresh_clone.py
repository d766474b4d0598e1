"""A fresh clone without ``../shared/data`` and without a usable download shows the same product:
``load_demo`` (what ``make run`` runs) falls back from a download that returns an HTML page to the
built-in sample, which has simplified boundaries (maps, neighbours, contiguity) and every member of
every demo alliance, shared service and plan. The download runs against a local HTTP server."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from verbund.alliances.demo import DEMO_ALLIANCES
from verbund.alliances.models import Alliance, Membership
from verbund.alliances.selectors import alliance_facts
from verbund.registry.models import Body, BodyBoundary, BodyNeighbour, Kind
from verbund.registry.sources import SAMPLE_BOUNDARIES
from verbund.registry.tests.http_stub import StubServer

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><head><title>Anmeldung</title></head><body>Bitte anmelden</body></html>"


@pytest.fixture
def fresh_clone(settings: Any, tmp_path: Path) -> Any:
    """No data directory; the GV100AD download answers with an HTML page."""
    empty = tmp_path / "daten"
    empty.mkdir()
    settings.VERBUND_DATA_DIR = str(empty)
    settings.BASE_DIR = tmp_path
    server = StubServer()
    server.body = HTML
    settings.VERBUND_GV100AD_URL = server.url
    try:
        yield server
    finally:
        server.close()


def test_a_fresh_clone_loads_the_sample_with_boundaries_and_complete_demo_alliances(
    fresh_clone: StubServer, client: Any
) -> None:
    out, err = StringIO(), StringIO()
    call_command("load_demo", stdout=out, stderr=err)  # --source auto, as make run
    output = out.getvalue() + err.getvalue()

    # The HTML page was refused with a clear German reason, and the sample was used instead.
    assert "lieferte eine HTML-Seite statt des Gemeindeverzeichnisses GV100AD" in output
    assert "Eingebaute Stichprobe" in output
    assert "fehlt im Register" not in output and "übersprungen" not in output, output

    # Boundaries of every sample body of the three layers, neighbours in both directions.
    assert BodyBoundary.objects.count() > 600
    # Every body of the sample is in one of its layers, except the Land and the Regierungsbezirke.
    without = Body.objects.current().filter(boundary__isnull=True)
    assert set(without.values_list("kind", flat=True)) <= {Kind.LAND, Kind.REGIERUNGSBEZIRK}, list(
        without.values_list("key", "name")[:10]
    )
    kreise = Body.objects.current().filter(state="07", kind__in=[Kind.LANDKREIS, Kind.KREISFREIE_STADT])
    assert kreise.count() == 36
    assert not kreise.filter(boundary__isnull=True).exists()
    assert not Body.objects.current().filter(centroid_lat__isnull=True, boundary__isnull=False).exists()
    donnersberg = Body.objects.get(key="07333")
    assert {"07335", "07331", "07332"} <= set(
        BodyNeighbour.objects.filter(body=donnersberg).values_list("neighbour__key", flat=True)
    )
    assert BodyNeighbour.objects.filter(body__key="073355011", neighbour__key="073355008").exists()

    # Every demo alliance has all its members, and the facts see the neighbour graph.
    for spec in DEMO_ALLIANCES:
        alliance = Alliance.objects.get(slug=spec.slug)
        keys = set(Membership.objects.filter(alliance=alliance).values_list("body__key", flat=True))
        assert keys == {m.key for m in spec.members}, spec.slug
    bitburg = alliance_facts(Alliance.objects.get(slug="digitale-sozialverwaltung-bitburg-pruem"))
    assert bitburg.contiguous.value is True
    kaiserslautern = alliance_facts(Alliance.objects.get(slug="interkommunale-cybersicherheit"))
    assert kaiserslautern.contiguous.value is not None

    # The other parts' demo data found their bodies (shared services, plans on the neighbour graph).
    from verbund.planning.models import RunStatus, Scenario
    from verbund.shared_services.models import SharedService

    # the three demo services and the cyber alliance's shared security officer (issue 12)
    assert SharedService.objects.count() == 4
    scenarios = Scenario.objects.all()
    assert scenarios.count() == 2
    assert all(s.status == RunStatus.DONE for s in scenarios), [(s.name, s.status) for s in scenarios]

    # A map endpoint returns shapes, not points.
    mainz = Body.objects.get(key="07315000")
    response = client.get(reverse("api:body_boundary", kwargs={"ars": mainz.ars}))
    assert response.status_code == 200
    assert response.json()["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    directory = client.get(reverse("alliances:export_geojson")).json()
    types = {feature["geometry"]["type"] for feature in directory["features"] if feature["geometry"]}
    assert types and types <= {"Polygon", "MultiPolygon"}, types


def test_the_sample_boundaries_are_small_and_documented() -> None:
    total = sum(path.stat().st_size for path in SAMPLE_BOUNDARIES)
    assert 100_000 < total < 800_000
    readme = (SAMPLE_BOUNDARIES[0].parent / "README.md").read_text(encoding="utf-8")
    assert "Landeswahlleiter" in readme and "python -m tools.registry_sample" in readme
