"""Helpers every service of the alliances part shares: who acts, the change check, locks, slugs,
fields of action and stored files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.text import slugify
from django.utils.translation import gettext as _

from verbund.common.access import authorize, require
from verbund.common.actors import Actor, SystemActor
from verbund.common.principal import Principal

from .. import policies
from ..models import Alliance, FieldOfAction


def principal_of_actor(actor: Actor) -> Principal:
    """The fresh principal of ``actor``; ``TypeError`` for strings, ``None`` and anonymous users."""
    return authorize(actor)


def require_change(actor: Actor, alliance: Alliance) -> Principal:
    """The actor's principal if it may change ``alliance`` (coordinators, operators, :data:`MANAGE`)."""
    principal = principal_of_actor(actor)
    require(policies.may_change(principal, alliance.pk), _(policies.CHANGE_REFUSAL))
    return principal


def person(actor: Actor) -> Any:
    """The user behind ``actor`` for ``…_by`` columns (``None`` for a system actor)."""
    return None if isinstance(actor, SystemActor) else actor


def display_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def lock(alliance: Alliance) -> Alliance:
    """Re-read the alliance row under a lock, so that concurrent writes to it queue up."""
    return Alliance.objects.select_for_update().get(pk=alliance.pk)


def field_objects(fields: Iterable[FieldOfAction | str]) -> list[FieldOfAction]:
    items = list(fields)
    slugs = [f for f in items if isinstance(f, str)]
    objects = [f for f in items if isinstance(f, FieldOfAction)]
    if slugs:
        found = {f.slug: f for f in FieldOfAction.objects.filter(slug__in=slugs)}
        unknown = sorted(set(slugs) - set(found))
        if unknown:
            raise ValidationError({"fields": f"Unbekanntes Handlungsfeld: {', '.join(unknown)}."})
        objects += [found[s] for s in slugs]
    return sorted({f.pk: f for f in objects}.values(), key=lambda f: (f.sort_order, f.name))


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A URL slug from the name, unique among alliances ("-2", "-3" … on a clash), never only digits."""
    base = slugify(name.replace("ß", "ss"))[:70].strip("-") or "verbund"
    if base.isdigit():
        base = f"verbund-{base}"
    others = Alliance.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def as_file(upload: File | IO[bytes], name: str) -> File:
    upload.seek(0)
    return upload if isinstance(upload, File) else File(upload, name=name or "dokument.pdf")


@contextmanager
def file_removed_on_error(field_file: Any) -> Iterator[None]:
    """Delete the just-stored file if the database write after it fails, so no orphan stays behind.

    (A rollback of an outer transaction of the caller can still leave an unreferenced file; it is
    never reachable, because files are only handed out for rows that exist.)
    """
    try:
        yield
    except BaseException:
        if field_file:
            field_file.storage.delete(field_file.name)
        raise
