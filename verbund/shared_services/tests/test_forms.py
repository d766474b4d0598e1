"""Every money and quantity field of this part reads German input: "6.500,00" (six thousand five
hundred), "1.250" (one thousand two hundred fifty), "12,5"; the pages and the CSV import too."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from verbund.shared_services.admin import PayGradeForm
from verbund.shared_services.forms import CostItemForm, KeyForm, PopulationForm, VolumeForm
from verbund.shared_services.models import CostItem, PopulationFigure, SharedService, VolumeRecord

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_cost_item_form_reads_german_money_and_quantities() -> None:
    form = CostItemForm(
        {
            "category": "material",
            "description": "Miete",
            "amount": "6.500,00",
            "fte": "1,25",
            "percent": "12,5",
        },
        pay_grades=["E9a"],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("6500.00")
    assert form.cleaned_data["fte"] == Decimal("1.25")
    assert form.cleaned_data["percent"] == Decimal("12.5")
    thousands = CostItemForm({"category": "it", "description": "IT", "amount": "1.250"}, pay_grades=[])
    assert thousands.is_valid() and thousands.cleaned_data["amount"] == Decimal("1250")
    bad = CostItemForm({"category": "it", "description": "IT", "amount": "6,500,00"}, pay_grades=[])
    assert not bad.is_valid() and "keine Zahl" in str(bad.errors["amount"])


def test_volume_form_reads_german_quantities() -> None:
    data = {"ars": "073335004000", "period_start": "2025-01-01", "period_end": "2025-03-31"}
    choices = [("073335004000", "Kirchheimbolanden")]
    for text, value in (
        ("1.250", Decimal("1250")),
        ("1.250,75", Decimal("1250.75")),
        ("12,5", Decimal("12.5")),
    ):
        form = VolumeForm({**data, "quantity": text}, recipients=choices)
        assert form.is_valid(), (text, form.errors)
        assert form.cleaned_data["quantity"] == value


def test_population_form_reads_thousands_dots() -> None:
    form = PopulationForm(
        {
            "ars": "073335004000",
            "year": "2025",
            "population": "19.616",
            "reference_date": "2024-06-30",
            "source": "Statistisches Landesamt",
        },
        recipients=[("073335004000", "Kirchheimbolanden")],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["population"] == 19_616


def test_key_form_reads_german_percentages_prices_and_totals() -> None:
    members = [("073335004000", "Kirchheimbolanden")]
    fixed = KeyForm(
        {
            "key_type": "fixed_share",
            "fixed_member": "073335004000",
            "fixed_percent": "12,5",
            "part1_weight": "100",
            "part1_basis": "equal",
            "preview_total": "6.500,00",
        },
        members=members,
    )
    assert fixed.is_valid(), fixed.errors
    assert fixed.config["shares"] == {"073335004000": "12.50"}
    assert fixed.cleaned_data["preview_total"] == Decimal("6500.00")
    price = KeyForm(
        {"key_type": "price_per_unit", "price": "1.250,50", "price_unit": "member"}, members=members
    )
    assert price.is_valid(), price.errors
    assert price.config["price"] == "1250.50"
    mixed = KeyForm(
        {
            "key_type": "mix",
            "part1_weight": "37,5",
            "part1_basis": "equal",
            "part2_weight": "62,5",
            "part2_basis": "population",
        },
        members=members,
    )
    assert mixed.is_valid(), mixed.errors


def test_pay_grade_form_reads_german_money() -> None:
    form = PayGradeForm(
        {
            "code": "X9",
            "scheme": "tvoed",
            "year": "2030",
            "annual_cost": "74.100,00",
            "source": "Annahme",
            "sort_order": "1",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["annual_cost"] == Decimal("74100.00")


def test_pages_accept_german_numbers(ss: SimpleNamespace, service: SharedService) -> None:
    provider = client_for(ss.clerk_a)
    response = provider.post(
        f"/dienste/{service.pk}/kosten/2026/plan/position/",
        {"category": "material", "description": "Miete", "amount": "6.500,00"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CostItem.objects.get(plan__year=2026).amount == Decimal("6500.00")

    response = provider.post(
        f"/dienste/{service.pk}/mengen/?jahr=2025",
        {"ars": ss.vg_b.ars, "period_start": "2025-01-01", "period_end": "2025-03-31", "quantity": "1.250"},
    )
    assert response.status_code == 302
    assert VolumeRecord.objects.get(body=ss.vg_b).quantity == Decimal("1250")

    coordinator = client_for(ss.coordinator)
    coordinator.post(
        f"/dienste/{service.pk}/einwohner/",
        {
            "ars": ss.vg_b.ars,
            "year": "2025",
            "population": "10.250",
            "reference_date": "2024-06-30",
            "source": "Statistisches Landesamt",
        },
    )
    assert PopulationFigure.objects.get(body=ss.vg_b).population == 10_250


def test_a_refused_cost_item_is_shown_at_its_field(ss: SimpleNamespace, service: SharedService) -> None:
    response = client_for(ss.clerk_a).post(
        f"/dienste/{service.pk}/kosten/2026/plan/position/",
        {"category": "staff", "description": "Vergabe", "fte": "1,5"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bitte die Entgelt- oder Besoldungsgruppe angeben." in html
    assert "kern-alert--danger" in html


def test_csv_import_reads_german_numbers_and_names_bad_lines(
    ss: SimpleNamespace, service: SharedService
) -> None:
    text = (
        "ars;von;bis;menge\n"
        f"{ss.vg_a.ars};01.01.2025;31.03.2025;1.250\n"
        f"{ss.vg_b.ars};01.01.2025;31.03.2025;1.250,5\n"
        f"{ss.vg_c.ars};01.01.2025;31.03.2025;12,25\n"
    )
    response = client_for(ss.clerk_a).post(
        f"/dienste/{service.pk}/mengen/?jahr=2025", {"file": SimpleUploadedFile("m.csv", text.encode())}
    )
    assert response.status_code == 302
    assert sorted(VolumeRecord.objects.values_list("quantity", flat=True)) == [
        Decimal("12.25"),
        Decimal("1250"),
        Decimal("1250.5"),
    ]
    bad = text.replace("12,25", "1.2.5").replace(
        "01.01.2025;31.03.2025;1.250\n", "01.04.2025;30.06.2025;1,2,3\n"
    )
    response = client_for(ss.clerk_a).post(
        f"/dienste/{service.pk}/mengen/?jahr=2025", {"file": SimpleUploadedFile("falsch.csv", bad.encode())}
    )
    html = response.content.decode()
    assert "falsch.csv, Zeile 2, Feld menge" in html and "falsch.csv, Zeile 4, Feld menge" in html
