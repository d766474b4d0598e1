"""HMAC-SHA256 signatures of webhook payloads (no Django: the receiver's side can copy it).

The signed message is ``<timestamp>.<body>`` (the Unix time in the ``X-Verbund-Timestamp`` header, a
dot, the raw request body as bytes); the header ``X-Verbund-Signature`` carries ``sha256=<hex>``.
A receiver recomputes it with the shared secret, compares in constant time and rejects timestamps
older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Verbund-Signature"
TIMESTAMP_HEADER = "X-Verbund-Timestamp"
EVENT_HEADER = "X-Verbund-Event"
DELIVERY_HEADER = "X-Verbund-Delivery"


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex>`` of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is at most ``tolerance`` s old."""
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(signature(secret, timestamp, body), header)
