"""Integrity and authenticity of a downloaded document (CSAF 2.0 §7.1.18, §7.1.19).

Hashes: ``<document>.sha256`` / ``.sha512`` hold ``<hex>  <filename>`` (as ``sha256sum`` writes it) or
just the hex value. Signatures: a detached, ASCII-armoured OpenPGP signature (``.asc``), checked with
the system's ``gpg`` (python-gnupg) in a throw-away GNUPGHOME that lives as long as the
:class:`KeyRing`. Only signatures by keys imported into that ring *and* whose fingerprint is allowed
count; gpg's web of trust plays no part.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import gnupg

from .discovery import normalize_fingerprint
from .errors import FormatError

HASH_LABELS = {"sha256": "SHA-256", "sha512": "SHA-512"}
_HEX_LENGTH = {"sha256": 64, "sha512": 128}
_HEX = re.compile(r"[0-9a-fA-F]+")


def parse_hash_file(content: bytes, algorithm: str, url: str) -> str:
    """The hex digest written in a hash file; :class:`FormatError` naming the URL if there is none."""
    text = content.decode("utf-8", errors="replace").strip()
    token = text.split()[0] if text else ""
    if not _HEX.fullmatch(token) or len(token) != _HEX_LENGTH[algorithm]:
        raise FormatError(
            f"{url}: kein {HASH_LABELS[algorithm]}-Wert gefunden (erwartet {_HEX_LENGTH[algorithm]} "
            "Hexadezimalzeichen am Zeilenanfang).",
            url=url,
        )
    return token.lower()


def digest(data: bytes, algorithm: str) -> str:
    return hashlib.new(algorithm, data).hexdigest()


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of a signature check; ``reason`` (German) says why it failed."""

    valid: bool
    fingerprint: str | None = None
    reason: str = ""


class KeyRing:
    """A throw-away OpenPGP key ring; use as a context manager (the directory is removed on exit)."""

    def __init__(self, *, gpg_binary: str = "gpg") -> None:
        self._gpg_binary = gpg_binary
        self._home = tempfile.mkdtemp(prefix="verbund-gpg-")
        os.chmod(self._home, 0o700)
        self._gpg = gnupg.GPG(gpgbinary=gpg_binary, gnupghome=self._home)
        self._gpg.encoding = "utf-8"
        #: primary fingerprints of the keys whose signatures count
        self.fingerprints: set[str] = set()

    def __enter__(self) -> KeyRing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not os.path.isdir(self._home):
            return
        if any(name.startswith("S.") for name in os.listdir(self._home)):
            # A gpg-agent was started for this home: stop it before its directory disappears.
            gpgconf = shutil.which("gpgconf")
            if gpgconf:
                subprocess.run(
                    [gpgconf, "--homedir", self._home, "--kill", "all"],
                    check=False,
                    capture_output=True,
                    timeout=30,
                )
        shutil.rmtree(self._home, ignore_errors=True)

    def add_key(
        self, armored: bytes | str, *, origin: str, expected_fingerprint: str | None = None
    ) -> list[str]:
        """Import the keys of ``armored``; with ``expected_fingerprint`` only that key, else all.

        Returns the imported primary fingerprints; raises :class:`FormatError` (German, naming
        ``origin``) when the data holds no key or not the expected one.
        """
        text = armored.decode("utf-8", errors="replace") if isinstance(armored, bytes) else armored
        scanned = self._gpg.scan_keys_mem(text)
        found = [normalize_fingerprint(key["fingerprint"]) for key in scanned if key.get("fingerprint")]
        if not found:
            raise FormatError(f"{origin}: enthält keinen OpenPGP-Schlüssel.", url=origin)
        if expected_fingerprint:
            expected = normalize_fingerprint(expected_fingerprint)
            if expected not in found:
                raise FormatError(
                    f"{origin}: der Schlüssel hat den Fingerabdruck {', '.join(found)}, erwartet war "
                    f"{expected}; er wird nicht verwendet.",
                    url=origin,
                )
            wanted = [expected]
        else:
            wanted = found
        result = self._gpg.import_keys(text)
        imported = {normalize_fingerprint(fp) for fp in result.fingerprints if fp}
        accepted = [fingerprint for fingerprint in wanted if fingerprint in imported]
        if not accepted:
            raise FormatError(
                f"{origin}: der Schlüssel ließ sich nicht einlesen ({result.summary()}).", url=origin
            )
        self.fingerprints.update(accepted)
        return accepted

    def verify(self, data: bytes, signature: bytes) -> SignatureCheck:
        """Check a detached signature over ``data``."""
        if not self.fingerprints:
            return SignatureCheck(False, reason="kein öffentlicher OpenPGP-Schlüssel des Anbieters bekannt")
        handle, signature_path = tempfile.mkstemp(dir=self._home, suffix=".asc")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(signature)
            verified = self._gpg.verify_data(signature_path, data)
        finally:
            Path(signature_path).unlink(missing_ok=True)
        fingerprint = normalize_fingerprint(verified.pubkey_fingerprint or verified.fingerprint or "") or None
        if verified.valid and fingerprint in self.fingerprints:
            return SignatureCheck(True, fingerprint=fingerprint)
        if verified.valid:
            return SignatureCheck(
                False,
                fingerprint=fingerprint,
                reason=f"signiert mit dem nicht zugelassenen Schlüssel {fingerprint}",
            )
        status = verified.status or "keine lesbare Signatur"
        if status == "no public key":
            return SignatureCheck(
                False,
                reason=f"signiert mit dem unbekannten Schlüssel {verified.key_id} "
                "(kein Schlüssel des Anbieters)",
            )
        if status == "signature expected but not found":
            return SignatureCheck(False, reason="die .asc-Datei enthält keine lesbare OpenPGP-Signatur")
        if status == "signature bad":
            return SignatureCheck(
                False, reason="die Signatur passt nicht zum Dokument (verändert oder falsch)"
            )
        return SignatureCheck(False, reason=f"Signaturprüfung fehlgeschlagen ({status})")
