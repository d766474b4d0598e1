"""Importing a service catalogue from JSON lines.

One service per line, as in a city's Dienstleistungsdatenbank export: ``id`` (kept as the service's id
in the API), ``name``, ``leika`` (one key or several separated by commas; may be empty),
``keywords`` (a list of words), ``description``, ``url``; other fields are ignored. The whole file is
checked first and stored all or nothing; a bad line is named with its number and field. A later
import of the same catalogue updates the services by id, adds new ones and marks those missing from
the file inactive (they are never deleted); synonyms added here and the task survive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Forbidden, ImportFileError

from .. import audit_actions
from ..models import Catalogue, HolderRule, Service
from ..policies import edits_catalogue

LEIKA = re.compile(r"^99\d{12}$")

#: Holders of services that catalogues carry without a LeiKa key the seeded prefix rules know: a
#: service whose name contains the word gets its own rule for the Land on import (unless it already
#: has one or a prefix rule of the Land covers it). Each entry: word, Land, label, kinds, source.
NAMED_RULES = (
    (
        "elterngeld",
        "07",
        "Elterngeldstelle",
        ["landkreis", "kreisfreie_stadt"],
        "BEEG § 12; in Rheinland-Pfalz die Elterngeldstellen der Kreisverwaltungen und kreisfreien Städte",
    ),
)
MAX_LINES = 100_000


@dataclass(frozen=True)
class ServiceRecord:
    external_id: str
    name: str
    leika: list[str]
    keywords: list[str]
    description: str
    url: str
    #: the line of the file the record came from (0: not from a file)
    line: int = 0


@dataclass
class ImportResult:
    catalogue: Catalogue
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    #: holder rules created for services named in :data:`NAMED_RULES`
    rules: int = 0


def _text(value: Any, *, path: str, line: int, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and field == "id":
        value = str(value)
    if not isinstance(value, str):
        raise ImportFileError(_("Text erwartet."), path=path, line=line, field=field)
    value = value.strip()
    if "\x00" in value:
        raise ImportFileError(_("Das Zeichen NUL ist nicht erlaubt."), path=path, line=line, field=field)
    if required and not value:
        raise ImportFileError(_("Angabe fehlt."), path=path, line=line, field=field)
    if len(value) > limit:
        raise ImportFileError(
            _("Höchstens %(limit)s Zeichen erlaubt.") % {"limit": limit}, path=path, line=line, field=field
        )
    return value


def _leika(value: Any, *, path: str, line: int) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    keys: list[str] = []
    for item in items:
        key = str(item).strip()
        if not key:
            continue
        if not LEIKA.match(key):
            raise ImportFileError(
                _("„%(key)s“ ist kein LeiKa-Schlüssel (14 Ziffern, beginnend mit 99).") % {"key": key[:40]},
                path=path,
                line=line,
                field="leika",
            )
        if key not in keys:
            keys.append(key)
    return keys


def _keywords(value: Any, *, path: str, line: int) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ImportFileError(_("Eine Liste von Wörtern erwartet."), path=path, line=line, field="keywords")
    seen: list[str] = []
    for word in value:
        word = word.strip()[:200]
        if word and word not in seen:
            seen.append(word)
    return seen


def parse_lines(lines: Iterable[str], *, path: str = "") -> list[ServiceRecord]:
    """Check every line; the records, or :class:`ImportFileError` naming the first bad line."""
    records: list[ServiceRecord] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if number > MAX_LINES:
            raise ImportFileError(
                _("Mehr als %(limit)s Zeilen.") % {"limit": MAX_LINES}, path=path, line=number
            )
        raw = raw.strip()
        if not raw:
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                _("Kein gültiges JSON (%(error)s).") % {"error": exc.msg}, path=path, line=number
            ) from None
        if not isinstance(item, dict):
            raise ImportFileError(_("Ein JSON-Objekt je Zeile erwartet."), path=path, line=number)
        external_id = _text(item.get("id"), path=path, line=number, field="id", limit=64, required=True)
        if external_id in seen:
            raise ImportFileError(
                _("Die Kennung %(id)s steht schon in Zeile %(line)s.")
                % {"id": external_id, "line": seen[external_id]},
                path=path,
                line=number,
                field="id",
            )
        seen[external_id] = number
        url = _text(item.get("url"), path=path, line=number, field="url", limit=500)
        if url and not url.startswith(("https://", "http://")):
            raise ImportFileError(
                _("Eine Internetadresse (https://…) erwartet."), path=path, line=number, field="url"
            )
        records.append(
            ServiceRecord(
                external_id=external_id,
                name=_text(item.get("name"), path=path, line=number, field="name", limit=300, required=True),
                leika=_leika(item.get("leika"), path=path, line=number),
                keywords=_keywords(item.get("keywords"), path=path, line=number),
                description=_text(
                    item.get("description"), path=path, line=number, field="description", limit=20_000
                ),
                url=url,
                line=number,
            )
        )
    if not records:
        raise ImportFileError(_("Die Datei enthält keine Leistung."), path=path)
    return records


def read_file(path: Path) -> list[ServiceRecord]:
    try:
        with path.open(encoding="utf-8") as handle:
            return parse_lines(handle, path=path.name)
    except UnicodeDecodeError:
        raise ImportFileError(_("Die Datei ist nicht in UTF-8 kodiert."), path=path.name) from None
    except OSError as exc:
        raise ImportFileError(
            _("Die Datei kann nicht gelesen werden (%(error)s).") % {"error": exc.strerror}, path=path.name
        ) from None


_FIELDS = ("name", "leika", "keywords", "description", "url")


def import_services(
    *,
    actor: Actor,
    records: list[ServiceRecord],
    name: str,
    slug: str = "",
    source: str = "",
    licence: str = "",
    path: str = "",
) -> ImportResult:
    """Store ``records`` as the catalogue ``slug`` (created if new), all or nothing."""
    principal = authorize(actor)
    if not edits_catalogue(principal):
        raise Forbidden()
    slug = slug or slugify(name)[:50]
    if not slug:
        raise ImportFileError(_("Der Katalog braucht eine Bezeichnung."), path=path, field="name")
    with transaction.atomic():
        catalogue, _created = Catalogue.objects.select_for_update().get_or_create(
            slug=slug, defaults={"name": name[:200], "source": source[:500], "licence": licence[:100]}
        )
        foreign = dict(
            Service.objects.filter(external_id__in=[r.external_id for r in records])
            .exclude(catalogue=catalogue)
            .values_list("external_id", "catalogue__name")[:1]
        )
        if foreign:
            external_id, other = next(iter(foreign.items()))
            line = next((r.line for r in records if r.external_id == external_id and r.line), None)
            raise ImportFileError(
                _("Die Kennung %(id)s gehört schon zum Katalog „%(other)s“.")
                % {"id": external_id, "other": other},
                path=path,
                line=line,
                field="id",
            )
        existing = {s.external_id: s for s in Service.objects.filter(catalogue=catalogue)}
        result = ImportResult(catalogue=catalogue)
        new: list[Service] = []
        changed: list[Service] = []
        for record in records:
            service = existing.pop(record.external_id, None)
            if service is None:
                new.append(
                    Service(
                        catalogue=catalogue,
                        external_id=record.external_id,
                        active=True,
                        **{f: getattr(record, f) for f in _FIELDS},
                    )
                )
                continue
            if all(getattr(service, f) == getattr(record, f) for f in _FIELDS) and service.active:
                result.unchanged += 1
                continue
            for f in _FIELDS:
                setattr(service, f, getattr(record, f))
            service.active = True
            changed.append(service)
        Service.objects.bulk_create(new, batch_size=500)
        Service.objects.bulk_update(changed, [*_FIELDS, "active"], batch_size=500)
        result.rules = _named_rules(actor=actor, services=[*new, *changed])
        gone = [s.pk for s in existing.values() if s.active]
        Service.objects.filter(pk__in=gone).update(active=False)
        result.created, result.updated, result.deactivated = len(new), len(changed), len(gone)
        catalogue.name = name[:200] or catalogue.name
        catalogue.source = source[:500] or catalogue.source
        catalogue.licence = licence[:100] or catalogue.licence
        catalogue.imported_at = timezone.now()
        catalogue.imported_by_id = principal.user_id if principal.is_person else None
        catalogue.save()
        audit_record(
            actor=actor,
            action=audit_actions.CATALOGUE_IMPORT,
            target=catalogue,
            changes={
                "Datei": path,
                "Neu": result.created,
                "Geändert": result.updated,
                "Unverändert": result.unchanged,
                "Deaktiviert": result.deactivated,
                "Regeln": result.rules,
            },
        )
    return result


def _named_rules(*, actor: Actor, services: list[Service]) -> int:
    """Give each of ``services`` named in :data:`NAMED_RULES` its Land's holder rule, if it has none."""
    from .responsibility import rule_for

    created = 0
    for service in services:
        name = service.name.casefold()
        for word, state, label, kinds, source in NAMED_RULES:
            if word not in name or service.pk is None or rule_for(service, state) is not None:
                continue
            rule = HolderRule.objects.create(
                state=state, service=service, label=label, kinds=list(kinds), verified=True, source=source
            )
            audit_record(
                actor=actor,
                action=audit_actions.HOLDER_RULE_SET,
                target=rule,
                changes={
                    "Land": state,
                    "Leistung": service.name,
                    "Zuständige Arten": list(kinds),
                    "Bezeichnung": label,
                    "Geprüft": True,
                    "Quelle": source,
                },
            )
            created += 1
    return created
