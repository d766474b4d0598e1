"""The hash chain (pure): any change, insertion, removal or reordering is found at the first entry
that no longer fits."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from verbund.emergency import chain

T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


def _build(n: int) -> list[tuple[chain.ChainFields, str, str]]:
    rows = []
    previous = chain.GENESIS
    for seq in range(1, n + 1):
        fields = chain.ChainFields(
            event=7,
            seq=seq,
            occurred_at=T0 + dt.timedelta(minutes=seq),
            entered_at=T0 + dt.timedelta(minutes=seq, seconds=30),
            author="Sina Lage",
            function="S2",
            category="lage",
            text=f"Meldung {seq}: Pegel steigt – Straße gesperrt",
            corrects=None,
        )
        digest = chain.entry_hash(previous, fields)
        rows.append((fields, previous, digest))
        previous = digest
    return rows


def test_an_intact_chain_holds() -> None:
    assert chain.verify(_build(5)) == (5, None)
    assert chain.verify([]) == (0, None)


@pytest.mark.parametrize(
    "field", ["text", "author", "function", "category", "occurred_at", "entered_at", "corrects"]
)
def test_a_changed_field_breaks_the_chain_at_that_entry(field: str) -> None:
    rows = _build(5)
    fields, prev, digest = rows[2]
    value: Any = {
        "text": "Meldung 3: alles ruhig",
        "author": "Jemand anderes",
        "function": "S3",
        "category": "entscheidung",
        "occurred_at": fields.occurred_at + dt.timedelta(seconds=1),
        "entered_at": fields.entered_at - dt.timedelta(microseconds=1),
        "corrects": 1,
    }[field]
    rows[2] = (dataclasses.replace(fields, **{field: value}), prev, digest)
    checked, broken = chain.verify(rows)
    assert broken == chain.Break(3, "hash")
    assert checked == 3


def test_a_rehashed_entry_breaks_the_next_one() -> None:
    rows = _build(4)
    fields, prev, _digest = rows[1]
    changed = dataclasses.replace(fields, text="umgeschrieben")
    rows[1] = (changed, prev, chain.entry_hash(prev, changed))
    assert chain.verify(rows)[1] == chain.Break(3, "previous")


def test_removed_and_reordered_entries_break_the_sequence() -> None:
    rows = _build(4)
    assert chain.verify(rows[:1] + rows[2:])[1] == chain.Break(3, "sequence")
    assert chain.verify([rows[1], rows[0]])[1] == chain.Break(2, "sequence")


def test_times_are_hashed_in_utc_whatever_the_zone() -> None:
    fields = _build(1)[0][0]
    berlin = dt.timezone(dt.timedelta(hours=1))
    same = dataclasses.replace(fields, occurred_at=fields.occurred_at.astimezone(berlin))
    assert chain.entry_hash(chain.GENESIS, same) == chain.entry_hash(chain.GENESIS, fields)
    with pytest.raises(ValueError):
        chain.canonical(dataclasses.replace(fields, occurred_at=fields.occurred_at.replace(tzinfo=None)))
