"""Importing CSAF documents (verbund.security.services.advisories and ``manage.py import_csaf``):
an invalid document is refused naming each failed test and stores nothing; a new version of the same
publisher namespace and tracking id replaces the current one and keeps the history (vulnerability
rows are kept by key); an older or equal version is not stored and the result says so; TLP comes
from the document (WHITE → CLEAR) and may only be made stricter; non-public advisories belong to a
body; imports and quarantine write audit entries; the downloader's quarantine keeps the reasons."""

from __future__ import annotations

import copy
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from verbund.accounts.tests.factories import UserFactory
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Forbidden, Invalid
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Advisory, AdvisoryRevision, QuarantinedDocument, Vulnerability
from verbund.security.policies import MANAGE
from verbund.security.services.advisories import (
    AdvisoryRefused,
    ImportResult,
    import_advisory,
    import_or_quarantine,
    quarantine_document,
)
from verbund.security.tests.test_csaf_validation import csaf_root, sample_advisory

SYSTEM = SystemActor(name="Test", capabilities=frozenset({MANAGE}))

pytestmark = pytest.mark.django_db


def revised(
    document: dict[str, Any], version: str, *, date: str = "2024-03-05T10:00:00.000Z"
) -> dict[str, Any]:
    """``document`` as a later revision ``version`` (integer versioning)."""
    new = copy.deepcopy(document)
    tracking = new["document"]["tracking"]
    tracking["version"] = version
    tracking["current_release_date"] = date
    tracking["revision_history"].append({"date": date, "number": version, "summary": f"Fassung {version}"})
    return new


@pytest.fixture
def body(db: Any) -> Any:
    return BodyFactory.create(verbandsgemeinde=True, name="Landstuhl")


def test_a_new_advisory_is_stored_with_its_vulnerabilities_revision_and_audit_entry(body: Any) -> None:
    result = import_advisory(SYSTEM, sample_advisory(), owner_body=body, filename="ex-2024-0001.json")
    assert isinstance(result, ImportResult)
    assert (result.outcome, result.stored) == ("created", True)
    assert result.message == "EX-2024-0001 Fassung 2 neu eingelesen."
    advisory = Advisory.objects.get()
    assert (advisory.tracking_id, advisory.publisher_namespace, advisory.version) == (
        "EX-2024-0001",
        "https://cert.example.org",
        "2",
    )
    assert (advisory.tlp, advisory.distribution, advisory.owner_body_id) == ("amber", "organisation", body.pk)
    assert (str(advisory.max_score), advisory.exploited, advisory.cves) == ("9.8", True, "CVE-2024-0001")
    assert advisory.summary == "Eine Lücke in der Beispiel-Firewall."
    vulnerability = Vulnerability.objects.get()
    assert (vulnerability.key, vulnerability.cve, vulnerability.cvss_version, str(vulnerability.score)) == (
        "CVE-2024-0001",
        "CVE-2024-0001",
        "3.1",
        "9.8",
    )
    assert vulnerability.severity == "kritisch"
    assert vulnerability.cwe.startswith("CWE-79: Improper Neutralization")
    assert vulnerability.scores[0]["vector"] == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    revision = AdvisoryRevision.objects.get()
    assert (revision.version, revision.filename, revision.received_by) == ("2", "ex-2024-0001.json", "Test")
    assert revision.document["document"]["tracking"]["id"] == "EX-2024-0001"
    assert len(revision.sha256) == 64
    entry = AuditEntry.objects.get(action="security.advisory_import")
    # confidential advisories are named by number only in the audit log
    assert entry.object_repr == f"Sicherheitshinweis Nr. {advisory.pk}"
    assert entry.body_id == body.pk
    assert entry.changes["version"] == "2"


def test_an_invalid_document_is_refused_naming_each_test_and_stores_nothing(body: Any) -> None:
    document = sample_advisory()
    document["vulnerabilities"][0]["product_status"]["fixed"] = ["CSAFPID-9999"]
    document["document"]["tracking"]["version"] = "3"
    with pytest.raises(AdvisoryRefused) as refused:
        import_advisory(SYSTEM, document, owner_body=body, filename="kaputt.json")
    assert {(f.test, f.path) for f in refused.value.failures} >= {
        ("6.1.1", "/vulnerabilities/0/product_status/fixed/0"),
        ("6.1.16", "/document/tracking/version"),
    }
    assert refused.value.code == "csaf_invalid"
    assert refused.value.detail.startswith(
        "Das CSAF-Dokument kaputt.json ist ungültig und wurde nicht gespeichert: "
    )
    assert "Test 6.1.1 (Missing Definition of Product ID)" in refused.value.detail
    assert refused.value.fields["document"] == [f.message for f in refused.value.failures]
    assert not Advisory.objects.exists()
    assert not AdvisoryRevision.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="security.").exists()


@pytest.mark.parametrize(
    "data", [b"{ kein json", b"\x1f\x8b kaputt", b'{"document": {"csaf_version": "1.0"}}']
)
def test_what_is_not_csaf_is_refused(body: Any, data: bytes) -> None:
    with pytest.raises(AdvisoryRefused) as refused:
        import_advisory(SYSTEM, data, owner_body=body)
    assert [f.test for f in refused.value.failures] == ["Eingabe"]
    assert not Advisory.objects.exists()


def test_a_new_version_replaces_the_current_one_and_keeps_the_history(body: Any) -> None:
    first = import_advisory(SYSTEM, sample_advisory(), owner_body=body)
    vulnerability_pk = Vulnerability.objects.get().pk
    document = revised(sample_advisory(), "3")
    document["document"]["title"] = "Beispiel-Firewall: Update verfügbar"
    del document["vulnerabilities"][0]["threats"]
    result = import_advisory(SYSTEM, json.dumps(document).encode(), owner_body=body)
    assert (result.outcome, result.previous_version) == ("revised", "2")
    assert result.message == "EX-2024-0001: Fassung 3 ersetzt Fassung 2."
    assert result.advisory.pk == first.advisory.pk
    advisory = Advisory.objects.get()
    assert (advisory.version, advisory.title, advisory.exploited) == (
        "3",
        "Beispiel-Firewall: Update verfügbar",
        False,
    )
    assert sorted(advisory.revisions.values_list("version", flat=True)) == ["2", "3"]
    # the vulnerability row (and so its matches and remediation states) survives the revision
    assert Vulnerability.objects.get().pk == vulnerability_pk
    assert not Vulnerability.objects.get().exploited
    entry = AuditEntry.objects.get(action="security.advisory_revision")
    assert entry.changes["previous_version"] == "2"


def test_an_equal_or_older_version_is_not_stored_again(body: Any) -> None:
    import_advisory(SYSTEM, revised(sample_advisory(), "3"), owner_body=body)
    same = import_advisory(SYSTEM, revised(sample_advisory(), "3"), owner_body=body)
    assert (same.outcome, same.stored, same.revision) == ("unchanged", False, None)
    assert same.message == "EX-2024-0001 Fassung 3 ist bereits gespeichert; nichts geändert."
    older = import_advisory(SYSTEM, sample_advisory(), owner_body=body)
    assert older.outcome == "older"
    assert older.message == (
        "EX-2024-0001 Fassung 2 ist älter als die gespeicherte Fassung 3; nicht gespeichert."
    )
    assert Advisory.objects.get().version == "3"
    assert AdvisoryRevision.objects.count() == 1
    assert AuditEntry.objects.filter(action__startswith="security.advisory").count() == 1


def test_semantic_versions_are_compared_as_versions(body: Any) -> None:
    document = sample_advisory()
    tracking = document["document"]["tracking"]
    tracking["version"] = "1.9.0"
    for item, number in zip(tracking["revision_history"], ("1.0.0", "1.9.0"), strict=True):
        item["number"] = number
    import_advisory(SYSTEM, document, owner_body=body)
    newer = copy.deepcopy(document)
    newer["document"]["tracking"]["version"] = "1.10.0"
    newer["document"]["tracking"]["current_release_date"] = "2024-03-09T10:00:00.000Z"
    newer["document"]["tracking"]["revision_history"].append(
        {"date": "2024-03-09T10:00:00.000Z", "number": "1.10.0", "summary": "Nachtrag"}
    )
    assert import_advisory(SYSTEM, newer, owner_body=body).outcome == "revised"
    assert import_advisory(SYSTEM, document, owner_body=body).outcome == "older"


def test_two_bodies_each_hold_their_own_amber_copy(body: Any) -> None:
    other = BodyFactory.create(verbandsgemeinde=True, name="Ramstein-Miesenbach")
    import_advisory(SYSTEM, sample_advisory(), owner_body=body)
    assert import_advisory(SYSTEM, sample_advisory(), owner_body=other).outcome == "created"
    assert Advisory.objects.count() == 2


def test_tlp_white_is_stored_as_public_clear(body: Any) -> None:
    document = sample_advisory()
    document["document"]["distribution"]["tlp"]["label"] = "WHITE"
    advisory = import_advisory(SYSTEM, document, owner_body=body).advisory
    assert (advisory.tlp, advisory.owner_body_id, advisory.distribution) == ("clear", None, "all")
    assert AuditEntry.objects.get(action="security.advisory_import").object_repr == "EX-2024-0001"


def test_the_label_may_only_be_made_stricter_and_is_needed(body: Any) -> None:
    with pytest.raises(Invalid) as looser:
        import_advisory(SYSTEM, sample_advisory(), owner_body=body, tlp="green")
    assert "tlp" in looser.value.fields
    strict = import_advisory(SYSTEM, sample_advisory(), owner_body=body, tlp="AMBER+STRICT")
    assert strict.advisory.tlp == "amber+strict"

    document = sample_advisory()
    del document["document"]["distribution"]
    with pytest.raises(Invalid) as missing:
        import_advisory(SYSTEM, document, owner_body=body)
    assert "keine TLP-Stufe" in missing.value.fields["tlp"][0]
    with pytest.raises(Invalid) as no_owner:
        import_advisory(SYSTEM, sample_advisory())
    assert "owner_body" in no_owner.value.fields
    assert not Advisory.objects.exclude(pk=strict.advisory.pk).exists()


def test_who_may_import(body: Any) -> None:
    staff = UserFactory.create(staff_of=body)
    outsider = UserFactory.create(staff_of=BodyFactory.create(verbandsgemeinde=True, name="Anderswo"))
    nobody = UserFactory.create()
    with pytest.raises(Forbidden):
        import_advisory(outsider, sample_advisory(), owner_body=body)
    with pytest.raises(Forbidden):
        import_advisory(SystemActor(name="ohne Recht"), sample_advisory(), owner_body=body)
    public = sample_advisory()
    public["document"]["distribution"]["tlp"]["label"] = "WHITE"
    with pytest.raises(Forbidden):
        import_advisory(nobody, public)
    result = import_advisory(staff, sample_advisory(), owner_body=body)
    assert result.advisory.created_by == staff
    assert AdvisoryRevision.objects.get().received_by == staff.username


def test_the_downloader_quarantines_an_invalid_document_with_the_reasons(body: Any) -> None:
    document = sample_advisory()
    document["vulnerabilities"][0]["product_status"]["fixed"] = ["CSAFPID-9999"]
    raw = json.dumps(document).encode()
    kept = import_or_quarantine(
        SYSTEM, gzip.compress(raw), url="https://cert.example.org/x.json", filename="x.json"
    )
    assert isinstance(kept, QuarantinedDocument)
    assert kept.reasons[0]["test"] == "6.1.1"
    assert kept.reasons[0]["path"] == "/vulnerabilities/0/product_status/fixed/0"
    assert json.loads(kept.content) == document  # decompressed, as received
    assert not Advisory.objects.exists()
    assert AuditEntry.objects.get(action="security.advisory_quarantine").changes["reasons"] == [
        "6.1.1 /vulnerabilities/0/product_status/fixed/0"
    ]
    public = sample_advisory()
    public["document"]["distribution"]["tlp"]["label"] = "WHITE"
    assert isinstance(import_or_quarantine(SYSTEM, json.dumps(public).encode()), ImportResult)


def test_quarantine_for_a_bad_signature_and_only_by_the_operators(body: Any) -> None:
    kept = quarantine_document(SYSTEM, b"\x00\x01", reasons=["Signatur ungültig"], filename="y.json")
    assert kept.reasons == [{"test": "", "text": "Signatur ungültig", "path": ""}]
    with pytest.raises(Forbidden):
        quarantine_document(UserFactory.create(staff_of=body), b"{}", reasons=["x"])


# --- the command -------------------------------------------------------------------------------


def run_command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_csaf", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_json_and_gzip_files(tmp_path: Path, body: Any) -> None:
    first = tmp_path / "ex.json"
    first.write_text(json.dumps(sample_advisory()), encoding="utf-8")
    second = tmp_path / "ex-3.json.gz"
    second.write_bytes(gzip.compress(json.dumps(revised(sample_advisory(), "3")).encode()))
    out, err = run_command(str(first), str(second), "--body", str(body.pk))
    assert out.splitlines() == [
        f"{first}: EX-2024-0001 Fassung 2 neu eingelesen.",
        f"{second}: EX-2024-0001: Fassung 3 ersetzt Fassung 2.",
    ]
    assert err == ""
    entry = AuditEntry.objects.get(action="security.advisory_import")
    assert (entry.actor_label, entry.is_system) == ("CSAF-Import (Kommandozeile)", True)


def test_the_command_fails_on_an_invalid_document_printing_each_test(tmp_path: Path, body: Any) -> None:
    document = sample_advisory()
    document["vulnerabilities"][0]["product_status"]["fixed"] = ["CSAFPID-9999"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(sample_advisory()), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 von 3 Dateien nicht eingelesen"):
        call_command(
            "import_csaf", str(bad), str(good), str(tmp_path / "fehlt.json"), "--body", str(body.pk),
            stdout=out, stderr=err,
        )  # fmt: skip
    assert f"{bad}: ungültig, nicht gespeichert (1 Befunde):" in err.getvalue()
    assert "  6.1.1 /vulnerabilities/0/product_status/fixed/0: Test 6.1.1" in err.getvalue()
    assert "fehlt.json: nicht lesbar" in err.getvalue()
    assert Advisory.objects.count() == 1  # the good file went in


def test_the_command_without_a_body_for_an_amber_document(tmp_path: Path) -> None:
    path = tmp_path / "amber.json"
    path.write_text(json.dumps(sample_advisory()), encoding="utf-8")
    with pytest.raises(CommandError):
        run_command(str(path))
    with pytest.raises(CommandError, match="Körperschaft 999999 nicht gefunden"):
        run_command(str(path), "--body", "999999")


# --- the data directory ------------------------------------------------------------------------


def test_every_real_advisory_is_imported_and_the_defective_ones_refused(db: Any) -> None:
    root = csaf_root() / "real_advisories"
    if not root.is_dir():
        pytest.skip(f"no CSAF data in {root} (VERBUND_DATA_DIR)")
    files = sorted(str(p) for p in [*root.glob("**/*.json"), *root.glob("**/*.json.gz")])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 von 40 Dateien"):
        call_command("import_csaf", *files, stdout=out, stderr=err)
    assert "6.1.31 /product_tree/branches/0/branches/6/branches/0/name" in err.getvalue()
    assert "6.1.27.13 /vulnerabilities/0/remediations/0/product_ids" in err.getvalue()
    # 38 valid files; the BSI advisory WID-SEC-W-2023-2649 comes as revision 15 and revision 29
    assert Advisory.objects.count() == 37
    bsi = Advisory.objects.get(tracking_id="WID-SEC-W-2023-2649")
    assert (bsi.version, bsi.tlp, bsi.owner_body_id) == ("29", "clear", None)
    assert sorted(bsi.revisions.values_list("version", flat=True)) == ["15", "29"]
    assert "Fassung 29 ersetzt Fassung 15" in out.getvalue()
    vex = Advisory.objects.get(tracking_id="CVE-2023-20593")
    assert vex.cves == "CVE-2023-20593"
