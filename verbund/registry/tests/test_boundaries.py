"""The boundary import service: features matched to bodies by each layer's key, boundaries and
centroids stored, neighbour links stored in both directions and replaced only among the bodies of
the file (layers coexist), a second run writes nothing, a bad file changes nothing, unmatched
features are reported and a file that matches nothing asks for the registry first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from pyproj import Transformer

from conftest import shared_data_file
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, ImportFileError
from verbund.registry.boundaries import PROGRESS_STEPS, registry_import_boundaries
from verbund.registry.models import Body, BodyBoundary, BodyNeighbour, Kind, RegistryImport
from verbund.registry.tests.factories import IMPORTER, BodyFactory

pytestmark = pytest.mark.django_db

ORIGIN_X, ORIGIN_Y = 400_000.0, 5_530_000.0  # ETRS89 / UTM 32N, in the Hunsrück
TO_WGS84 = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
SOURCE = "Testquelle Landeswahlleiter"


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A GeoJSON Polygon (WGS84) of a rectangle given in metres (km scale keeps the centroids apart)."""
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return {
        "type": "Polygon",
        "coordinates": [[list(TO_WGS84.transform(ORIGIN_X + x, ORIGIN_Y + y)) for x, y in ring]],
    }


def write_layer(tmp_path: Path, name: str, features: list[tuple[dict[str, Any], dict[str, Any]]]) -> Path:
    path = tmp_path / name
    data = {
        "type": "FeatureCollection",
        "metadata": {"source": SOURCE},
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def create_body(**traits: Any) -> Body:
    body = BodyFactory(**traits)
    assert isinstance(body, Body)
    return body


@pytest.fixture
def bodies() -> dict[str, Body]:
    """A Landkreis with a Verbandsgemeinde of two Ortsgemeinden and a verbandsfreie Gemeinde, and a
    kreisfreie Stadt north of them all; keys from the factories (the real scheme)."""
    landkreis = create_body(landkreis=True)
    vg = create_body(verbandsgemeinde=True, parent=landkreis)
    return {
        "landkreis": landkreis,
        "vg": vg,
        "og1": create_body(parent=vg, centroid_lat=None, centroid_lon=None),
        "og2": create_body(parent=vg, centroid_lat=None, centroid_lon=None),
        "vf": create_body(verbandsfreie_gemeinde=True, parent=landkreis),
        "stadt": create_body(kreisfreie_stadt=True),
    }


# Layout in metres:   stadt [0, 3000] x [1000, 2000]
#                     og1 [0, 1000] | og2 [1000, 2000] | vf [2000, 3000]   (y in [0, 1000])
# og1 and vf touch nothing but og2 and the Stadt; the VG is og1 + og2; the Landkreis all three.
GEOMETRY = {
    "og1": box(0, 0, 1000, 1000),
    "og2": box(1000, 0, 2000, 1000),
    "vf": box(2000, 0, 3000, 1000),
    "stadt": box(0, 1000, 3000, 2000),
    "vg": box(0, 0, 2000, 1000),
    "landkreis": box(0, 0, 3000, 1000),
}


def gemeinde_layer(
    tmp_path: Path, b: dict[str, Body], **extra: tuple[dict[str, Any], dict[str, Any]]
) -> Path:
    features = [
        ({"ars": b[name].ars, "ags": b[name].ags, "name": b[name].name}, GEOMETRY[name])
        for name in ("og1", "og2", "vf", "stadt")
    ]
    return write_layer(tmp_path, "gemeinden.geojson", features + list(extra.values()))


def vg_layer(tmp_path: Path, b: dict[str, Body]) -> Path:
    # A Verbandsgemeinde by its key; the verbandsfreie Gemeinde and the Stadt by their own association key.
    features = [
        ({"gemeindeverband_ars": b[name].association_key}, GEOMETRY[name]) for name in ("vf", "stadt")
    ]
    features.append(({"gemeindeverband_ars": b["vg"].key}, GEOMETRY["vg"]))
    return write_layer(tmp_path, "verbandsgemeinden.geojson", features)


def kreis_layer(tmp_path: Path, b: dict[str, Body]) -> Path:
    # A Landkreis by its key; the kreisfreie Stadt by kreis_ags + "000" = its AGS.
    return write_layer(
        tmp_path,
        "kreise.geojson",
        [
            ({"kreis_ags": b["landkreis"].key}, GEOMETRY["landkreis"]),
            ({"kreis_ags": b["stadt"].ags[:5]}, GEOMETRY["stadt"]),
        ],
    )


def links() -> dict[tuple[str, str], float]:
    """All neighbour links as {(body key, neighbour key): metres}."""
    return {
        (link.body.key, link.neighbour.key): link.shared_border_m
        for link in BodyNeighbour.objects.select_related("body", "neighbour")
    }


def neighbour_keys(body: Body) -> set[str]:
    return set(BodyNeighbour.objects.filter(body=body).values_list("neighbour__key", flat=True))


def snapshot() -> dict[str, Any]:
    """Everything an import may write, to compare before and after."""
    return {
        "bodies": list(
            Body.objects.order_by("pk").values_list("pk", "centroid_lat", "centroid_lon", "updated_at")
        ),
        "boundaries": list(
            BodyBoundary.objects.order_by("pk").values_list("pk", "body_id", "updated_at", "source")
        ),
        "links": list(
            BodyNeighbour.objects.order_by("pk").values_list(
                "pk", "body_id", "neighbour_id", "shared_border_m"
            )
        ),
        "imports": RegistryImport.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_import_stores_boundaries_centroids_and_neighbours_both_ways(
    tmp_path: Path, bodies: dict[str, Body]
) -> None:
    # A superuser counts as Plattformbetrieb, who may start an import.
    user = get_user_model().objects.create_superuser(username="betrieb", password="x")
    steps: list[tuple[int, int]] = []
    result = registry_import_boundaries(
        path=gemeinde_layer(tmp_path, bodies), actor=user, progress=lambda s, t: steps.append((s, t))
    )

    assert (result.features, result.boundaries, result.neighbours) == (4, 4, 5)
    assert result.summary().startswith("4 Grenzen, 5 Nachbarschaften (Datei gemeinden.geojson)")
    assert steps[-1] == (PROGRESS_STEPS, PROGRESS_STEPS)
    assert [s for s, _ in steps] == sorted(s for s, _ in steps)

    og1 = Body.objects.get(pk=bodies["og1"].pk)
    boundary = og1.boundary
    assert boundary.geometry == GEOMETRY["og1"]
    assert boundary.source == f"gemeinden.geojson: {SOURCE}"
    ring = GEOMETRY["og1"]["coordinates"][0]
    assert boundary.min_lon == min(c[0] for c in ring) and boundary.max_lat == max(c[1] for c in ring)
    # The centroid of the square, to 6 decimals.
    lon, lat = TO_WGS84.transform(ORIGIN_X + 500, ORIGIN_Y + 500)
    assert (og1.centroid_lon, og1.centroid_lat) == (round(lon, 6), round(lat, 6))

    b = {name: body.key for name, body in bodies.items()}
    expected = {("og1", "og2"), ("og2", "vf"), ("og1", "stadt"), ("og2", "stadt"), ("vf", "stadt")}
    stored = links()
    assert set(stored) == {(b[x], b[y]) for x, y in expected} | {(b[y], b[x]) for x, y in expected}
    assert stored[b["og1"], b["og2"]] == stored[b["og2"], b["og1"]] == pytest.approx(1002.0, abs=0.2)
    assert stored[b["vf"], b["stadt"]] == pytest.approx(1002.0, abs=0.2)
    assert stored[b["og2"], b["stadt"]] == pytest.approx(1002.0, abs=0.2)

    run = RegistryImport.objects.get()
    assert run.source == RegistryImport.Source.BOUNDARIES
    assert run.file_name == "gemeinden.geojson" and len(run.sha256) == 64
    assert run.imported_by == user and run.state == "07"
    assert run.counts["boundaries_created"] == 4 and run.counts["links_created"] == 10
    entry = AuditEntry.objects.get(action="registry.import_boundaries")
    assert entry.actor == user and entry.object_id == str(run.pk)
    assert entry.changes["neighbours"] == 5


def test_second_run_writes_nothing(tmp_path: Path, bodies: dict[str, Body]) -> None:
    path = gemeinde_layer(tmp_path, bodies)
    registry_import_boundaries(actor=IMPORTER, path=path)
    before = snapshot()

    again = registry_import_boundaries(actor=IMPORTER, path=path)

    assert not again.changed
    assert again.registry_import is None
    assert (again.boundaries, again.neighbours) == (4, 5)
    assert "unverändert" in again.summary()
    assert snapshot() == before


def test_system_import_is_audited_with_its_name(tmp_path: Path, bodies: dict[str, Body]) -> None:
    result = registry_import_boundaries(actor=IMPORTER, path=gemeinde_layer(tmp_path, bodies))
    entry = AuditEntry.objects.get(action="registry.import_boundaries")
    assert entry.actor is None and entry.is_system
    assert entry.actor_label == "Registerimport (Test)"
    assert result.registry_import is not None and result.registry_import.imported_by is None
    assert entry.object_type == "registry.registryimport"
    assert entry.object_id == str(result.registry_import.pk)
    assert (entry.body_id, entry.alliance_id) == (None, None)


@pytest.mark.parametrize(
    "actor",
    [
        SystemActor(name="Demodaten", capabilities=frozenset({"alliances.manage"})),
        SystemActor(name="Ohne Fähigkeiten"),
    ],
)
def test_system_actor_without_the_import_capability_is_refused(
    tmp_path: Path, bodies: dict[str, Body], actor: SystemActor
) -> None:
    before = snapshot()
    with pytest.raises(Forbidden):
        registry_import_boundaries(actor=actor, path=gemeinde_layer(tmp_path, bodies))
    assert snapshot() == before


def test_person_without_plattformbetrieb_is_refused(tmp_path: Path, bodies: dict[str, Body]) -> None:
    user = get_user_model().objects.create_user(username="sachbearbeitung", password="x")
    before = snapshot()
    with pytest.raises(Forbidden):
        registry_import_boundaries(actor=user, path=gemeinde_layer(tmp_path, bodies))
    assert snapshot() == before


@pytest.mark.parametrize("actor", ["import_registry", None])
def test_a_string_or_no_actor_is_a_type_error(tmp_path: Path, bodies: dict[str, Body], actor: Any) -> None:
    before = snapshot()
    with pytest.raises(TypeError):
        registry_import_boundaries(actor=actor, path=gemeinde_layer(tmp_path, bodies))
    assert snapshot() == before


def test_changed_file_updates_only_what_changed(tmp_path: Path, bodies: dict[str, Body]) -> None:
    registry_import_boundaries(actor=IMPORTER, path=gemeinde_layer(tmp_path, bodies))
    b = {name: body.key for name, body in bodies.items()}
    untouched = BodyBoundary.objects.get(body=bodies["og1"]).updated_at
    link_og1_og2 = BodyNeighbour.objects.get(body=bodies["og1"], neighbour=bodies["og2"]).pk

    # The verbandsfreie Gemeinde moves 5 km east: it loses both neighbours and its centroid moves.
    moved_geometry = box(7000, 0, 8000, 1000)
    path = write_layer(
        tmp_path,
        "gemeinden.geojson",
        [({"ars": bodies[n].ars}, GEOMETRY[n]) for n in ("og1", "og2", "stadt")]
        + [({"ars": bodies["vf"].ars}, moved_geometry)],
    )
    result = registry_import_boundaries(actor=IMPORTER, path=path)

    assert (result.boundaries_created, result.boundaries_updated, result.centroids_updated) == (0, 1, 1)
    assert (result.links_created, result.links_updated, result.links_deleted) == (0, 0, 4)
    assert neighbour_keys(bodies["vf"]) == set()
    assert b["vf"] not in neighbour_keys(bodies["stadt"])
    assert BodyBoundary.objects.get(body=bodies["vf"]).geometry == moved_geometry
    assert BodyBoundary.objects.get(body=bodies["og1"]).updated_at == untouched
    assert BodyNeighbour.objects.get(body=bodies["og1"], neighbour=bodies["og2"]).pk == link_og1_og2

    # The audit names the bodies whose boundary and whose neighbour links changed, not only counts.
    changes = AuditEntry.objects.filter(action="registry.import_boundaries").latest("id").changes
    label = {name: f"{body.name} ({body.key})" for name, body in bodies.items()}
    assert changes["boundary_bodies"] == {"count": 1, "bodies": [label["vf"]], "not_listed": 0}
    assert set(changes["neighbour_bodies"]["bodies"]) == {label["vf"], label["og2"], label["stadt"]}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param('{"type": "FeatureCollection", "features": [', id="broken-json"),
        pytest.param(None, id="bad-geometry-in-last-feature"),
    ],
)
def test_bad_file_changes_nothing(tmp_path: Path, bodies: dict[str, Body], content: str | None) -> None:
    registry_import_boundaries(actor=IMPORTER, path=gemeinde_layer(tmp_path, bodies))
    before = snapshot()
    if content is None:
        bad = write_layer(
            tmp_path,
            "schlecht.geojson",
            [
                ({"ars": bodies["og1"].ars}, box(0, 0, 5000, 5000)),
                ({"ars": bodies["og2"].ars}, {"type": "Point"}),
            ],
        )
    else:
        bad = tmp_path / "schlecht.geojson"
        bad.write_text(content, encoding="utf-8")

    with pytest.raises(ImportFileError) as caught:
        registry_import_boundaries(actor=IMPORTER, path=bad)

    assert "schlecht.geojson" in str(caught.value)
    assert snapshot() == before


def test_unmatched_features_are_reported_not_fatal(tmp_path: Path, bodies: dict[str, Body]) -> None:
    dissolved = create_body(dissolved=True, parent=bodies["vg"])
    path = gemeinde_layer(
        tmp_path,
        bodies,
        condominium=({"ars": "070000000999", "ags": "07000999"}, box(9000, 0, 9500, 500)),
        dissolved=(
            {"ars": dissolved.ars},
            box(-1000, 0, 0, 1000),
        ),  # touches og1: no link to a dissolved body
    )
    result = registry_import_boundaries(actor=IMPORTER, path=path)

    assert result.unmatched == ["070000000999", dissolved.ars]
    assert (result.features, result.boundaries, result.neighbours) == (6, 4, 5)
    assert "2 Gebiete ohne Körperschaft im Register: 070000000999" in result.summary()
    assert RegistryImport.objects.get().counts["unmatched_keys"] == ["070000000999", dissolved.ars]
    assert not BodyBoundary.objects.filter(body=dissolved).exists()
    assert not BodyNeighbour.objects.filter(neighbour=dissolved).exists()


def test_file_matching_no_body_asks_for_the_registry_first(tmp_path: Path) -> None:
    path = write_layer(tmp_path, "gemeinden.geojson", [({"ars": "071110000000"}, box(0, 0, 1000, 1000))])
    with pytest.raises(ImportFileError, match="Register zuerst importieren"):
        registry_import_boundaries(actor=IMPORTER, path=path)
    assert not RegistryImport.objects.exists()
    assert not AuditEntry.objects.exists()


def test_empty_file_is_an_error(tmp_path: Path, bodies: dict[str, Body]) -> None:
    with pytest.raises(
        ImportFileError, match=r"leer\.geojson, Feld features: Die Datei enthält keine Gebiete"
    ):
        registry_import_boundaries(actor=IMPORTER, path=write_layer(tmp_path, "leer.geojson", []))


def test_gemeinde_layer_by_ags(tmp_path: Path, bodies: dict[str, Body]) -> None:
    path = write_layer(
        tmp_path, "ags.geojson", [({"ags": bodies[n].ags}, GEOMETRY[n]) for n in ("og1", "og2", "stadt")]
    )
    result = registry_import_boundaries(actor=IMPORTER, path=path)
    assert (result.boundaries, result.neighbours, result.unmatched) == (3, 3, [])
    assert neighbour_keys(bodies["og1"]) == {bodies["og2"].key, bodies["stadt"].key}


def test_vg_layer_matches_associations_and_their_own_association_keys(
    tmp_path: Path, bodies: dict[str, Body]
) -> None:
    result = registry_import_boundaries(actor=IMPORTER, path=vg_layer(tmp_path, bodies))
    assert (result.boundaries, result.unmatched) == (3, [])
    # The Verbandsgemeinde itself got the polygon, not one of its Ortsgemeinden (same association key).
    assert set(BodyBoundary.objects.values_list("body__kind", flat=True)) == {
        Kind.VERBANDSGEMEINDE,
        Kind.VERBANDSFREIE_GEMEINDE,
        Kind.KREISFREIE_STADT,
    }
    assert neighbour_keys(bodies["vg"]) == {bodies["vf"].key, bodies["stadt"].key}


def test_layers_coexist_and_each_replaces_only_its_own_links(tmp_path: Path, bodies: dict[str, Body]) -> None:
    gemeinden = gemeinde_layer(tmp_path, bodies)
    for path in (gemeinden, vg_layer(tmp_path, bodies), kreis_layer(tmp_path, bodies)):
        registry_import_boundaries(actor=IMPORTER, path=path)
    b = {name: body.key for name, body in bodies.items()}

    # The kreisfreie Stadt neighbours Ortsgemeinden, a verbandsfreie Gemeinde, a Verbandsgemeinde and
    # a Landkreis at once.
    assert neighbour_keys(bodies["stadt"]) == {b["og1"], b["og2"], b["vf"], b["vg"], b["landkreis"]}
    assert neighbour_keys(bodies["landkreis"]) == {b["stadt"]}
    # The Stadt's polygon is the same in all three layers: the first layer to bring it stays its
    # source, and the others change nothing.
    assert BodyBoundary.objects.get(body=bodies["stadt"]).source.startswith("gemeinden.geojson")
    before = snapshot()

    # Re-importing the Gemeinde layer keeps the links of the other layers; links it shares with
    # them (Stadt and verbandsfreie Gemeinde) have the same length, so nothing changes at all.
    again = registry_import_boundaries(actor=IMPORTER, path=gemeinden)
    assert neighbour_keys(bodies["stadt"]) == {b["og1"], b["og2"], b["vf"], b["vg"], b["landkreis"]}
    assert again.links_created == again.links_deleted == again.links_updated == 0
    assert snapshot()["links"] == before["links"]

    # A Gemeinde layer without the Stadt no longer links it to Ortsgemeinden, but the Kreis and VG
    # links of the Stadt stay.
    without_stadt = write_layer(
        tmp_path, "gemeinden.geojson", [({"ars": bodies[n].ars}, GEOMETRY[n]) for n in ("og1", "og2", "vf")]
    )
    registry_import_boundaries(actor=IMPORTER, path=without_stadt)
    assert neighbour_keys(bodies["stadt"]) == {b["og1"], b["og2"], b["vf"], b["vg"], b["landkreis"]}


def test_layers_keep_links_when_a_gemeinde_pair_drops(tmp_path: Path, bodies: dict[str, Body]) -> None:
    registry_import_boundaries(actor=IMPORTER, path=kreis_layer(tmp_path, bodies))
    registry_import_boundaries(actor=IMPORTER, path=gemeinde_layer(tmp_path, bodies))
    # The Stadt moves away in the Gemeinde layer: its Gemeinde-layer links go, the Kreis link stays.
    moved = write_layer(
        tmp_path,
        "gemeinden.geojson",
        [({"ars": bodies[n].ars}, GEOMETRY[n]) for n in ("og1", "og2", "vf")]
        + [({"ars": bodies["stadt"].ars}, box(0, 5000, 3000, 6000))],
    )
    result = registry_import_boundaries(actor=IMPORTER, path=moved)
    assert result.links_deleted == 6
    assert neighbour_keys(bodies["stadt"]) == {bodies["landkreis"].key}


def test_two_features_for_one_body_are_an_error(tmp_path: Path, bodies: dict[str, Body]) -> None:
    path = write_layer(
        tmp_path,
        "doppelt.geojson",
        [({"ars": bodies["og1"].ars}, GEOMETRY["og1"]), ({"ags": bodies["og1"].ags}, GEOMETRY["og2"])],
    )
    with pytest.raises(ImportFileError, match="dieselbe Körperschaft"):
        registry_import_boundaries(actor=IMPORTER, path=path)
    assert not BodyBoundary.objects.exists()


def test_real_rlp_layers_after_the_gv100ad_import() -> None:
    """The three RLP layers on the registry of GV100AD 30.11.2025: every polygon finds its body, the
    published neighbour counts are stored, and a second run of all three layers writes nothing."""
    importer = pytest.importorskip("verbund.registry.importer")
    gv100ad = shared_data_file("gemeindeverzeichnis/GV100AD_30112025.txt")
    layers = [
        shared_data_file(f"geo/rlp/rlp_{name}.geojson")
        for name in ("kreise", "verbandsgemeinden", "gemeinden")
    ]
    importer.registry_import_gv100ad(actor=IMPORTER, path=gv100ad, state="07")

    results = [registry_import_boundaries(actor=IMPORTER, path=path) for path in layers]

    assert [(r.boundaries, r.neighbours, r.unmatched) for r in results] == [
        (36, 73, []),
        (170, 449, []),
        (2300, 6677, []),
    ]
    assert BodyBoundary.objects.count() == 24 + 129 + 2300  # kreisfreie/verbandsfreie: one body, one boundary
    assert not Body.objects.filter(
        kind__in=[Kind.ORTSGEMEINDE, Kind.LANDKREIS], centroid_lat__isnull=True
    ).exists()
    assert BodyNeighbour.objects.count() % 2 == 0
    assert not BodyNeighbour.objects.filter(body=models.F("neighbour")).exists()
    koblenz = Body.objects.get(ags="07111000")
    neighbours = set(BodyNeighbour.objects.filter(body=koblenz).values_list("neighbour__kind", flat=True))
    # Koblenz borders Ortsgemeinden (Gemeinde layer), Verbandsgemeinden (VG layer) and Landkreise.
    assert {Kind.ORTSGEMEINDE, Kind.VERBANDSGEMEINDE, Kind.LANDKREIS} <= neighbours
    mainz_lat = Body.objects.get(ags="07315000").centroid_lat
    assert mainz_lat is not None and 49.9 < mainz_lat < 50.1
    before = snapshot()

    again = [registry_import_boundaries(actor=IMPORTER, path=path) for path in layers]

    assert not any(r.changed for r in again)
    assert snapshot() == before


def test_a_self_intersecting_kreis_is_refused_and_the_real_boundary_stays(
    tmp_path: Path, bodies: dict[str, Body]
) -> None:
    """A bow tie in place of a Kreis boundary: refused naming the feature (key, name, index) and the
    reason; the stored boundary, centroid and links stay as they were, no run and no audit entry."""
    registry_import_boundaries(path=kreis_layer(tmp_path, bodies), actor=IMPORTER)
    before = snapshot()
    runs, entries = RegistryImport.objects.count(), AuditEntry.objects.count()
    landkreis = bodies["landkreis"]
    bow_tie = box(0, 0, 3000, 1000)
    ring = bow_tie["coordinates"][0]
    bow_tie["coordinates"][0] = [ring[0], ring[2], ring[1], ring[3], ring[0]]
    path = write_layer(
        tmp_path,
        "kreise_kaputt.geojson",
        [
            ({"kreis_ags": bodies["stadt"].ags[:5]}, GEOMETRY["stadt"]),
            ({"kreis_ags": landkreis.key, "name": landkreis.name}, bow_tie),
        ],
    )
    with pytest.raises(ImportFileError) as caught:
        registry_import_boundaries(path=path, actor=IMPORTER)
    message = str(caught.value)
    assert caught.value.field == "features[1].geometry.coordinates"
    assert f"ungültige Geometrie von {landkreis.key} ({landkreis.name}): Selbstüberschneidung" in message
    assert snapshot() == before
    assert (RegistryImport.objects.count(), AuditEntry.objects.count()) == (runs, entries)
