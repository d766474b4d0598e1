"""Validation of CSAF documents: the JSON schema and every mandatory test (6.1.x), offline.

The checking is done by the maintained PyPI package ``csaf`` (``csaf.csaf.v20.validate`` for CSAF
2.0, ``csaf.csaf.v21._validator.validate`` for CSAF 2.1 — the package tracks the newest 2.1 draft).
It bundles the CSAF and the FIRST CVSS schemas and resolves references only against them, so
nothing is fetched from the network. This module adds what a refusal needs: the raw input decoded
(JSON, gzip, a size limit), one clear failure for what is not CSAF at all, and each failed test as
a :class:`Failure` with its number, the validator's English detail in a German sentence, and the
JSON pointer.

Deviations of the ``csaf`` package's CSAF 2.0 test 6.1.27 from the standard, corrected here:

* 6.1.27.7 (VEX Product Status): the package refuses every product status other than fixed,
  known_affected, known_not_affected and under_investigation in a ``csaf_vex`` document; CSAF 2.0
  only requires that one of these four is present. The package's finding is replaced by the
  standard's test (the OASIS example ``2022-evd-uc-08-001`` lists ``recommended`` and is valid).
* The package runs two checks under 6.1.27 that CSAF 2.0 does not have (from the 2.1 drafts):
  "conclusive product status" and "remediation names a product not in product_status". They are
  kept (a maintained validator's verdict) and reported as 6.1.27.12 and 6.1.27.13, the numbers
  the package gives them, marked as going beyond CSAF 2.0.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verbund.common.i18n import _

#: Larger decoded documents are refused (the largest real one, a Red Hat VEX file, has 3.1 MB).
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
#: At most this many findings are listed per test (a broken document can yield thousands).
MAX_FAILURES_PER_TEST = 100

SUPPORTED_VERSIONS = ("2.0", "2.1")

# Pseudo test numbers for what is refused before the validator runs.
INPUT = "Eingabe"
SCHEMA = "Schema"

# Sub-tests of 6.1.27 in the ``csaf`` package's CSAF 2.0 rule, recognised by their messages.
_SUBTESTS_6_1_27: tuple[tuple[str, str, str], ...] = (
    ("csaf_security_incident_response must have at least one note", "6.1.27.1", "Document Notes"),
    ("csaf_informational_advisory must have at least one reference", "6.1.27.2", "Document References"),
    ("csaf_informational_advisory must not contain", "6.1.27.3", "Vulnerabilities"),
    ("must have a `product_tree`", "6.1.27.4", "Product Tree"),
    ("each vulnerability must have at least one note", "6.1.27.5", "Vulnerability Notes"),
    ("at least one product_status entry", "6.1.27.6", "Product Status"),
    ("VEX product_status", "6.1.27.7", "VEX Product Status"),
    ("with a `cve` or unscoped id", "6.1.27.8", "Vulnerability ID"),
    ("requires an impact statement", "6.1.27.9", "Impact Statement"),
    ("requires a remediation (action statement)", "6.1.27.10", "Action Statement"),
    ("must have at least one vulnerability", "6.1.27.11", "Vulnerabilities"),
    ("conclusive product_status", "6.1.27.12", "Conclusive Product Status"),
    ("must have at least one remediation", "6.1.27.13", "Remediation Consistency"),
    ("in remediation is not in any product_status", "6.1.27.13", "Remediation Consistency"),
)
_BEYOND_CSAF_20 = frozenset({"6.1.27.12", "6.1.27.13"})
_VEX_REQUIRED_STATUS = ("fixed", "known_affected", "known_not_affected", "under_investigation")


@dataclass(frozen=True)
class Failure:
    """One failed test: its number (``6.1.27.13``, ``Schema``, ``Eingabe``), where, and why."""

    test: str
    title: str
    path: str
    detail: str  # the validator's English message
    message: str  # German sentence shown to users, with the detail

    def __str__(self) -> str:
        return f"{self.test} {self.title}: {self.path or '/'}: {self.detail}"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`; ``document`` is the decoded JSON (``None`` if undecodable)."""

    csaf_version: str | None
    failures: tuple[Failure, ...] = ()
    #: mandatory tests the validator skipped (not implemented by the package)
    skipped_tests: tuple[str, ...] = ()
    document: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failed_tests(self) -> tuple[str, ...]:
        """The numbers of the failed tests, each once, in order."""
        return tuple(dict.fromkeys(f.test for f in self.failures))

    def lines(self) -> list[str]:
        """One German line per failure (for a refusal, the command line, the quarantine)."""
        return [f.message for f in self.failures]


class DocumentError(ValueError):
    """Input that is not a CSAF document at all; ``failure`` says why (German)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def _input_failure(detail: str, message: str, path: str = "") -> Failure:
    return Failure(test=INPUT, title="Input", path=path, detail=detail, message=message)


def _read_limited(data: bytes) -> bytes:
    """``data`` itself, or its gzip content; refuses more than :data:`MAX_DOCUMENT_BYTES`."""
    limit = MAX_DOCUMENT_BYTES
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
                data = handle.read(limit + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise DocumentError(
                _input_failure(
                    str(error),
                    _("Die gzip-Datei ist beschädigt: %(detail)s") % {"detail": error},
                )
            ) from error
    if len(data) > limit:
        raise DocumentError(
            _input_failure(
                f"document larger than {limit} bytes",
                _("Das Dokument ist zu groß (mehr als %(mb)s MB).") % {"mb": limit // (1024 * 1024)},
            )
        )
    return data


def document_bytes(data: bytes | str) -> bytes:
    """The JSON text of a document given as JSON or gzip bytes (or text), size-checked.

    Raises :class:`DocumentError` when it is too large or a broken gzip file.
    """
    return _read_limited(data.encode() if isinstance(data, str) else bytes(data))


def decode(data: Mapping[str, Any] | bytes | str) -> dict[str, Any]:
    """The JSON object of a CSAF document given as a dict, bytes (JSON or gzip) or text.

    Raises :class:`DocumentError` for what is not JSON, too large, or not a JSON object.
    """
    if isinstance(data, Mapping):
        return dict(data)
    raw = document_bytes(data)
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise DocumentError(
            _input_failure(
                f"{error.msg} (line {error.lineno}, column {error.colno})",
                _("Das Dokument ist kein gültiges JSON: Zeile %(line)s, Spalte %(column)s: %(detail)s")
                % {"line": error.lineno, "column": error.colno, "detail": error.msg},
            )
        ) from error
    except UnicodeDecodeError as error:
        raise DocumentError(
            _input_failure(
                str(error),
                _("Das Dokument ist nicht in UTF-8 kodiert: %(detail)s") % {"detail": error},
            )
        ) from error
    if not isinstance(document, dict):
        raise DocumentError(
            _input_failure(
                "top level is not a JSON object",
                _("Das Dokument ist kein CSAF-Dokument: Auf oberster Ebene steht kein JSON-Objekt."),
            )
        )
    return document


def csaf_version_of(document: Mapping[str, Any]) -> str:
    """``document.csaf_version``; raises :class:`DocumentError` when it is missing or unsupported."""
    meta = document.get("document")
    version = meta.get("csaf_version") if isinstance(meta, Mapping) else None
    if version is None:
        raise DocumentError(
            _input_failure(
                "missing /document/csaf_version",
                _("Das Dokument ist kein CSAF-Dokument: /document/csaf_version fehlt."),
                "/document/csaf_version",
            )
        )
    if version not in SUPPORTED_VERSIONS:
        raise DocumentError(
            _input_failure(
                f"unsupported csaf_version {version!r}",
                _("CSAF-Version %(version)s wird nicht unterstützt (unterstützt: 2.0 und 2.1).")
                % {"version": version},
                "/document/csaf_version",
            )
        )
    return str(version)


def _message(test: str, title: str, path: str, detail: str) -> str:
    where = path or "/"
    if test == SCHEMA:
        return _("Schemaprüfung nicht bestanden bei %(path)s: %(detail)s") % {"path": where, "detail": detail}
    if test in _BEYOND_CSAF_20:
        return _(
            "Test %(test)s (%(title)s, Zusatzprüfung des csaf-Validators) nicht bestanden bei "
            "%(path)s: %(detail)s"
        ) % {"test": test, "title": title, "path": where, "detail": detail}
    return _("Test %(test)s (%(title)s) nicht bestanden bei %(path)s: %(detail)s") % {
        "test": test,
        "title": title,
        "path": where,
        "detail": detail,
    }


def _failure(test: str, title: str, path: str, detail: str) -> Failure:
    if len(detail) > 500:  # jsonschema quotes whole sub-documents
        detail = detail[:500] + " …"
    return Failure(
        test=test, title=title, path=path, detail=detail, message=_message(test, title, path, detail)
    )


def _subtest_6_1_27(detail: str) -> tuple[str, str]:
    for needle, test, title in _SUBTESTS_6_1_27:
        if needle in detail:
            return test, title
    return "6.1.27", "Profile-Based Rules"


def _vex_product_status(document: Mapping[str, Any]) -> list[Failure]:
    """CSAF 2.0 test 6.1.27.7 as the standard words it (see the module docstring)."""
    meta = document.get("document") or {}
    if meta.get("category") != "csaf_vex":
        return []
    failures = []
    for index, vulnerability in enumerate(document.get("vulnerabilities") or ()):
        status = vulnerability.get("product_status") or {}
        if not any(status.get(key) for key in _VEX_REQUIRED_STATUS):
            failures.append(
                _failure(
                    "6.1.27.7",
                    "VEX Product Status",
                    f"/vulnerabilities/{index}/product_status",
                    "None of the elements fixed, known_affected, known_not_affected, or "
                    "under_investigation is present in product_status.",
                )
            )
    return failures


def _run_package(document: dict[str, Any], version: str) -> tuple[list[Failure], list[str]]:
    if version == "2.0":
        from csaf.csaf.v20 import validate as package_validate
    else:
        from csaf.csaf.v21._validator import validate as package_validate

    report = package_validate(document, preset="basic")
    failures: list[Failure] = []
    skipped: list[str] = []
    corrected_6_1_27_7 = False
    for result in report.results:
        if result.group not in ("schema", "mandatory", "profile"):
            continue  # recommended and informative tests never refuse a document
        if result.skipped:
            skipped.append(result.id)
            continue
        if result.passed:
            if version == "2.0" and result.id == "6.1.27":
                failures.extend(_vex_product_status(document))
                corrected_6_1_27_7 = True
            continue
        per_test: dict[str, int] = {}
        errors = result.errors or ()
        if not errors:
            failures.append(_failure(result.id, result.title, "", "failed"))
        for error in errors:
            test, title = result.id, result.title
            if result.group == "schema":
                test, title = SCHEMA, f"JSON Schema (CSAF {version})"
            if version == "2.0" and result.id == "6.1.27":
                test, title = _subtest_6_1_27(error.message)
                if test == "6.1.27.7":
                    continue  # replaced by the standard's test below
            per_test[test] = per_test.get(test, 0) + 1
            if per_test[test] > MAX_FAILURES_PER_TEST:
                continue
            failures.append(_failure(test, title, error.instance_path, error.message))
        for test, count in per_test.items():
            if count > MAX_FAILURES_PER_TEST:
                more = count - MAX_FAILURES_PER_TEST
                failures.append(
                    Failure(
                        test=test,
                        title="",
                        path="",
                        detail=f"{more} more findings",
                        message=_("Test %(test)s: %(count)s weitere Befunde nicht aufgeführt.")
                        % {"test": test, "count": more},
                    )
                )
        if version == "2.0" and result.id == "6.1.27" and not corrected_6_1_27_7:
            failures.extend(_vex_product_status(document))
            corrected_6_1_27_7 = True
    return failures, skipped


def validate(data: Mapping[str, Any] | bytes | str) -> ValidationReport:
    """Check a CSAF document (dict, JSON bytes or text, or gzip bytes) against the schema and every
    mandatory test; never raises for bad input — the report lists every failure."""
    try:
        document = decode(data)
        version = csaf_version_of(document)
    except DocumentError as error:
        return ValidationReport(csaf_version=None, failures=(error.failure,))
    failures, skipped = _run_package(document, version)
    return ValidationReport(
        csaf_version=version,
        failures=tuple(failures),
        skipped_tests=tuple(skipped),
        document=document,
    )
