"""Writing the audit log. Every service calls :func:`audit_record` inside its own transaction, so
the record and the change it describes are committed (or rolled back) together.

An entry names who acted (a user or a :class:`~verbund.common.actors.SystemActor`), a declared
action (:mod:`verbund.audit.actions`), the object, what changed (``{"field": [old, new]}``), and the
*scope* it concerns: the body and the alliance, so that the coordinators of an alliance and the heads
of a body can read their own history. The scope is taken from the target when it is an alliance or a
body, or has an ``alliance_id``/``body_id``; give ``alliance``/``body`` to say it explicitly.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

from verbund.common.actors import Actor, SystemActor, actor_label, check_actor

from .actions import AuditAction, get_action
from .models import AuditEntry, SensitiveRead


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def _id(value: models.Model | int | None) -> int | None:
    if value is None:
        return None
    return int(value.pk if isinstance(value, models.Model) else value)


def _user_of(actor: Actor) -> Any:
    """The user row an entry points to (``None`` for a system actor; the label keeps its name)."""
    return None if isinstance(actor, SystemActor) else actor


def _scope(target: models.Model | None) -> tuple[int | None, int | None]:
    """``(body_id, alliance_id)`` that ``target`` concerns, read from the target itself."""
    if target is None:
        return None, None
    label = target._meta.label_lower
    if label == "alliances.alliance":
        return None, target.pk
    if label == "registry.body":
        return target.pk, None
    body_id = getattr(target, "body_id", None)
    alliance_id = getattr(target, "alliance_id", None)
    return (int(body_id) if body_id else None), (int(alliance_id) if alliance_id else None)


def audit_record(
    *,
    actor: Actor,
    action: str | AuditAction,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
    body: models.Model | int | None = None,
    alliance: models.Model | int | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` (a declared :class:`AuditAction` or its code).

    ``target`` fills the object fields; without it, give ``object_type``/``object_id`` yourself (e.g.
    for a whole import run). ``body``/``alliance`` override the scope taken from the target.
    """
    check_actor(actor)
    declared = get_action(action)
    # What is stored is German (the source language), whatever language the acting user reads:
    # a name built with a choice label (str(target)) must not depend on the writer's language.
    with translation.override(settings.LANGUAGE_CODE):
        return _write_entry(
            actor, declared, target, object_type, object_id, object_repr, changes, body, alliance
        )


def _write_entry(
    actor: Actor,
    declared: AuditAction,
    target: models.Model | None,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: Mapping[str, Any] | None,
    body: models.Model | int | None,
    alliance: models.Model | int | None,
) -> AuditEntry:
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:300]
    body_id, alliance_id = _scope(target)
    if body is not None:
        body_id = _id(body)
    if alliance is not None:
        alliance_id = _id(alliance)
    return AuditEntry.objects.create(
        actor=_user_of(actor),
        actor_label=actor_label(actor)[:150],
        is_system=isinstance(actor, SystemActor),
        action=declared.code,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=_jsonable(dict(changes or {})),
        body_id=body_id,
        alliance_id=alliance_id,
    )


def record_sensitive_read(
    *, actor: Actor, target: models.Model, sensitivity: int, purpose: str = ""
) -> SensitiveRead:
    """Log that ``actor`` read ``target`` of a sensitivity above INTERNAL (a TLP:AMBER advisory…).

    Reads are logged apart from changes: the audit log says what happened to the data, this log who
    looked at confidential data, for the security officer.
    """
    check_actor(actor)
    with translation.override(settings.LANGUAGE_CODE):
        object_repr = str(target)[:300]
    return SensitiveRead.objects.create(
        actor=_user_of(actor),
        actor_label=actor_label(actor)[:150],
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        object_repr=object_repr,
        sensitivity=int(sensitivity),
        purpose=purpose[:200],
    )


def diff_fields(
    instance: models.Model, new_values: Mapping[str, Any], fields: Iterable[str] | None = None
) -> dict:
    """Return ``{field: [old, new]}`` for the fields whose value would change."""
    names = list(fields) if fields is not None else list(new_values)
    return {
        name: [getattr(instance, name), new_values[name]]
        for name in names
        if name in new_values and getattr(instance, name) != new_values[name]
    }
