"""Cost plans and their items (the providing body's part)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor

from .. import calculation
from ..models import CostCategory, CostItem, CostPlan, PlanKind, SharedService
from ._common import check

# --- cost plans -------------------------------------------------------------------------------------


@transaction.atomic
def cost_plan_ensure(
    *,
    actor: Actor,
    service: SharedService,
    year: int,
    kind: str,
    is_example: bool = False,
    note: str = "",
) -> CostPlan:
    """The cost plan of ``year`` and ``kind`` (``plan``/``actual``), created empty if missing."""
    check(actor, service, "maintain")
    if kind not in PlanKind.values:
        raise ValidationError({"kind": _("Art des Kostenplans: plan oder actual.")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Bitte ein Jahr zwischen 2000 und 2100 angeben.")})
    plan, created = CostPlan.objects.get_or_create(
        service=service, year=year, kind=kind, defaults={"is_example": is_example, "note": note.strip()}
    )
    if created:
        audit_record(
            actor=actor,
            action="cost_plan.create",
            target=plan,
            **_scope(service),
            changes={"service": service.name, "year": year, "kind": kind, "is_example": is_example},
        )
    return plan


@transaction.atomic
def cost_plan_update(*, actor: Actor, plan: CostPlan, note: str, is_example: bool) -> CostPlan:
    check(actor, plan.service, "maintain")
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
        audit_record(
            actor=actor, action="cost_plan.update", target=plan, changes=changes, **_scope(plan.service)
        )
    return plan


def _scope(service: SharedService) -> dict[str, Any]:
    """Audit scope of a cost plan: the service's alliance and the providing body that keeps it."""
    return {"alliance": service.alliance_id, "body": service.provider_id}


ITEM_FIELDS = ("category", "description", "fte", "pay_grade", "amount", "percent", "sort_order")


def _item_values(item: CostItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def _item_record(item: CostItem) -> dict[str, Any]:
    """A line as the audit log keeps it: what it says, without empty fields and the sort order."""
    return {
        name: _cents(value)
        for name, value in _item_values(item).items()
        if name != "sort_order" and value not in (None, "")
    }


def _cents(value: Any) -> Any:
    """A decimal of a line with its two places ("38000.00"), so the log shows "38.000,00"."""
    return value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else value


@transaction.atomic
def cost_item_add(
    *,
    actor: Actor,
    plan: CostPlan,
    category: str,
    description: str,
    fte: Decimal | None = None,
    pay_grade: str = "",
    amount: Decimal | None = None,
    percent: Decimal | None = None,
) -> CostItem:
    """Add a line: staff (``fte`` × rate of ``pay_grade``), overhead (``percent`` of staff), or ``amount``."""
    check(actor, plan.service, "maintain")
    if category == CostCategory.STAFF and pay_grade and not _pay_grade_known(pay_grade, plan.year):
        raise ValidationError(
            {"pay_grade": _("Für %(grade)s ist kein Personalkostensatz hinterlegt.") % {"grade": pay_grade}}
        )
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
    audit_record(
        actor=actor, action="cost_item.add", target=plan, changes=_item_record(item), **_scope(plan.service)
    )
    return item


def _pay_grade_known(code: str, year: int) -> bool:
    rates, _rate_year = calculation.rates_for_year(year)
    return code in rates


@transaction.atomic
def cost_item_update(*, actor: Actor, item: CostItem, data: Mapping[str, Any]) -> CostItem:
    unknown = set(data) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"cost_item_update cannot change {sorted(unknown)}")
    check(actor, item.plan.service, "maintain")
    before = _item_values(item)
    for name, value in data.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    if (
        item.category == CostCategory.STAFF
        and item.pay_grade
        and not _pay_grade_known(item.pay_grade, item.plan.year)
    ):
        raise ValidationError(
            {
                "pay_grade": _("Für %(grade)s ist kein Personalkostensatz hinterlegt.")
                % {"grade": item.pay_grade}
            }
        )
    item.full_clean()
    after = _item_values(item)
    changes = {k: [_cents(before[k]), _cents(after[k])] for k in ITEM_FIELDS if before[k] != after[k]}
    if changes:
        item.save()
        audit_record(
            actor=actor,
            action="cost_item.update",
            target=item.plan,
            **_scope(item.plan.service),
            changes={"item": before["description"], **changes},
        )
    return item


@transaction.atomic
def cost_item_delete(*, actor: Actor, item: CostItem) -> None:
    plan = item.plan
    check(actor, plan.service, "maintain")
    values = _item_record(item)
    item.delete()
    audit_record(actor=actor, action="cost_item.delete", target=plan, changes=values, **_scope(plan.service))


@transaction.atomic
def cost_plan_copy(*, actor: Actor, source: CostPlan, year: int, kind: str) -> CostPlan:
    """Copy the lines of ``source`` into the (empty) plan of ``year`` and ``kind`` (e.g. Plan → Ist)."""
    target = cost_plan_ensure(
        actor=actor, service=source.service, year=year, kind=kind, is_example=source.is_example
    )
    if target.pk == source.pk:
        raise ValidationError({"kind": _("Quelle und Ziel sind derselbe Kostenplan.")})
    if target.items.exists():
        raise ValidationError({"kind": _("Der Zielplan hat schon Positionen; bitte erst leeren.")})
    CostItem.objects.bulk_create(
        CostItem(plan=target, **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in source.items.all()
    )
    with translation.override("de"):  # stored in the audit log: German for every writer
        copied = {
            "from": f"{source.get_kind_display()} {source.year}",
            "to": f"{target.get_kind_display()} {target.year}",
        }
    audit_record(
        actor=actor,
        action="cost_plan.copy",
        target=target,
        **_scope(source.service),
        changes={**copied, "items": target.items.count()},
    )
    return target
