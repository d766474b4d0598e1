"""Probes (issue 12): CSAF documents nobody tuned for, uploaded by a member through the API and the page.

Expected for every bad file: a clear 422 / form error naming the problem, nothing stored, never a 500.
Each defect the probe found has its test here and is fixed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.accounts.tests.factories import UserFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Advisory, AdvisoryRevision, Vulnerability
from verbund.security.tests.test_csaf_validation import csaf_root, sample_advisory
from verbund.security.tests.test_import_csaf import revised

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db: Any) -> Any:
    body = BodyFactory.create(verbandsgemeinde=True)
    user = UserFactory.create(staff_of=body)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return type("Member", (), {"body": body, "user": user, "client": client})


def _post(member: Any, data: bytes, name: str = "doc.json", **fields: Any) -> Any:
    upload = SimpleUploadedFile(name, data, content_type="application/json")
    return member.client.post(
        "/api/v1/security/advisories", {"document": upload, "owner_body": member.body.pk, **fields}
    )


def _page_post(member: Any, data: bytes, name: str = "doc.json") -> Any:
    upload = SimpleUploadedFile(name, data, content_type="application/json")
    return member.client.post(
        "/sicherheit/hinweise/einlesen/",
        {"document": upload, "owner_body": member.body.pk, "tlp": "", "distribution": "organisation"},
    )


def _nothing_stored() -> None:
    assert Advisory.objects.count() == 0
    assert AdvisoryRevision.objects.count() == 0
    assert Vulnerability.objects.count() == 0


def _with(change: Any) -> bytes:
    document = copy.deepcopy(sample_advisory())
    change(document)
    return json.dumps(document).encode()


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


# --- refused cleanly (passing probes worth keeping) -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x89PNG\r\n\x1a\nnot json at all", "UTF-8"),
        (b"{'document': 1}", "kein gültiges JSON"),
        (b"[1, 2, 3]", "kein JSON-Objekt"),
        (b'{"document": null}', "csaf_version"),
        (_with(lambda d: d["document"].update(csaf_version="1.2")), "1.2"),
        (json.dumps(sample_advisory(), ensure_ascii=False).encode("latin-1"), "UTF-8"),
        (b"\x1f\x8b\x08\x00broken gzip", "gzip"),
        (json.dumps({"spdxVersion": "SPDX-2.3"}).encode(), "csaf_version"),
    ],
    ids=["binary", "python-repr", "array", "document-null", "csaf-1.2", "latin-1", "broken-gzip", "spdx"],
)
def test_a_file_that_is_no_csaf_document_is_refused_with_the_reason(
    member: Any, data: bytes, says: str
) -> None:
    response = _post(member, data)
    assert response.status_code == 422, response.content
    assert says in response.content.decode("unicode_escape", "replace") or says in response.json()["detail"]
    page = _page_post(member, data)
    assert page.status_code == 200 and says in page.content.decode()
    _nothing_stored()


def test_a_utf8_bom_and_utf16_document_are_read(member: Any) -> None:
    text = json.dumps(sample_advisory(), ensure_ascii=False)
    assert _post(member, b"\xef\xbb\xbf" + text.encode()).status_code == 201
    assert _post(member, text.encode("utf-16")).json()["outcome"] == "unchanged"


def test_an_older_revision_is_not_stored_and_says_so(member: Any) -> None:
    newer = json.dumps(revised(sample_advisory(), "3", date="2024-06-01T10:00:00.000Z")).encode()
    assert _post(member, newer).status_code == 201
    response = _post(member, json.dumps(sample_advisory()).encode())
    assert response.status_code == 200 and response.json()["outcome"] == "older"
    assert Advisory.objects.get().version == "3" and AdvisoryRevision.objects.count() == 1


def test_the_same_tracking_id_of_another_publisher_is_another_advisory(member: Any) -> None:
    assert _post(member, json.dumps(sample_advisory()).encode()).status_code == 201
    other = _with(lambda d: d["document"]["publisher"].update(namespace="https://other.example.org"))
    assert _post(member, other).status_code == 201
    assert Advisory.objects.count() == 2


@pytest.mark.parametrize(
    "relative",
    ["invalid_fixtures/rhba-2023_0564.json", "invalid_fixtures/rhsa-2021_3029.json"],
)
def test_the_invalid_real_fixtures_are_refused_through_the_api(member: Any, relative: str) -> None:
    path = Path(csaf_root()) / relative
    if not path.is_file():
        pytest.skip(f"{path} not in the data directory")
    response = _post(member, path.read_bytes(), name=path.name)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert path.name in detail and ("6.1." in detail or "Schemaprüfung" in detail)
    assert " bei /" in detail  # the JSON path of the failure
    _nothing_stored()


# --- defects ----------------------------------------------------------------------------------------


def test_a_deeply_nested_file_is_refused_not_a_500(member: Any) -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    response = _post(member, data)
    assert response.status_code == 422
    _nothing_stored()


def test_an_absurd_integer_version_is_refused_not_a_500(member: Any) -> None:
    def change(d: dict[str, Any]) -> None:
        d["document"]["tracking"]["version"] = "1" * 5000
        d["document"]["tracking"]["revision_history"][-1]["number"] = "1" * 5000

    response = _post(member, _with(change))
    assert response.status_code == 422
    _nothing_stored()


def test_the_upload_page_survives_an_absurd_version(member: Any) -> None:
    def change(d: dict[str, Any]) -> None:
        d["document"]["tracking"]["version"] = "1" * 5000
        d["document"]["tracking"]["revision_history"][-1]["number"] = "1" * 5000

    page = _page_post(member, _with(change))
    assert page.status_code == 200
    _nothing_stored()


def test_a_document_nested_900_levels_below_a_custom_key_does_not_crash(member: Any) -> None:
    data = _with(lambda d: d["document"].update(x_extension=_deep(900)))
    response = _post(member, data)
    assert response.status_code in (201, 422), response.status_code


@pytest.mark.parametrize(
    "escape",
    [
        "\\u0000",
        "\\ud800",
    ],
    ids=["nul", "lone-surrogate"],
)
def test_a_json_escape_the_database_cannot_store_is_refused_not_a_500(member: Any, escape: str) -> None:
    text = json.dumps(sample_advisory()).replace("Beispiel-Firewall", "Beispiel" + escape + "Firewall")
    response = _post(member, text.encode())
    assert response.status_code in (201, 422), response.status_code
