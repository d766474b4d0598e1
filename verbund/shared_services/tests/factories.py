"""factory_boy factories for shared services, for this part's tests and benchmarks::

    service = SharedServiceFactory(alliance=alliance, provider=vg, recipients=[vg, vg2])
    plan = CostPlanFactory(service=service, year=2025, kind="actual", items=[("material", "Miete", "1000")])

Rows are written directly (no audit record), as fixtures; tests of the rules call the services.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from verbund.alliances.tests.factories import AllianceFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import CostItem, CostPlan, ServiceRecipient, SharedService, Task

START = dt.date(2024, 1, 1)


def ensure_seed_data() -> None:
    """Re-create the seeded task catalogue and pay grades if a transactional test flushed them.

    Migrations 0002 and 0004 seed them; a test with ``transaction=True`` (browser tests) empties
    every table afterwards, so later tests in the same process would find neither.
    """
    from django.apps import apps

    from verbund.shared_services.models import PayGrade

    if Task.objects.exists() and PayGrade.objects.exists():
        return
    for name in ("0002_seed_task_catalogue", "0004_seed_pay_grades"):
        importlib.import_module(f"verbund.shared_services.migrations.{name}").seed(apps, None)


def _default_task() -> Task:
    ensure_seed_data()
    return Task.objects.get(slug="vergabestelle")


class SharedServiceFactory(DjangoModelFactory[SharedService]):
    class Meta:
        model = SharedService
        skip_postgeneration_save = True

    alliance = factory.SubFactory(AllianceFactory)
    task = factory.LazyFunction(_default_task)
    name = factory.Sequence(lambda n: f"Gemeinsamer Dienst {n}")
    provider = factory.SubFactory(BodyFactory, verbandsgemeinde=True)
    allocation_key = factory.LazyFunction(lambda: {"type": "equal"})
    start_date = START

    @factory.post_generation
    def recipients(service: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            for body in extracted:
                ServiceRecipient.objects.create(service=service, body=body, from_date=service.start_date)


class CostPlanFactory(DjangoModelFactory[CostPlan]):
    class Meta:
        model = CostPlan
        skip_postgeneration_save = True

    service = factory.SubFactory(SharedServiceFactory)
    year = 2025
    kind = "actual"

    @factory.post_generation
    def items(plan: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        """``[(category, description, amount)]`` or staff ``("staff", description, fte, grade)``."""
        if not (create and extracted):
            return
        for order, row in enumerate(extracted):
            category, description, *values = row
            if category == "staff":
                CostItem.objects.create(
                    plan=plan,
                    category=category,
                    description=description,
                    fte=Decimal(values[0]),
                    pay_grade=values[1],
                    sort_order=order,
                )
            elif category == "overhead":
                CostItem.objects.create(
                    plan=plan,
                    category=category,
                    description=description,
                    percent=Decimal(values[0]),
                    sort_order=order,
                )
            else:
                CostItem.objects.create(
                    plan=plan,
                    category=category,
                    description=description,
                    amount=Decimal(values[0]),
                    sort_order=order,
                )
