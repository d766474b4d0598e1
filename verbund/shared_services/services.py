"""Every write to shared services. Each service is keyword-only, atomic, checks the acting user's right
itself, validates with ``full_clean`` and writes its audit record in the same transaction.

Who may call what (rules in :mod:`verbund.shared_services.access`):

==============================  ===============================================================
``service_create``              coordinators of the alliance (and operators)
``service_update``              coordinators
``service_set_key``             coordinators (validated by the allocation engine)
``recipient_add`` / ``_end``    coordinators; ending sets ``until_date``, the row stays
``population_figure_set`` /     coordinators (population at the key's reference date)
``population_figure_delete``
``cost_plan_ensure`` /          staff and heads of the providing body
``cost_plan_update`` /
``cost_item_add`` / ``_update`` /
``_delete`` / ``cost_plan_copy``
``volume_set`` / ``_delete`` /  staff and heads of the providing body
``volume_import_csv``
``settlement_compute``          coordinators and the providing body (drafts only)
``settlement_correct``          coordinators: a new draft version of a finalized settlement
``settlement_finalize``         coordinators: the draft becomes immutable
``settlement_discard``          coordinators: delete a draft
==============================  ===============================================================

``acting_user`` is a user, or a label such as ``"load_demo"`` for trusted internal callers (demo
data, management commands): a label passes the permission checks and is named in the audit log.
Views and endpoints always pass ``request.user``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from verbund.alliances.access import viewer_for
from verbund.alliances.models import AgreementDocument, Alliance, Membership
from verbund.audit.services import audit_record
from verbund.common.errors import DomainError, ImportFileError
from verbund.registry.models import Body

from . import allocation, calculation
from .access import Need, require
from .models import (
    CostCategory,
    CostItem,
    CostPlan,
    PlanKind,
    PopulationFigure,
    ServiceRecipient,
    Settlement,
    SettlementFinalizedError,
    SettlementKind,
    SettlementLine,
    SettlementStatus,
    SharedService,
    Task,
    VolumeRecord,
)

#: Fields ``service_update`` may change; the key, recipients and settlements have their own services.
UPDATABLE_FIELDS = frozenset(
    {"name", "description", "legal_basis", "legal_basis_note", "advance_instalments", "end_date"}
)
#: Largest CSV of volumes accepted (a year of monthly figures of 2,300 members is ~ 2 MB).
CSV_MAX_BYTES = 5 * 1024 * 1024


def _is_system(acting_user: Any) -> bool:
    return isinstance(acting_user, str)


def _user(acting_user: Any) -> Any:
    return None if _is_system(acting_user) else acting_user


def _check(acting_user: Any, service: SharedService, need: Need) -> None:
    if _is_system(acting_user):
        return
    viewer_for(acting_user, fresh=True)  # services decide on fresh roles, not a request's cache
    if not getattr(acting_user, "is_authenticated", False):
        raise PermissionDenied("Anmeldung erforderlich.")
    require(acting_user, service, need)


def _check_alliance(acting_user: Any, alliance: Alliance) -> None:
    if _is_system(acting_user):
        return
    viewer = viewer_for(acting_user, fresh=True)
    if not (viewer.changes_all or viewer.coordinates(alliance)):
        raise PermissionDenied("Nur die Verbundkoordination kann Dienste des Verbunds anlegen.")


def _lock(service: SharedService) -> SharedService:
    """Re-read the service under a row lock, so that concurrent writes to it queue up."""
    return (
        SharedService.objects.select_for_update()
        .select_related("alliance", "task", "provider")
        .get(pk=service.pk)
    )


def _is_current_member(alliance: Alliance, body: Body) -> bool:
    return Membership.objects.current().filter(alliance=alliance, body=body).exists()


# --- services and keys ------------------------------------------------------------------------------


@transaction.atomic
def service_create(
    *,
    acting_user: Any,
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
    _check_alliance(acting_user, alliance)
    if not _is_current_member(alliance, provider):
        raise ValidationError({"provider": f"{provider.name} ist kein aktuelles Mitglied des Verbunds."})
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
        added.append(body.ars)
    audit_record(
        actor=acting_user,
        action="shared_service.create",
        target=service,
        changes={
            "alliance": alliance.slug,
            "task": task.slug,
            "provider": provider.ars,
            "allocation_key": service.allocation_key,
            "recipients": added,
            "start_date": start_date,
        },
    )
    return service


@transaction.atomic
def service_update(*, acting_user: Any, service: SharedService, data: Mapping[str, Any]) -> SharedService:
    """Change descriptive data (keys of :data:`UPDATABLE_FIELDS`); records ``{field: [old, new]}``."""
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"service_update cannot change {sorted(unknown)}")
    _check(acting_user, service, "manage")
    service = _lock(service)
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
    audit_record(actor=acting_user, action="shared_service.update", target=service, changes=changes)
    return service


@transaction.atomic
def service_set_key(*, acting_user: Any, service: SharedService, config: Mapping[str, Any]) -> SharedService:
    """Set the allocation key (validated and normalised by the engine); drafts must be recomputed."""
    _check(acting_user, service, "manage")
    try:
        normalised = allocation.validate_key(dict(config))
    except allocation.KeyConfigError as exc:
        raise ValidationError({"allocation_key": f"Ungültiger Verteilungsschlüssel: {exc}"}) from exc
    service = _lock(service)
    _check_named_members(
        normalised, set(ServiceRecipient.objects.filter(service=service).values_list("body__ars", flat=True))
    )
    old = service.allocation_key
    if old == normalised:
        return service
    service.allocation_key = normalised
    service.save(update_fields=["allocation_key", "updated_at"])
    audit_record(
        actor=acting_user,
        action="shared_service.key_set",
        target=service,
        changes={
            "allocation_key": [old, normalised],
            "description": allocation.describe_config(normalised, _names(service)),
        },
    )
    return service


def _check_named_members(config: Mapping[str, Any], recipient_ars: set[str]) -> None:
    """Members named in the key (fixed shares) are given by ARS and must receive the service."""
    unknown = sorted(allocation.named_members(config) - recipient_ars)
    if unknown:
        raise ValidationError(
            {
                "allocation_key": (
                    f"Der Schlüssel nennt {', '.join(unknown)}; das ist kein Empfänger des Dienstes. "
                    "Mitglieder werden mit ihrem 12-stelligen Regionalschlüssel (ARS) angegeben."
                )
            }
        )


def _names(service: SharedService) -> dict[str, str]:
    return dict(ServiceRecipient.objects.filter(service=service).values_list("body__ars", "body__name"))


def _add_recipient(service: SharedService, body: Body, from_date: dt.date) -> ServiceRecipient:
    if not _is_current_member(service.alliance, body):
        raise ValidationError({"body": f"{body.name} ist kein aktuelles Mitglied des Verbunds."})
    if from_date < service.start_date:
        raise ValidationError({"from_date": f"Der Dienst beginnt erst am {service.start_date:%d.%m.%Y}."})
    last_until = (
        ServiceRecipient.objects.filter(service=service, body=body, until_date__isnull=False)
        .aggregate(last=Max("until_date"))
        .get("last")
    )
    if last_until is not None and from_date <= last_until:
        raise ValidationError(
            {
                "from_date": (
                    f"{body.name} erhielt den Dienst bis {last_until:%d.%m.%Y}; "
                    "der neue Beginn muss danach liegen."
                )
            }
        )
    if ServiceRecipient.objects.filter(service=service, body=body, until_date__isnull=True).exists():
        raise ValidationError({"body": f"{body.name} erhält den Dienst bereits."})
    recipient = ServiceRecipient(service=service, body=body, from_date=from_date)
    recipient.full_clean()
    recipient.save()
    return recipient


@transaction.atomic
def recipient_add(
    *, acting_user: Any, service: SharedService, body: Body, from_date: dt.date
) -> ServiceRecipient:
    """``body`` (a current member of the alliance) receives the service from ``from_date``."""
    _check(acting_user, service, "manage")
    service = _lock(service)
    recipient = _add_recipient(service, body, from_date)
    audit_record(
        actor=acting_user,
        action="shared_service.recipient_add",
        target=service,
        changes={"body": body.ars, "name": body.name, "from_date": from_date},
    )
    return recipient


@transaction.atomic
def recipient_end(*, acting_user: Any, recipient: ServiceRecipient, until_date: dt.date) -> ServiceRecipient:
    """The body receives the service until ``until_date`` (inclusive); the row stays in the history."""
    service = recipient.service
    _check(acting_user, service, "manage")
    _lock(service)
    recipient = ServiceRecipient.objects.select_related("body").get(pk=recipient.pk)
    if recipient.until_date is not None:
        raise ValidationError({"until_date": "Diese Teilnahme ist bereits beendet."})
    if until_date < recipient.from_date:
        raise ValidationError({"until_date": "Das Ende darf nicht vor dem Beginn liegen."})
    recipient.until_date = until_date
    recipient.full_clean()
    recipient.save(update_fields=["until_date"])
    audit_record(
        actor=acting_user,
        action="shared_service.recipient_end",
        target=service,
        changes={"body": recipient.body.ars, "name": recipient.body.name, "until_date": until_date},
    )
    return recipient


@transaction.atomic
def population_figure_set(
    *,
    acting_user: Any,
    service: SharedService,
    year: int,
    body: Body,
    population: int,
    reference_date: dt.date,
    source: str,
) -> PopulationFigure:
    """Enter (or replace) a member's population at the key's reference date, for ``year``'s settlements."""
    _check(acting_user, service, "manage")
    if not ServiceRecipient.objects.filter(service=service, body=body).exists():
        raise ValidationError({"body": f"{body.name} erhält diesen Dienst nicht."})
    if population < 0:
        raise ValidationError({"population": "Die Einwohnerzahl darf nicht negativ sein."})
    if not source.strip():
        raise ValidationError({"source": "Bitte die Quelle angeben (z. B. Statistisches Landesamt)."})
    figure = PopulationFigure.objects.filter(service=service, year=year, body=body).first()
    old = None if figure is None else [figure.population, figure.reference_date]
    if figure is None:
        figure = PopulationFigure(service=service, year=year, body=body)
    figure.population = population
    figure.reference_date = reference_date
    figure.source = source.strip()
    figure.full_clean()
    figure.save()
    audit_record(
        actor=acting_user,
        action="shared_service.population_set",
        target=service,
        changes={
            "year": year,
            "body": body.ars,
            "old": old,
            "new": [population, reference_date],
            "source": figure.source,
        },
    )
    return figure


@transaction.atomic
def population_figure_delete(*, acting_user: Any, figure: PopulationFigure) -> None:
    """Remove a reference-date figure: the registry's population is used again."""
    _check(acting_user, figure.service, "manage")
    changes = {"year": figure.year, "body": figure.body.ars, "population": figure.population}
    figure.delete()
    audit_record(
        actor=acting_user, action="shared_service.population_delete", target=figure.service, changes=changes
    )


# --- cost plans -------------------------------------------------------------------------------------


@transaction.atomic
def cost_plan_ensure(
    *,
    acting_user: Any,
    service: SharedService,
    year: int,
    kind: str,
    is_example: bool = False,
    note: str = "",
) -> CostPlan:
    """The cost plan of ``year`` and ``kind`` (``plan``/``actual``), created empty if missing."""
    _check(acting_user, service, "maintain")
    if kind not in PlanKind.values:
        raise ValidationError({"kind": "Art des Kostenplans: plan oder actual."})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "Bitte ein Jahr zwischen 2000 und 2100 angeben."})
    plan, created = CostPlan.objects.get_or_create(
        service=service, year=year, kind=kind, defaults={"is_example": is_example, "note": note.strip()}
    )
    if created:
        audit_record(
            actor=acting_user,
            action="cost_plan.create",
            target=plan,
            changes={"service": service.pk, "year": year, "kind": kind, "is_example": is_example},
        )
    return plan


@transaction.atomic
def cost_plan_update(*, acting_user: Any, plan: CostPlan, note: str, is_example: bool) -> CostPlan:
    _check(acting_user, plan.service, "maintain")
    changes: dict[str, Any] = {}
    if plan.note != note.strip():
        changes["note"] = [plan.note, note.strip()]
        plan.note = note.strip()
    if plan.is_example != is_example:
        changes["is_example"] = [plan.is_example, is_example]
        plan.is_example = is_example
    if changes:
        plan.full_clean()
        plan.save(update_fields=["note", "is_example", "updated_at"])
        audit_record(actor=acting_user, action="cost_plan.update", target=plan, changes=changes)
    return plan


ITEM_FIELDS = ("category", "description", "fte", "pay_grade", "amount", "percent", "sort_order")


def _item_values(item: CostItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


@transaction.atomic
def cost_item_add(
    *,
    acting_user: Any,
    plan: CostPlan,
    category: str,
    description: str,
    fte: Decimal | None = None,
    pay_grade: str = "",
    amount: Decimal | None = None,
    percent: Decimal | None = None,
) -> CostItem:
    """Add a line: staff (``fte`` × rate of ``pay_grade``), overhead (``percent`` of staff), or ``amount``."""
    _check(acting_user, plan.service, "maintain")
    if category == CostCategory.STAFF and pay_grade and not _pay_grade_known(pay_grade, plan.year):
        raise ValidationError({"pay_grade": f"Für {pay_grade} ist kein Personalkostensatz hinterlegt."})
    order = (plan.items.aggregate(last=Max("sort_order")).get("last") or 0) + 1
    item = CostItem(
        plan=plan,
        category=category,
        description=description.strip(),
        fte=fte,
        pay_grade=pay_grade.strip(),
        amount=amount,
        percent=percent,
        sort_order=order,
    )
    item.full_clean()
    item.save()
    audit_record(actor=acting_user, action="cost_item.add", target=plan, changes=_item_values(item))
    return item


def _pay_grade_known(code: str, year: int) -> bool:
    rates, _rate_year = calculation.rates_for_year(year)
    return code in rates


@transaction.atomic
def cost_item_update(*, acting_user: Any, item: CostItem, data: Mapping[str, Any]) -> CostItem:
    unknown = set(data) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"cost_item_update cannot change {sorted(unknown)}")
    _check(acting_user, item.plan.service, "maintain")
    before = _item_values(item)
    for name, value in data.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    if (
        item.category == CostCategory.STAFF
        and item.pay_grade
        and not _pay_grade_known(item.pay_grade, item.plan.year)
    ):
        raise ValidationError({"pay_grade": f"Für {item.pay_grade} ist kein Personalkostensatz hinterlegt."})
    item.full_clean()
    after = _item_values(item)
    changes = {k: [before[k], after[k]] for k in ITEM_FIELDS if before[k] != after[k]}
    if changes:
        item.save()
        audit_record(
            actor=acting_user,
            action="cost_item.update",
            target=item.plan,
            changes={"item": item.pk, **changes},
        )
    return item


@transaction.atomic
def cost_item_delete(*, acting_user: Any, item: CostItem) -> None:
    plan = item.plan
    _check(acting_user, plan.service, "maintain")
    values = _item_values(item)
    item.delete()
    audit_record(actor=acting_user, action="cost_item.delete", target=plan, changes=values)


@transaction.atomic
def cost_plan_copy(*, acting_user: Any, source: CostPlan, year: int, kind: str) -> CostPlan:
    """Copy the lines of ``source`` into the (empty) plan of ``year`` and ``kind`` (e.g. Plan → Ist)."""
    target = cost_plan_ensure(
        acting_user=acting_user, service=source.service, year=year, kind=kind, is_example=source.is_example
    )
    if target.pk == source.pk:
        raise ValidationError({"kind": "Quelle und Ziel sind derselbe Kostenplan."})
    if target.items.exists():
        raise ValidationError({"kind": "Der Zielplan hat schon Positionen; bitte erst leeren."})
    CostItem.objects.bulk_create(
        CostItem(plan=target, **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in source.items.all()
    )
    audit_record(
        actor=acting_user,
        action="cost_plan.copy",
        target=target,
        changes={"from": [source.year, source.kind], "to": [year, kind], "items": target.items.count()},
    )
    return target


# --- volumes ----------------------------------------------------------------------------------------


def _check_volume_body(service: SharedService, body: Body) -> None:
    if not ServiceRecipient.objects.filter(service=service, body=body).exists():
        raise ValidationError({"body": f"{body.name} erhält diesen Dienst nicht."})


def _overlapping(service: SharedService, body: Body, start: dt.date, end: dt.date) -> VolumeRecord | None:
    return (
        VolumeRecord.objects.filter(service=service, body=body, period_start__lte=end, period_end__gte=start)
        .exclude(period_start=start, period_end=end)
        .first()
    )


def _volume_upsert(
    service: SharedService,
    body: Body,
    start: dt.date,
    end: dt.date,
    quantity: Decimal,
    note: str,
    source: str,
) -> tuple[VolumeRecord, str, Decimal | None]:
    """Write one record (same period: replace); returns the record, ``created``/``updated``/``unchanged``."""
    clash = _overlapping(service, body, start, end)
    if clash is not None:
        raise ValidationError(
            {
                "period_start": (
                    f"Der Zeitraum überschneidet sich mit dem erfassten Zeitraum "
                    f"{clash.period_start:%d.%m.%Y}–{clash.period_end:%d.%m.%Y} von {body.name}."
                )
            }
        )
    record = VolumeRecord.objects.filter(service=service, body=body, period_start=start).first()
    old = None if record is None else record.quantity
    if record is None:
        record = VolumeRecord(service=service, body=body, period_start=start)
        state = "created"
    elif record.period_end == end and record.quantity == quantity and record.note == note:
        return record, "unchanged", old
    else:
        state = "updated"
    record.period_end = end
    record.quantity = quantity
    record.note = note
    record.source = source
    record.full_clean()
    record.save()
    return record, state, old


@transaction.atomic
def volume_set(
    *,
    acting_user: Any,
    service: SharedService,
    body: Body,
    period_start: dt.date,
    period_end: dt.date,
    quantity: Decimal,
    note: str = "",
) -> VolumeRecord:
    """Record (or replace) ``body``'s volume for a period within one calendar year."""
    _check(acting_user, service, "maintain")
    _check_volume_body(service, body)
    record, state, old = _volume_upsert(
        service, body, period_start, period_end, quantity, note.strip(), "erfasst"
    )
    if state != "unchanged":
        audit_record(
            actor=acting_user,
            action="volume.set",
            target=service,
            changes={"body": body.ars, "period": [period_start, period_end], "quantity": [old, quantity]},
        )
    return record


@transaction.atomic
def volume_delete(*, acting_user: Any, record: VolumeRecord) -> None:
    service = record.service
    _check(acting_user, service, "maintain")
    changes = {
        "body": record.body.ars,
        "period": [record.period_start, record.period_end],
        "quantity": record.quantity,
    }
    record.delete()
    audit_record(actor=acting_user, action="volume.delete", target=service, changes=changes)


class VolumeImportError(ImportFileError):
    """A CSV of volumes was refused; ``errors`` lists every faulty line (nothing was imported)."""

    def __init__(self, errors: list[str], *, path: str) -> None:
        more = f" (und {len(errors) - 1} weitere Fehler)" if len(errors) > 1 else ""
        DomainError.__init__(self, errors[0] + more)
        self.errors = errors
        self.path = path
        self.line = None
        self.field = ""


@dataclass(frozen=True)
class VolumeImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def summary(self) -> str:
        return f"{self.created} neu, {self.updated} geändert, {self.unchanged} unverändert."


CSV_COLUMNS = {
    "ars": ("ars", "schluessel", "schlüssel", "ags"),
    "von": ("von",),
    "bis": ("bis",),
    "menge": ("menge",),
    "bemerkung": ("bemerkung",),
}


def _parse_date(value: str) -> dt.date:
    value = value.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError("Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben")


def _parse_quantity(value: str) -> Decimal:
    text = value.strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("keine Zahl") from None
    if not number.is_finite() or number < 0:
        raise ValueError("eine Zahl ab 0 angeben")
    if number != number.quantize(Decimal("0.01")):
        raise ValueError("höchstens zwei Nachkommastellen")
    return number


@transaction.atomic
def volume_import_csv(
    *, acting_user: Any, service: SharedService, file: IO[bytes] | IO[str], name: str = "mengen.csv"
) -> VolumeImportResult:
    """Import volumes from a CSV (columns ``ars;von;bis;menge[;bemerkung]``, ``;`` or ``,``).

    All or nothing: every line is checked first; any error refuses the whole file with every faulty
    line named (:class:`VolumeImportError`). Bodies are given by ARS (12 digits) or AGS/registry key.
    """
    _check(acting_user, service, "maintain")
    raw = file.read(CSV_MAX_BYTES + 1)
    if len(raw) > CSV_MAX_BYTES:
        raise ImportFileError(f"Die Datei ist größer als {CSV_MAX_BYTES // (1024 * 1024)} MB.", path=name)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    else:
        text = raw.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("Die Datei ist leer.", path=name)
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    columns: dict[str, int] = {}
    for column, aliases in CSV_COLUMNS.items():
        for alias in aliases:
            if alias in header:
                columns[column] = header.index(alias)
                break
    missing = [c for c in ("ars", "von", "bis", "menge") if c not in columns]
    if missing:
        raise ImportFileError(
            f"Kopfzeile: es fehlen die Spalten {', '.join(missing)} (erwartet: ars;von;bis;menge;bemerkung).",
            path=name,
            line=1,
        )
    recipients = {
        r.body_id: r.body for r in ServiceRecipient.objects.filter(service=service).select_related("body")
    }
    by_key: dict[str, Body] = {}
    for body in recipients.values():
        for identifier in (body.ars, body.ags, body.key):
            if identifier:
                by_key[identifier] = body
    errors: list[str] = []
    rows: list[tuple[int, Body, dt.date, dt.date, Decimal, str]] = []
    seen: dict[tuple[int, dt.date], int] = {}

    def fail(line: int, field: str, message: str) -> None:
        errors.append(str(ImportFileError(message, path=name, line=line, field=field)))

    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(column: str, row: list[str] = row) -> str:
            index = columns.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        found = by_key.get(cell("ars"))
        if found is None:
            fail(
                line_number,
                "ars",
                f"{cell('ars') or '(leer)'} erhält diesen Dienst nicht oder ist unbekannt.",
            )
            continue
        body = found
        try:
            start = _parse_date(cell("von"))
        except ValueError as exc:
            fail(line_number, "von", str(exc))
            continue
        try:
            end = _parse_date(cell("bis"))
        except ValueError as exc:
            fail(line_number, "bis", str(exc))
            continue
        if end < start or end.year != start.year:
            fail(line_number, "bis", "Der Zeitraum muss innerhalb eines Kalenderjahres liegen (von ≤ bis).")
            continue
        try:
            quantity = _parse_quantity(cell("menge"))
        except ValueError as exc:
            fail(line_number, "menge", str(exc))
            continue
        earlier = seen.get((body.pk, start))
        if earlier is not None:
            fail(line_number, "von", f"derselbe Zeitraum von {body.name} steht schon in Zeile {earlier}.")
            continue
        seen[(body.pk, start)] = line_number
        rows.append((line_number, body, start, end, quantity, cell("bemerkung")[:200]))
        if len(errors) >= 50:
            break
    if not rows and not errors:
        raise ImportFileError("Die Datei enthält keine Mengen.", path=name)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if not errors:
        source = f"CSV-Import {name}"[:200]
        for line_number, body, start, end, quantity, note in rows:
            try:
                _record, state, _old = _volume_upsert(service, body, start, end, quantity, note, source)
            except ValidationError as exc:
                fail(line_number, "von", "; ".join(exc.messages))
                continue
            counts[state] += 1
    if errors:
        transaction.set_rollback(True)
        raise VolumeImportError(errors, path=name)
    result = VolumeImportResult(**counts)
    audit_record(
        actor=acting_user,
        action="volume.import",
        target=service,
        changes={"file": name, **counts},
    )
    return result


# --- settlements ------------------------------------------------------------------------------------


def _persist(
    settlement: Settlement, computed: calculation.ComputedSettlement, acting_user: Any
) -> Settlement:
    settlement.net_cost = computed.net_cost
    settlement.total = computed.total
    settlement.key_config = computed.key_config
    settlement.key_description = computed.key_description
    settlement.snapshot = computed.snapshot
    settlement.inputs_digest = computed.digest
    settlement.instalments = settlement.service.advance_instalments
    settlement.computed_at = timezone.now()
    settlement.computed_by = _user(acting_user)
    settlement.full_clean()
    settlement.save()
    SettlementLine.objects.filter(settlement=settlement).delete()
    SettlementLine.objects.bulk_create(
        SettlementLine(
            settlement=settlement,
            body=line.body,
            days=line.days,
            population=line.population,
            population_date=line.population_date,
            population_source=line.population_source[:200],
            area_ha=line.area_ha,
            volume=line.volume,
            share=line.share,
            components=line.components,
            advance_paid=line.advance_paid,
            balance=line.balance,
            instalments=line.instalments,
            standalone_cost=line.standalone_cost,
        )
        for line in computed.lines
    )
    return settlement


def _compute_or_refuse(service: SharedService, year: int, kind: str) -> calculation.ComputedSettlement:
    try:
        return calculation.compute(calculation.gather_inputs(service, year, kind))
    except allocation.AllocationError as exc:
        raise DomainError(str(exc), code="settlement_not_computable", status=422) from exc


def _check_year_kind(year: int, kind: str) -> None:
    if kind not in SettlementKind.values:
        raise ValidationError(
            {"kind": "Art der Abrechnung: advance (Abschläge) oder final (Spitzabrechnung)."}
        )
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "Bitte ein Jahr zwischen 2000 und 2100 angeben."})


@transaction.atomic
def settlement_compute(*, acting_user: Any, service: SharedService, year: int, kind: str) -> Settlement:
    """Compute the draft of ``year`` and ``kind``: recompute the open draft, or start version 1.

    A finalized settlement is never recomputed: :func:`settlement_correct` starts a new version.
    """
    _check(acting_user, service, "compute")
    _check_year_kind(year, kind)
    service = _lock(service)
    draft = Settlement.objects.filter(
        service=service, year=year, kind=kind, status=SettlementStatus.DRAFT
    ).first()
    if draft is None:
        latest = Settlement.objects.filter(service=service, year=year, kind=kind).order_by("-version").first()
        if latest is not None:
            raise SettlementFinalizedError(
                f"{latest} ist abgeschlossen. Für Änderungen bitte eine Korrektur (neue Fassung) anlegen."
            )
        draft = Settlement(service=service, year=year, kind=kind, version=1)
    computed = _compute_or_refuse(service, year, kind)
    settlement = _persist(draft, computed, acting_user)
    audit_record(
        actor=acting_user,
        action="settlement.compute",
        target=settlement,
        changes={"year": year, "kind": kind, "version": settlement.version, "total": computed.total},
    )
    return settlement


@transaction.atomic
def settlement_correct(*, acting_user: Any, settlement: Settlement, reason: str) -> Settlement:
    """Start a correction of a finalized settlement: a new draft version computed from today's inputs."""
    service = settlement.service
    _check(acting_user, service, "manage")
    service = _lock(service)
    settlement = Settlement.objects.get(pk=settlement.pk)
    if not settlement.is_finalized:
        raise DomainError(
            "Nur eine abgeschlossene Abrechnung kann korrigiert werden.", code="settlement_draft"
        )
    if not reason.strip():
        raise ValidationError({"reason": "Bitte den Grund der Korrektur angeben."})
    latest = (
        Settlement.objects.filter(service=service, year=settlement.year, kind=settlement.kind)
        .order_by("-version")
        .first()
    )
    assert latest is not None
    if latest.pk != settlement.pk:
        raise DomainError(
            f"Es gibt bereits eine neuere Fassung ({latest.version}); bitte diese korrigieren.",
            code="settlement_superseded",
            status=409,
        )
    draft = Settlement(
        service=service,
        year=settlement.year,
        kind=settlement.kind,
        version=settlement.version + 1,
        previous=settlement,
        reason=reason.strip(),
    )
    computed = _compute_or_refuse(service, settlement.year, settlement.kind)
    draft = _persist(draft, computed, acting_user)
    audit_record(
        actor=acting_user,
        action="settlement.correct",
        target=draft,
        changes={
            "previous": settlement.pk,
            "version": draft.version,
            "reason": draft.reason,
            "total": draft.total,
        },
    )
    return draft


@transaction.atomic
def settlement_finalize(*, acting_user: Any, settlement: Settlement) -> Settlement:
    """Finalize a draft: it becomes immutable. Refused when the inputs changed since it was computed."""
    service = settlement.service
    _check(acting_user, service, "manage")
    service = _lock(service)
    settlement = Settlement.objects.select_related("service").get(pk=settlement.pk)
    if settlement.is_finalized:
        raise SettlementFinalizedError("Diese Abrechnung ist bereits abgeschlossen.")
    current = _compute_or_refuse(service, settlement.year, settlement.kind)
    if current.digest != settlement.inputs_digest:
        raise DomainError(
            "Die Grundlagen (Kosten, Schlüssel, Empfänger, Mengen oder Einwohner) haben sich seit der "
            "Berechnung geändert. Bitte neu berechnen und prüfen, dann abschließen.",
            code="settlement_stale",
            status=409,
        )
    settlement.status = SettlementStatus.FINALIZED
    settlement.finalized_at = timezone.now()
    settlement.finalized_by = _user(acting_user)
    settlement.save(update_fields=["status", "finalized_at", "finalized_by"])
    audit_record(
        actor=acting_user,
        action="settlement.finalize",
        target=settlement,
        changes={
            "year": settlement.year,
            "kind": settlement.kind,
            "version": settlement.version,
            "total": settlement.total,
            "digest": settlement.inputs_digest,
        },
    )
    return settlement


@transaction.atomic
def settlement_discard(*, acting_user: Any, settlement: Settlement) -> None:
    """Delete a draft (a finalized settlement cannot be deleted)."""
    _check(acting_user, settlement.service, "manage")
    if settlement.is_finalized:
        raise SettlementFinalizedError()
    changes = {"year": settlement.year, "kind": settlement.kind, "version": settlement.version}
    target_repr = str(settlement)
    settlement_pk = settlement.pk
    settlement.delete()
    audit_record(
        actor=acting_user,
        action="settlement.discard",
        object_type="shared_services.settlement",
        object_id=str(settlement_pk),
        object_repr=target_repr,
        changes=changes,
    )
