"""Rollout scenario: what extending the programme to all municipalities would cost in grants and
save per year, per Kreis — computed from a Land-wide plan of the planning engine.

The plan (:class:`~verbund.planning.models.Scenario`, finished, for the whole Land: no Kreis
selection) holds groups of bodies with their yearly cost alone and together and the saving
(:class:`~verbund.planning.models.ScenarioGroup`). Every group of at least two bodies that is not
already an alliance (``fixed`` or linked to one) would be a new alliance of the programme:

* its **grant** is the cap of the funding programme's rule set for its size
  (:func:`verbund.funding.rules.checks.compute_cap`: RLP 3 Kommunen up to 210.000 EUR, from 4 up to
  320.000 EUR), raised by the increase for members on different administrative levels (read from the
  registry kinds of the members); the size of that increase is not public, so it is an assumption the
  user sets (default: the rule set's value). Whether two partners share no border is unknown for a
  plan (the planning engine forms groups of neighbours), so that increase is not applied unless
  the user sets "alle Gruppen ohne gemeinsame Grenze". The share of the cap actually granted is an
  assumption too (default 100 %: the cap is an upper bound);
* a group below the rule set's smallest size gets no grant and is counted apart;
* its **saving per year** is the plan's saving of the group (cost alone minus cost together).

A group belongs to the Kreis of its host body (the first five digits of its ARS). Who reads it:
the office and the funding authority (:func:`~verbund.advisory.policies.reads_programme`); the
plan is read as a system view of its figures (the funding authority does not see scenarios
themselves, only these sums).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Invalid, NotFound
from verbund.common.german import format_money, format_percent
from verbund.common.money import cents
from verbund.common.principal import Principal
from verbund.funding.rules import presets as rule_presets
from verbund.funding.rules.checks import ApplicationFacts, compute_cap
from verbund.funding.rules.ruleset import MIXED_LEVELS, NOT_CONTIGUOUS, CapIncrease, RuleSet

from .. import policies

READ_REFUSAL = gettext_noop("Die Ausrollung berechnen die Beratungsstelle und die Bewilligungsbehörde.")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Assumptions:
    """What the user may set; ``None`` amounts: the rule set's own value."""

    scenario_id: int | None = None
    programme_id: int | None = None
    mixed_levels_increase: Decimal | None = None
    not_contiguous_increase: Decimal | None = None
    all_not_contiguous: bool = False
    grant_share_percent: Decimal = HUNDRED


@dataclass
class KreisRow:
    key: str
    name: str
    groups: int = 0
    bodies: int = 0
    population: int = 0
    grants: Decimal = Decimal(0)
    saving: Decimal = Decimal(0)
    below_minimum: int = 0
    existing: int = 0

    def add(self, other: KreisRow) -> None:
        self.groups += other.groups
        self.bodies += other.bodies
        self.population += other.population
        self.grants += other.grants
        self.saving += other.saving
        self.below_minimum += other.below_minimum
        self.existing += other.existing

    @property
    def payback_years(self) -> Decimal | None:
        """Years until the grants are saved (``None`` without a saving)."""
        if self.saving <= 0:
            return None
        return (self.grants / self.saving).quantize(Decimal("0.1"))


@dataclass
class Rollout:
    scenario: Any
    rules: RuleSet
    rules_name: str
    assumptions: Assumptions
    rows: list[KreisRow]
    total: KreisRow
    notes: list[str] = field(default_factory=list)


def land_plans() -> Any:
    """Finished Land-wide plans (no Kreis selection) of the configured Land, newest first."""
    from verbund.planning.models import RunStatus, Scenario

    state = getattr(settings, "OPEN_DATA_STATE", "07")
    plans = Scenario.objects.filter(status=RunStatus.DONE, state=state)
    wanted = [
        pk for pk, parameters in plans.values_list("pk", "parameters") if not (parameters or {}).get("kreise")
    ]
    return plans.filter(pk__in=wanted).select_related("task").order_by("-finished_at", "-id")


def programmes() -> Any:
    from verbund.funding.models import Programme

    return Programme.objects.filter(state=getattr(settings, "OPEN_DATA_STATE", "07")).order_by("name", "id")


def _rule_set(programme_id: int | None) -> tuple[RuleSet, str, int | None]:
    """The programme's rule set (default: the first RLP programme; none: the RLP pilot preset)."""
    from verbund.funding.models import Programme

    query = programmes()
    programme: Programme | None
    if programme_id is not None:
        programme = query.filter(pk=programme_id).first()
        if programme is None:
            raise Invalid(fields={"programme": [_("Kein Förderprogramm mit dieser Kennung.")]})
    else:
        programme = query.filter(preset="rlp_pilot").first() or query.first()
    if programme is None:
        rules = rule_presets.preset("rlp_pilot")
        return rules, rules.name, None
    return programme.rules, programme.name, programme.pk


def _with_increases(rules: RuleSet, assumptions: Assumptions) -> RuleSet:
    increases = []
    present = {i.condition for i in rules.increases}
    for increase in rules.increases:
        amount = increase.amount
        if increase.condition == MIXED_LEVELS and assumptions.mixed_levels_increase is not None:
            amount = assumptions.mixed_levels_increase
        if increase.condition == NOT_CONTIGUOUS and assumptions.not_contiguous_increase is not None:
            amount = assumptions.not_contiguous_increase
        increases.append(dataclasses.replace(increase, amount=amount, basis="assumption"))
    for condition, extra in (
        (MIXED_LEVELS, assumptions.mixed_levels_increase),
        (NOT_CONTIGUOUS, assumptions.not_contiguous_increase),
    ):
        if condition not in present and extra:
            increases.append(CapIncrease(condition, extra, "assumption", ""))
    return dataclasses.replace(rules, increases=tuple(increases))


def _increase_amount(rules: RuleSet, condition: str) -> Decimal:
    return sum((i.amount for i in rules.increases if i.condition == condition), Decimal(0))


def _check(assumptions: Assumptions) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("mixed_levels_increase", "not_contiguous_increase"):
        value = getattr(assumptions, name)
        if value is not None and value < 0:
            errors[name] = [_("Der Betrag darf nicht negativ sein.")]
    share = assumptions.grant_share_percent
    if share < 0 or share > HUNDRED:
        errors["grant_share_percent"] = [_("Bitte einen Anteil zwischen 0 und 100 % angeben.")]
    if errors:
        raise Invalid(fields=errors)


def group_grant(
    rules: RuleSet, *, size: int, mixed_levels: bool, not_contiguous: bool, share_percent: Decimal
) -> Decimal | None:
    """The grant of one new group of ``size`` (``None``: below the smallest size of the rule set)."""
    facts = ApplicationFacts(
        applicant_label="",
        applicant_kind="verbandsgemeinde",
        applicant_takes_part=True,
        participants=tuple(str(i) for i in range(size)),
        mixed_levels=mixed_levels,
        contiguous=not not_contiguous,
    )
    if size < rules.min_members:
        return None
    cap = compute_cap(rules, facts)
    if cap.amount is None:
        return None
    return cents(cap.amount * share_percent / HUNDRED)


def _levels(kinds: Iterable[str]) -> bool:
    from verbund.alliances.facts import KIND_LEVELS

    return len({KIND_LEVELS.get(kind, kind) for kind in kinds}) > 1


def compute(scenario: Any, assumptions: Assumptions) -> Rollout:
    """The rollout of ``scenario`` under ``assumptions`` (no access check: see :func:`rollout`)."""
    from verbund.planning.models import ScenarioGroup
    from verbund.registry.models import Body

    _check(assumptions)
    base_rules, rules_name, programme_id = _rule_set(assumptions.programme_id)
    rules = _with_increases(base_rules, assumptions)
    groups = list(
        ScenarioGroup.objects.filter(scenario=scenario, size__gte=2)
        .select_related("host")
        .order_by("number")
        .only(
            "size",
            "population",
            "saving",
            "member_ids",
            "fixed",
            "alliance_id",
            "host__ars",
        )
    )
    member_ids = {int(i) for g in groups for i in (g.member_ids or [])}
    kinds = dict(Body.objects.filter(pk__in=member_ids).values_list("pk", "kind"))
    kreis_keys = {g.host.ars[:5] for g in groups}
    names = dict(
        Body.objects.filter(
            key__in=kreis_keys, kind__in=("landkreis", "kreis", "kreisfreie_stadt")
        ).values_list("key", "name")
    )
    rows: dict[str, KreisRow] = {}
    for group in groups:
        key = group.host.ars[:5]
        row = rows.setdefault(key, KreisRow(key=key, name=names.get(key, key)))
        if group.fixed or group.alliance_id:
            row.existing += 1
            continue
        grant = group_grant(
            rules,
            size=group.size,
            mixed_levels=_levels(kinds.get(int(i), "") for i in group.member_ids or []),
            not_contiguous=assumptions.all_not_contiguous,
            share_percent=assumptions.grant_share_percent,
        )
        if grant is None:
            row.below_minimum += 1
            continue
        row.groups += 1
        row.bodies += group.size
        row.population += group.population
        row.grants += grant
        row.saving += group.saving
    ordered = sorted(rows.values(), key=lambda r: (r.name, r.key))
    total = KreisRow(key="", name=_("Land insgesamt"))
    for row in ordered:
        total.add(row)
    assumptions = dataclasses.replace(assumptions, programme_id=programme_id)
    return Rollout(
        scenario=scenario,
        rules=rules,
        rules_name=rules_name,
        assumptions=assumptions,
        rows=ordered,
        total=total,
        notes=assumption_notes(rules, assumptions),
    )


def assumption_notes(rules: RuleSet, assumptions: Assumptions) -> list[str]:
    """The assumptions in German sentences (shown on the page and in the report)."""
    tiers = "; ".join(
        _("ab %(members)s Mitgliedern bis %(amount)s")
        % {"members": t.min_members, "amount": format_money(t.amount)}
        + (
            _(" zuzüglich %(amount)s je weiterem Mitglied")
            % {"amount": format_money(t.per_additional_member)}
            if t.per_additional_member
            else ""
        )
        for t in sorted(rules.cap_tiers, key=lambda t: t.min_members)
    )
    notes = [
        _("Höchstbeträge nach dem Regelwerk „%(name)s“: %(tiers)s.") % {"name": rules.name, "tiers": tiers},
        _("Gruppen mit weniger als %(count)s Mitgliedern erhalten keinen Zuschuss und zählen nicht mit.")
        % {"count": rules.min_members},
        _(
            "Erhöhung bei Mitgliedern auf verschiedenen Verwaltungsebenen: %(amount)s je Gruppe "
            "(Höhe nicht öffentlich, Annahme)."
        )
        % {"amount": format_money(_increase_amount(rules, MIXED_LEVELS))},
        (
            _(
                "Erhöhung bei Mitgliedern ohne gemeinsame Grenze: %(amount)s, angenommen für alle Gruppen "
                "(Höhe nicht öffentlich, Annahme)."
            )
            % {"amount": format_money(_increase_amount(rules, NOT_CONTIGUOUS))}
            if assumptions.all_not_contiguous
            else _(
                "Die Erhöhung bei Mitgliedern ohne gemeinsame Grenze wird nicht angesetzt: "
                "die Planung bildet Gruppen aus Nachbarn."
            )
        ),
        _("Jede neue Gruppe erhält %(percent)s ihres Höchstbetrags.")
        % {"percent": format_percent(assumptions.grant_share_percent)},
        _(
            "Bestehende Verbünde im Plan erhalten keinen neuen Zuschuss; die Einsparung je Jahr ist die des "
            "Plans (Kosten allein minus Kosten gemeinsam) für die neuen förderfähigen Gruppen."
        ),
        _("Eine Gruppe zählt zum Kreis ihrer gastgebenden Körperschaft."),
    ]
    return notes


def rollout(*, actor: Actor, assumptions: Assumptions | None = None) -> Rollout | None:
    """The rollout for the office and the funding authority (``None``: no finished Land-wide plan)."""
    principal: Principal = authorize(actor, policies.reads_programme, _(READ_REFUSAL))
    del principal
    assumptions = assumptions or Assumptions()
    plans = land_plans()
    if assumptions.scenario_id is not None:
        scenario = plans.filter(pk=assumptions.scenario_id).first()
        if scenario is None:
            raise NotFound(_("Kein fertiger landesweiter Plan mit dieser Kennung."))
    else:
        scenario = plans.first()
    if scenario is None:
        return None
    return compute(scenario, dataclasses.replace(assumptions, scenario_id=scenario.pk))


def totals_for_report() -> dict[str, Any] | None:
    """The default rollout's totals (system view, for the programme report)."""
    scenario = land_plans().first()
    if scenario is None:
        return None
    result = compute(scenario, Assumptions(scenario_id=scenario.pk))
    return {
        "scenario": scenario.name,
        "rules": result.rules_name,
        "groups": result.total.groups,
        "bodies": result.total.bodies,
        "population": result.total.population,
        "grants": result.total.grants,
        "saving": result.total.saving,
        "payback_years": result.total.payback_years,
        "rows": result.rows,
        "notes": result.notes,
    }
