"""Probes (issue 12): asset files and WiBA uploads nobody tuned for.

Expected for every bad file: an error naming file, line (or JSON path) and field, nothing stored, never
a 500. Each defect the probe found has its test here and is fixed.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.security.assets_import import AssetImportError, parse_inventory
from verbund.security.models import Asset
from verbund.security.services.assets import asset_import
from verbund.security.tests.test_assets_services import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    return make_world()


def run(world: SimpleNamespace, data: bytes, name: str) -> Any:
    return asset_import(actor=world.clerk_a, owner_body=world.vg_a, data=data, filename=name)


# --- CSV -------------------------------------------------------------------------------------------


def test_a_stray_quote_is_an_error_naming_the_line(world: SimpleNamespace) -> None:
    data = b'Produkt;Hersteller\r\n"Firewall;Sophos\r\nServer;HPE\r\nClient;Dell\r\n'
    with pytest.raises(AssetImportError) as caught:
        run(world, data, "inventar.csv")
    assert "Zeile 2" in str(caught.value)
    assert not Asset.objects.exists()


def test_a_product_name_with_a_line_break_is_refused(world: SimpleNamespace) -> None:
    data = b'Produkt;Hersteller\r\n"Firewall\nZweite Zeile";Sophos\r\n'
    with pytest.raises(AssetImportError):
        run(world, data, "inventar.csv")


def test_a_utf16_csv_is_read_or_refused_naming_the_encoding() -> None:
    data = "Produkt\tHersteller\r\nFirewall\tSophos\r\n".encode("utf-16")
    try:
        inventory = parse_inventory(data, "inventar.csv")
    except AssetImportError as error:
        assert "UTF-16" in str(error) or "Kodierung" in str(error), str(error)
    else:
        assert inventory.rows[0].values["name"] == "Firewall"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"Name;Vendor\r\n", "keine Komponenten"),
        (b"Hersteller;Version\r\nSophos;1\r\n", "Produkt"),
        (b"Produkt;Anzahl\r\nFirewall;2,5\r\n", "Zeile 2, Feld Anzahl"),
        (b"Produkt;CPE\r\nFirewall;cpe:/a:x\r\n", "Zeile 2, Feld CPE"),
        (b"Produkt;Produkt\r\nA;B\r\n", "zweimal"),
        (b"Produkt\r\nF\x00W\r\n", "Nullzeichen"),
        (b"\xff\xfe\xfa\x00\x81\x8d\x8f", ""),
    ],
    ids=["header-only", "no-product", "decimal-quantity", "bad-cpe", "double-column", "nul", "binary"],
)
def test_a_bad_csv_is_refused_naming_line_and_field(world: SimpleNamespace, data: bytes, says: str) -> None:
    with pytest.raises(AssetImportError) as caught:
        run(world, data, "inventar.csv")
    assert "inventar.csv" in str(caught.value) and says in str(caught.value)
    assert not Asset.objects.exists()


def test_bom_semicolons_german_numbers_and_empty_lines_are_read(world: SimpleNamespace) -> None:
    data = (
        "\ufeffProdukt;Hersteller;Anzahl;Kritikalität\r\n\r\nFirewall, Rathaus;Sophos;1.000;Hoch\r\n;;;\r\n"
    )
    result = run(world, data.encode("utf-8"), "inventar.csv")
    assert result.created == 1
    asset = Asset.objects.get()
    assert (asset.name, asset.quantity) == ("Firewall, Rathaus", 1000)


def test_a_formula_cell_survives_import_and_is_escaped_in_the_csv_export(world: SimpleNamespace) -> None:
    run(world, b"Produkt;Hersteller\r\n=cmd|' /C calc'!A0;@SUM(1)\r\n", "inventar.csv")
    client = Client()
    client.force_login(world.clerk_a)
    text = client.get("/sicherheit/komponenten/export.csv").content.decode("utf-8-sig")
    line = text.splitlines()[1]
    assert line.startswith("'=cmd") and ";'@SUM(1);" in line
    # and the export reads back in as the same asset (no duplicate)
    again = run(world, text.encode("utf-8"), "export.csv")
    assert (again.created, again.unchanged) == (0, 1)


def test_ten_thousand_lines_are_read_in_one_go(world: SimpleNamespace) -> None:
    data = "Produkt;Hersteller;Version\r\n" + "".join(
        f"Gerät {i};Hersteller;1.{i}\r\n" for i in range(10_000)
    )
    result = run(world, data.encode("utf-8"), "gross.csv")
    assert result.created == 10_000 and Asset.objects.count() == 10_000


# --- SBOMs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"@context": "https://spdx.org/rdf/3.0.0/spdx-context.jsonld", "@graph": []}, "SPDX"),
        ({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {"name": "a"}}, "/components"),
        ({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": ["a"]}, "/components/0"),
        ({"spdxVersion": "SPDX-2.3", "packages": ["a"]}, "/packages/0"),
        ({"bomFormat": "CycloneDX", "components": [{"name": "a", "purl": "pkg:"}]}, "/components/0/purl"),
    ],
    ids=["spdx-3", "cdx-components-object", "cdx-component-string", "spdx-package-string", "cdx-bad-purl"],
)
def test_a_malformed_sbom_is_refused_naming_the_json_path(
    world: SimpleNamespace, document: dict[str, Any], says: str
) -> None:
    with pytest.raises(AssetImportError) as caught:
        run(world, json.dumps(document).encode(), "sbom.json")
    assert says in str(caught.value)
    assert not Asset.objects.exists()


def test_a_deeply_nested_sbom_is_refused() -> None:
    with pytest.raises(AssetImportError, match="verschachtelt"):
        parse_inventory(b"[" * 100_000 + b"]" * 100_000, "sbom.json")


def test_an_spdx_containment_cycle_is_refused_or_broken(world: SimpleNamespace) -> None:
    document = {
        "spdxVersion": "SPDX-2.3",
        "packages": [{"SPDXID": "SPDXRef-A", "name": "a"}, {"SPDXID": "SPDXRef-B", "name": "b"}],
        "relationships": [
            {"spdxElementId": "SPDXRef-A", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-B"},
            {"spdxElementId": "SPDXRef-B", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-A"},
        ],
    }
    try:
        run(world, json.dumps(document).encode(), "zyklus.spdx.json")
    except AssetImportError:
        return
    a, b = Asset.objects.get(name="a"), Asset.objects.get(name="b")
    assert not (a.platform_id == b.pk and b.platform_id == a.pk)


# --- through the page: never a 500 ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"PK\x03\x04 not really a zip", "inventar.xlsx"),
        (b"%PDF-1.7 binary", "inventar.pdf"),
        (b"<?xml version='1.0'?><bom xmlns='http://cyclonedx.org/schema/bom/1.2'/>", "bom.xml"),
        (b"{" * 50_000, "sbom.json"),
        (b"", "leer.csv"),
    ],
    ids=["fake-xlsx", "pdf", "cyclonedx-xml", "open-braces", "empty"],
)
def test_the_import_page_answers_a_bad_file_with_a_message(
    world: SimpleNamespace, data: bytes, name: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.clerk_a)
    response = client.post(
        "/sicherheit/komponenten/einlesen/",
        {
            "file": SimpleUploadedFile(name, data),
            "owner_body": world.vg_a.pk,
            "tlp": "amber",
            "distribution": "organisation",
        },
    )
    assert response.status_code == 200
    assert not Asset.objects.exists()


# --- WiBA upload of an unexpected file --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"PK\x03\x04 broken", "checkliste.docx"),
        (b"%PDF-1.7", "checkliste.pdf"),
        (b"\xff\xfe\x00\x00", "checkliste.csv"),
        (b"Frage;Antwort\r\n", "checkliste.csv"),
        (b"", "leer.xlsx"),
    ],
    ids=["broken-docx", "pdf", "binary-csv", "csv-without-questions", "empty"],
)
def test_a_wiba_upload_of_an_unexpected_file_is_refused_cleanly(
    world: SimpleNamespace, data: bytes, name: str
) -> None:
    from verbund.security.models import WibaChecklist

    client = Client(raise_request_exception=False)
    client.force_login(world.operator)
    response = client.post(
        "/api/v1/security/wiba/checklists", {"file": SimpleUploadedFile(name, data), "topic": "Backup"}
    )
    assert response.status_code == 422, (response.status_code, response.content[:300])
    assert name in response.json()["detail"] or response.json().get("fields")
    assert not WibaChecklist.objects.exists()
