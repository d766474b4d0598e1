"""Where the registry comes from when Verbund sets itself up (``manage.py load_demo``).

In order of preference:

1. the data directory (``VERBUND_DATA_DIR``, default ``../shared/data``): the full GV100AD of
   Germany and the RLP boundary layers;
2. the official download from Destatis (``VERBUND_GV100AD_URL``), when the machine is online;
3. the small built-in sample of real records in ``verbund/registry/sample/``.

The choice is returned with a German sentence saying which one was used and why.
"""

from __future__ import annotations

import io
import logging
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from verbund.common.data import GV100AD_LATEST, RLP_BOUNDARY_LAYERS, data_file

logger = logging.getLogger(__name__)

SAMPLE_GV100AD = Path(__file__).resolve().parent / "sample" / "gv100ad_rlp_sample.txt"


@dataclass(frozen=True)
class RegistrySource:
    kind: str  # "data_dir", "download" or "sample"
    gv100ad: Path
    boundaries: tuple[Path, ...] = field(default=())
    state: str | None = None
    note: str = ""


def _download_gv100ad(url: str, target: Path, timeout: float) -> Path:
    """Fetch the GV100AD (a .txt or a .zip holding one) to ``target``; raises OSError when offline."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        payload = response.read()
    if payload[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            names = [
                n
                for n in archive.namelist()
                if n.upper().startswith("GV100AD") and n.lower().endswith(".txt")
            ]
            if not names:
                raise OSError(f"Das Archiv von {url} enthält keine GV100AD-Datei.")
            payload = archive.read(names[0])
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
            reason = f"Download von {url} nicht möglich ({exc.__class__.__name__})"
        else:
            return RegistrySource(
                kind="download",
                gv100ad=path,
                note=f"Amtlicher Download von Destatis ({url}); ganz Deutschland, ohne Grenzen.",
            )
    else:
        reason = "Stichprobe ausdrücklich gewählt"
    return RegistrySource(
        kind="sample",
        gv100ad=SAMPLE_GV100AD,
        state="07",
        note=(
            "Eingebaute Stichprobe echter Datensätze (GV100AD 30.11.2025, Auszug Rheinland-Pfalz), weil "
            f"das Datenverzeichnis fehlt und {reason}. Vollständige Daten: siehe README, Abschnitt "
            "„Amtliche Daten“."
        ),
    )
