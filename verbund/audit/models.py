"""The audit log: one row per change, written by the service that made it, never edited.

"Append-only" is enforced on every path the application has (:class:`AppendOnlyModel`): ``save()``
of a stored entry, ``delete()``, and ``update()``/``delete()``/``bulk_update()`` of a QuerySet raise
:class:`~verbund.common.models.AppendOnlyError`; the admin shows entries read-only. Deleting a user
keeps the entries (``actor`` becomes NULL, ``actor_label`` keeps the name).

Each entry carries its *scope*: the body and the alliance it concerns (plain ids, not foreign keys:
the audit log sits on the lowest floor, below the alliances, and outlives the rows it describes).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from verbund.common.models import AppendOnlyModel, AppendOnlyQuerySet
from verbund.common.principal import Principal


class AuditEntryQuerySet(AppendOnlyQuerySet["AuditEntry"]):
    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def visible_to(self, principal: Principal) -> AuditEntryQuerySet:
        """Operators read everything; coordinators the history of their alliances, heads of their
        bodies (:meth:`Principal.audit_scope`); nobody else reads the log."""
        if principal.is_operator:
            return self
        alliance_ids, body_ids = principal.audit_scope()
        if not alliance_ids and not body_ids:
            return self.none()
        return self.filter(Q(alliance_id__in=alliance_ids) | Q(body_id__in=body_ids))


class AuditEntry(AppendOnlyModel):
    """Who did what to which object, and what changed (``{"field": [old, new]}``)."""

    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Handelnde Person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept even if the user is deleted later, and for system actors ("Registerimport", "Demodaten").
    actor_label = models.CharField(_("Handelnde Person (Name)"), max_length=150)
    is_system = models.BooleanField(_("Systemvorgang"), default=False)
    action = models.CharField(_("Aktion"), max_length=80, db_index=True)
    object_type = models.CharField(_("Objekttyp"), max_length=100, db_index=True)
    object_id = models.CharField(_("Objekt-ID"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("Objekt"), max_length=300, blank=True)
    changes = models.JSONField(_("Änderungen"), default=dict, blank=True)
    body_id = models.BigIntegerField(_("Körperschaft (ID)"), null=True, blank=True, db_index=True)
    alliance_id = models.BigIntegerField(_("Verbund (ID)"), null=True, blank=True, db_index=True)

    objects: ClassVar[AuditEntryQuerySet] = AuditEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.object_repr}"


class SensitiveReadQuerySet(AppendOnlyQuerySet["SensitiveRead"]):
    def visible_to(self, principal: Principal) -> SensitiveReadQuerySet:
        """Only operators read who read confidential data."""
        return self if principal.is_operator else self.none()


class SensitiveRead(AppendOnlyModel):
    """Someone read an object above INTERNAL sensitivity (TLP:AMBER or RED)."""

    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Lesende Person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("Lesende Person (Name)"), max_length=150)
    object_type = models.CharField(_("Objekttyp"), max_length=100, db_index=True)
    object_id = models.CharField(_("Objekt-ID"), max_length=64, db_index=True)
    object_repr = models.CharField(_("Objekt"), max_length=300, blank=True)
    sensitivity = models.PositiveSmallIntegerField(_("Schutzstufe"))
    purpose = models.CharField(_("Zweck"), max_length=200, blank=True)

    objects: ClassVar[SensitiveReadQuerySet] = SensitiveReadQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("Lesezugriff auf vertrauliche Daten")
        verbose_name_plural = _("Lesezugriffe auf vertrauliche Daten")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.object_repr}"


class AuditExport(models.Model):
    """A CSV export of the audit log too large to answer inside the request: the requester's filter,
    and the state and result of the task that writes the file (:mod:`verbund.audit.exports`,
    :mod:`verbund.audit.tasks`). Only the requester downloads it; it is deleted after
    :data:`~verbund.audit.exports.KEEP_EXPORTS`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("läuft")
        DONE = "done", _("fertig")
        FAILED = "failed", _("fehlgeschlagen")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Angefordert von"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    query = models.CharField(_("Filter"), max_length=2000, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    row_count = models.PositiveIntegerField(_("Einträge"), null=True, blank=True)
    file = models.FileField(_("Datei"), upload_to="exports/", blank=True)
    error = models.TextField(_("Fehler"), blank=True)
    created_at = models.DateTimeField(_("Angefordert"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("Begonnen"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Beendet"), null=True, blank=True)

    class Meta:
        verbose_name = _("Protokollexport")
        verbose_name_plural = _("Protokollexporte")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("Protokollexport %(number)s") % {"number": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("audit:export_detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
