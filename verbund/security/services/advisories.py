"""Advisories in: importing a CSAF document (upload, API, command line, downloader) and keeping invalid
documents in quarantine.

:func:`import_advisory` validates the document (schema and every mandatory test,
:mod:`verbund.security.csaf.validation`) and refuses an invalid one with each failed test's number,
text and JSON path — nothing is stored. A valid document is one advisory per publisher namespace,
tracking id and owner: a newer version replaces the current one (its vulnerabilities are updated by
key, so matches and remediation states stay; one the new version no longer lists is kept, no longer
current, with its matches), every version is kept as an :class:`AdvisoryRevision`;
an older or equal version changes nothing and the result says so. :func:`quarantine_document` keeps
what the downloader received but could not import, with the reasons.

Two rules keep the import from becoming a way around TLP and from failing with a server error:

* **An advisory the importer may not see is neither revealed nor changed.** The advisory of a body is
  one per publisher namespace and tracking id (the database's unique key), so a second, separate copy
  for the importer cannot be kept. When the body already holds the document as an advisory the
  importer does not see (TLP:RED of a colleague who did not name them), the import is refused
  (:class:`AdvisoryNotImportable`, 409) with a text that names neither the advisory, its number,
  title, label, version nor who holds it, and is the same whatever the version; nothing is stored.
  Only that the document cannot be imported for that body is told — the importer holds the document
  anyway. Whoever sees the advisory (its named people, the system) imports as before.
* **What validated but cannot be stored is refused like an invalid document** (422 naming the JSON
  path): a NUL character or a lone UTF-16 surrogate (``\\u0000``, ``\\ud800``) in any key or string,
  which PostgreSQL cannot keep in text or ``jsonb``. Two first imports of the same new document at
  the same moment store it once: the insert runs in a savepoint, and the one that loses the race on
  the unique key reads the stored advisory again and reports it ``unchanged`` (or stores its newer
  version on it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from verbund.accounts.principal import principal_for
from verbund.audit.services import audit_record
from verbund.common.actors import Actor, SystemActor, actor_label, check_actor
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.common.i18n import _
from verbund.common.principal import Principal
from verbund.registry.models import Body
from verbund.security.csaf import AdvisoryFacts, DocumentError, Failure, parse, validate
from verbund.security.csaf.scores import Score
from verbund.security.csaf.validation import INPUT, document_bytes

from .. import audit_actions
from ..models import (
    Advisory,
    AdvisoryRevision,
    CsafSource,
    Match,
    QuarantinedDocument,
    Tlp,
    Vulnerability,
)
from ..policies import MANAGE, acts_for, manages_sources, own_body_ids, visibility_filter
from .sharing import check_sharing

#: How many failure lines a refusal's detail lists (all of them are in ``fields`` and ``failures``).
DETAIL_LINES = 10
#: TLP labels from most open to most restricted (a caller may only make a document stricter).
_TLP_ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)


class AdvisoryRefused(Invalid):
    """A CSAF document failed validation; ``failures`` lists each failed test (nothing was stored)."""

    code = "csaf_invalid"

    def __init__(self, failures: Sequence[Failure], *, filename: str = "") -> None:
        self.failures = tuple(failures)
        lines = [failure.message for failure in self.failures]
        name = f" {filename}" if filename else ""
        head = _("Das CSAF-Dokument%(name)s ist ungültig und wurde nicht gespeichert") % {"name": name}
        shown = "; ".join(lines[:DETAIL_LINES])
        if len(lines) > DETAIL_LINES:
            shown += " " + _("(und %(count)s weitere)") % {"count": len(lines) - DETAIL_LINES}
        super().__init__(f"{head}: {shown}", fields={"document": lines})


class AdvisoryNotImportable(Conflict):
    """The owner body already holds the document as an advisory the importer may not see (module doc):
    nothing is stored, and the text reveals nothing about that advisory."""

    code = "advisory_not_importable"

    def __init__(self, owner: Body) -> None:
        text = _(
            "Dieses Dokument kann für %(body)s nicht eingelesen werden. Bitte wenden Sie sich an die "
            "Informationssicherheitsbeauftragten Ihrer Körperschaft."
        ) % {"body": owner.name}
        super().__init__(text, fields={"document": [text]})


class _RaceLost(Exception):
    """Another transaction stored the same new advisory first (the unique key refused ours)."""


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_advisory` did: ``outcome`` is ``created``, ``revised``, ``unchanged`` (same
    version already stored) or ``older`` (an older version than the current one: not stored)."""

    advisory: Advisory
    revision: AdvisoryRevision | None
    outcome: str
    message: str
    facts: AdvisoryFacts
    previous_version: str = ""

    @property
    def stored(self) -> bool:
        """Whether a new current revision was stored (the matcher must run)."""
        return self.outcome in ("created", "revised")


# --- versions ------------------------------------------------------------------------------------

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def _version_key(version: str) -> tuple[Any, ...] | None:
    """A sortable key for a CSAF version: integer versioning or semantic versioning (CSAF 2.0
    §3.1.11.2); ``None`` if it is neither. Pre-releases sort before their release."""
    if version.isdigit():
        return (int(version), 1, ())
    match = _SEMVER.match(version)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    pre_key: tuple[tuple[int, Any], ...] = ()
    if pre:
        pre_key = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    # integer "3" and semantic "3.0.0" denote the same release line; compare on (major, minor, patch)
    return ((int(major), int(minor), int(patch)), 0 if pre else 1, pre_key)


def _is_newer(facts: AdvisoryFacts, current: Advisory) -> bool | None:
    """True if ``facts`` is a newer version than ``current``, False if older, None if equal."""
    new, old = _version_key(facts.version), _version_key(current.version)
    if new is not None and old is not None and type(new[0]) is type(old[0]):
        if new == old:
            return None
        return new > old
    # different schemes (a publisher switched) or unreadable: the later release date decides
    if facts.version == current.version:
        return None
    if facts.current_release_date is None:
        return False
    return facts.current_release_date > current.current_release_date


# --- helpers -------------------------------------------------------------------------------------


def _tlp_of(facts: AdvisoryFacts, requested: str | None) -> str:
    """The TLP label to store (a model value): the document's, or a stricter one the caller asked for."""
    from_document = (facts.tlp or "").lower() or None
    if requested is not None:
        requested = str(requested).lower().removeprefix("tlp:")
        if requested not in _TLP_ORDER:
            raise Invalid(fields={"tlp": [_("Unbekannte TLP-Stufe „%(tlp)s“.") % {"tlp": requested}]})
        if from_document and _TLP_ORDER.index(requested) < _TLP_ORDER.index(from_document):
            raise Invalid(
                fields={
                    "tlp": [
                        _(
                            "Das Dokument ist als TLP:%(document)s eingestuft; es darf nicht offener "
                            "(TLP:%(requested)s) gespeichert werden."
                        )
                        % {"document": from_document.upper(), "requested": requested.upper()}
                    ]
                }
            )
        return requested
    if from_document is None:
        raise Invalid(
            fields={
                "tlp": [
                    _(
                        "Das Dokument nennt keine TLP-Stufe (/document/distribution/tlp); bitte die "
                        "TLP-Stufe beim Einlesen angeben."
                    )
                ]
            }
        )
    return from_document


#: Characters a valid JSON document may hold but PostgreSQL cannot store in text or ``jsonb``: NUL and
#: the UTF-16 surrogates (a lone ``\ud800`` escape decodes to one).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _pointer(path: Sequence[str | int]) -> str:
    """A JSON pointer (RFC 6901) to ``path``, as the validator names places (a character that cannot be
    stored, in a key, written as its JSON escape ``\\uXXXX``)."""
    parts = (
        _UNSTORABLE.sub(lambda c: f"\\u{ord(c.group()):04x}", str(part)).replace("~", "~0").replace("/", "~1")
        for part in path
    )
    return "".join("/" + part for part in parts) or "/"


def _unstorable(document: Mapping[str, Any], filename: str) -> None:
    """Refuse (:class:`AdvisoryRefused`, naming the JSON path) a document with a key or string that
    cannot be stored (NUL, a lone surrogate); iterative, so any depth the decoder took is fine."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            found = _UNSTORABLE.search(value)
            if found is None:
                continue
            char = f"U+{ord(found.group()):04X}"
            where = _pointer(path)
            failure = Failure(
                test=INPUT,
                title="Input",
                path=where,
                detail=f"character {char} cannot be stored",
                message=_(
                    "Das Dokument enthält bei %(path)s das Zeichen %(char)s (ein Nullzeichen oder ein "
                    "einzelnes UTF-16-Ersatzzeichen), das nicht gespeichert werden kann."
                )
                % {"path": where, "char": char},
            )
            raise AdvisoryRefused([failure], filename=filename)
        if isinstance(value, Mapping):
            for key, item in value.items():
                stack.append((str(key), (*path, str(key))))
                stack.append((item, (*path, str(key))))
        elif isinstance(value, list | tuple):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))


def _check_may_import(actor: Actor, owner_body: Body | None) -> None:
    principal = principal_for(actor)
    if principal.is_system:
        allowed = principal.capable(MANAGE)
    elif owner_body is not None:
        allowed = acts_for(principal, owner_body.pk)
    else:
        allowed = bool(own_body_ids(principal))
    if not allowed:
        raise Forbidden(_("Sie dürfen keine Sicherheitshinweise einlesen."))


def _person(actor: Actor) -> Any:
    """The user to record as creator (``None`` for the system)."""
    return None if isinstance(actor, SystemActor) else actor


def _decimal(score: Score | None) -> Decimal | None:
    if score is None or score.base_score is None:
        return None
    return Decimal(str(score.base_score)).quantize(Decimal("0.1"))


def _score_json(score: Score) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "version": score.version,
        "vector": score.vector,
        "score": score.base_score,
        "severity": score.severity,
        "products": list(score.products),
    }
    if score.error:
        entry["error"] = score.error
    return entry


def _sha256(raw: bytes | None, document: Mapping[str, Any]) -> str:
    if raw is None:
        raw = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()


def _object_repr(advisory: Advisory) -> str:
    # Audit entries name confidential objects by number only (audit_actions).
    if advisory.tlp == Tlp.CLEAR:
        return advisory.tracking_id[:300]
    return _("Sicherheitshinweis Nr. %(number)s") % {"number": advisory.pk}


def _vulnerability_key(cve: str, index: int) -> str:
    return cve[:64] if cve else f"#{index}"


def _write_vulnerabilities(advisory: Advisory, facts: AdvisoryFacts) -> None:
    """Bring the advisory's vulnerabilities to ``facts``: rows are updated by key (CVE, else position),
    so matches and remediation states of an unchanged vulnerability survive a new revision."""
    existing = {v.key: v for v in advisory.vulnerabilities.all()}
    seen: set[str] = set()
    for vulnerability in facts.vulnerabilities:
        key = _vulnerability_key(vulnerability.cve, vulnerability.index)
        seen.add(key)
        top = vulnerability.top_score
        cwe = vulnerability.cwe_id
        if cwe and vulnerability.cwe_name:
            cwe = f"{cwe}: {vulnerability.cwe_name}"
        values = {
            "position": vulnerability.index,
            "cve": vulnerability.cve[:32],
            "title": vulnerability.title[:1000],
            "cwe": cwe[:300],
            "summary": vulnerability.summary,
            "cvss_version": top.version if top else "",
            "cvss_vector": top.vector[:300] if top else "",
            "score": _decimal(top),
            "severity": top.severity if top else "",
            "scores": [_score_json(s) for s in vulnerability.scores],
            "exploited": vulnerability.known_exploited,
            "current": True,
        }
        row = existing.get(key)
        if row is None:
            row = Vulnerability(advisory=advisory, key=key, **values)
            row.full_clean()
            row.save()
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.full_clean()
        row.save(update_fields=list(values))
    # A vulnerability the new revision no longer lists is kept for the history, not current, and so
    # are its matches with their remediation states (a later revision that lists it again brings it
    # back; the next match run makes its matches current again).
    gone = [row.pk for key, row in existing.items() if key not in seen and row.current]
    if gone:
        Vulnerability.objects.filter(pk__in=gone).update(current=False)
        Match.objects.filter(vulnerability_id__in=gone, current=True).update(
            current=False, updated_at=timezone.now()
        )


def _advisory_values(facts: AdvisoryFacts, source: CsafSource | None) -> dict[str, Any]:
    top = facts.top_score
    assert facts.initial_release_date is not None and facts.current_release_date is not None
    return {
        "publisher_name": facts.publisher.name[:300],
        "publisher_category": facts.publisher.category[:30],
        "title": facts.title[:1000],
        "category": facts.category[:100],
        "lang": facts.lang[:20],
        "version": facts.version[:100],
        "tracking_status": facts.status[:20],
        "initial_release_date": facts.initial_release_date,
        "current_release_date": facts.current_release_date,
        "max_score": _decimal(top),
        "exploited": facts.known_exploited,
        "cves": " ".join(facts.cves),
        "summary": facts.summary,
        "source": source,
    }


# --- the import ----------------------------------------------------------------------------------


def import_advisory(
    actor: Actor,
    data: Mapping[str, Any] | bytes | str,
    *,
    source: CsafSource | None = None,
    filename: str = "",
    tlp: str | None = None,
    owner_body: Body | None = None,
    source_url: str = "",
    signature: str = "",
) -> ImportResult:
    """Import one CSAF document (a dict, JSON or gzip bytes, or text) for ``actor``.

    Refuses (:class:`AdvisoryRefused`, nothing stored) a document that fails the schema or a mandatory
    test. ``tlp`` may only make the document's label stricter; a document without a label needs one.
    An advisory above TLP:CLEAR belongs to ``owner_body`` (which the actor must act for); a CLEAR one
    is public (no owner). A newer version of the same publisher namespace and tracking id replaces
    the current one and keeps the history; an older or equal version changes nothing. An advisory of
    the owner the actor may not see is neither shown nor changed (:class:`AdvisoryNotImportable`),
    and a document that cannot be stored is refused (both: module doc).
    """
    check_actor(actor)
    raw: bytes | None = None
    try:
        if not isinstance(data, Mapping):
            raw = document_bytes(data)
    except DocumentError as error:
        raise AdvisoryRefused([error.failure], filename=filename) from None
    report = validate(raw if raw is not None else data)
    if not report.ok or report.document is None:
        raise AdvisoryRefused(report.failures, filename=filename)
    _unstorable(report.document, filename)
    facts = parse(report.document)
    label = _tlp_of(facts, tlp)
    owner = None if label == Tlp.CLEAR else owner_body
    if label != Tlp.CLEAR and owner is None:
        raise Invalid(
            fields={
                "owner_body": [
                    _(
                        "Ein Hinweis mit TLP:%(tlp)s gehört einer Körperschaft; "
                        "bitte die Körperschaft angeben."
                    )
                    % {"tlp": label.upper()}
                ]
            }
        )
    _check_may_import(actor, owner)
    sharing = {
        "tlp": label,
        "distribution": "all" if label == Tlp.CLEAR else "organisation",
        "owner_body_id": owner.pk if owner is not None else None,
    }
    principal = principal_for(actor)
    if owner is not None:
        check_sharing(principal, sharing)
    sha256 = _sha256(raw, report.document)
    with transaction.atomic():
        # twice at most: a first import that loses the race for the new row reads the winner's
        for _attempt in range(2):
            existing = (
                Advisory.objects.select_for_update(of=("self",))
                .filter(publisher_namespace=facts.publisher.namespace, tracking_id=facts.tracking_id)
                .filter(owner_body=owner)
                .first()
            )
            if existing is not None:
                if owner is not None and not _sees(principal, existing):
                    raise AdvisoryNotImportable(owner)
                newer = _is_newer(facts, existing)
                if not newer:
                    return _not_stored(existing, facts, newer)
            try:
                return _store(
                    actor,
                    existing,
                    facts,
                    report.document,
                    sha256=sha256,
                    sharing=sharing,
                    owner=owner,
                    source=source,
                    filename=filename,
                    source_url=source_url,
                    signature=signature,
                )
            except _RaceLost:
                continue
        raise Conflict(
            _("Das Dokument wird gerade gleichzeitig eingelesen; bitte versuchen Sie es gleich noch einmal.")
        )


def _sees(principal: Principal, advisory: Advisory) -> bool:
    """Whether ``principal`` sees ``advisory`` under TLP and distribution."""
    return Advisory.objects.filter(visibility_filter(principal, Advisory), pk=advisory.pk).exists()


def _not_stored(advisory: Advisory, facts: AdvisoryFacts, newer: bool | None) -> ImportResult:
    if newer is None:
        outcome = "unchanged"
        message = _("%(tracking_id)s Fassung %(version)s ist bereits gespeichert; nichts geändert.") % {
            "tracking_id": facts.tracking_id,
            "version": facts.version,
        }
    else:
        outcome = "older"
        message = _(
            "%(tracking_id)s Fassung %(version)s ist älter als die gespeicherte Fassung %(current)s; "
            "nicht gespeichert."
        ) % {"tracking_id": facts.tracking_id, "version": facts.version, "current": advisory.version}
    return ImportResult(
        advisory=advisory,
        revision=None,
        outcome=outcome,
        message=message,
        facts=facts,
        previous_version=advisory.version,
    )


def _store(
    actor: Actor,
    existing: Advisory | None,
    facts: AdvisoryFacts,
    document: Mapping[str, Any],
    *,
    sha256: str,
    sharing: dict[str, Any],
    owner: Body | None,
    source: CsafSource | None,
    filename: str,
    source_url: str,
    signature: str,
) -> ImportResult:
    values = _advisory_values(facts, source)
    previous_version = ""
    if existing is None:
        advisory = Advisory(
            publisher_namespace=facts.publisher.namespace[:500],
            tracking_id=facts.tracking_id[:300],
            tlp=sharing["tlp"],
            distribution=sharing["distribution"],
            owner_body=owner,
            created_by=_person(actor),
            **values,
        )
        # the unique keys are left to the database: a concurrent first import of the same document
        # loses there (in a savepoint, so that this transaction goes on and reads the winner's row)
        advisory.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                advisory.save()
        except IntegrityError:
            raise _RaceLost() from None
    else:
        advisory = existing
        previous_version = advisory.version
        if source is None:
            values.pop("source")  # an upload of a new revision keeps the provider the advisory came from
        for name, value in values.items():
            setattr(advisory, name, value)
        advisory.full_clean()
        advisory.save(update_fields=[*values, "updated_at"])
    _write_vulnerabilities(advisory, facts)
    revision = AdvisoryRevision(
        advisory=advisory,
        version=facts.version[:100],
        tracking_status=facts.status[:20],
        current_release_date=values["current_release_date"],
        document=dict(document),
        sha256=sha256,
        source_url=source_url[:1000],
        filename=filename[:300],
        signature=signature[:200],
        received_by=actor_label(actor)[:150],
    )
    revision.full_clean()
    revision.save()
    changes: dict[str, Any] = {"version": facts.version, "tlp": advisory.tlp}
    if filename:
        changes["filename"] = filename
    if existing is None:
        action = audit_actions.ADVISORY_IMPORT
        outcome = "created"
        message = _("%(tracking_id)s Fassung %(version)s neu eingelesen.") % {
            "tracking_id": facts.tracking_id,
            "version": facts.version,
        }
    else:
        action = audit_actions.ADVISORY_REVISION
        outcome = "revised"
        changes["previous_version"] = previous_version
        message = _("%(tracking_id)s: Fassung %(version)s ersetzt Fassung %(previous)s.") % {
            "tracking_id": facts.tracking_id,
            "version": facts.version,
            "previous": previous_version,
        }
    audit_record(
        actor=actor,
        action=action,
        target=advisory,
        object_repr=_object_repr(advisory),
        changes=changes,
        body=owner,
    )
    # A stored revision is matched against the members' assets once it is committed (CSAF 9.1.13:
    # every new document and revision); the matcher alerts only where the remediation changed.
    from .matching import match_advisory

    advisory_id = advisory.pk
    transaction.on_commit(lambda: match_advisory(advisory_id))
    return ImportResult(
        advisory=advisory,
        revision=revision,
        outcome=outcome,
        message=message,
        facts=facts,
        previous_version=previous_version,
    )


# --- quarantine ----------------------------------------------------------------------------------


def _reason(item: Failure | Mapping[str, Any] | str) -> dict[str, str]:
    if isinstance(item, Failure):
        return {"test": item.test, "text": item.message, "path": item.path}
    if isinstance(item, Mapping):
        return {
            "test": str(item.get("test", "")),
            "text": str(item.get("text", "")),
            "path": str(item.get("path", "")),
        }
    return {"test": "", "text": str(item), "path": ""}


def quarantine_document(
    actor: Actor,
    data: Mapping[str, Any] | bytes | str,
    *,
    reasons: Iterable[Failure | Mapping[str, Any] | str] | None = None,
    source: CsafSource | None = None,
    url: str = "",
    filename: str = "",
) -> QuarantinedDocument:
    """Keep a received document that was not imported, with the reasons (``None``: validate it and
    take the failures; give them for a wrong hash or signature). For the downloader and Plattformbetrieb."""
    check_actor(actor)
    if not manages_sources(principal_for(actor)):
        raise Forbidden(_("Sie dürfen keine Dokumente in Quarantäne legen."))
    if isinstance(data, Mapping):
        raw = json.dumps(data, ensure_ascii=False).encode()
    else:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        try:
            raw = document_bytes(raw)
        except DocumentError as error:  # a broken gzip or an oversized file: keep the reason, not the bytes
            reasons = [*(reasons or ()), error.failure]
            raw = raw[:0]
    if reasons is None:
        reasons = validate(raw).failures
    kept = [_reason(item) for item in reasons]
    with transaction.atomic():
        document = QuarantinedDocument(
            source=source,
            url=url[:1000],
            filename=filename[:300],
            sha256=hashlib.sha256(raw).hexdigest() if raw else "",
            content=raw.decode("utf-8", errors="replace").replace("\x00", ""),
            reasons=kept,
            received_by=actor_label(actor)[:150],
        )
        document.full_clean()
        document.save()
        audit_record(
            actor=actor,
            action=audit_actions.ADVISORY_QUARANTINE,
            target=document,
            object_repr=(filename or url)[:300],
            changes={"reasons": [f"{r['test']} {r['path']}".strip() for r in kept][:50]},
        )
    return document


def import_or_quarantine(
    actor: Actor,
    data: bytes,
    *,
    source: CsafSource | None = None,
    url: str = "",
    filename: str = "",
    signature: str = "",
    tlp: str | None = None,
    owner_body: Body | None = None,
) -> ImportResult | QuarantinedDocument:
    """For the downloader: import ``data``, or keep it in quarantine when it fails validation."""
    try:
        return import_advisory(
            actor,
            data,
            source=source,
            filename=filename,
            tlp=tlp,
            owner_body=owner_body,
            source_url=url,
            signature=signature,
        )
    except AdvisoryRefused as refusal:
        return quarantine_document(
            actor, data, reasons=refusal.failures, source=source, url=url, filename=filename
        )


__all__ = [
    "AdvisoryNotImportable",
    "AdvisoryRefused",
    "ImportResult",
    "import_advisory",
    "import_or_quarantine",
    "quarantine_document",
]
