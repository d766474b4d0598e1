"""The facts of a CSAF document (verbund.security.csaf.document) and its CVSS scores
(verbund.security.csaf.scores): tracking, publisher, TLP 2.0 label (WHITE read as CLEAR), notes,
references and, per vulnerability, CVE, CWE, scores computed from the vectors, threats, remediations,
flags and known exploitation; every real advisory and OASIS example of the data directory parses."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verbund.security.csaf import parse, score_vector, tlp_label
from verbund.security.csaf.document import is_exploited_text
from verbund.security.csaf.scores import highest, scores_of_vulnerability
from verbund.security.csaf.validation import DocumentError
from verbund.security.tests.test_csaf_validation import (
    DEFECTIVE,
    VALID_PATTERNS,
    csaf_files,
    read_csaf,
    sample_advisory,
)

# --- scores ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "version", "base", "severity"),
    [
        # published base scores: NVD / FIRST calculators
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8, "kritisch"),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.0", 7.5, "hoch"),  # Heartbleed, CVE-2014-0160
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", "3.1", 6.4, "mittel"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "3.1", 0.0, "keine"),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5, "hoch"),
        ("AV:N/AC:M/Au:N/C:P/I:N/A:N", "2.0", 4.3, "mittel"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3, "kritisch"),
    ],
)
def test_a_known_vector_gets_its_published_base_score(
    vector: str, version: str, base: float, severity: str
) -> None:
    score = score_vector(vector)
    assert score.ok, score.error
    assert (score.version, score.base_score, score.severity) == (version, base, severity)
    assert score.label == f"CVSS {version}: {base:.1f} ({severity})"


@pytest.mark.parametrize(
    ("vector", "version", "needle"),
    [
        ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", None, "Ungültiger CVSS-3.1-Vektor"),
        ("CVSS:3.1/AV:N", None, "Ungültiger CVSS-3.1-Vektor"),
        ("nonsense", None, "Ungültiger CVSS-2.0-Vektor"),
        ("CVSS:4.0/AV:N", None, "Ungültiger CVSS-4.0-Vektor"),
        ("", None, "Kein CVSS-Vektor"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.0", "passt nicht zur angegebenen Version 3.0"),
    ],
)
def test_an_invalid_vector_gives_an_error_text_not_an_exception(
    vector: str, version: str | None, needle: str
) -> None:
    score = score_vector(vector, version=version)
    assert not score.ok
    assert score.base_score is None
    assert needle in score.error
    assert score.label == score.error


@given(st.text(max_size=80))
def test_no_text_makes_scoring_raise(text: str) -> None:
    score = score_vector(text)
    assert score.ok == (score.base_score is not None)


@given(st.text(alphabet="CVS:3.14/ANLHRUPIX", max_size=60))
def test_no_vector_like_text_makes_scoring_raise(text: str) -> None:
    score_vector(text)


def test_scores_of_csaf_2_0_and_2_1_vulnerabilities() -> None:
    v3 = {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8}
    v2 = {"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "baseScore": 7.5}
    v4 = {"version": "4.0", "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}
    scores = scores_of_vulnerability({"scores": [{"products": ["A"], "cvss_v3": v3, "cvss_v2": v2}]})
    assert [(s.version, s.base_score, s.published_base_score, s.products) for s in scores] == [
        ("2.0", 7.5, 7.5, ("A",)),
        ("3.1", 9.8, 9.8, ("A",)),
    ]
    scores = scores_of_vulnerability({"metrics": [{"products": ["B"], "content": {"cvss_v4": v4}}]})
    assert [(s.version, s.base_score, s.severity) for s in scores] == [("4.0", 9.3, "kritisch")]
    assert highest([score_vector("nonsense"), *scores]) == scores[0]
    assert highest([score_vector("nonsense")]) is None


# --- TLP ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("WHITE", "CLEAR"),
        ("CLEAR", "CLEAR"),
        ("GREEN", "GREEN"),
        ("AMBER", "AMBER"),
        ("AMBER+STRICT", "AMBER+STRICT"),
        ("TLP:AMBER+STRICT", "AMBER+STRICT"),
        ("red", "RED"),
        ("PURPLE", None),
        ("", None),
        (None, None),
    ],
)
def test_tlp_labels_are_read_as_tlp_2_0(label: str | None, expected: str | None) -> None:
    assert tlp_label(label) == expected


# --- the facts of a document -------------------------------------------------------------------


def test_the_facts_of_the_sample_advisory() -> None:
    facts = parse(sample_advisory())
    assert (facts.csaf_version, facts.tracking_id, facts.version, facts.status) == (
        "2.0",
        "EX-2024-0001",
        "2",
        "final",
    )
    assert facts.initial_release_date == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert facts.current_release_date == datetime(2024, 3, 2, 10, 0, tzinfo=UTC)
    assert [(r.number, r.summary) for r in facts.revision_history] == [
        ("1", "Erstveröffentlichung"),
        ("2", "Update verfügbar"),
    ]
    assert facts.title == "Beispiel-Firewall: Schwachstelle ermöglicht Codeausführung"
    assert facts.category == "csaf_security_advisory"
    assert (facts.publisher.name, facts.publisher.namespace, facts.publisher.category) == (
        "Beispiel-CERT",
        "https://cert.example.org",
        "coordinator",
    )
    assert (facts.lang, facts.tlp, facts.sharing_group) == ("de-DE", "AMBER", "")
    assert facts.summary == "Eine Lücke in der Beispiel-Firewall."
    assert [r.category for r in facts.references] == ["self"]
    assert facts.cves == ("CVE-2024-0001",)
    (vulnerability,) = facts.vulnerabilities
    assert (vulnerability.index, vulnerability.label, vulnerability.cwe_id) == (0, "CVE-2024-0001", "CWE-79")
    assert vulnerability.summary == "Ein entfernter Angreifer kann Code ausführen."
    assert vulnerability.product_status == {"known_affected": ("CSAFPID-0001",), "fixed": ("CSAFPID-0002",)}
    (remediation,) = vulnerability.remediations
    assert (remediation.category, remediation.product_ids, remediation.url) == (
        "vendor_fix",
        ("CSAFPID-0001",),
        "https://example.org/fix",
    )
    assert vulnerability.exploit_status == "Exploited in the wild."
    assert vulnerability.known_exploited and facts.known_exploited
    assert facts.top_score is not None and facts.top_score.base_score == 9.8
    assert (facts.severity, facts.severity_rank) == ("kritisch", 4)


def test_parse_reads_json_bytes_and_gzip_alike() -> None:
    raw = json.dumps(sample_advisory()).encode()
    assert parse(raw) == parse(gzip.compress(raw)) == parse(sample_advisory())
    with pytest.raises(DocumentError, match="kein gültiges JSON"):
        parse(b"{")


def test_known_exploitation_from_a_kev_reference_and_denials() -> None:
    document = sample_advisory()
    vulnerability = document["vulnerabilities"][0]
    vulnerability["threats"] = [{"category": "exploit_status", "details": "No known public exploits."}]
    assert not parse(document).known_exploited
    vulnerability["references"] = [
        {"url": "https://www.cisa.gov/known-exploited-vulnerabilities-catalog", "summary": "KEV"}
    ]
    assert parse(document).known_exploited
    del vulnerability["references"]
    document["document"]["references"].append(
        {
            "url": "https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search=CVE-2024-0001",
            "summary": "KEV",
        }
    )
    assert parse(document).known_exploited


@pytest.mark.parametrize(
    ("text", "exploited"),
    [
        ("Exploited in the wild.", True),
        ("Die Schwachstelle wird aktiv ausgenutzt.", True),
        ("CISA is not aware of any public exploitation.", False),
        ("Es ist nicht bekannt, dass die Schwachstelle ausgenutzt wird.", False),
        ("Proof of concept published.", False),
    ],
)
def test_exploit_status_texts(text: str, exploited: bool) -> None:
    assert is_exploited_text(text) is exploited


def test_a_csaf_2_1_document_with_amber_strict_cvss_4_and_a_sharing_group() -> None:
    document = sample_advisory()
    document["document"]["csaf_version"] = "2.1"
    document["document"]["distribution"] = {
        "tlp": {"label": "AMBER+STRICT"},
        "sharing_group": {"id": "8c1d6a0e-0000-4000-8000-000000000001", "name": "Cyberbündnis Westpfalz"},
    }
    vulnerability = document["vulnerabilities"].pop()
    del vulnerability["scores"], vulnerability["cwe"]
    vulnerability["cwes"] = [{"id": "CWE-787", "name": "Out-of-bounds Write", "version": "4.13"}]
    vulnerability["metrics"] = [
        {
            "products": ["CSAFPID-0001"],
            "content": {
                "cvss_v4": {
                    "version": "4.0",
                    "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                    "baseScore": 9.3,
                }
            },
        }
    ]
    vulnerability["threats"] = []
    vulnerability["first_known_exploitation_dates"] = [
        {"date": "2024-03-01T00:00:00.000Z", "exploitation_date": "2024-02-20T00:00:00.000Z"}
    ]
    document["vulnerabilities"].append(vulnerability)
    facts = parse(document)
    assert (facts.csaf_version, facts.tlp, facts.sharing_group) == (
        "2.1",
        "AMBER+STRICT",
        "Cyberbündnis Westpfalz",
    )
    (vulnerability_facts,) = facts.vulnerabilities
    assert vulnerability_facts.cwe_id == "CWE-787"
    assert [(s.version, s.base_score) for s in vulnerability_facts.scores] == [("4.0", 9.3)]
    assert vulnerability_facts.known_exploited


def test_a_document_without_tlp_has_none() -> None:
    document = sample_advisory()
    del document["document"]["distribution"]
    assert parse(document).tlp is None


# --- the data directory ------------------------------------------------------------------------


@pytest.mark.parametrize("relative", csaf_files(*VALID_PATTERNS, "invalid_fixtures/*.json"))
def test_every_document_parses_and_its_scores_match_the_published_ones(data_file: Any, relative: str) -> None:
    raw = read_csaf(data_file, relative)
    facts = parse(raw)
    document = json.loads(gzip.decompress(raw) if relative.endswith(".gz") else raw)
    assert facts.tracking_id == document["document"]["tracking"]["id"]
    assert len(facts.vulnerabilities) == len(document.get("vulnerabilities", []))
    assert facts.current_release_date is not None and facts.current_release_date.tzinfo is not None
    for vulnerability in facts.vulnerabilities:
        for score in vulnerability.scores:
            assert score.ok, score.error
            if score.published_base_score is not None:
                assert score.base_score == score.published_base_score, (vulnerability.label, score.vector)


def test_facts_of_real_advisories(data_file: Any) -> None:
    rev15 = parse(read_csaf(data_file, "real_advisories/bsi_cert_bund/wid-sec-w-2023-2649_rev15.json"))
    rev29 = parse(read_csaf(data_file, "real_advisories/bsi_cert_bund/wid-sec-w-2023-2649_rev29.json"))
    assert rev15.tracking_id == rev29.tracking_id == "WID-SEC-W-2023-2649"
    assert (rev15.version, rev29.version) == ("15", "29")
    assert rev15.publisher.namespace == "https://www.bsi.bund.de"
    assert rev15.tlp == "CLEAR"  # WHITE in the document
    assert len(rev29.revision_history) == 29

    cisa = parse(read_csaf(data_file, "real_advisories/cisa/icsa-24-163-04.json"))
    assert cisa.top_score is not None
    assert (cisa.top_score.base_score, cisa.severity) == (10.0, "kritisch")

    vex = parse(read_csaf(data_file, "real_advisories/redhat/cve-2023-20593.vex.json.gz"))
    assert vex.cves == ("CVE-2023-20593",)
    assert vex.category == "csaf_vex"


def test_the_defective_documents_still_parse(data_file: Any) -> None:
    for relative in sorted(DEFECTIVE):
        assert parse(read_csaf(data_file, relative)).vulnerabilities
