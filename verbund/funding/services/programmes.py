"""Programmes and their budget years: the funding authority's (system actors: ``funding.manage``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from verbund.audit.services import audit_record
from verbund.common.actors import Actor
from verbund.common.errors import Conflict

from .. import rules
from ..models import Preset, Programme, ProgrammeYear
from ._common import money, principal_of_actor, require_decider, year_of

PROGRAMME_FIELDS = frozenset(
    {
        "name",
        "code",
        "description",
        "rule_set",
        "eligible_categories",
        "window_opens",
        "window_closes",
        "preset",
        "second_approval_above",
    }
)


@transaction.atomic
def programme_create(
    *,
    actor: Actor,
    name: str,
    code: str,
    slug: str = "",
    preset: str = Preset.RLP_PILOT,
    rule_set: Mapping[str, Any] | None = None,
    description: str = "",
    state: str = "07",
    eligible_categories: Sequence[str] | None = None,
    window_opens: dt.date | None = None,
    window_closes: dt.date | None = None,
    budgets: Mapping[int, Decimal | str | int] | None = None,
) -> Programme:
    """Create a programme from a preset (:data:`rules.PRESETS`) or an own ``rule_set`` (JSON)."""
    principal = principal_of_actor(actor)
    require_decider(principal, _("Programme legt die Bewilligungsbehörde an."))
    if rule_set is None:
        if preset not in rules.PRESETS:
            raise ValidationError({"preset": _("Unbekannte Vorlage „%(preset)s“.") % {"preset": preset}})
        data = rules.preset(preset).to_dict()
    else:
        data = dict(rule_set)
    programme = Programme(
        name=name.strip(),
        code=code.strip(),
        slug=slug or slugify(name.replace("ß", "ss"))[:60],
        description=description,
        state=state,
        preset=preset if rule_set is None else Preset.OWN,
        rule_set=data,
        eligible_categories=list(eligible_categories)
        if eligible_categories is not None
        else list(rules.COST_CATEGORIES),
        window_opens=window_opens,
        window_closes=window_closes,
    )
    programme.full_clean()
    programme.save()
    years = {}
    for year, budget in (budgets or {}).items():
        row = ProgrammeYear(
            programme=programme, year=year_of(year, "budgets"), budget=money(budget, "budgets")
        )
        row.full_clean()
        row.save()
        years[row.year] = row.budget
    audit_record(
        actor=actor,
        action="programme.create",
        target=programme,
        changes={
            "name": programme.name,
            "preset": programme.preset,
            "rule_set": _rule_set_text(data),
            "budgets": {str(year): str(budget) for year, budget in years.items()},
        },
    )
    return programme


def _rule_set_text(data: Any) -> dict[str, Any] | str:
    """A rule set as the audit log shows it: its rules in German words (no JSON keys), whatever the
    language of the person who changed it."""
    with translation.override("de"):
        return _rule_set_words(data)


def _rule_set_words(data: Any) -> dict[str, Any] | str:
    try:
        rule_set = rules.RuleSet.from_dict(data)
    except (rules.RuleSetError, TypeError, ValueError, AttributeError):
        return "ungültiges Regelwerk"
    tiers = [
        f"ab {t.min_members} Mitgliedern {rules.eur(t.amount)}"
        + (
            f" zuzüglich {rules.eur(t.per_additional_member)} je weiterem Mitglied"
            if t.per_additional_member
            else ""
        )
        for t in rule_set.cap_tiers
    ]
    return {
        "Bezeichnung": rule_set.name,
        "Quelle": rule_set.source,
        "Mindestzahl der Mitglieder": rule_set.min_members,
        "Förderhöchstbeträge": tiers,
        "Erhöhungen": [f"{i.label}: + {i.amount_text()}" for i in rule_set.increases],
        "Obergrenze": rules.eur(rule_set.cap_ceiling) if rule_set.cap_ceiling is not None else None,
        "Fördersatz höchstens (%)": str(rule_set.max_rate_percent),
        "Finanzierungsart": rules.FINANCING.get(rule_set.financing, rule_set.financing),
        "Mindestprojektkosten": rules.eur(rule_set.min_project_costs)
        if rule_set.min_project_costs is not None
        else None,
        "Mindesteinsparung (%)": None
        if rule_set.min_savings_percent is None
        else str(rule_set.min_savings_percent),
        "Mindestbindung (Jahre)": rule_set.min_commitment_years,
        "Laufzeit höchstens (Monate)": rule_set.max_period_months,
        "Ortsgemeinden beantragen über ihre Verbandsgemeinde": rule_set.ortsgemeinden_via_verbandsgemeinde,
        "Ein Antrag je Verbund": rule_set.one_application_per_alliance,
        "Ratsbeschlüsse erforderlich": rule_set.council_resolutions_required,
    }


def _audit_value(name: str, value: Any) -> Any:
    """A programme field's value for the audit log: rules and cost categories in words."""
    if name == "rule_set":
        return _rule_set_text(value)
    if name == "eligible_categories":
        return ", ".join(rules.COST_CATEGORIES.get(c, c) for c in value or ())
    return value


@transaction.atomic
def programme_update(*, actor: Actor, programme: Programme, data: Mapping[str, Any]) -> Programme:
    """Change a programme's descriptive data, rules or window. Records ``{field: [old, new]}``.

    A rule change applies to checks from now on; decisions already taken keep the checks stored with
    them (``Application.checks``) and their grant notice.
    """
    unknown = set(data) - PROGRAMME_FIELDS
    if unknown:
        raise ValueError(f"programme_update cannot change {sorted(unknown)}")
    principal = principal_of_actor(actor)
    require_decider(principal, _("Programme ändert die Bewilligungsbehörde."))
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    changes = {}
    for name, value in data.items():
        old = getattr(programme, name)
        if old != value:
            changes[name] = [_audit_value(name, old), _audit_value(name, value)]
            setattr(programme, name, value)
    if not changes:
        return programme
    programme.full_clean()
    programme.save()
    programme.__dict__.pop("rules", None)
    audit_record(actor=actor, action="programme.update", target=programme, changes=changes)
    return programme


@transaction.atomic
def programme_year_set(
    *, actor: Actor, programme: Programme, year: int, budget: Decimal | str
) -> ProgrammeYear:
    """Create a budget year or change its budget; never below what grants have already committed."""
    principal = principal_of_actor(actor)
    require_decider(principal, _("Haushaltsmittel legt die Bewilligungsbehörde fest."))
    year = year_of(year, "year")
    amount = money(budget, "budget")
    row = ProgrammeYear.objects.select_for_update().filter(programme=programme, year=year).first()
    if row is None:
        row = ProgrammeYear(programme=programme, year=year, budget=amount)
        row.full_clean()
        row.save()
        audit_record(
            actor=actor, action="programme.year_add", target=programme, changes={str(year): str(amount)}
        )
        return row
    if amount < row.committed:
        raise Conflict(
            _("Für %(year)s sind bereits %(eur)s bewilligt; die Mittel können nicht auf %(eur2)s sinken.")
            % {"year": year, "eur": rules.eur(row.committed), "eur2": rules.eur(amount)},
            code="budget_below_committed",
        )
    if amount != row.budget:
        audit_record(
            actor=actor,
            action="programme.year_budget",
            target=programme,
            changes={str(year): [str(row.budget), str(amount)]},
        )
        row.budget = amount
        row.save(update_fields=["budget"])
    return row
