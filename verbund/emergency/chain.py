"""The hash chain of the staff log (Einsatztagebuch), pure: no Django.

Each entry carries the SHA-256 of its own canonical content together with the hash of the entry
before it (the first entry of an event chains to :data:`GENESIS`). Changing, inserting, removing or
reordering any stored entry changes a hash that a later entry (or the entry itself) depends on, so
:func:`verify` finds the first entry where the stored chain and the recomputed one part.

The canonical content is a JSON array of the fields in a fixed order, with times in UTC ISO 8601
(microseconds) and texts as they are stored: the same bytes whatever database or Python wrote them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: the "previous hash" of an event's first entry
GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainFields:
    """What the hash of an entry covers."""

    event: int
    seq: int
    occurred_at: datetime
    entered_at: datetime
    author: str
    function: str
    category: str
    text: str
    corrects: int | None


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("log times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: ChainFields) -> bytes:
    """The bytes the hash is taken of."""
    items: list[Any] = [
        fields.event,
        fields.seq,
        _utc(fields.occurred_at),
        _utc(fields.entered_at),
        fields.author,
        fields.function,
        fields.category,
        fields.text,
        fields.corrects,
    ]
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(previous: str, fields: ChainFields) -> str:
    """SHA-256 (hex) of the previous hash and the canonical content."""
    digest = hashlib.sha256()
    digest.update(previous.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(fields))
    return digest.hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain is broken: the entry's sequence number and what is wrong with it."""

    seq: int
    problem: str  # "sequence" | "previous" | "hash"


def verify(entries: Iterable[tuple[ChainFields, str, str]]) -> tuple[int, Break | None]:
    """Check ``(fields, prev_hash, hash)`` of one event's entries in sequence order.

    Returns the number of entries checked and the first break (``None``: the chain holds). A gap or
    a repeated sequence number is a break ("sequence"), a ``prev_hash`` that is not the hash of the
    entry before ("previous"), a stored hash that does not match the content ("hash").
    """
    previous = GENESIS
    expected_seq = 1
    count = 0
    for fields, prev_hash, stored in entries:
        count += 1
        if fields.seq != expected_seq:
            return count, Break(fields.seq, "sequence")
        if prev_hash != previous:
            return count, Break(fields.seq, "previous")
        if entry_hash(previous, fields) != stored:
            return count, Break(fields.seq, "hash")
        previous = stored
        expected_seq += 1
    return count, None
