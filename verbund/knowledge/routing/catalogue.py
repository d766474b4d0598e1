"""A service catalogue as the router sees it: id, name, LeiKa key, keywords, description."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class CatalogueError(ValueError):
    """A record of a catalogue cannot be used (missing id or name, duplicate id)."""


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    leika: str = ""
    keywords: tuple[str, ...] = ()
    description: str = ""
    #: Extra words the operator adds (synonyms of this service, e.g. from the Beratungsstelle).
    synonyms: tuple[str, ...] = field(default=())


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return tuple(str(v) for v in value if str(v).strip())


class Catalogue:
    """An ordered, immutable collection of services with unique ids."""

    def __init__(self, services: Iterable[Service]) -> None:
        self.services: tuple[Service, ...] = tuple(services)
        self._position: dict[str, int] = {}
        for position, service in enumerate(self.services):
            if service.id in self._position:
                raise CatalogueError(f"Leistung {service.id!r} kommt mehrfach vor.")
            self._position[service.id] = position

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Catalogue:
        """From dicts as in the JSON lines of a catalogue (``id``, ``name``, ``leika``,
        ``keywords``, ``description``; optional ``synonyms``; other keys are ignored)."""
        services = []
        for number, record in enumerate(records, start=1):
            service_id = str(record.get("id") or "").strip()
            name = str(record.get("name") or "").strip()
            if not service_id or not name:
                raise CatalogueError(f"Eintrag {number}: Feld „id“ und „name“ sind Pflicht.")
            services.append(
                Service(
                    id=service_id,
                    name=" ".join(name.split()),
                    leika=str(record.get("leika") or ""),
                    keywords=_strings(record.get("keywords")),
                    description=str(record.get("description") or ""),
                    synonyms=_strings(record.get("synonyms")),
                )
            )
        return cls(services)

    @classmethod
    def from_jsonl(cls, path: str | Path) -> Catalogue:
        """From a JSON lines file (one service a line; blank lines are skipped)."""

        def records() -> Iterator[dict[str, Any]]:
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        try:
                            yield json.loads(line)
                        except json.JSONDecodeError as error:
                            raise CatalogueError(
                                f"{path}, Zeile {number}: kein JSON ({error.msg})."
                            ) from None

        return cls.from_records(records())

    def __len__(self) -> int:
        return len(self.services)

    def __iter__(self) -> Iterator[Service]:
        return iter(self.services)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._position

    def position(self, service_id: str) -> int:
        return self._position[service_id]

    def get(self, service_id: str) -> Service:
        return self.services[self._position[service_id]]

    def by_name(self) -> dict[str, Service]:
        """Services by name (the first of equal names wins)."""
        result: dict[str, Service] = {}
        for service in self.services:
            result.setdefault(service.name, service)
        return result
