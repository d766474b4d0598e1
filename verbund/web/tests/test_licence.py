"""The open-data licence: shown on the directory pages and carried by every open-data export —
``Link: <…>; rel="license"`` on each response, a ``license`` member in JSON and GeoJSON, a document
property and a sheet in XLSX; configurable by settings."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import override_settings

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.common.licence import DEFAULT_LICENCE, add_licence_header, licence_note, open_data_licence

from .public_world import public_world

pytestmark = pytest.mark.django_db

URL = DEFAULT_LICENCE["url"]
LINK = f'<{URL}>; rel="license"'


@pytest.fixture
def world(db: Any) -> Any:
    return public_world()


@pytest.fixture
def authority(client: Any) -> Any:
    user = UserFactory.create()
    RoleAssignmentFactory.create(user=user, role=Role.BEWILLIGUNGSBEHOERDE)
    client.force_login(user)
    return client


def _assert_link(response: Any) -> None:
    assert response.status_code == 200
    assert LINK in response["Link"]
    assert "Link" in response["Access-Control-Expose-Headers"]


def test_the_default_licence_is_the_datenlizenz_deutschland() -> None:
    licence = open_data_licence()
    assert licence.name == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    assert licence.url == "https://www.govdata.de/dl-de/by-2-0"
    assert licence.identifier == "dl-by-de/2.0"
    assert licence.dcat_uri == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


@override_settings(
    OPEN_DATA_LICENCE={
        "name": "Creative Commons Namensnennung 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
        "id": "cc-by/4.0",
    }
)
def test_the_licence_is_configurable(client: Any, world: Any) -> None:
    assert licence_note() == {
        "name": "Creative Commons Namensnennung 4.0",
        "id": "cc-by/4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    response = client.get("/verbuende/export.csv")
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert "Creative Commons Namensnennung 4.0" in client.get("/verbuende/").content.decode()


def test_a_second_link_is_kept() -> None:
    from django.http import HttpResponse

    response = HttpResponse()
    response["Link"] = '</next>; rel="next"'
    add_licence_header(response)
    assert response["Link"] == f'</next>; rel="next", {LINK}'


# --- directory pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/verbuende/", "/koerperschaften/", "/opendata/"])
def test_directory_pages_name_the_licence(client: Any, world: Any, url: str) -> None:
    html = client.get(url).content.decode()
    assert f'href="{URL}" rel="license"' in html
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in html


# --- one test per export -----------------------------------------------------------------------------


def test_alliances_csv_carries_the_licence_in_the_link_header(client: Any, world: Any) -> None:
    response = client.get("/verbuende/export.csv")
    _assert_link(response)
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Kürzel;Name")  # the data stay pure: no comment line


def test_alliances_json_carries_the_licence(client: Any, world: Any) -> None:
    response = client.get("/verbuende/export.json")
    _assert_link(response)
    assert response.json()["license"] == {"name": DEFAULT_LICENCE["name"], "id": "dl-by-de/2.0", "url": URL}


def test_alliances_geojson_carries_the_licence(client: Any, world: Any) -> None:
    response = client.get("/verbuende/export.geojson")
    _assert_link(response)
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and data["license"]["url"] == URL


def test_bodies_csv_carries_the_licence(client: Any, world: Any) -> None:
    response = client.get("/opendata/koerperschaften.csv")
    _assert_link(response)
    assert world.vg1.ars in response.content.decode("utf-8-sig")


def test_funding_overview_csv_carries_the_licence(client: Any, world: Any) -> None:
    _assert_link(client.get("/opendata/foerderung.csv"))


def test_funding_overview_json_carries_the_licence(client: Any, world: Any) -> None:
    response = client.get("/opendata/foerderung.json")
    _assert_link(response)
    assert response.json()["license"]["id"] == "dl-by-de/2.0"


def test_dcat_catalogue_carries_the_licence(client: Any, world: Any) -> None:
    _assert_link(client.get("/opendata/catalog.jsonld"))


def test_grants_csv_carries_the_licence(authority: Any, world: Any) -> None:
    response = authority.get("/foerderung/export/bewilligungen.csv")
    _assert_link(response)
    assert "Gemeinsames Vorhaben" in response.content.decode("utf-8-sig")


def test_transparency_csv_carries_the_licence(authority: Any, world: Any) -> None:
    _assert_link(authority.get("/foerderung/export/transparenz.csv"))


def test_grants_xlsx_carries_the_licence_as_property_and_sheet(authority: Any, world: Any) -> None:
    from openpyxl import load_workbook

    response = authority.get("/foerderung/export/bewilligungen.xlsx")
    _assert_link(response)
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Bewilligungen", "Lizenz"]
    assert workbook.active.title == "Bewilligungen"  # the data stay the first sheet
    properties = {p.name: p.value for p in workbook.custom_doc_props.props}
    assert properties["Lizenz-URL"] == URL and DEFAULT_LICENCE["name"] in properties["Lizenz"]
    rows = {row[0]: row[1] for row in workbook["Lizenz"].iter_rows(values_only=True)}
    assert rows["Lizenz"] == DEFAULT_LICENCE["name"] and rows["Lizenztext"] == URL
