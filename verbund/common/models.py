"""Model bases shared by every part."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a row of an append-only model."""


class AppendOnlyQuerySet(models.QuerySet[M]):
    """A QuerySet that refuses ``update``, ``delete`` and ``bulk_update``."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Raise before Django opens its transaction, so the caller's transaction stays usable.
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} cannot be changed.")


class AppendOnlyModel(models.Model):
    """Rows are written once and never changed or deleted through the application.

    Used by the audit log and the log of sensitive reads; later by the crisis staff's log and
    finalized settlements. ``save()`` of a stored row, ``delete()``, and the QuerySet's ``update``,
    ``delete`` and ``bulk_update`` raise :class:`AppendOnlyError`. A subclass that declares its own
    manager builds it from :class:`AppendOnlyQuerySet`.
    """

    objects: Any = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._meta.verbose_name} cannot be deleted.")
