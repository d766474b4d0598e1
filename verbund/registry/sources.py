"""Where the registry comes from when Verbund sets itself up (``manage.py load_demo``).

In order of preference:

1. the data directory (``VERBUND_DATA_DIR``, default ``../shared/data``): the full GV100AD of
   Germany and the RLP boundary layers;
2. the official download from Destatis (``VERBUND_GV100AD_URL``), when the machine is online;
3. the small built-in sample of real records in ``verbund/registry/sample/``, with simplified
   boundaries of its bodies (maps, neighbours, contiguity and distances work on a fresh clone).

A download that answers with something other than a GV100AD (an HTML page of a portal or a proxy,
a broken archive) is refused with a German reason (:class:`NotGv100ad`) and set-up falls back to
the sample instead of failing.

The choice is returned with a German sentence saying which one was used and why.
"""

from __future__ import annotations

import http.client
import io
import logging
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from verbund.common.data import GV100AD_LATEST, RLP_BOUNDARY_LAYERS, data_file
from verbund.common.errors import ImportFileError

from . import gv100ad

logger = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_GV100AD = SAMPLE_DIR / "gv100ad_rlp_sample.txt"
#: Simplified boundaries of the sample's bodies (Kreise, Verbandsgemeinden, Gemeinden), so that a
#: fresh clone has maps, neighbours, contiguity and distances; rebuilt by ``python -m tools.registry_sample``.
SAMPLE_BOUNDARIES = tuple(
    SAMPLE_DIR / f"rlp_sample_{layer}.geojson" for layer in ("kreise", "verbandsgemeinden", "gemeinden")
)


@dataclass(frozen=True)
class RegistrySource:
    kind: str  # "data_dir", "download" or "sample"
    gv100ad: Path
    boundaries: tuple[Path, ...] = field(default=())
    state: str | None = None
    note: str = ""


class NotGv100ad(OSError):
    """The download answered, but not with a GV100AD (an HTML page, a broken archive, another file).

    An ``OSError`` so that set-up treats it like being offline: it falls back to the built-in sample.
    """


#: How a payload that is an HTML page starts (after optional whitespace and a byte order mark).
_HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<!--")


def _looks_like_html(payload: bytes, content_type: str) -> bool:
    head = payload[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return "html" in content_type.lower() or head.startswith(_HTML_STARTS)


def check_gv100ad_payload(payload: bytes, *, url: str, content_type: str = "") -> None:
    """Refuse a download that is not a GV100AD issue with a German reason (:class:`NotGv100ad`).

    An HTML page (a portal's start page, a login or error page behind a proxy) is named as such;
    anything else must parse as a GV100AD file completely, as the import will parse it.
    """
    if _looks_like_html(payload, content_type):
        raise NotGv100ad(
            f"Der Download von {url} lieferte eine HTML-Seite statt des Gemeindeverzeichnisses GV100AD "
            "(z. B. eine Portal-, Anmelde- oder Fehlerseite)"
        )
    try:
        gv100ad.parse_gv100ad_bytes(payload, name="Download")
    except ImportFileError as exc:
        raise NotGv100ad(
            f"Der Download von {url} ist kein Gemeindeverzeichnis GV100AD ({exc.detail})"
        ) from exc


def _download_gv100ad(url: str, target: Path, timeout: float) -> Path:
    """Fetch the GV100AD (a .txt or a .zip holding one) to ``target``.

    Raises ``OSError`` when offline and :class:`NotGv100ad` when the answer is not a GV100AD; the
    file is written only when it is one.
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            payload = response.read()
            content_type = response.headers.get("Content-Type", "") if response.headers else ""
    except (ValueError, http.client.HTTPException) as exc:  # a malformed URL, a broken answer
        raise OSError(f"{exc.__class__.__name__}: {exc}") from exc
    if payload[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                names = [
                    n
                    for n in archive.namelist()
                    if Path(n).name.upper().startswith("GV100AD") and n.lower().endswith(".txt")
                ]
                if not names:
                    raise NotGv100ad(f"Das Archiv von {url} enthält keine GV100AD-Datei.")
                payload = archive.read(names[0])
                content_type = ""
        except zipfile.BadZipFile as exc:
            raise NotGv100ad(f"Das Archiv von {url} ist beschädigt ({exc}).") from exc
    check_gv100ad_payload(payload, url=url, content_type=content_type)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(payload)
    return target


def resolve_registry_source(*, prefer: str = "auto", timeout: float = 10.0) -> RegistrySource:
    """Pick the registry source for set-up; ``prefer`` forces one of data_dir/download/sample."""
    if prefer in ("auto", "data_dir"):
        gv100ad = data_file(GV100AD_LATEST)
        if gv100ad is not None:
            boundaries = tuple(
                p for p in (data_file(layer) for layer in RLP_BOUNDARY_LAYERS) if p is not None
            )
            return RegistrySource(
                kind="data_dir",
                gv100ad=gv100ad,
                boundaries=boundaries,
                note=f"Amtliche Daten aus dem Datenverzeichnis {settings.VERBUND_DATA_DIR} "
                f"(ganz Deutschland, Grenzen für Rheinland-Pfalz: {len(boundaries)} Ebenen).",
            )
        if prefer == "data_dir":
            raise FileNotFoundError(
                f"Im Datenverzeichnis {settings.VERBUND_DATA_DIR} fehlt {GV100AD_LATEST}."
            )
    if prefer in ("auto", "download"):
        url = settings.VERBUND_GV100AD_URL
        target = Path(settings.BASE_DIR) / "var" / "download" / "GV100AD.txt"
        try:
            path = _download_gv100ad(url, target, timeout)
        except OSError as exc:
            logger.info("GV100AD download from %s failed: %s", url, exc)
            if prefer == "download":
                raise
            if isinstance(exc, NotGv100ad):
                reason = f"der Download unbrauchbar war. {exc}"
            else:
                reason = f"der Download von {url} nicht möglich war ({exc.__class__.__name__})"
        else:
            return RegistrySource(
                kind="download",
                gv100ad=path,
                boundaries=SAMPLE_BOUNDARIES,
                note=f"Amtlicher Download von Destatis ({url}); ganz Deutschland, Grenzen nur die "
                "vereinfachten der eingebauten Stichprobe (Teile von Rheinland-Pfalz).",
            )
    else:
        reason = ""
    why = "ausdrücklich gewählt" if not reason else f"gewählt, weil das Datenverzeichnis fehlt und {reason}"
    return RegistrySource(
        kind="sample",
        gv100ad=SAMPLE_GV100AD,
        boundaries=SAMPLE_BOUNDARIES,
        state="07",
        note=(
            "Eingebaute Stichprobe echter Datensätze (GV100AD 30.11.2025, Auszug Rheinland-Pfalz, mit "
            f"vereinfachten Grenzen), {why.rstrip('.')}. Vollständige Daten: siehe README, Abschnitt "
            "„Amtliche Daten“."
        ),
    )
