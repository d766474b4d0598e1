"""The DCAT-AP.de catalogue at /opendata/catalog.jsonld and its page: valid JSON-LD with the
DCAT-AP.de prefixes, every dataset with its mandatory properties, absolute links on ``SITE_URL``
that answer 200 to an anonymous visitor, the licence everywhere, and nothing that is not public."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from verbund.web.opendata.catalog import CONTEXT

from .public_world import public_world

pytestmark = pytest.mark.django_db

SITE = "https://verbund.example.org"
DATASET_MANDATORY = (
    "@id",
    "dct:title",
    "dct:description",
    "dct:publisher",
    "dcatde:contributorID",
    "dct:license",
    "dcat:distribution",
    "dcatde:politicalGeocodingLevelURI",
    "dcatde:politicalGeocodingURI",
    "dct:modified",
    "dcat:landingPage",
)
DISTRIBUTION_MANDATORY = ("dcat:accessURL", "dct:format", "dcat:mediaType", "dct:license", "dct:modified")


@pytest.fixture
def world(db: Any) -> Any:
    return public_world()


@pytest.fixture
def catalogue(client: Any, world: Any) -> dict[str, Any]:
    with override_settings(SITE_URL=SITE, OPEN_DATA_PUBLISHER="Ministerium des Innern RLP"):
        response = client.get("/opendata/catalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    return response.json()


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def _iris(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "@id" in node and isinstance(node["@id"], str):
            yield node["@id"]
        for value in node.values():
            yield from _iris(value)
    elif isinstance(node, list):
        for item in node:
            yield from _iris(item)


def test_the_catalogue_is_json_ld_with_the_dcat_ap_de_vocabulary(catalogue: dict[str, Any]) -> None:
    assert catalogue["@context"] == CONTEXT
    assert CONTEXT["dcatde"] == "http://dcat-ap.de/def/dcatde/"
    assert CONTEXT["dcat"] == "http://www.w3.org/ns/dcat#"
    assert catalogue["@type"] == "dcat:Catalog"
    # Every term is a keyword or a compact IRI whose prefix the context defines.
    body = {k: v for k, v in catalogue.items() if k != "@context"}
    for key in set(_keys(body)):
        if key.startswith("@"):
            continue
        prefix, _, local = key.partition(":")
        assert local and prefix in CONTEXT, f"term {key!r} has no prefix in the context"
    for value in _iris(catalogue):
        assert re.match(r"^(https?|mailto):", value), f"not an absolute IRI: {value}"


def test_every_dataset_has_the_mandatory_properties(catalogue: dict[str, Any]) -> None:
    datasets = catalogue["dcat:dataset"]
    assert {d["@id"].rsplit("#", 1)[1] for d in datasets} == {
        "verbuende",
        "koerperschaften",
        "foerderung",
        "programm",
    }
    for dataset in datasets:
        assert dataset["@type"] == "dcat:Dataset"
        missing = [key for key in DATASET_MANDATORY if not dataset.get(key)]
        assert not missing, f"{dataset['@id']} lacks {missing}"
        assert dataset["dct:title"]["@language"] == "de" and dataset["dct:title"]["@value"]
        assert dataset["dct:description"]["@language"] == "de"
        assert dataset["dct:publisher"]["foaf:name"] == "Ministerium des Innern RLP"
        assert dataset["dcatde:contributorID"]["@id"].startswith("http://dcat-ap.de/def/contributors/")
        assert dataset["dcatde:politicalGeocodingLevelURI"]["@id"] == (
            "http://dcat-ap.de/def/politicalGeocoding/Level/state"
        )
        assert (
            dataset["dcatde:politicalGeocodingURI"]["@id"]
            == "http://dcat-ap.de/def/politicalGeocoding/stateKey/07"
        )
        assert dataset["dct:license"]["@id"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
        for distribution in dataset["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            missing = [key for key in DISTRIBUTION_MANDATORY if not distribution.get(key)]
            assert not missing, f"{distribution['@id']} lacks {missing}"
            assert distribution["dct:format"]["@id"].startswith(
                "http://publications.europa.eu/resource/authority/file-type/"
            )
            assert distribution["dct:license"]["@id"] == dataset["dct:license"]["@id"]


def test_every_link_is_absolute_and_answers_200_to_anonymous_visitors(
    client: Any, catalogue: dict[str, Any]
) -> None:
    links = set()
    for dataset in catalogue["dcat:dataset"]:
        links.add(dataset["dcat:landingPage"]["@id"])
        for distribution in dataset["dcat:distribution"]:
            links.add(distribution["dcat:accessURL"]["@id"])
            if "dcat:downloadURL" in distribution:
                links.add(distribution["dcat:downloadURL"]["@id"])
    assert len(links) >= 8
    for link in sorted(links):
        assert link.startswith(SITE + "/"), link
        response = client.get(link.removeprefix(SITE))
        assert response.status_code == 200, link


def test_nothing_that_is_not_public_is_listed(client: Any, world: Any, catalogue: dict[str, Any]) -> None:
    text = str(catalogue)
    assert "/foerderung/export/" not in text and "/portfolio/" not in text and "/protokoll/" not in text
    # the files themselves hold only public data
    alliances = client.get("/verbuende/export.json").json()
    assert [item["name"] for item in alliances["items"]] == sorted(
        ["Gemeinsame Vergabestelle", "Alter Verbund"]
    )
    assert "Geheimer Entwurf" not in client.get("/verbuende/export.csv").content.decode("utf-8-sig")
    funding = client.get("/opendata/foerderung.json").json()
    assert set(funding["items"][0]) == {
        "programme",
        "programme_slug",
        "year",
        "budget",
        "granted",
        "granted_percent",
        "grants",
    }
    assert world.application.title not in str(funding) and world.vg1.name not in str(funding)


def test_the_funding_overview_export_sums_budgets_and_grants(client: Any, world: Any) -> None:
    rows = list(
        csv.reader(
            io.StringIO(client.get("/opendata/foerderung.csv").content.decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][:3] == ["Förderprogramm", "Haushaltsjahr", "Mittel (EUR)"]
    by_year = {row[1]: row for row in rows[1:] if row[0] == world.programme.name}
    years = {y.year: y for y in world.programme.years.all()}
    for year, row in by_year.items():
        expected = years[int(year)]
        assert Decimal(row[2].replace(",", ".")) == expected.budget
        assert Decimal(row[3].replace(",", ".")) == expected.committed
    assert by_year["2025"][5] == "1" and by_year["2026"][5] == "1"


def test_the_bodies_export_lists_the_land_only(client: Any, world: Any) -> None:
    from verbund.registry.models import Body
    from verbund.registry.tests.factories import BodyFactory

    other = BodyFactory.create(landkreis=True, state="08", name="Landkreis Anderswo")
    text = client.get("/opendata/koerperschaften.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) - 1 == Body.objects.current().filter(state="07").count()
    assert other.name not in text


def test_the_open_data_page_lists_the_datasets(client: Any, world: Any) -> None:
    html = client.get("/opendata/").content.decode()
    assert 'href="/opendata/catalog.jsonld"' in html
    for path in ("/verbuende/export.csv", "/opendata/koerperschaften.csv", "/opendata/foerderung.json"):
        assert f'href="{path}"' in html
