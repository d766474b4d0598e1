"""Reading distributions (CSAF 2.0 §7.1.13–7.1.17, 7.1.20–7.1.21): ROLIE feeds and directories.

The result is a list of :class:`DocumentRef` — where a document is, when it changed, where its hashes
and its signature are. Real feeds deviate from the standard and are read anyway:

* index.txt and changes.csv of ``cisagov/CSAF`` hold repository paths
  (``csaf_files/IT/white/2024/va-24-201-01.json``) instead of paths relative to the directory
  (``2024/va-24-201-01.json``): :func:`directory_candidates` offers the path with the part that
  repeats the end of the directory URL removed first, then the path as it is, then ``<year>/<file>``;
* changes.csv may be unquoted (the csv module reads both);
* ROLIE links may carry ``"ref"`` instead of ``"rel"``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from .errors import FormatError

_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class DocumentRef:
    """A document of a distribution.

    ``candidates`` are the URLs to try in order (more than one only for deviating directory paths).
    ``hash_urls`` (``(algorithm, url)``) and ``signature_url`` are those the feed lists; when a feed
    lists none, the downloader looks beside the document (``<url>.sha512``, ``.sha256``, ``.asc``).
    """

    candidates: tuple[str, ...]
    updated: datetime | None = None
    hash_urls: tuple[tuple[str, str], ...] = ()
    signature_url: str | None = None
    distribution_url: str = ""
    tlp_label: str | None = None

    @property
    def url(self) -> str:
        return self.candidates[0]


def parse_time(value: str) -> datetime:
    """An RFC 3339 time (``Z``, fractions, offsets); naive times are read as UTC."""
    parsed = datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def in_range(updated: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    """Whether a document changed at ``updated`` belongs to the run (no time: always)."""
    if updated is None:
        return True
    if since is not None and updated < since:
        return False
    return not (until is not None and updated > until)


# --- directories -------------------------------------------------------------------------------------


def directory_candidates(directory_url: str, path: str) -> tuple[str, ...]:
    """The URLs a line of index.txt or changes.csv may mean, most likely first.

    Raises :class:`FormatError` for paths that leave the directory (``..``).
    """
    path = path.strip()
    if urlsplit(path).scheme:
        return (path,)
    base = directory_url if directory_url.endswith("/") else directory_url + "/"
    segments = [segment for segment in path.split("/") if segment and segment != "."]
    if not segments:
        raise FormatError(f"{directory_url}: leerer Pfad.", url=directory_url)
    if ".." in segments:
        raise FormatError(
            f"{directory_url}: Pfad „{path}“ verlässt das Verzeichnis und wird nicht abgerufen.",
            url=directory_url,
        )
    base_segments = [segment for segment in urlsplit(base).path.split("/") if segment]
    out: list[str] = []
    # A repository path whose start repeats the end of the directory URL (cisagov/CSAF).
    for overlap in range(min(len(base_segments), len(segments) - 1), 0, -1):
        if base_segments[-overlap:] == segments[:overlap]:
            out.append(urljoin(base, "/".join(segments[overlap:])))
            break
    out.append(urljoin(base, "/".join(segments)))
    if len(segments) > 2 and _YEAR.fullmatch(segments[-2]):
        out.append(urljoin(base, "/".join(segments[-2:])))
    return tuple(dict.fromkeys(out))


def parse_index_txt(text: str, directory_url: str) -> tuple[list[DocumentRef], list[str]]:
    """index.txt: one path per line. Returns the references and warnings (bad lines, skipped)."""
    refs: list[DocumentRef] = []
    warnings: list[str] = []
    index_url = urljoin(_as_dir(directory_url), "index.txt")
    for number, line in enumerate(text.splitlines(), start=1):
        path = line.strip()
        if not path or path.startswith("#"):
            continue
        try:
            candidates = directory_candidates(directory_url, path)
        except FormatError as exc:
            warnings.append(f"{index_url}, Zeile {number}: {exc.message}")
            continue
        refs.append(DocumentRef(candidates=candidates, distribution_url=directory_url))
    return refs, warnings


def parse_changes_csv(text: str, directory_url: str) -> tuple[list[DocumentRef], list[str]]:
    """changes.csv: ``path,time`` per line, quoted or not. Bad lines are skipped with a warning."""
    refs: list[DocumentRef] = []
    warnings: list[str] = []
    changes_url = urljoin(_as_dir(directory_url), "changes.csv")
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2:
            warnings.append(
                f"{changes_url}, Zeile {number}: erwartet „Pfad,Zeitpunkt“, gefunden „{','.join(row)}“."
            )
            continue
        try:
            updated = parse_time(row[1])
        except ValueError:
            warnings.append(
                f"{changes_url}, Zeile {number}, Feld „Zeitpunkt“: „{row[1].strip()}“ ist kein Zeitpunkt "
                "nach RFC 3339."
            )
            continue
        try:
            candidates = directory_candidates(directory_url, row[0])
        except FormatError as exc:
            warnings.append(f"{changes_url}, Zeile {number}, Feld „Pfad“: {exc.message}")
            continue
        refs.append(DocumentRef(candidates=candidates, updated=updated, distribution_url=directory_url))
    return refs, warnings


def _as_dir(url: str) -> str:
    return url if url.endswith("/") else url + "/"


# --- ROLIE ---------------------------------------------------------------------------------------------


def _link_relation(link: dict[str, Any]) -> str:
    # cisagov/CSAF writes "ref" where RFC 4287 says "rel".
    return str(link.get("rel") or link.get("ref") or "").strip().lower()


def _hash_algorithm(href: str, link: dict[str, Any]) -> str | None:
    lowered = href.lower()
    for algorithm in ("sha512", "sha256"):
        if lowered.endswith("." + algorithm) or algorithm in str(link.get("type", "")).lower():
            return algorithm
    return None


def parse_rolie_feed(
    data: Any, feed_url: str, *, tlp_label: str | None = None
) -> tuple[list[DocumentRef], list[str]]:
    """A ROLIE feed (``{"feed": {"entry": [...]}}``): the document, hash and signature link of each entry."""
    feed = data.get("feed") if isinstance(data, dict) else None
    if not isinstance(feed, dict):
        raise FormatError(f"{feed_url}: kein ROLIE-Feed (Feld „feed“ fehlt).", url=feed_url)
    entries = feed.get("entry") or []
    if not isinstance(entries, list):
        raise FormatError(f"{feed_url}: Feld „feed/entry“ muss eine Liste sein.", url=feed_url)
    refs: list[DocumentRef] = []
    warnings: list[str] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            warnings.append(f"{feed_url}, Eintrag {index}: kein JSON-Objekt.")
            continue
        document: str | None = None
        hashes: list[tuple[str, str]] = []
        signature: str | None = None
        for link in entry.get("link") or []:
            if not isinstance(link, dict) or not isinstance(link.get("href"), str):
                continue
            href = urljoin(feed_url, link["href"])
            relation = _link_relation(link)
            if relation == "self" and document is None:
                document = href
            elif relation == "hash":
                algorithm = _hash_algorithm(href, link)
                if algorithm is None:
                    warnings.append(
                        f"{feed_url}, Eintrag {index}: Hash-Link {href} hat kein bekanntes Verfahren "
                        "(.sha256/.sha512) und wird übergangen."
                    )
                else:
                    hashes.append((algorithm, href))
            elif relation == "signature" and signature is None:
                signature = href
        if document is None:
            content = entry.get("content")
            if isinstance(content, dict) and isinstance(content.get("src"), str):
                document = urljoin(feed_url, content["src"])
        if document is None:
            warnings.append(
                f"{feed_url}, Eintrag {index} ({entry.get('id', '?')}): kein Link auf das Dokument "
                "(rel „self“ oder content/src)."
            )
            continue
        updated: datetime | None = None
        stamp = entry.get("updated") or entry.get("published")
        if isinstance(stamp, str):
            try:
                updated = parse_time(stamp)
            except ValueError:
                warnings.append(
                    f"{feed_url}, Eintrag {index}, Feld „updated“: „{stamp}“ ist kein Zeitpunkt "
                    "nach RFC 3339."
                )
        refs.append(
            DocumentRef(
                candidates=(document,),
                updated=updated,
                hash_urls=tuple(hashes),
                signature_url=signature,
                distribution_url=feed_url,
                tlp_label=tlp_label,
            )
        )
    return refs, warnings


def parse_rolie_service(data: Any, service_url: str) -> list[str]:
    """The feed URLs of a ROLIE service document (``service/workspace/*/collection/*/href``)."""
    service = data.get("service") if isinstance(data, dict) else None
    if not isinstance(service, dict):
        raise FormatError(
            f"{service_url}: kein ROLIE-Dienstdokument (Feld „service“ fehlt).", url=service_url
        )
    feeds: list[str] = []
    for workspace in service.get("workspace") or []:
        if not isinstance(workspace, dict):
            continue
        for collection in workspace.get("collection") or []:
            if isinstance(collection, dict) and isinstance(collection.get("href"), str):
                feeds.append(urljoin(service_url, collection["href"]))
    return feeds
