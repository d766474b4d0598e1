"""Seed the fields of action (Handlungsfelder) of the RLP IKZ programme (DOMAIN.md §1).

Idempotent (update_or_create by slug), so re-running or a partly seeded database is fine; the
reverse step leaves the rows, because alliances may already refer to them.
"""

from django.db import migrations

FIELDS_OF_ACTION = [
    ("verwaltungsdigitalisierung", "Verwaltungsdigitalisierung"),
    ("cybersicherheit", "Cybersicherheit"),
    ("brand-katastrophenschutz", "Brand- und Katastrophenschutz"),
    ("krisenmanagement", "Krisenmanagement"),
    ("back-office-vergabe-beschaffung", "Back-Office / Vergabe / Beschaffung"),
    ("foerdermittelmanagement", "Fördermittelmanagement"),
    ("personal", "Personal"),
    ("arbeitsschutz", "Arbeitsschutz"),
    ("fachkraefte", "Fachkräfte"),
    ("daseinsvorsorge", "Daseinsvorsorge"),
    ("mobilitaet", "Mobilität"),
    ("wissen-ki", "Wissen und KI"),
    ("sonstiges", "Sonstiges"),
]


def seed(apps, schema_editor):
    FieldOfAction = apps.get_model("alliances", "FieldOfAction")
    for index, (slug, name) in enumerate(FIELDS_OF_ACTION, start=1):
        FieldOfAction.objects.update_or_create(slug=slug, defaults={"name": name, "sort_order": index * 10})


class Migration(migrations.Migration):
    dependencies = [("alliances", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
