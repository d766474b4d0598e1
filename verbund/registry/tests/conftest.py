"""Fixtures of the registry tests: GV100AD lines built field by field, and RLP 2025 imported once.

``rlp_2025`` imports the Rhineland-Palatinate part of the 30.11.2025 issue once per test class and
rolls it back afterwards: the import runs inside an outer transaction, each test's own transaction
(pytest-django's ``db``) nests inside it as a savepoint, so tests see the registry, may change it,
and leave nothing behind for the next class or module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from conftest import shared_data_file
from verbund.common.data import GV100AD_LATEST
from verbund.registry.tests.factories import IMPORTER

#: Field positions of DOMAIN.md §4 (1-based, inclusive).
_POSITIONS = {
    "record_type": (1, 2),
    "stand": (3, 10),
    "land": (11, 12),
    "rb": (13, 13),
    "kreis": (14, 15),
    "gemeinde": (16, 18),
    "verband": (19, 22),
    "name": (23, 72),
    "seat": (73, 122),
    "tk": (123, 124),
    "area": (129, 139),
    "population": (140, 150),
    "male": (151, 161),
    "postcode": (166, 170),
    "multiple": (171, 175),
}


def gv100ad_line(record_type: str, **fields: Any) -> str:
    """One 220-character GV100AD record; numbers (area, population, male) are zero-padded.

    ``gv100ad_line("60", land="07", rb="1", kreis="99", gemeinde="001", verband="5001",
    name="Nordheim", tk="64", area=500, population=1000, male=490, postcode="56001")``
    """
    values = {"record_type": record_type, "stand": "20251130", "land": "07", **fields}
    line = [" "] * 220
    for name, value in values.items():
        start, end = _POSITIONS[name]
        width = end - start + 1
        if name in ("area", "population", "male"):
            text = f"{value:0{width}d}"
        elif name == "multiple":
            text = "*****" if value else ""
        else:
            text = str(value)
        if len(text) > width:
            raise ValueError(f"{name}={value!r} is wider than {width}")
        line[start - 1 : start - 1 + len(text)] = text
    return "".join(line)


@pytest.fixture
def write_gv100ad(tmp_path: Path) -> Callable[..., Path]:
    """Write lines to a file in ``tmp_path``: ``write_gv100ad(lines, name=..., encoding=...)``."""

    def write(lines: list[str], name: str = "GV100AD_test.txt", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return path

    return write


@pytest.fixture(scope="class")
def rlp_2025(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """The 30.11.2025 issue imported for Land 07 (an ImportResult), rolled back after the class."""
    from verbund.registry.importer import registry_import_gv100ad

    path = shared_data_file(GV100AD_LATEST)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            result = registry_import_gv100ad(actor=IMPORTER, path=path, state="07")
        except BaseException as exc:
            outer.__exit__(type(exc), exc, exc.__traceback__)
            raise
    try:
        yield result
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
