"""Validation of CSAF documents (verbund.security.csaf.validation): the schema and the mandatory tests
6.1.x through the ``csaf`` package, offline; each failure with its test number, German text and JSON
path; one clear failure for input that is not CSAF 2.0/2.1. Real advisories and the OASIS examples of
the data directory must pass, the invalid fixtures and the two defective real documents must not."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from verbund.security.csaf import validation
from verbund.security.csaf.validation import INPUT, SCHEMA, validate

CSAF_DIR = "csaf"
#: every real advisory and every OASIS CSAF example (5 BSI, 9 + 23 CISA, 3 Red Hat; 19 OASIS)
VALID_PATTERNS = ("real_advisories/**/*.json", "real_advisories/**/*.json.gz", "examples/csaf/**/*.json")
DEFECTIVE = {
    "real_advisories/cisa_ot_more/icsa-19-211-01.json",
    "real_advisories/cisa_ot_more/icsma-17-215-01.json",
}
EXPECTED_VALID_COUNT = 5 + 9 + 21 + 3 + 19


def csaf_root() -> Path:
    return Path(settings.VERBUND_DATA_DIR) / CSAF_DIR


def csaf_files(*patterns: str, exclude: set[str] | frozenset[str] = frozenset()) -> list[Any]:
    """Relative paths below csaf/ for parametrising; one skipped case when the data are missing."""
    root = csaf_root()
    found = sorted(
        {str(path.relative_to(root)) for pattern in patterns for path in root.glob(pattern)} - set(exclude)
    )
    if not found:
        return [
            pytest.param(None, marks=pytest.mark.skip(reason=f"no CSAF data in {root} (VERBUND_DATA_DIR)"))
        ]
    return found


def read_csaf(data_file: Any, relative: str) -> bytes:
    return data_file(f"{CSAF_DIR}/{relative}").read_bytes()


def sample_advisory() -> dict[str, Any]:
    """A small valid CSAF 2.0 security advisory (TLP:AMBER, one exploited CVE with a fix)."""
    return {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": "AMBER", "url": "https://www.first.org/tlp/"}},
            "lang": "de-DE",
            "notes": [
                {
                    "category": "summary",
                    "text": "Eine Lücke in der Beispiel-Firewall.",
                    "title": "Zusammenfassung",
                }
            ],
            "publisher": {
                "category": "coordinator",
                "name": "Beispiel-CERT",
                "namespace": "https://cert.example.org",
            },
            "references": [
                {
                    "category": "self",
                    "summary": "Dieses Advisory",
                    "url": "https://cert.example.org/ex-2024-0001.json",
                }
            ],
            "title": "Beispiel-Firewall: Schwachstelle ermöglicht Codeausführung",
            "tracking": {
                "current_release_date": "2024-03-02T10:00:00.000Z",
                "id": "EX-2024-0001",
                "initial_release_date": "2024-03-01T10:00:00.000Z",
                "revision_history": [
                    {"date": "2024-03-01T10:00:00.000Z", "number": "1", "summary": "Erstveröffentlichung"},
                    {"date": "2024-03-02T10:00:00.000Z", "number": "2", "summary": "Update verfügbar"},
                ],
                "status": "final",
                "version": "2",
            },
        },
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "Example",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": "Firewall",
                            "branches": [
                                {
                                    "category": "product_version",
                                    "name": "4.1",
                                    "product": {"name": "Example Firewall 4.1", "product_id": "CSAFPID-0001"},
                                },
                                {
                                    "category": "product_version",
                                    "name": "4.2",
                                    "product": {"name": "Example Firewall 4.2", "product_id": "CSAFPID-0002"},
                                },
                            ],
                        }
                    ],
                }
            ]
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2024-0001",
                "cwe": {
                    "id": "CWE-79",
                    "name": (
                        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
                    ),
                },
                "notes": [{"category": "summary", "text": "Ein entfernter Angreifer kann Code ausführen."}],
                "product_status": {"known_affected": ["CSAFPID-0001"], "fixed": ["CSAFPID-0002"]},
                "remediations": [
                    {
                        "category": "vendor_fix",
                        "details": "Update auf 4.2",
                        "product_ids": ["CSAFPID-0001"],
                        "url": "https://example.org/fix",
                    }
                ],
                "scores": [
                    {
                        "products": ["CSAFPID-0001"],
                        "cvss_v3": {
                            "version": "3.1",
                            "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                            "baseScore": 9.8,
                            "baseSeverity": "CRITICAL",
                        },
                    }
                ],
                "threats": [{"category": "exploit_status", "details": "Exploited in the wild."}],
                "title": "Codeausführung",
            }
        ],
    }


def failures_of(report: validation.ValidationReport) -> set[tuple[str, str]]:
    return {(f.test, f.path) for f in report.failures}


# --- built-in documents (run without the data directory) ---------------------------------------


def test_the_sample_advisory_is_valid_as_dict_bytes_text_and_gzip() -> None:
    document = sample_advisory()
    raw = json.dumps(document).encode()
    for data in (document, raw, raw.decode(), gzip.compress(raw)):
        report = validate(data)
        assert report.ok, report.lines()
        assert report.csaf_version == "2.0"
        assert report.failures == ()
        assert report.document is not None
        assert report.document["document"]["tracking"]["id"] == "EX-2024-0001"


def test_an_undefined_product_fails_6_1_1_with_its_path() -> None:
    document = sample_advisory()
    document["vulnerabilities"][0]["product_status"]["fixed"] = ["CSAFPID-9999"]
    report = validate(document)
    assert not report.ok
    assert ("6.1.1", "/vulnerabilities/0/product_status/fixed/0") in failures_of(report)
    failure = next(f for f in report.failures if f.test == "6.1.1")
    assert "CSAFPID-9999" in failure.detail  # the validator's English detail is kept
    assert failure.message.startswith("Test 6.1.1 (Missing Definition of Product ID) nicht bestanden bei ")
    assert "/vulnerabilities/0/product_status/fixed/0" in failure.message


def test_a_version_not_in_the_revision_history_fails_6_1_16() -> None:
    document = sample_advisory()
    document["document"]["tracking"]["version"] = "3"
    report = validate(document)
    assert "6.1.16" in report.failed_tests


def test_a_schema_violation_is_reported_with_its_path_and_stops_the_tests() -> None:
    document = sample_advisory()
    document["document"]["title"] = ""
    del document["document"]["publisher"]["namespace"]
    report = validate(document)
    assert report.failed_tests == (SCHEMA,)
    paths = {f.path for f in report.failures}
    assert "/document/title" in paths
    assert "/document/publisher" in paths  # the missing property is reported at its parent
    assert all(f.message.startswith("Schemaprüfung nicht bestanden bei ") for f in report.failures)


def test_a_vex_document_may_list_recommended_products_6_1_27_7() -> None:
    """CSAF 2.0 6.1.27.7 asks for one of fixed/known_affected/known_not_affected/under_investigation;
    the csaf package refuses any other status, which the module corrects."""
    document = sample_advisory()
    document["document"]["category"] = "csaf_vex"
    document["vulnerabilities"][0]["product_status"]["recommended"] = ["CSAFPID-0002"]
    assert validate(document).ok

    document["vulnerabilities"][0]["product_status"] = {"recommended": ["CSAFPID-0002"]}
    document["vulnerabilities"][0]["remediations"][0]["product_ids"] = ["CSAFPID-0002"]
    report = validate(document)
    assert failures_of(report) == {("6.1.27.7", "/vulnerabilities/0/product_status")}


def test_a_remediation_for_a_product_without_status_fails_6_1_27_13() -> None:
    document = sample_advisory()
    document["vulnerabilities"][0]["product_status"] = {"known_affected": ["CSAFPID-0001"]}
    document["vulnerabilities"][0]["remediations"][0]["product_ids"] = ["CSAFPID-0001", "CSAFPID-0002"]
    report = validate(document)
    assert failures_of(report) == {("6.1.27.13", "/vulnerabilities/0/remediations/0/product_ids")}
    assert "Zusatzprüfung" in report.failures[0].message


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"{ not json", "kein gültiges JSON: Zeile 1, Spalte 3"),
        (b"[1, 2]", "kein JSON-Objekt"),
        (b'{"document": {"title": "x"}}', "/document/csaf_version fehlt"),
        (b'{"document": {"csaf_version": "1.2"}}', "CSAF-Version 1.2 wird nicht unterstützt"),
        (b"\x1f\x8b\x08\x00garbage", "gzip-Datei ist beschädigt"),
        (b'{"a": "\xff"}', "nicht in UTF-8"),
    ],
)
def test_what_is_not_csaf_gives_one_clear_failure(data: bytes, needle: str) -> None:
    report = validate(data)
    assert not report.ok
    assert len(report.failures) == 1
    assert report.failures[0].test == INPUT
    assert needle in report.failures[0].message, report.failures[0].message


def test_a_document_over_the_size_limit_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.dumps(sample_advisory()).encode()
    monkeypatch.setattr(validation, "MAX_DOCUMENT_BYTES", len(raw) - 1)
    for data in (raw, gzip.compress(raw)):
        report = validate(data)
        assert [f.test for f in report.failures] == [INPUT]
        assert "zu groß" in report.failures[0].message
    monkeypatch.setattr(validation, "MAX_DOCUMENT_BYTES", len(raw))
    assert validate(raw).ok


def test_a_csaf_2_1_document_is_validated_by_the_package() -> None:
    import csaf

    converted, _report = csaf.convert(sample_advisory())
    report = validate(converted)
    assert report.csaf_version == "2.1"
    assert report.ok, report.lines()
    converted["document"]["tracking"]["id"] = ""
    assert SCHEMA in validate(converted).failed_tests


def test_many_findings_of_one_test_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "MAX_FAILURES_PER_TEST", 2)
    document = sample_advisory()
    document["vulnerabilities"][0]["product_status"]["fixed"] = [f"CSAFPID-X{i}" for i in range(5)]
    report = validate(document)
    listed = [f for f in report.failures if f.test == "6.1.1"]
    assert len(listed) == 3
    assert "3 weitere Befunde" in listed[-1].message


# --- the data directory ------------------------------------------------------------------------


def test_the_data_directory_holds_the_expected_documents() -> None:
    root = csaf_root()
    if not root.is_dir():
        pytest.skip(f"no CSAF data in {root} (VERBUND_DATA_DIR)")
    assert len(csaf_files(*VALID_PATTERNS, exclude=DEFECTIVE)) == EXPECTED_VALID_COUNT


@pytest.mark.parametrize("relative", csaf_files(*VALID_PATTERNS, exclude=DEFECTIVE))
def test_every_real_advisory_and_oasis_example_is_valid(data_file: Any, relative: str) -> None:
    report = validate(read_csaf(data_file, relative))
    assert report.ok, report.lines()
    assert report.csaf_version == "2.0"


def test_the_fixture_with_emptied_fields_fails_the_schema(data_file: Any) -> None:
    report = validate(read_csaf(data_file, "invalid_fixtures/rhba-2023_0564.json"))
    assert report.failed_tests == (SCHEMA,)
    assert {
        ("Schema", "/document/publisher/name"),
        ("Schema", "/document/title"),
        ("Schema", "/document/tracking/id"),
    } <= failures_of(report)


def test_the_fixture_with_unknown_products_fails_6_1_1(data_file: Any) -> None:
    report = validate(read_csaf(data_file, "invalid_fixtures/rhsa-2021_3029.json"))
    assert report.failed_tests == ("6.1.1",)
    assert ("6.1.1", "/vulnerabilities/5/product_status/fixed/0") in failures_of(report)
    assert all("notexits-" in f.detail for f in report.failures)


def test_the_real_document_with_a_version_range_as_version_fails_6_1_31(data_file: Any) -> None:
    # SOURCES.md names the two defects the other way round; the documents say: icsa-19-211-01 has
    # the product_version "MCE_3.x" …
    report = validate(read_csaf(data_file, "real_advisories/cisa_ot_more/icsa-19-211-01.json"))
    assert failures_of(report) == {("6.1.31", "/product_tree/branches/0/branches/6/branches/0/name")}
    assert "MCE_3.x" in report.failures[0].detail


def test_the_real_document_with_a_remediation_outside_the_status_fails_6_1_27(data_file: Any) -> None:
    # … and icsma-17-215-01 names CSAFPID-0002..0004 in remediations but only 0001 in product_status.
    report = validate(read_csaf(data_file, "real_advisories/cisa_ot_more/icsma-17-215-01.json"))
    assert report.failed_tests == ("6.1.27.13",)
    assert failures_of(report) == {
        ("6.1.27.13", "/vulnerabilities/0/remediations/0/product_ids"),
        ("6.1.27.13", "/vulnerabilities/1/remediations/0/product_ids"),
    }
    assert "6.1.27.13" in str(report.failures[0])


def test_the_oasis_example_is_not_changed_by_validation(data_file: Any) -> None:
    document = json.loads(read_csaf(data_file, "examples/csaf/csaf_vex/2022-evd-uc-08-001.json"))
    before = copy.deepcopy(document)
    assert validate(document).ok
    assert document == before
