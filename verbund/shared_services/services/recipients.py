"""Services, their keys, recipients and reference-date populations (the coordinators' part)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from verbund.alliances.models import AgreementDocument, Alliance
from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.registry.models import Body

from .. import allocation
from ..models import PopulationFigure, ServiceRecipient, SharedService, Task
from ._common import check, check_create, is_current_member, lock

#: Fields ``service_update`` may change; the key, recipients and settlements have their own services.
UPDATABLE_FIELDS = frozenset(
    {"name", "description", "legal_basis", "legal_basis_note", "advance_instalments", "end_date"}
)


# --- services and keys ------------------------------------------------------------------------------


@transaction.atomic
def service_create(
    *,
    actor: Actor,
    alliance: Alliance,
    task: Task,
    provider: Body,
    name: str,
    start_date: dt.date,
    allocation_key: Mapping[str, Any] | None = None,
    description: str = "",
    legal_basis: AgreementDocument | None = None,
    legal_basis_note: str = "",
    advance_instalments: int = 4,
    recipients: Iterable[Body] = (),
) -> SharedService:
    """Create a service of ``alliance``; ``recipients`` receive it from ``start_date``.

    The provider must be a current member of the alliance; so must every recipient.
    """
    check_create(actor, alliance)
    if not is_current_member(alliance, provider):
        raise ValidationError(
            {"provider": _("%(name)s ist kein aktuelles Mitglied des Verbunds.") % {"name": provider.name}}
        )
    _check_named_members(allocation_key or {}, {provider.ars, *(b.ars for b in recipients)})
    service = SharedService(
        alliance=alliance,
        task=task,
        provider=provider,
        name=name.strip(),
        description=description.strip(),
        legal_basis=legal_basis,
        legal_basis_note=legal_basis_note.strip(),
        allocation_key=dict(allocation_key or allocation.EQUAL),
        advance_instalments=advance_instalments,
        start_date=start_date,
    )
    service.full_clean()
    service.save()
    added = []
    for body in recipients:
        _add_recipient(service, body, start_date)
        added.append(body.name)
    audit_record(
        actor=actor,
        action="shared_service.create",
        target=service,
        changes={
            "alliance": alliance.name,
            "task": task.name,
            "provider": provider.name,
            "allocation_key": _describe_key(service.allocation_key, _names(service)),
            "recipients": ", ".join(added),
            "start_date": start_date,
        },
    )
    return service


@transaction.atomic
def service_update(*, actor: Actor, service: SharedService, data: Mapping[str, Any]) -> SharedService:
    """Change descriptive data (keys of :data:`UPDATABLE_FIELDS`); records ``{field: [old, new]}``."""
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"service_update cannot change {sorted(unknown)}")
    check(actor, service, "manage")
    service = lock(service)
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        old = getattr(service, name)
        if old != value:
            changes[name] = [
                str(old) if name == "legal_basis" else old,
                str(value) if name == "legal_basis" else value,
            ]
            setattr(service, name, value)
    if not changes:
        return service
    service.full_clean()
    service.save()
    audit_record(actor=actor, action="shared_service.update", target=service, changes=changes)
    return service


@transaction.atomic
def service_set_key(*, actor: Actor, service: SharedService, config: Mapping[str, Any]) -> SharedService:
    """Set the allocation key (validated and normalised by the engine); drafts must be recomputed."""
    check(actor, service, "manage")
    try:
        normalised = allocation.validate_key(dict(config))
    except allocation.KeyConfigError as exc:
        raise ValidationError(
            {"allocation_key": _("Ungültiger Verteilungsschlüssel: %(error)s") % {"error": exc}}
        ) from exc
    service = lock(service)
    _check_named_members(
        normalised, set(ServiceRecipient.objects.filter(service=service).values_list("body__ars", flat=True))
    )
    old = service.allocation_key
    if old == normalised:
        return service
    service.allocation_key = normalised
    service.save(update_fields=["allocation_key", "updated_at"])
    audit_record(
        actor=actor,
        action="shared_service.key_set",
        target=service,
        changes={
            "allocation_key": [
                _describe_key(old, _names(service)),
                _describe_key(normalised, _names(service)),
            ]
        },
    )
    return service


def _check_named_members(config: Mapping[str, Any], recipient_ars: set[str]) -> None:
    """Members named in the key (fixed shares) are given by ARS and must receive the service."""
    unknown = sorted(allocation.named_members(config) - recipient_ars)
    if unknown:
        raise ValidationError(
            {
                "allocation_key": _(
                    "Der Schlüssel nennt %(members)s; das ist kein Empfänger des Dienstes. "
                    "Mitglieder werden mit ihrem 12-stelligen Regionalschlüssel (ARS) angegeben."
                )
                % {"members": ", ".join(unknown)}
            }
        )


def _describe_key(config: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    """An allocation key for the audit log, in words ("nach Einwohnerzahl")."""
    if not config:
        return ""
    try:
        with translation.override("de"):  # stored in the audit log: German for every writer
            return allocation.describe_config(config, names)
    except allocation.KeyConfigError:
        return "ungültiger Schlüssel"


def _names(service: SharedService) -> dict[str, str]:
    return dict(ServiceRecipient.objects.filter(service=service).values_list("body__ars", "body__name"))


def _add_recipient(service: SharedService, body: Body, from_date: dt.date) -> ServiceRecipient:
    if not is_current_member(service.alliance, body):
        raise ValidationError(
            {"body": _("%(name)s ist kein aktuelles Mitglied des Verbunds.") % {"name": body.name}}
        )
    if from_date < service.start_date:
        raise ValidationError(
            {
                "from_date": _("Der Dienst beginnt erst am %(date)s.")
                % {"date": f"{service.start_date:%d.%m.%Y}"}
            }
        )
    last_until = (
        ServiceRecipient.objects.filter(service=service, body=body, until_date__isnull=False)
        .aggregate(last=Max("until_date"))
        .get("last")
    )
    if last_until is not None and from_date <= last_until:
        raise ValidationError(
            {
                "from_date": _(
                    "%(name)s erhielt den Dienst bis %(date)s; der neue Beginn muss danach liegen."
                )
                % {"name": body.name, "date": f"{last_until:%d.%m.%Y}"}
            }
        )
    if ServiceRecipient.objects.filter(service=service, body=body, until_date__isnull=True).exists():
        raise ValidationError({"body": _("%(name)s erhält den Dienst bereits.") % {"name": body.name}})
    recipient = ServiceRecipient(service=service, body=body, from_date=from_date)
    recipient.full_clean()
    recipient.save()
    return recipient


@transaction.atomic
def recipient_add(
    *, actor: Actor, service: SharedService, body: Body, from_date: dt.date
) -> ServiceRecipient:
    """``body`` (a current member of the alliance) receives the service from ``from_date``."""
    check(actor, service, "manage")
    service = lock(service)
    recipient = _add_recipient(service, body, from_date)
    audit_record(
        actor=actor,
        action="shared_service.recipient_add",
        target=service,
        body=body,
        changes={"body": body.name, "from_date": from_date},
    )
    return recipient


@transaction.atomic
def recipient_end(*, actor: Actor, recipient: ServiceRecipient, until_date: dt.date) -> ServiceRecipient:
    """The body receives the service until ``until_date`` (inclusive); the row stays in the history."""
    service = recipient.service
    check(actor, service, "manage")
    lock(service)
    recipient = ServiceRecipient.objects.select_related("body").get(pk=recipient.pk)
    if recipient.until_date is not None:
        raise ValidationError({"until_date": _("Diese Teilnahme ist bereits beendet.")})
    if until_date < recipient.from_date:
        raise ValidationError({"until_date": _("Das Ende darf nicht vor dem Beginn liegen.")})
    recipient.until_date = until_date
    recipient.full_clean()
    recipient.save(update_fields=["until_date"])
    audit_record(
        actor=actor,
        action="shared_service.recipient_end",
        target=service,
        body=recipient.body_id,
        changes={"body": recipient.body.name, "until_date": until_date},
    )
    return recipient


@transaction.atomic
def population_figure_set(
    *,
    actor: Actor,
    service: SharedService,
    year: int,
    body: Body,
    population: int,
    reference_date: dt.date,
    source: str,
) -> PopulationFigure:
    """Enter (or replace) a member's population at the key's reference date, for ``year``'s settlements."""
    check(actor, service, "manage")
    if not ServiceRecipient.objects.filter(service=service, body=body).exists():
        raise ValidationError({"body": _("%(name)s erhält diesen Dienst nicht.") % {"name": body.name}})
    if population < 0:
        raise ValidationError({"population": _("Die Einwohnerzahl darf nicht negativ sein.")})
    if not source.strip():
        raise ValidationError({"source": _("Bitte die Quelle angeben (z. B. Statistisches Landesamt).")})
    figure = PopulationFigure.objects.filter(service=service, year=year, body=body).first()
    old_population = None if figure is None else figure.population
    old_date = None if figure is None else figure.reference_date
    if figure is None:
        figure = PopulationFigure(service=service, year=year, body=body)
    figure.population = population
    figure.reference_date = reference_date
    figure.source = source.strip()
    figure.full_clean()
    figure.save()
    audit_record(
        actor=actor,
        action="shared_service.population_set",
        target=service,
        body=body,
        changes={
            "year": year,
            "body": body.name,
            "population": [old_population, population],
            "reference_date": [old_date, reference_date],
            "source": figure.source,
        },
    )
    return figure


@transaction.atomic
def population_figure_delete(*, actor: Actor, figure: PopulationFigure) -> None:
    """Remove a reference-date figure: the registry's population is used again."""
    check(actor, figure.service, "manage")
    changes = {"year": figure.year, "body": figure.body.name, "population": figure.population}
    figure.delete()
    audit_record(
        actor=actor,
        action="shared_service.population_delete",
        target=figure.service,
        body=figure.body_id,
        changes=changes,
    )
