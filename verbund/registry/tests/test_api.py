"""The registry API ``/api/v1/bodies``: filters, pagination shape, detail with parent chain and
successors, neighbours, boundary as GeoJSON, the error shapes (404, 422) and a query count that does
not grow with the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from verbund.registry.models import Kind

from .factories import IMPORTER, BodyBoundaryFactory, BodyFactory, LandFactory, make_neighbours

pytestmark = pytest.mark.django_db

LIST = "/api/v1/bodies"


@pytest.fixture
def vg():
    return BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Hauenstein")


def test_list_item_carries_every_documented_field(client, vg):
    og = BodyFactory.create(
        parent=vg,
        name="Hauenstein",
        population=4012,
        area_ha=1234,
        postcode="76846",
        centroid_lat=49.19,
        centroid_lon=7.85,
    )

    response = client.get(LIST, {"kind": "ortsgemeinde"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item == {
        "ars": og.ars,
        "ags": og.ags,
        "key": og.key,
        "name": "Hauenstein",
        "kind": "ortsgemeinde",
        "kind_label": "Ortsgemeinde",
        "is_stadt": False,
        "state": "07",
        "parent_ars": vg.ars,
        "population": 4012,
        "population_date": "2024-12-31",
        "area_km2": 12.34,
        "postcode": "76846",
        "centroid": {"lat": 49.19, "lon": 7.85},
        "dissolved_on": None,
        "url": f"/api/v1/bodies/{og.ars}",
    }
    assert client.get(item["url"]).status_code == 200


def test_list_filters_by_state_kind_parent_and_search(client, vg):
    hauenstein = BodyFactory.create(parent=vg, name="Hauenstein")
    stadt = BodyFactory.create(parent=vg, stadt=True, name="Dahn")
    other_vg = BodyFactory.create(verbandsgemeinde=True, parent=vg.parent)
    elsewhere = BodyFactory.create(parent=other_vg, name="Schwanheim")
    foreign = BodyFactory.create(
        parent__parent__parent=LandFactory.create(state="08"), name="Hauenstein (BW)"
    )

    def ars_of(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        return {item["ars"] for item in response.json()["items"]}

    assert ars_of(state="08", kind="ortsgemeinde") == {foreign.ars}
    assert ars_of(parent=vg.ars) == {hauenstein.ars, stadt.ars}
    assert ars_of(q="hauen") == {hauenstein.ars, foreign.ars, vg.ars}
    assert ars_of(q="HAUEN", kind="ortsgemeinde", state="07") == {hauenstein.ars}
    assert ars_of(q=hauenstein.ags) == {hauenstein.ars}
    assert ars_of(q=vg.ars[:9], kind="ortsgemeinde") == {hauenstein.ars, stadt.ars}
    assert ars_of(kind=["verbandsgemeinde", "landkreis"], state="07") == {vg.ars, other_vg.ars, vg.parent.ars}
    assert elsewhere.ars in ars_of(kind="ortsgemeinde", state="07")


def test_dissolved_bodies_only_on_request(client, vg):
    current = BodyFactory.create(parent=vg)
    gone = BodyFactory.create(parent=vg, dissolved=True)

    default = {i["ars"] for i in client.get(LIST, {"parent": vg.ars}).json()["items"]}
    everything = client.get(LIST, {"parent": vg.ars, "include_dissolved": "true"}).json()["items"]

    assert default == {current.ars}
    assert {i["ars"] for i in everything} == {current.ars, gone.ars}
    assert next(i for i in everything if i["ars"] == gone.ars)["dissolved_on"] == "2025-11-30"


def test_pagination_counts_all_and_pages_in_ars_order(client, vg):
    bodies = BodyFactory.create_batch(7, parent=vg)
    expected = sorted(b.ars for b in bodies)

    first = client.get(LIST, {"parent": vg.ars, "limit": 3}).json()
    last = client.get(LIST, {"parent": vg.ars, "limit": 3, "offset": 6}).json()

    assert first["count"] == last["count"] == 7
    assert [i["ars"] for i in first["items"]] == expected[:3]
    assert [i["ars"] for i in last["items"]] == expected[6:]


@pytest.mark.parametrize(
    "params",
    [
        {"state": "7"},
        {"kind": "stadtstaat"},
        {"parent": "0713"},
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
    ],
)
def test_invalid_filters_answer_422_in_the_error_shape(client, params):
    response = client.get(LIST, params)

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == "invalid"


def test_list_query_count_does_not_grow_with_the_page_size(client, vg):
    BodyFactory.create_batch(30, parent=vg)

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, {"limit": limit})
        assert response.status_code == 200
        assert len(response.json()["items"]) == min(limit, response.json()["count"])
        return len(ctx.captured_queries)

    small, large = queries(5), queries(200)

    assert small == large
    assert large == 2  # count + page (the parent is joined)


def test_detail_has_parent_chain_children_and_boundary_flag(client, vg):
    og = BodyFactory.create(parent=vg, name="Hauenstein", seat="")
    BodyFactory.create(parent=vg)
    BodyFactory.create(parent=vg, dissolved=True)
    BodyBoundaryFactory.create(body=vg)
    landkreis, land = vg.parent, vg.parent.parent

    og_detail = client.get(f"{LIST}/{og.ars}").json()
    vg_detail = client.get(f"{LIST}/{vg.ars}").json()

    assert [p["ars"] for p in og_detail["parents"]] == [vg.ars, landkreis.ars, land.ars]
    assert og_detail["parents"][-1] == {"ars": "070000000000", "name": "Rheinland-Pfalz", "kind": "land"}
    assert og_detail["has_boundary"] is False
    assert og_detail["boundary_url"] is None
    assert og_detail["children_count"] == 0
    assert og_detail["neighbours_url"] == f"/api/v1/bodies/{og.ars}/neighbours"
    assert vg_detail["children_count"] == 2  # the dissolved one does not count
    assert vg_detail["has_boundary"] is True
    assert vg_detail["boundary_url"] == f"/api/v1/bodies/{vg.ars}/boundary"
    assert vg_detail["seat"] == vg.seat
    assert vg_detail["textkennzeichen"] == "53"
    assert vg_detail["gebietsstand"] == "2025-11-30"


def test_detail_of_a_dissolved_body_names_its_successors(client, vg):
    successor = BodyFactory.create(parent=vg, name="Obergeckler")
    gone = BodyFactory.create(parent=vg, dissolved=True, name="Niedergeckler")
    gone.successors.add(successor)

    gone_detail = client.get(f"{LIST}/{gone.ars}").json()
    successor_detail = client.get(f"{LIST}/{successor.ars}").json()

    assert gone_detail["dissolved_on"] == "2025-11-30"
    assert gone_detail["successors"] == [
        {"ars": successor.ars, "name": "Obergeckler", "kind": "ortsgemeinde"}
    ]
    assert successor_detail["predecessors"] == [
        {"ars": gone.ars, "name": "Niedergeckler", "kind": "ortsgemeinde"}
    ]


def test_unknown_body_is_404_in_the_error_shape(client, django_user_model):
    for path in ("", "/neighbours", "/boundary"):
        response = client.get(f"{LIST}/071119999999{path}")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}
    # the same for a signed-in principal (the registry is public: nobody sees more or less)
    client.force_login(django_user_model.objects.create_user(username="erika", password="x" * 12))
    response = client.get(f"{LIST}/071119999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden.", "code": "not_found"}


def test_a_signed_in_user_sees_the_same_registry(client, django_user_model, vg):
    og = BodyFactory.create(parent=vg)
    anonymous = client.get(LIST, {"parent": vg.ars}).json()
    client.force_login(django_user_model.objects.create_user(username="erika", password="x" * 12))
    signed_in = client.get(LIST, {"parent": vg.ars}).json()
    assert signed_in == anonymous
    assert [i["ars"] for i in signed_in["items"]] == [og.ars]
    assert client.get(f"{LIST}/{og.ars}").json()["ars"] == og.ars


@pytest.mark.parametrize("ars", ["0711", "07111000000a", "0711100000000"])
def test_malformed_ars_is_422(client, ars):
    for path in ("", "/neighbours", "/boundary"):
        response = client.get(f"{LIST}/{ars}{path}")
        assert response.status_code == 422, path
        assert response.json()["code"] == "invalid"


def test_neighbours_with_shared_border_and_kind_filter(client, vg):
    og = BodyFactory.create(parent=vg, name="Mitte")
    north = BodyFactory.create(parent=vg, name="Nordheim")
    town = BodyFactory.create(parent=vg, stadt=True, name="Südstadt")
    vfg = BodyFactory.create(verbandsfreie_gemeinde=True, parent=vg.parent, name="Westdorf")
    unrelated = BodyFactory.create(parent=vg)
    make_neighbours(og, north, shared_border_m=1500.5)
    make_neighbours(og, town, shared_border_m=80.0)
    make_neighbours(og, vfg, shared_border_m=2500.0)
    make_neighbours(north, unrelated)

    page = client.get(f"{LIST}/{og.ars}/neighbours").json()
    only_vfg = client.get(f"{LIST}/{og.ars}/neighbours", {"kind": Kind.VERBANDSFREIE_GEMEINDE}).json()

    assert page["count"] == 3
    assert [(i["name"], i["shared_border_m"]) for i in page["items"]] == [
        ("Nordheim", 1500.5),
        ("Südstadt", 80.0),
        ("Westdorf", 2500.0),
    ]
    assert page["items"][0]["parent_ars"] == vg.ars
    assert [i["ars"] for i in only_vfg["items"]] == [vfg.ars]
    assert only_vfg["count"] == 1


def test_boundary_is_a_geojson_feature(client, vg):
    og = BodyFactory.create(parent=vg, name="Hauenstein")
    BodyBoundaryFactory.create(body=og, lon=7.8, lat=49.2, size=0.1)

    response = client.get(f"{LIST}/{og.ars}/boundary")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["properties"] == {"ars": og.ars, "name": "Hauenstein", "kind": "ortsgemeinde"}
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["geometry"]["coordinates"][0][0] == [7.8, 49.2]


def test_missing_boundary_is_404(client, vg):
    og = BodyFactory.create(parent=vg)

    response = client.get(f"{LIST}/{og.ars}/boundary")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_registry_is_public_but_a_bad_token_is_refused(client, vg):
    assert client.get(LIST).status_code == 200
    response = client.get(LIST, HTTP_AUTHORIZATION="Bearer nicht-gueltig")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_real_rlp_registry_through_the_api(client, data_file):
    """Integration: the official GV100AD and the VG boundary layer, imported by the real importers."""
    from verbund.registry.boundaries import registry_import_boundaries
    from verbund.registry.importer import registry_import_gv100ad

    gv100ad = data_file("gemeindeverzeichnis/GV100AD_30112025.txt")
    registry_import_gv100ad(actor=IMPORTER, path=gv100ad, state="07")
    registry_import_boundaries(actor=IMPORTER, path=data_file("geo/rlp/rlp_verbandsgemeinden.geojson"))
    dahner_felsenland, erfweiler = "073405001000", "073405001009"

    members = client.get(LIST, {"parent": dahner_felsenland, "limit": 100}).json()
    detail = client.get(f"{LIST}/{erfweiler}").json()
    vg = client.get(f"{LIST}/{dahner_felsenland}").json()
    neighbours = client.get(f"{LIST}/{dahner_felsenland}/neighbours").json()
    all_ortsgemeinden = client.get(LIST, {"state": "07", "kind": "ortsgemeinde", "limit": 1}).json()

    assert members["count"] == 15
    assert "Erfweiler" in {i["name"] for i in members["items"]}
    assert [p["name"] for p in detail["parents"]] == ["Dahner Felsenland", "Südwestpfalz", "Rheinland-Pfalz"]
    assert detail["population"] == 1103
    assert vg["has_boundary"] is True
    assert vg["children_count"] == 15
    assert neighbours["count"] >= 3
    assert all(i["shared_border_m"] >= 5 for i in neighbours["items"])
    assert client.get(vg["boundary_url"])["Content-Type"] == "application/geo+json"
    # 2,162 Ortsgemeinden and 97 verbandsangehörige Städte (DOMAIN.md §4)
    assert all_ortsgemeinden["count"] == 2162 + 97
