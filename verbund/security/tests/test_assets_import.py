"""Assets from files: CSV (``;`` or ``,``, UTF-8 with or without BOM, German or English headers), XLSX
(formula cells refused), CycloneDX and SPDX JSON. A good file of each format is read; a bad one is
refused with the file, the line (row, JSON path) and the field named, and nothing is stored. A
re-import of the same file creates nothing new; nested SBOM components run on their parent."""

from __future__ import annotations

import io
import json
import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import Workbook

from verbund.audit.models import AuditEntry
from verbund.common.errors import Forbidden
from verbund.security.assets_import import AssetImportError, parse_inventory
from verbund.security.models import Asset
from verbund.security.services.assets import asset_import

from .test_assets_services import make_world

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

GOOD_CSV = (
    "Produkt;Hersteller;Version;CPE;purl;Modellnummer;Seriennummer;Standort;Verantwortlich;Kritikalität;Inventarnr\n"
    "Windows Server 2022;Microsoft;21H2;cpe:2.3:o:microsoft:windows_server_2022:-:*:*:*:*:*:*:*;;;;"
    "Rathaus Serverraum;IT-Stelle;hoch;INV-1\n"
    "FortiGate 60F;Fortinet;7.2.5;;;FG-60F;FGT60FTK2209XYZ;Rathaus;IT-Stelle;kritisch;INV-2\n"
    '"OpenSSL; Bibliothek";OpenSSL Project;3.0.11;;pkg:generic/openssl@3.0.11;;;;;mittel;INV-3\n'
)

CYCLONEDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "metadata": {
        "component": {
            "type": "firmware",
            "name": "S7-1500 Firmware",
            "version": "3.0.1",
            "supplier": {"name": "Siemens"},
            "bom-ref": "fw",
        }
    },
    "components": [
        {
            "type": "library",
            "name": "openssl",
            "version": "3.0.11",
            "publisher": "OpenSSL Project",
            "purl": "pkg:generic/openssl@3.0.11",
            "hashes": [{"alg": "SHA-256", "content": SHA256}],
            "bom-ref": "openssl",
            "components": [{"type": "library", "name": "zlib", "version": "1.3", "group": "madler"}],
        },
        {
            "type": "library",
            "name": "busybox",
            "version": "1.36.1",
            "cpe": "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*",
        },
    ],
}

SPDX = {
    "spdxVersion": "SPDX-2.3",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "fachverfahren",
    "documentDescribes": ["SPDXRef-app"],
    "packages": [
        {
            "SPDXID": "SPDXRef-app",
            "name": "Fachverfahren Melde",
            "versionInfo": "5.4",
            "supplier": "Organization: Beispiel Software GmbH",
        },
        {
            "SPDXID": "SPDXRef-log4j",
            "name": "log4j-core",
            "versionInfo": "2.14.1",
            "supplier": "NOASSERTION",
            "originator": "Organization: Apache Software Foundation",
            "externalRefs": [
                {
                    "referenceCategory": "SECURITY",
                    "referenceType": "cpe23Type",
                    "referenceLocator": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
                },
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                },
            ],
            "checksums": [{"algorithm": "SHA256", "checksumValue": SHA256}],
        },
    ],
    "relationships": [
        {
            "spdxElementId": "SPDXRef-app",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": "SPDXRef-log4j",
        }
    ],
}


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refused(data: bytes, name: str) -> list[str]:
    with pytest.raises(AssetImportError) as error:
        parse_inventory(data, name)
    return error.value.errors


# --- the parsers (no database) ------------------------------------------------------------------


def test_csv_with_german_headers_semicolons_and_a_bom() -> None:
    inventory = parse_inventory(("\ufeff" + GOOD_CSV).encode(), "inventar.csv")
    assert inventory.format == "csv"
    assert inventory.ignored_columns == ("Inventarnr",)
    first, second, third = inventory.rows
    assert first.where == "Zeile 2"
    assert first.values["criticality"] == "hoch"
    assert first.values["cpe"].startswith("cpe:2.3:o:microsoft")
    assert second.values["serial_number"] == "FGT60FTK2209XYZ"
    assert third.values["name"] == "OpenSSL; Bibliothek"


def test_csv_with_commas_english_headers_and_windows_1252() -> None:
    data = "Product,Vendor,Version,Criticality,Hashes\nKöln-Client,Dell,1.0,High,sha256:" + SHA256 + "\n"
    inventory = parse_inventory(data.encode("cp1252"), "inventory.csv")
    row = inventory.rows[0]
    assert row.values["name"] == "Köln-Client"
    assert row.values["criticality"] == "hoch"
    assert row.values["hashes"] == [{"algorithm": "sha256", "value": SHA256}]


def test_bad_csv_names_every_line_and_field() -> None:
    data = (
        "Produkt;Hersteller;CPE;purl;Kritikalität\n"
        "Gut;A;;;mittel\n"
        "Schlecht;B;cpe:2.3:a:b;;hoch\n"
        "Auch schlecht;C;;pkg:;extrem\n"
    ).encode()
    errors = refused(data, "inventar.csv")
    assert errors[0].startswith("inventar.csv, Zeile 3, Feld CPE: ")
    assert any(e.startswith("inventar.csv, Zeile 4, Feld purl: ") for e in errors)
    assert any(e.startswith("inventar.csv, Zeile 4, Feld Kritikalität: ") for e in errors)


def test_csv_without_product_column_is_refused_at_the_header() -> None:
    errors = refused(b"Hersteller;Version\nA;1\n", "x.csv")
    assert errors[0].startswith("x.csv, Zeile 1: ")
    assert "Produkt" in errors[0]


def test_csv_line_numbers_count_multi_line_cells() -> None:
    data = 'Produkt;Bemerkung;Kritikalität\nA;"zwei\nZeilen";hoch\nB;;falsch\n'.encode()
    errors = refused(data, "x.csv")
    assert errors == [errors[0]] and errors[0].startswith("x.csv, Zeile 4, Feld Kritikalität")


def test_xlsx_good_and_formula_cells_refused() -> None:
    good = xlsx([["Produkt", "Hersteller", "Version", "Anzahl"], ["Thin Client", "IGEL", 11.08, 25]])
    row = parse_inventory(good, "inventar.xlsx").rows[0]
    assert (row.where, row.values["version"], row.values["quantity"]) == ("Zeile 2", "11.08", 25)
    bad = xlsx([["Produkt", "Version"], ["Client", "1"], ['=HYPERLINK("http://evil.example","x")', "2"]])
    errors = refused(bad, "inventar.xlsx")
    assert errors[0].startswith("inventar.xlsx, Zeile 3: Zelle A3 enthält eine Formel")


def test_xlsx_bad_value_names_row_and_field() -> None:
    bad = xlsx([["Produkt", "Kritikalität"], ["Client", "mittel"], ["Server", "sehr schlimm"]])
    assert refused(bad, "i.xlsx")[0].startswith("i.xlsx, Zeile 3, Feld Kritikalität: ")


def test_cyclonedx_nested_components_and_vendor_sources() -> None:
    inventory = parse_inventory(json.dumps(CYCLONEDX).encode(), "sbom.cdx.json")
    assert inventory.format == "cyclonedx"
    by_name = {row.values["name"]: row for row in inventory.rows}
    assert by_name["S7-1500 Firmware"].values["vendor"] == "Siemens"
    assert by_name["openssl"].values["vendor"] == "OpenSSL Project"
    assert by_name["openssl"].parent == "fw"
    assert by_name["zlib"].values["vendor"] == "madler"
    assert by_name["zlib"].parent == "openssl"
    assert by_name["zlib"].where == "/components/0/components/0"
    assert by_name["openssl"].values["hashes"] == [{"algorithm": "sha256", "value": SHA256}]


def test_bad_cyclonedx_names_the_json_path() -> None:
    document = json.loads(json.dumps(CYCLONEDX))
    document["components"][0]["components"][0]["purl"] = "pkg:"
    document["components"][1]["hashes"] = [{"alg": "SHA-256", "content": "abc"}]
    errors = refused(json.dumps(document).encode(), "sbom.json")
    assert errors[0].startswith("sbom.json, /components/0/components/0/purl, Feld purl: ")
    assert errors[1].startswith("sbom.json, /components/1/hashes, Feld Prüfsummen: ")


def test_spdx_packages_refs_checksums_and_contains() -> None:
    inventory = parse_inventory(json.dumps(SPDX).encode(), "app.spdx.json")
    assert inventory.format == "spdx"
    app, log4j = inventory.rows
    assert app.values["vendor"] == "Beispiel Software GmbH"
    assert log4j.values["vendor"] == "Apache Software Foundation"
    assert log4j.values["cpe"] == "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
    assert log4j.values["purl"] == "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
    assert log4j.parent == "SPDXRef-app"


def test_bad_spdx_names_the_json_path() -> None:
    document = json.loads(json.dumps(SPDX))
    document["packages"][1]["externalRefs"][0]["referenceLocator"] = "cpe:2.3:a:apache"
    document["packages"][0]["name"] = ""
    errors = refused(json.dumps(document).encode(), "app.json")
    assert any(
        e.startswith("app.json, /packages/1/externalRefs/0/referenceLocator, Feld CPE: ") for e in errors
    )
    assert any(e.startswith("app.json, /packages/0/name, Feld Produkt: ") for e in errors)


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "x.csv", "leer"),
        (b"{not json", "x.json", "kein gültiges JSON"),
        (b'{"hello": 1}', "x.json", "CycloneDX"),
        (b"<bom/>", "x.xml", "XML"),
        (b"PK\x03\x04garbage", "x.xlsx", "keine XLSX"),
        (b"Produkt\n", "x.csv", "keine Komponenten"),
    ],
)
def test_unreadable_files_are_refused_in_german(data: bytes, name: str, words: str) -> None:
    assert words in refused(data, name)[0]


def test_size_limit() -> None:
    from verbund.security import assets_import

    big = b"Produkt\n" + b"x\n" * (assets_import.MAX_BYTES // 2 + 1)
    assert "größer als" in refused(big, "big.csv")[0]


# --- the service --------------------------------------------------------------------------------


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    return make_world()


@pytest.fixture(autouse=True)
def no_matching(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    calls: list[list[int]] = []
    module = types.ModuleType("verbund.security.services.matching")
    module.match_assets = lambda ids: calls.append(list(ids))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "verbund.security.services.matching", module)
    return calls


def run(world: SimpleNamespace, data: bytes, name: str, **kwargs: Any) -> Any:
    return asset_import(actor=world.clerk_a, owner_body=world.vg_a, data=data, filename=name, **kwargs)


@pytest.mark.parametrize(
    ("data", "name", "count"),
    [
        (GOOD_CSV.encode(), "inventar.csv", 3),
        (xlsx([["Produkt", "Hersteller"], ["Client", "Dell"], ["Server", "HPE"]]), "inventar.xlsx", 2),
        (json.dumps(CYCLONEDX).encode(), "sbom.json", 4),
        (json.dumps(SPDX).encode(), "app.spdx.json", 2),
    ],
)
def test_each_format_imports_and_a_reimport_duplicates_nothing(
    world: SimpleNamespace,
    data: bytes,
    name: str,
    count: int,
    no_matching: list[list[int]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = run(world, data, name)
    assert (result.created, result.updated, result.unchanged) == (count, 0, 0)
    assets = Asset.objects.filter(owner_body=world.vg_a)
    assert assets.count() == count
    assert set(assets.values_list("tlp", "distribution")) == {("amber", "organisation")}
    assert sorted(no_matching[0]) == sorted(result.asset_ids)
    again = run(world, data, name)
    assert (again.created, again.updated, again.unchanged) == (0, 0, count)
    assert Asset.objects.count() == count
    entries = AuditEntry.objects.filter(action="security.asset_import", body_id=world.vg_a.pk)
    assert entries.count() == 2


def test_sbom_nesting_becomes_platforms(world: SimpleNamespace) -> None:
    run(world, json.dumps(CYCLONEDX).encode(), "sbom.json")
    zlib = Asset.objects.get(name="zlib")
    assert zlib.platform is not None and zlib.platform.name == "openssl"
    assert zlib.platform.platform is not None and zlib.platform.platform.name == "S7-1500 Firmware"
    run(world, json.dumps(SPDX).encode(), "app.json")
    assert Asset.objects.get(name="log4j-core").platform == Asset.objects.get(name="Fachverfahren Melde")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (GOOD_CSV.replace("kritisch", "ganz schlimm").encode(), "inventar.csv"),
        (xlsx([["Produkt", "CPE"], ["Client", ""], ["Server", "cpe:2.3:x"]]), "inventar.xlsx"),
        (
            json.dumps({**CYCLONEDX, "components": [*CYCLONEDX["components"], {"name": ""}]}).encode(),
            "s.json",
        ),
        (
            json.dumps(
                {
                    **SPDX,
                    "packages": [
                        *SPDX["packages"],
                        {"name": "x", "checksums": [{"algorithm": "SHA1", "checksumValue": "00"}]},
                    ],
                }
            ).encode(),
            "s.spdx.json",
        ),
    ],
)
def test_one_bad_line_stores_nothing(world: SimpleNamespace, data: bytes, name: str) -> None:
    with pytest.raises(AssetImportError) as error:
        run(world, data, name)
    assert error.value.status == 422 and error.value.errors[0].startswith(name + ", ")
    assert "Feld" in error.value.errors[0]
    assert not Asset.objects.exists()
    assert not AuditEntry.objects.filter(action="security.asset_import").exists()


def test_duplicate_rows_in_a_table_are_an_error_naming_both_lines(world: SimpleNamespace) -> None:
    data = b"Produkt;Version\nClient;1\nServer;2\nclient;1\n"
    with pytest.raises(AssetImportError) as error:
        run(world, data, "x.csv")
    assert error.value.errors[0].startswith(
        "x.csv, Zeile 4, Feld Produkt: dieselbe Komponente wie in Zeile 2"
    )
    assert not Asset.objects.exists()


def test_reimport_updates_changed_columns_and_reactivates(world: SimpleNamespace) -> None:
    run(world, b"Produkt;Version;Kritikalit\xc3\xa4t;Verantwortlich\nClient;1;mittel;A\n", "x.csv")
    asset = Asset.objects.get()
    asset.active = False
    asset.note = "von Hand"
    asset.save()
    result = run(world, b"Produkt;Version;Kritikalit\xc3\xa4t\nClient;1;hoch\n", "x.csv")
    assert (result.created, result.updated) == (0, 1)
    asset.refresh_from_db()
    assert (asset.criticality, asset.active, asset.responsible, asset.note) == ("hoch", True, "A", "von Hand")


def test_dry_run_stores_nothing(world: SimpleNamespace) -> None:
    result = run(world, GOOD_CSV.encode(), "inventar.csv", dry_run=True)
    assert (result.dry_run, result.created) == (True, 3)
    assert result.preview[0][:2] == ("Zeile 2", "neu")
    assert not Asset.objects.exists()


def test_import_sharing_applies_to_new_assets_and_is_checked(world: SimpleNamespace) -> None:
    run(
        world,
        GOOD_CSV.encode(),
        "inventar.csv",
        sharing={"distribution": "alliance", "alliance": world.alliance},
    )
    assert set(Asset.objects.values_list("distribution", flat=True)) == {"alliance"}
    from verbund.common.errors import Invalid

    with pytest.raises(Invalid):
        run(world, b"Produkt\nNeu\n", "x.csv", sharing={"tlp": "red", "distribution": "alliance"})
    with pytest.raises(Forbidden):
        asset_import(actor=world.clerk_b, owner_body=world.vg_a, data=b"Produkt\nX\n", filename="x.csv")
    assert Asset.objects.count() == 3


def test_the_same_package_under_two_parents_is_one_asset(world: SimpleNamespace) -> None:
    document = json.loads(json.dumps(CYCLONEDX))
    document["components"][1]["components"] = [
        {"type": "library", "name": "zlib", "version": "1.3", "group": "madler"}
    ]
    result = run(world, json.dumps(document).encode(), "sbom.json")
    assert result.created == 4
    assert Asset.objects.filter(name="zlib").count() == 1
