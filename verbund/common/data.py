"""Where the official data lies: ``VERBUND_DATA_DIR`` (default ``../shared/data``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

GV100AD_LATEST = "gemeindeverzeichnis/GV100AD_30112025.txt"
GV100AD_PREVIOUS = "gemeindeverzeichnis/GV100AD_31122022.txt"
RLP_BOUNDARY_LAYERS = (
    "geo/rlp/rlp_kreise.geojson",
    "geo/rlp/rlp_verbandsgemeinden.geojson",
    "geo/rlp/rlp_gemeinden.geojson",
)


def data_dir() -> Path:
    return Path(settings.VERBUND_DATA_DIR)


def data_file(relative: str) -> Path | None:
    """The file in the data directory, or ``None`` when it is not there."""
    path = data_dir() / relative
    return path if path.is_file() else None


def sha256_of_file(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (an official file can be hundreds of MB)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
