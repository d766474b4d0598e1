"""Every audit entry reads as German (issue 9, item 4): after the demo data and a round of further
changes through the parts' services, each entry's change lines carry German labels (no humanised
English key), no Python dict or list, no raw ``snake_case`` code, and years keep their digits
(``2026``, never ``2.026``)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from verbund.alliances.models import Alliance, MemberRole, Membership
from verbund.audit.models import AuditEntry
from verbund.audit.presenters import EntryView, present
from verbund.common.actors import SystemActor

pytestmark = pytest.mark.django_db

#: A system actor that may do everything the parts' services check for.
ACTOR = SystemActor(
    name="Prüfung",
    capabilities=frozenset(
        {
            "accounts.manage",
            "alliances.manage",
            "funding.manage",
            "planning.manage",
            "shared_services.manage",
        }
    ),
)

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
#: a year 1900–2099 printed as a number with a thousands dot ("2.026"), not an amount ("2.026,00")
GROUPED_YEAR = re.compile(r"(?<![\d.,])(?:1\.9|2\.0)\d\d(?![\d.]|,\d)")
PYTHON = ("{", "[", "': ")


def _problems(view: EntryView) -> list[str]:
    entry = view.entry
    where = f"{entry.action} #{entry.pk}"
    problems = []
    for line in view.changes:
        if line.unlabelled:
            problems.append(f"{where}: no German label for {list(line.unlabelled)} in {line}")
        if SNAKE.search(line.label):
            problems.append(f"{where}: raw key in label {line.label!r}")
        for value in (line.old, line.new):
            if value is None:
                continue
            if any(mark in value for mark in PYTHON):
                problems.append(f"{where}: Python data in {line}")
            if SNAKE.search(value):
                problems.append(f"{where}: raw code {SNAKE.search(value).group()!r} in {line}")  # type: ignore[union-attr]
            if GROUPED_YEAR.search(value):
                problems.append(f"{where}: year with a thousands dot in {line}")
    return problems


def _more_changes() -> None:
    """Entries the demo does not write: edits, removals, corrections, keys, cost models."""
    from verbund.alliances.services import alliance_update, member_set_role
    from verbund.funding.models import Programme
    from verbund.funding.services import programme_update, programme_year_set
    from verbund.planning.services.cost_models import cost_model_reset, cost_model_update
    from verbund.shared_services.models import CostPlan, ServiceRecipient, Settlement, SharedService
    from verbund.shared_services.services.cost_plans import cost_item_delete, cost_item_update, cost_plan_copy
    from verbund.shared_services.services.recipients import population_figure_set, service_set_key
    from verbund.shared_services.services.settlements import settlement_correct

    alliance = Alliance.objects.filter(memberships__isnull=False).order_by("pk").first()
    assert alliance is not None
    alliance_update(
        actor=ACTOR, alliance=alliance, data={"fields": ["cybersicherheit", "foerdermittelmanagement"]}
    )
    membership = Membership.objects.filter(
        alliance=alliance, left_on__isnull=True, role=MemberRole.MITGLIED
    ).first()
    assert membership is not None
    member_set_role(actor=ACTOR, membership=membership, role=MemberRole.ANTRAGSTELLEND)

    programme = Programme.objects.order_by("pk").first()
    assert programme is not None
    rule_set = dict(programme.rule_set)
    rule_set["min_members"] = int(rule_set.get("min_members", 2)) + 1
    programme_update(
        actor=ACTOR,
        programme=programme,
        data={"rule_set": rule_set, "eligible_categories": ["personal", "it_software"]},
    )
    programme_year_set(actor=ACTOR, programme=programme, year=2031, budget=Decimal("1000000"))

    service = SharedService.objects.order_by("pk").first()
    assert service is not None
    finalized = Settlement.objects.filter(service=service, finalized_at__isnull=False).order_by("pk").first()
    if finalized is not None:
        settlement_correct(actor=ACTOR, settlement=finalized, reason="Mengen berichtigt")
    service_set_key(actor=ACTOR, service=service, config={"type": "population"})
    recipient = ServiceRecipient.objects.filter(service=service).select_related("body").first()
    assert recipient is not None
    population_figure_set(
        actor=ACTOR,
        service=service,
        year=2026,
        body=recipient.body,
        population=12345,
        reference_date=dt.date(2025, 6, 30),
        source="Statistisches Landesamt",
    )
    plan = CostPlan.objects.filter(service=service, items__isnull=False).distinct().order_by("pk").first()
    assert plan is not None
    items = list(plan.items.order_by("pk"))
    cost_item_update(
        actor=ACTOR, item=items[0], data={"description": "Sachbearbeitung (neu)", "sort_order": 9}
    )
    cost_plan_copy(actor=ACTOR, source=plan, year=plan.year + 5, kind=plan.kind)
    cost_item_delete(actor=ACTOR, item=items[-1])

    task = service.task
    cost_model_update(actor=ACTOR, task=task, state="07", data={"fixed_cost": "95000"}, assumptions="Annahme")
    cost_model_reset(actor=ACTOR, task=task, state="07")


def test_every_audit_entry_reads_as_german() -> None:
    call_command("load_demo", "--source", "sample", stdout=StringIO(), stderr=StringIO())
    _more_changes()
    entries = list(AuditEntry.objects.order_by("pk"))
    actions = {e.action for e in entries}
    assert {"alliance.update", "programme.update", "cost_item.update", "cost_model.reset"} <= actions
    problems = [problem for entry in entries for problem in _problems(present(entry))]
    assert not problems, "\n".join(problems[:40])


def test_the_presenter_flags_keys_nobody_named() -> None:
    entry = AuditEntry(action="alliance.update", object_type="alliances.alliance", changes={"zzz_unknown": 1})
    (line,) = present(entry).changes
    assert line.unlabelled == ("zzz_unknown",) and line.label == "Zzz unknown"
    nested = AuditEntry(
        action="application.submit",
        object_type="funding.application",
        changes={"checks": {"zzz_inner": "ok"}},
    )
    assert present(nested).changes[0].unlabelled == ("zzz_inner",)


def test_years_keep_their_digits_and_spans_read_von_bis() -> None:
    entry = AuditEntry(
        action="application.grant",
        object_type="funding.application",
        changes={"year": 2026, "years": {"2026": "1000.00"}, "period": ["2026-01-01", "2027-12-31"]},
    )
    lines = [str(line) for line in present(entry).changes]
    assert lines == ["Jahr: 2026", "bewilligt je Jahr: 2026: 1.000,00", "Zeitraum: 01.01.2026 – 31.12.2027"]


def test_the_check_finds_what_the_review_found() -> None:
    """The rules of this test catch the old faults: an English fallback, a dict, a code, a grouped year."""
    entry = AuditEntry(
        pk=1,
        action="application.update",
        object_type="funding.application",
        changes={"zzz_reason": "x", "costs": [[], [["it_software", 2026, "90000.00", ""]]]},
    )
    problems = _problems(present(entry))
    assert any("no German label" in p for p in problems)
    assert any("raw code 'it_software'" in p for p in problems)
    assert any("thousands dot" in p for p in problems)
    flattened = AuditEntry(pk=2, action="alliance.update", object_type="x.y", changes={"note": "{'a': 1}"})
    assert any("Python data" in p for p in _problems(present(flattened)))
