"""Harvesting OParl 1.1 servers (Ratsinformationssysteme) into :class:`OParlObject` rows.

A run starts at the source's System, walks its ``body`` list and, for each Body, the Body's external
lists (organizations, persons, meetings, papers, agenda items, consultations, files, locations,
legislative terms, memberships), following ``links.next`` page by page. Every OParl object found is
stored once per source (its id is its identity), the embedded ones too (a Paper's ``mainFile`` and
``consultation``, a Meeting's ``agendaItem`` and protocols, a Body's ``location``…). Objects that
are only *referenced* by URL in such a containing field (``mainFile``, ``auxiliaryFile``,
``agendaItem``, ``consultation``, ``membership``, ``location``, protocols) and appear in no list are
fetched one by one at the end (in an incremental run only those not stored yet).

Incremental: once a run has completed, ``harvested_until`` holds the moment it started; the next run
asks every Body list for ``modified_since=<that moment − CLOCK_SKEW>&omit_internal=true`` (five
minutes earlier, for a server whose clock runs behind; objects read twice are unchanged), so only changed
objects come back, deleted ones with ``deleted: true`` (the row is kept, marked deleted, its text
cleared). The System and the list of Bodies are always read whole. A run that fails (a list page or
the System cannot be read, also after the client's retries) keeps ``harvested_until`` and records
``last_error``; the rows it stored so far stay (each object is an upsert, a run is idempotent).

Files (``mimeType`` text/plain or application/pdf, or without a type and served as one of them) are
downloaded from ``downloadUrl`` (else ``accessUrl``) when new or changed, or when no text was taken
from them yet; ``size`` and ``sha512Checksum`` are checked when the server gives them. A mismatch or
a failed download leaves the File's text empty and is counted and logged, never stored as text. The
text of a Paper is its name and reference, of a Meeting its name, of an AgendaItem its number and
name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid

from .. import audit_actions
from ..models import OParlObject, OParlSource, OParlType
from ..oparl_client import OParlClient, OParlError, is_internal
from ..policies import harvests_council_documents

logger = logging.getLogger(__name__)

#: the Body's external lists (OParl 1.1; ``legislativeTerm`` as a URL in some 1.0 servers)
BODY_LISTS = (
    "organization",
    "person",
    "meeting",
    "paper",
    "agendaItem",
    "consultation",
    "file",
    "locationList",
    "legislativeTermList",
    "legislativeTerm",
    "membership",
)
#: fields that contain an object (embedded, or referenced by URL when the server does not embed it)
CONTAINED = frozenset(
    {
        "mainFile",
        "auxiliaryFile",
        "invitation",
        "resultsProtocol",
        "verbatimProtocol",
        "resolutionFile",
        "agendaItem",
        "consultation",
        "membership",
        "location",
        "legislativeTerm",
    }
)
TEXT_TYPES = frozenset({"text/plain", "application/pdf"})
_TYPES = frozenset(OParlType.values)
_ID_MAX = 500
_CHUNK = 500
#: problems kept in the run result (all of them are logged)
_PROBLEMS_KEPT = 50


def poll_minutes() -> float:
    return float(getattr(settings, "KNOWLEDGE_OPARL_POLL_MINUTES", 60))


def max_file_bytes() -> int:
    return int(getattr(settings, "KNOWLEDGE_OPARL_MAX_FILE_BYTES", 50 * 1024 * 1024))


def make_client(*, url: str, rewrite: tuple[str, str] | None = None) -> OParlClient:
    """A client with the configured timeout and retries for the System ``url``; internal addresses
    only when the System itself lies in an internal network (see :class:`OParlClient`)."""
    client = OParlClient(
        timeout=float(getattr(settings, "KNOWLEDGE_OPARL_TIMEOUT_SECONDS", 30)),
        retries=int(getattr(settings, "KNOWLEDGE_OPARL_RETRIES", 3)),
        rewrite=rewrite,
    )
    client.allow_private_hosts = is_internal(urlsplit(client.target(url)).hostname or "")
    return client


@dataclass
class HarvestResult:
    """What a run did; ``error`` is set when it failed (then ``harvested_until`` was kept)."""

    source: OParlSource
    started_at: dt.datetime
    #: the ``modified_since`` moment of an incremental run (``None``: everything was read)
    since: dt.datetime | None = None
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    files_ok: int = 0
    checksum_failures: int = 0
    errors: int = 0
    requests: int = 0
    error: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def touched(self) -> bool:
        """Anything stored or anything wrong (a quiet periodic run is not audited)."""
        return bool(self.new or self.changed or self.deleted or self.checksum_failures or self.errors) or (
            not self.ok
        )

    def summary(self) -> str:
        text = _(
            "%(name)s: %(new)d neu, %(changed)d geändert, %(unchanged)d unverändert, %(deleted)d gelöscht; "
            "Dateien mit Text %(files)d, Prüfsummenfehler %(checksum)d, Fehler %(errors)d."
        ) % {
            "name": self.source.name,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "files": self.files_ok,
            "checksum": self.checksum_failures,
            "errors": self.errors,
        }
        if self.error:
            text += " " + _("Abruf abgebrochen: %(error)s") % {"error": self.error}
        return text


# --- sources ---------------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > _ID_MAX:
        raise Invalid(
            _("Ungültige Adresse „%(url)s“: erwartet wird die http(s)-Adresse eines OParl-Systems.")
            % {"url": url},
            fields={"url": [_("Erwartet wird eine http(s)-Adresse.")]},
        )
    return url


def oparl_source_add(*, actor: Actor, url: str, name: str = "") -> tuple[OParlSource, bool]:
    """The source of the System ``url``, added if new (``(source, created)``)."""
    authorize(actor, harvests_council_documents)
    url = _check_url(url)
    with transaction.atomic():
        source, created = OParlSource.objects.get_or_create(
            url=url, defaults={"name": (name or urlsplit(url).hostname or url)[:200]}
        )
        if created:
            audit_record(
                actor=actor,
                action=audit_actions.OPARL_SOURCE_ADD,
                target=source,
                changes={"url": source.url, "name": source.name},
            )
    return source, created


# --- the run ---------------------------------------------------------------------------------------


def oparl_harvest(
    *,
    actor: Actor,
    source: OParlSource,
    full: bool = False,
    client: OParlClient | None = None,
    rewrite: tuple[str, str] | None = None,
    now: dt.datetime | None = None,
    audit_quiet_runs: bool = True,
) -> HarvestResult:
    """Harvest ``source`` (incrementally when it has a ``harvested_until`` and not ``full``).

    ``client`` or ``rewrite`` (see :class:`OParlClient`) are for tests and benchmarks. A periodic run
    passes ``audit_quiet_runs=False``: a run that stored nothing and met no problem is only logged.
    """
    authorize(actor, harvests_council_documents)
    started = now or timezone.now()
    # asked from a little before the last run started: a server whose clock runs behind ours would
    # otherwise hide what changed in between; reading an unchanged object again changes nothing
    since = None if full or source.harvested_until is None else source.harvested_until - CLOCK_SKEW
    result = HarvestResult(source=source, started_at=started, since=since)
    own_client = client is None
    client = client or make_client(url=source.url, rewrite=rewrite)
    before = client.requests_made
    try:
        _Run(source, client, result, since=since, max_bytes=max_file_bytes(), now=started).walk()
    except OParlError as exc:
        result.error = str(exc)
    except Exception as exc:
        result.error = _("Unerwarteter Fehler: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
        _finish(actor, source, result, audit_quiet_runs)
        raise
    finally:
        result.requests = client.requests_made - before
        if own_client:
            client.close()
    _finish(actor, source, result, audit_quiet_runs)
    return result


def oparl_harvest_due(*, actor: Actor, now: dt.datetime | None = None) -> list[HarvestResult]:
    """Harvest every active source whose last run is at least the poll interval ago and that this
    process could claim (:func:`claim`)."""
    now = now or timezone.now()
    due_before = now - dt.timedelta(minutes=poll_minutes()) + dt.timedelta(seconds=30)
    results = []
    for source in OParlSource.objects.filter(active=True).order_by("pk"):
        if source.last_run_at is not None and source.last_run_at > due_before:
            continue
        if not claim(source, now):
            continue
        results.append(oparl_harvest(actor=actor, source=source, audit_quiet_runs=False))
    return results


def claim(source: OParlSource, now: dt.datetime) -> bool:
    """Take ``source`` for a periodic run: one conditional UPDATE sets its ``last_run_at`` to ``now``
    only while it still holds the value read, so of two workers that found it due only one runs it,
    whatever the cache (the task's cache lock holds across workers only with a shared ``CACHE_URL``).
    A worker killed during the run leaves ``last_run_at`` at ``now``: the source is due again after
    the poll interval."""
    rows = OParlSource.objects.filter(pk=source.pk)
    rows = (
        rows.filter(last_run_at__isnull=True)
        if source.last_run_at is None
        else rows.filter(last_run_at=source.last_run_at)
    )
    if not rows.update(last_run_at=now):
        return False
    source.last_run_at = now
    return True


def _finish(actor: Actor, source: OParlSource, result: HarvestResult, audit_quiet_runs: bool) -> None:
    source.last_run_at = result.started_at
    fields = ["last_run_at", "last_error"]
    if result.ok:
        source.harvested_until = result.started_at
        source.last_error = ""
        fields.append("harvested_until")
        logger.info("OParl-Quelle %s: %s", source.pk, result.summary())
    else:
        source.last_error = result.error
        logger.warning("OParl-Quelle %s: %s", source.pk, result.summary())
    source.save(update_fields=fields)
    if not audit_quiet_runs and not result.touched:
        return
    # German words as change keys (marked, so the audit page finds their English)
    changes: dict[str, Any] = {
        gettext_noop("Abruf"): _("vollständig") if result.since is None else _("Änderungen"),
        gettext_noop("Neu"): result.new,
        gettext_noop("Geändert"): result.changed,
        gettext_noop("Gelöscht"): result.deleted,
        gettext_noop("Dateien mit Text"): result.files_ok,
        gettext_noop("Prüfsummenfehler"): result.checksum_failures,
        gettext_noop("Fehler"): result.errors,
    }
    if result.since is not None:
        changes[gettext_noop("Geändert seit")] = result.since.isoformat()
    if result.error:
        changes[gettext_noop("Abbruch")] = result.error
    audit_record(actor=actor, action=audit_actions.OPARL_HARVEST, target=source, changes=changes)


# --- helpers -------------------------------------------------------------------------------------------


#: how much earlier than the last run's start an incremental run asks for changes
CLOCK_SKEW = dt.timedelta(minutes=5)


def with_modified_since(url: str, since: dt.datetime) -> str:
    """``url`` with ``modified_since`` (the moment in local time, to the second) and ``omit_internal``."""
    moment = timezone.localtime(since).replace(microsecond=0).isoformat()
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "modified_since"]
    query += [("modified_since", moment), ("omit_internal", "true")]
    return urlunsplit(parts._replace(query=urlencode(query)))


def type_of(obj: dict[str, Any]) -> str | None:
    """``"https://schema.oparl.org/1.1/Paper"`` → ``"Paper"`` (``None`` for no OParl type)."""
    kind = obj.get("type")
    if not isinstance(kind, str) or "/" not in kind:
        return None
    tail = kind.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail in _TYPES else None


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and isinstance(value.get("type"), str)


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        return None
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _clean(value: Any) -> str:
    return str(value).replace("\x00", "").strip() if value not in (None, "") else ""


def _name(kind: str, obj: dict[str, Any]) -> str:
    name = _clean(obj.get("name"))
    if name:
        return name
    if kind == OParlType.PERSON:
        return " ".join(_clean(obj.get(k)) for k in ("givenName", "familyName") if obj.get(k))
    if kind == OParlType.LOCATION:
        return _clean(obj.get("description"))
    if kind == OParlType.FILE:
        return _clean(obj.get("fileName"))
    return ""


def _contains(stored: dict[str, Any], incoming: dict[str, Any]) -> bool:
    """Every field of ``incoming`` is in ``stored`` with the same value."""
    return all(key in stored and stored[key] == value for key, value in incoming.items())


def _file_key(data: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(data.get(k) for k in ("downloadUrl", "accessUrl", "size", "sha512Checksum", "mimeType"))


def extract_text(content: bytes, content_type: str, charset: str | None = None) -> str:
    """The text of a downloaded file (plain text or PDF); ``ValueError`` if it cannot be read."""
    if content_type == "application/pdf":
        from pypdf import PdfReader

        try:
            reader = PdfReader(io.BytesIO(content))
            pages = [page.extract_text() or "" for page in reader.pages]
        except Exception as exc:  # pypdf raises many kinds on broken files
            raise ValueError(_("PDF nicht lesbar: %(error)s") % {"error": exc}) from exc
        text = "\n\n".join(page.strip() for page in pages if page.strip())
    else:
        for encoding in (charset, "utf-8-sig", "cp1252"):
            if not encoding:
                continue
            try:
                text = content.decode(encoding)
                break
            except (LookupError, UnicodeDecodeError):
                continue
        else:
            raise ValueError(_("Text in unbekannter Kodierung."))
    return text.replace("\x00", "").replace("\r\n", "\n").strip()


class _Run:
    """One walk over a source (state: the ids seen, the references still to fetch)."""

    def __init__(
        self,
        source: OParlSource,
        client: OParlClient,
        result: HarvestResult,
        *,
        since: dt.datetime | None,
        max_bytes: int,
        now: dt.datetime,
    ) -> None:
        self.source = source
        self.client = client
        self.result = result
        self.since = since
        self.max_bytes = max_bytes
        self.now = now
        self.seen: set[str] = set()
        #: objects counted unchanged in this run (a later, fuller copy may still change them)
        self.unchanged_ids: set[str] = set()
        #: referenced (not embedded) contained objects: URL → the Body they came with
        self.references: dict[str, str] = {}

    # -- problems
    def problem(self, message: str, *, checksum: bool = False) -> None:
        if checksum:
            self.result.checksum_failures += 1
        else:
            self.result.errors += 1
        logger.warning("OParl-Quelle %s: %s", self.source.pk, message)
        if len(self.result.problems) < _PROBLEMS_KEPT:
            self.result.problems.append(message)

    # -- walking
    def walk(self) -> None:
        system = self.client.get_json(self.source.url)
        if type_of(system) != OParlType.SYSTEM:
            raise OParlError(
                _("%(url)s ist kein OParl-System (type fehlt oder ist falsch).") % {"url": self.source.url},
                url=self.source.url,
            )
        bodies = system.get("body")
        if not isinstance(bodies, str):
            raise OParlError(
                _("Das System %(url)s nennt keine Liste der Körperschaften (body).")
                % {"url": self.source.url},
                url=self.source.url,
            )
        self.store([(system, "")])
        body_objects: list[dict[str, Any]] = []
        for page_url, items in self.pages(bodies, since=None):
            page = [(item, item["id"]) for item, _b in self.page_objects(items, "", page_url)]
            body_objects += [item for item, _b in page if type_of(item) == OParlType.BODY]
            self.store(page)
        for body in body_objects:
            for key in BODY_LISTS:
                url = body.get(key)
                if isinstance(url, str) and url:
                    for page_url, items in self.pages(url, since=self.since):
                        self.store(self.page_objects(items, body["id"], page_url))
        self.fetch_references()

    def pages(self, url: str, *, since: dt.datetime | None) -> Iterator[tuple[str, list[Any]]]:
        next_url: str | None = with_modified_since(url, since) if since else url
        visited: set[str] = set()
        while next_url:
            if next_url in visited:
                raise OParlError(
                    _("Die Liste %(url)s verweist beim Blättern auf eine schon gelesene Seite (%(page)s).")
                    % {"url": url, "page": next_url},
                    url=next_url,
                )
            visited.add(next_url)
            page = self.client.get_json(next_url)
            items = page.get("data")
            if not isinstance(items, list):
                raise OParlError(
                    _("%(url)s ist keine OParl-Liste (das Feld data fehlt).") % {"url": next_url},
                    url=next_url,
                )
            yield next_url, items
            links = page.get("links")
            following = links.get("next") if isinstance(links, dict) else None
            next_url = following if isinstance(following, str) and following else None

    def page_objects(
        self, items: list[Any], body_url: str, page_url: str
    ) -> list[tuple[dict[str, Any], str]]:
        out: list[tuple[dict[str, Any], str]] = []
        for index, item in enumerate(items):
            if not _is_object(item):
                self.problem(
                    _("%(url)s: Eintrag %(index)d ist kein OParl-Objekt (id und type fehlen).")
                    % {"url": page_url, "index": index + 1}
                )
                continue
            out.append((item, body_url))
        return out

    def flatten(self, obj: dict[str, Any], body_url: str, out: list[tuple[dict[str, Any], str]]) -> None:
        """``obj`` and the objects embedded in it (depth first); references in contained fields noted."""
        out.append((obj, body_url))
        # a Body's list fields (``membership``, ``agendaItem``…) name lists, not objects
        lists = BODY_LISTS if type_of(obj) == OParlType.BODY else ()
        for key, value in obj.items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                if _is_object(item):
                    self.flatten(item, body_url, out)
                elif (
                    key in CONTAINED
                    and key not in lists
                    and isinstance(item, str)
                    and item.startswith(("http://", "https://"))
                ):
                    self.references.setdefault(item, body_url)

    def fetch_references(self) -> None:
        while True:
            pending = [url for url in self.references if url not in self.seen]
            if not pending:
                return
            # a full run reads them all again; an incremental one only those it does not have
            known: set[str] = set()
            for start in range(0, len(pending) if self.since else 0, _CHUNK):
                chunk = pending[start : start + _CHUNK]
                known.update(
                    OParlObject.objects.filter(source=self.source, oparl_id__in=chunk).values_list(
                        "oparl_id", flat=True
                    )
                )
            for url in pending:
                if url in known:
                    self.seen.add(url)
                    continue
                try:
                    obj = self.client.get_json(url)
                except OParlError as exc:
                    if exc.status in (404, 410):
                        self.problem(str(exc))
                        self.seen.add(url)
                        continue
                    raise
                if not _is_object(obj):
                    self.problem(_("%(url)s ist kein OParl-Objekt (id und type fehlen).") % {"url": url})
                    self.seen.add(url)
                    continue
                self.store([(obj, self.references[url])])
                self.seen.add(url)

    # -- storing
    def store(self, items: list[tuple[dict[str, Any], str]]) -> None:
        """Upsert a page's objects (with the embedded ones) in one transaction, then download its files."""
        flat: list[tuple[dict[str, Any], str]] = []
        for obj, body_url in items:
            self.flatten(obj, body_url, flat)
        ids = {obj["id"] for obj, _b in flat}
        existing: dict[str, OParlObject] = {}
        id_list = sorted(ids)
        for start in range(0, len(id_list), _CHUNK):
            for row in OParlObject.objects.filter(
                source=self.source, oparl_id__in=id_list[start : start + _CHUNK]
            ):
                existing[row.oparl_id] = row
        downloads: dict[str, OParlObject] = {}
        with transaction.atomic():
            for obj, body_url in flat:
                due = self.upsert(obj, body_url, existing)
                if due is not None:
                    downloads[due.oparl_id] = due
        for due in downloads.values():
            self.download(due)

    def upsert(
        self, obj: dict[str, Any], body_url: str, existing: dict[str, OParlObject]
    ) -> OParlObject | None:
        """Store one object; the row if it is a File whose download is due."""
        oid: str = obj["id"]
        kind = type_of(obj)
        if kind is None:
            self.problem(_("%(id)s: unbekannter Typ %(type)s.") % {"id": oid, "type": obj.get("type")})
            return None
        if len(oid) > _ID_MAX:
            self.problem(
                _("%(id)s: die id ist länger als %(max)d Zeichen.") % {"id": oid[:100], "max": _ID_MAX}
            )
            return None
        row = existing.get(oid)
        if oid in self.seen and row is not None:
            # the same object again in this run (embedded and in its own list): fill in what it adds
            old = row.data
            merged = {**old, **obj}
            if merged == old:
                return None
            self.apply(row, kind, merged, body_url)
            row.save()
            if oid in self.unchanged_ids:
                self.unchanged_ids.discard(oid)
                self.result.unchanged -= 1
                self.result.changed += 1
            if kind == OParlType.FILE and not row.deleted and _file_key(old) != _file_key(merged):
                return row
            return None
        self.seen.add(oid)
        deleted = obj.get("deleted") is True
        if row is None:
            row = OParlObject(source=self.source, oparl_id=oid)
            self.apply(row, kind, obj, body_url)
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:  # another run stored it a moment ago
                row = OParlObject.objects.get(source=self.source, oparl_id=oid)
                self.apply(row, kind, obj, body_url)
                row.save()
            existing[oid] = row
            if deleted:
                self.result.deleted += 1
                return None
            self.result.new += 1
            return row if kind == OParlType.FILE else None
        if deleted:
            if row.deleted and _contains(row.data, obj):
                self.result.unchanged += 1
                return None
            if not row.deleted:
                self.result.deleted += 1
            else:
                self.result.changed += 1
            # the stub the server sends keeps the name, reference and date of the row (a link explains itself)
            row.data = {**row.data, **obj}
            row.deleted = True
            row.modified = _moment(obj.get("modified")) or row.modified
            row.text = ""
            row.text_sha512 = ""
            row.harvested_at = self.now
            row.save()
            return None
        if not row.deleted and row.type == kind and _contains(row.data, obj):
            self.result.unchanged += 1
            self.unchanged_ids.add(oid)
            if kind == OParlType.FILE and not row.text_sha512:
                return row
            return None
        old = row.data
        self.apply(row, kind, obj, body_url)
        row.save()
        self.result.changed += 1
        if kind == OParlType.FILE and (not row.text_sha512 or _file_key(old) != _file_key(obj)):
            return row
        return None

    def apply(self, row: OParlObject, kind: str, data: dict[str, Any], body_url: str) -> None:
        row.type = kind
        row.data = data
        row.deleted = data.get("deleted") is True
        own_body = data.get("body")
        if kind == OParlType.BODY:
            row.body_url = data["id"]
        elif isinstance(own_body, str) and own_body:
            row.body_url = own_body[:_ID_MAX]
        elif body_url:
            row.body_url = body_url
        row.name = _name(kind, data)
        row.reference = _clean(data.get("reference"))[:200]
        row.date = _day(data.get("date")) or _day(data.get("start")) or _day(data.get("startDate"))
        row.created = _moment(data.get("created")) or row.created
        row.modified = _moment(data.get("modified")) or row.modified
        row.harvested_at = self.now
        if row.deleted:
            row.text = ""
            row.text_sha512 = ""
        elif kind == OParlType.PAPER:
            row.text = "\n".join(part for part in (row.name, row.reference) if part)
        elif kind == OParlType.MEETING:
            row.text = row.name
        elif kind == OParlType.AGENDA_ITEM:
            row.text = " ".join(part for part in (_clean(data.get("number")), row.name) if part)

    def download(self, row: OParlObject) -> None:
        data = row.data
        url = data.get("downloadUrl") or data.get("accessUrl")
        mime = _clean(data.get("mimeType")).split(";")[0].strip().lower()
        if not isinstance(url, str) or not url or (mime and mime not in TEXT_TYPES):
            return
        size = data.get("size")
        expected = data.get("sha512Checksum")
        if isinstance(size, int) and size > self.max_bytes:
            self._no_text(
                row,
                _("%(id)s: die Datei ist zu groß (%(size)d Bytes; Grenze %(max)d Bytes).")
                % {"id": row.oparl_id, "size": size, "max": self.max_bytes},
            )
            return
        try:
            response = self.client.get(url, max_bytes=self.max_bytes)
        except OParlError as exc:
            self._no_text(row, _("%(id)s: %(error)s") % {"id": row.oparl_id, "error": exc})
            return
        content = response.content
        kind = mime or response.content_type
        if kind not in TEXT_TYPES:
            return
        if isinstance(size, int) and size != len(content):
            self._no_text(
                row,
                _(
                    "%(id)s: die Größe stimmt nicht (angegeben %(size)d Bytes, "
                    "geladen %(got)d Bytes von %(url)s)."
                )
                % {"id": row.oparl_id, "size": size, "got": len(content), "url": url},
                checksum=True,
            )
            return
        digest = hashlib.sha512(content).hexdigest()
        if isinstance(expected, str) and expected and expected.strip().lower() != digest:
            self._no_text(
                row,
                _(
                    "%(id)s: die SHA-512-Prüfsumme stimmt nicht (angegeben %(expected)s…, "
                    "berechnet %(got)s… für %(url)s)."
                )
                % {"id": row.oparl_id, "expected": expected[:16], "got": digest[:16], "url": url},
                checksum=True,
            )
            return
        try:
            text = extract_text(content, kind, response.charset)
        except ValueError as exc:
            self._no_text(row, _("%(id)s: %(error)s") % {"id": row.oparl_id, "error": exc})
            return
        row.text, row.text_sha512 = text, digest
        OParlObject.objects.filter(pk=row.pk).update(text=text, text_sha512=digest)
        self.result.files_ok += 1

    def _no_text(self, row: OParlObject, message: str, *, checksum: bool = False) -> None:
        self.problem(message, checksum=checksum)
        if row.text or row.text_sha512:
            row.text, row.text_sha512 = "", ""
            OParlObject.objects.filter(pk=row.pk).update(text="", text_sha512="")
