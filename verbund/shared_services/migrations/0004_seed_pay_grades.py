"""Seed the yearly personnel cost rates per pay grade (Personalkostensätze) for 2025 and 2026.

These are the platform's ASSUMPTIONS in the style of the KGSt report "Kosten eines Arbeitsplatzes"
(yearly cost of one full-time position: pay plus employer contributions; for civil servants a
supplement for pensions and allowances), rounded to 100 EUR. They are not official figures: each row
says so (``is_assumption``), and a body replaces them with its own rates (admin) before it relies on
a settlement. 2026 = 2025 + 3 % (assumed pay rise), rounded to 100 EUR.
"""

from decimal import Decimal

from django.db import migrations

SOURCE_2025 = (
    "Annahme der Plattform, Größenordnung nach KGSt-Bericht „Kosten eines Arbeitsplatzes“ "
    "(Personalkosten je Vollzeitstelle inkl. Arbeitgeberanteile); kein amtlicher Satz."
)
SOURCE_2026 = "Annahme: Satz 2025 + 3 % (angenommene Tarif-/Besoldungserhöhung), auf 100 EUR gerundet."

# code, scheme, yearly cost 2025
RATES = [
    ("E5", "tvoed", "56300"),
    ("E6", "tvoed", "58900"),
    ("E8", "tvoed", "63400"),
    ("E9a", "tvoed", "66800"),
    ("E9b", "tvoed", "71900"),
    ("E9c", "tvoed", "76100"),
    ("E10", "tvoed", "79600"),
    ("E11", "tvoed", "84300"),
    ("E12", "tvoed", "90200"),
    ("E13", "tvoed", "95400"),
    ("A9", "besoldung", "63900"),
    ("A10", "besoldung", "70100"),
    ("A11", "besoldung", "77800"),
    ("A12", "besoldung", "85600"),
    ("A13", "besoldung", "94700"),
]


def seed(apps, schema_editor):
    PayGrade = apps.get_model("shared_services", "PayGrade")
    for order, (code, scheme, cost) in enumerate(RATES):
        base = Decimal(cost)
        raised = (base * Decimal("1.03") / 100).quantize(Decimal("1")) * 100
        for year, amount, source in ((2025, base, SOURCE_2025), (2026, raised, SOURCE_2026)):
            PayGrade.objects.update_or_create(
                code=code,
                year=year,
                defaults={
                    "scheme": scheme,
                    "annual_cost": amount,
                    "is_assumption": True,
                    "source": source,
                    "sort_order": order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("shared_services", "0003_services_costs_settlements")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
