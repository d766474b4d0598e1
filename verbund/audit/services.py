"""Writing the audit log. Every service calls :func:`audit_record` inside its own transaction, so
the record and the change it describes are committed (or rolled back) together."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .models import AuditEntry

SYSTEM = "System"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor`` (a user, ``None`` or a label such as ``"import_registry"``) did ``action``.

    ``action`` is ``<entity>.<action>`` after the service that made the change (``role.assign`` from
    ``role_assign``, ``alliance.member_add``), so the log reads like the code and the operator view
    can filter by it.

    ``target`` fills the object fields; without it, give ``object_type``/``object_id`` yourself
    (e.g. for a whole import run).
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    if user is not None:
        label = user.get_username()
    elif isinstance(actor, str) and actor:
        label = actor
    else:
        label = SYSTEM
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:300]
    return AuditEntry.objects.create(
        actor=user,
        actor_label=label[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=_jsonable(dict(changes or {})),
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
