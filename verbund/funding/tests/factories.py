"""Factories and helpers for the funding tests (and for the bench)::

    programme = ProgrammeFactory()                          # RLP pilot rules, 2025 and 2026 with 5 Mio each
    ProgrammeFactory(preset="bayern", budgets={2026: "100000.00"})
    application = draft_application(programme=programme, alliance=alliance, applicant=vg)
    fill_draft(application, requested="200000.00")          # cost plan, years and period that pass the checks

Programmes are written as rows (a fixture with no lifecycle); applications go through the public
services as the system actor :data:`TEST_ACTOR` (capability ``funding.manage``), so fixtures keep
every rule; the tests of the permissions call the services with real users.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from verbund.common.actors import SystemActor
from verbund.common.money import cents
from verbund.funding import policies, rules, services
from verbund.funding.models import Application, Programme, ProgrammeYear
from verbund.funding.selectors import CostRow

#: Who writes the fixtures (a system actor allowed every funding step).
TEST_ACTOR = SystemActor(name="Testdaten", capabilities=frozenset({policies.MANAGE}))

#: The default period spans the requested budget years (2025–2026 unless ``years`` says otherwise).
PERIOD = ("2025-01-01", "2026-12-31")


class ProgrammeFactory(DjangoModelFactory[Programme]):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    class Params:
        preset_key = "rlp_pilot"

    slug = factory.Sequence(lambda n: f"programm-{n}")
    code = factory.Sequence(lambda n: f"IKZ{n}")
    name = factory.Sequence(lambda n: f"IKZ-Förderung {n}")
    state = "07"
    preset = factory.LazyAttribute(lambda o: o.preset_key)
    rule_set = factory.LazyAttribute(lambda o: rules.preset(o.preset_key).to_dict())
    eligible_categories = factory.LazyFunction(lambda: list(rules.COST_CATEGORIES))

    @factory.post_generation
    def budgets(programme: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        wanted = extracted if extracted is not None else {2025: "5000000.00", 2026: "5000000.00"}
        for year, budget in wanted.items():
            ProgrammeYear.objects.create(programme=programme, year=year, budget=Decimal(str(budget)))


def draft_application(
    *, programme: Programme, alliance: Any, applicant: Any, title: str = "Gemeinsames Vorhaben", **kwargs: Any
) -> Application:
    """A draft of ``alliance`` (all current members take part unless ``participants`` says otherwise)."""
    return services.application_create(
        actor=TEST_ACTOR, programme=programme, alliance=alliance, applicant=applicant, title=title, **kwargs
    )


def fill_draft(
    application: Application,
    *,
    requested: str | Decimal = "200000.00",
    years: dict[int, str] | None = None,
    costs: list[CostRow] | None = None,
    period: tuple[str, str] | None = None,
    premature_start_approved: bool = True,
    **extra: Any,
) -> Application:
    """Complete a draft so that it passes the RLP checks: costs = request, split over 2025 and 2026."""
    requested = cents(Decimal(str(requested)))
    split = rules.split_evenly(requested, [2025, 2026])
    by_year = {int(y): Decimal(str(a)) for y, a in (years if years is not None else split).items()}
    first, last = min(by_year), max(by_year)
    # Costs fall in the budget years that pay them; the period spans those years (unless given).
    kinds = ["it_software", "personal", "sachkosten", "qualifizierung"]
    data: dict[str, Any] = {
        "requested_amount": requested,
        "requested_by_year": years if years is not None else split,
        "costs": costs
        if costs is not None
        else [CostRow(kinds[i % len(kinds)], y, a) for i, (y, a) in enumerate(sorted(by_year.items()))],
        "period_start": _date(period[0] if period else f"{first}-01-01"),
        "period_end": _date(period[1] if period else f"{last}-12-31"),
        **extra,
    }
    services.application_update(actor=TEST_ACTOR, application=application, data=data)
    application.refresh_from_db()
    if (
        premature_start_approved
        and application.premature_start_approved_on is None
        and application.period_start
        and application.period_start < _today()
    ):
        # The fixtures' years lie in the past of the machine's clock: record the authority's consent
        # to the premature start (vorzeitiger Maßnahmebeginn), as it would before such a submission.
        services.premature_start_approve(
            actor=TEST_ACTOR, application=application, approved_on=_today(), notify=False
        )
        application.refresh_from_db()
    return application


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def _date(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text)
