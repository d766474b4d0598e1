"""Validation of CSAF documents: the JSON schema and every mandatory test (6.1.x), offline.

The checking is done by the maintained PyPI package ``csaf`` (``csaf.csaf.v20.validate`` for CSAF
2.0, ``csaf.csaf.v21._validator.validate`` for CSAF 2.1 — the package tracks the newest 2.1 draft).
It bundles the CSAF and the FIRST CVSS schemas and resolves references only against them, so
nothing is fetched from the network. This module adds what a refusal needs: the raw input decoded
(JSON, gzip, a size limit), one clear failure for what is not CSAF at all, and each failed test as
a :class:`Failure` with its number, the validator's English detail in a German sentence, and the
JSON pointer.

Input the validators cannot take is refused before they run or reported as a failed test, never a
crash: JSON nested deeper than :data:`MAX_DEPTH` (checked without recursion; the decoder and the
validators recurse), JSON numbers of more digits than Python converts, and a test of the package
that raises (e.g. ``int()`` of a 5,000-digit ``/document/tracking/version``) fails with the reason.

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
import re
import sys
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verbund.common.i18n import _

#: Larger decoded documents are refused (the largest real one, a Red Hat VEX file, has 3.1 MB).
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
#: At most this many findings are listed per test (a broken document can yield thousands).
MAX_FAILURES_PER_TEST = 100
#: Deeper nested JSON is refused before decoding (real CSAF documents reach 14 levels; the decoder
#: and the validators recurse, and a request's stack leaves room for some hundreds of levels only).
MAX_DEPTH = 64

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


#: A JSON string (with its escapes), or one of the characters that shape the structure.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{},:]', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")


def _pointer(path: list[str | int]) -> str:
    """A JSON pointer (RFC 6901) to ``path``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _line_column(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def _too_deep(raw: bytes) -> bool:
    """Whether the JSON text ``raw`` nests arrays and objects deeper than :data:`MAX_DEPTH` (no recursion;
    brackets inside strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_A_BRACKET):
        depth += 1 if byte in _OPENING else -1
        if depth > MAX_DEPTH:
            return True
    return False


def _depth_failure(raw: bytes) -> Failure:
    """The refusal of a too deeply nested ``raw``, naming where the limit is passed (JSON path, line)."""
    path: list[str | int] = []
    # per open level: [is an object, expecting a key]
    levels: list[list[bool]] = []
    offset = 0
    for token in _TOKEN.finditer(raw):
        text = token.group()
        if text in (b"[", b"{"):
            if len(levels) == MAX_DEPTH:
                offset = token.start()
                break
            levels.append([text == b"{", text == b"{"])
            path.append(0)
        elif text in (b"]", b"}"):
            if levels:
                levels.pop()
                path.pop()
        elif text == b",":
            if levels:
                if levels[-1][0]:
                    levels[-1][1] = True
                elif isinstance(path[-1], int):
                    path[-1] += 1
        elif text == b":":
            if levels:
                levels[-1][1] = False
        elif levels and levels[-1][0] and levels[-1][1]:  # a key
            try:
                path[-1] = json.loads(text)
            except ValueError:
                path[-1] = text[1:-1].decode("utf-8", "replace")
    where = _pointer(path) or "/"
    if len(where) > 300:
        where = where[:300] + " …"
    line, column = _line_column(raw, offset)
    return _input_failure(
        f"nested deeper than {MAX_DEPTH} levels (line {line}, column {column})",
        _(
            "Das Dokument ist zu tief verschachtelt (mehr als %(max)s Ebenen) bei %(path)s "
            "(Zeile %(line)s, Spalte %(column)s)."
        )
        % {"max": MAX_DEPTH, "path": where, "line": line, "column": column},
        where,
    )


def _deeper_than_max(document: Mapping[str, Any]) -> str | None:
    """The JSON pointer of a place in ``document`` nested deeper than :data:`MAX_DEPTH` (no recursion)."""
    stack: list[tuple[Any, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, Mapping | list):
            if len(path) >= MAX_DEPTH:
                return _pointer(path) or "/"
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            stack.extend((item, [*path, key]) for key, item in items)
    return None


class _LongNumber(ValueError):
    """A JSON number of more digits than Python converts to an integer."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > sys.get_int_max_str_digits() > 0:
        raise _LongNumber(text)
    return int(text)


def _long_number_failure(raw: bytes) -> Failure:
    """The refusal of a JSON number with too many digits, naming its line and column."""
    limit = sys.get_int_max_str_digits()
    offset = 0
    pattern = re.compile(rb'"(?:[^"\\]++|\\.)*+"|-?[0-9]{%d,}' % (limit + 1), re.DOTALL)
    for token in pattern.finditer(raw):
        if not token.group().startswith(b'"'):
            offset = token.start()
            break
    line, column = _line_column(raw, offset)
    return _input_failure(
        f"integer of more than {limit} digits (line {line}, column {column})",
        _("Das Dokument enthält eine Zahl mit mehr als %(max)s Ziffern: Zeile %(line)s, Spalte %(column)s.")
        % {"max": limit, "line": line, "column": column},
    )


def decode(data: Mapping[str, Any] | bytes | str) -> dict[str, Any]:
    """The JSON object of a CSAF document given as a dict, bytes (JSON or gzip) or text.

    Raises :class:`DocumentError` for what is not JSON, too large, nested deeper than
    :data:`MAX_DEPTH`, or not a JSON object.
    """
    if isinstance(data, Mapping):
        document = dict(data)
        where = _deeper_than_max(document)
        if where is not None:
            raise DocumentError(
                _input_failure(
                    f"nested deeper than {MAX_DEPTH} levels",
                    _("Das Dokument ist zu tief verschachtelt (mehr als %(max)s Ebenen) bei %(path)s.")
                    % {"max": MAX_DEPTH, "path": where},
                    where,
                )
            )
        return document
    raw = document_bytes(data)
    if _too_deep(raw):
        raise DocumentError(_depth_failure(raw))
    try:
        document = json.loads(raw, parse_int=_parse_int)
    except _LongNumber:
        raise DocumentError(_long_number_failure(raw)) from None
    except RecursionError:  # not reached after the depth check; a refusal should it ever be
        raise DocumentError(
            _input_failure(
                "nested too deeply",
                _("Das Dokument ist zu tief verschachtelt (mehr als %(max)s Ebenen).") % {"max": MAX_DEPTH},
            )
        ) from None
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


def _long_digit_string(document: Mapping[str, Any]) -> str:
    """The JSON pointer of the first string of more digits than Python converts ("" if none)."""
    limit = sys.get_int_max_str_digits()
    if limit <= 0:
        return ""
    long_run = re.compile(rf"[0-9]{{{limit + 1},}}")
    stack: list[tuple[Any, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if long_run.search(value):
                return _pointer(path)
        elif isinstance(value, Mapping | list):
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            stack.extend(reversed([(item, [*path, key]) for key, item in items]))
    return ""


def _crash_failure(test: str, title: str, error: Exception, document: Mapping[str, Any]) -> Failure:
    """A test of the package that raised, as a failed test naming the error (and, where it can be
    told, the JSON path of the value that made it fail)."""
    path = _long_digit_string(document) if isinstance(error, ValueError) else ""
    detail = f"{type(error).__name__}: {error}"
    if len(detail) > 500:
        detail = detail[:500] + " …"
    where = path or "/"
    if test == SCHEMA:
        message = _("Die Schemaprüfung ist bei %(path)s abgebrochen (%(detail)s).") % {
            "path": where,
            "detail": detail,
        }
    else:
        message = _("Test %(test)s (%(title)s) ist bei %(path)s abgebrochen (%(detail)s).") % {
            "test": test,
            "title": title,
            "path": where,
            "detail": detail,
        }
    return Failure(test=test, title=title, path=path, detail=detail, message=message)


def _package_report(document: dict[str, Any], version: str) -> tuple[Any, list[Failure]]:
    """The package's report, and a failure for each of its tests that raised: such a test is skipped
    on a new run (its exception ends the package's run), so every other test still gives its verdict."""
    if version == "2.0":
        from csaf.csaf.v20 import validate as package_validate
    else:
        from csaf.csaf.v21._validator import validate as package_validate

    crashed: dict[str, Failure] = {}
    running: list[tuple[str, str]] = []
    while True:
        running.clear()
        try:
            report = package_validate(
                document,
                preset="basic",
                skip_rules=frozenset(crashed),
                rule_start_sink=lambda test, title: running.append((test, title)),
            )
        except Exception as error:  # any exception of a test is that test's failure
            if not running or running[-1][0] in crashed:  # the schema check, before any test
                schema = _crash_failure(SCHEMA, f"JSON Schema (CSAF {version})", error, document)
                return None, [*crashed.values(), schema]
            test, title = running[-1]
            crashed[test] = _crash_failure(test, title, error, document)
            continue
        return report, list(crashed.values())


def _run_package(document: dict[str, Any], version: str) -> tuple[list[Failure], list[str]]:
    report, crashed = _package_report(document, version)
    failures: list[Failure] = list(crashed)
    skipped: list[str] = []
    if report is None:
        return failures, skipped
    crashed_tests = {f.test for f in crashed}
    corrected_6_1_27_7 = False
    for result in report.results:
        if result.group not in ("schema", "mandatory", "profile"):
            continue  # recommended and informative tests never refuse a document
        if result.id in crashed_tests:
            continue  # skipped on the run that gave ``report``; its failure is listed
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
