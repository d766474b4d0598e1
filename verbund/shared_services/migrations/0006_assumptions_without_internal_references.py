"""The seeded cost models' assumptions named the project's internal notes ("(Hessischer Rechnungshof,
DOMAIN.md §5)"), which readers of the catalogue, plans and invoices cannot look up. Remove those
references from the stored texts; anything else a person wrote stays as it is."""

import re

from django.db import migrations

REF = r"DOMAIN\.md\s*§\s*\d+(?:\.\d+)*"
PATTERNS = (
    (re.compile(r",\s*" + REF), ""),
    (re.compile(r"\s*\(\s*" + REF + r"\s*\)"), ""),
    (re.compile(REF + r"[,:]?\s*"), ""),
)


def clean(text):
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return re.sub(r"\(\s*\)", "", text).strip()


def forwards(apps, schema_editor):
    TaskCostModel = apps.get_model("shared_services", "TaskCostModel")
    for model in TaskCostModel.objects.filter(assumptions__contains="DOMAIN.md"):
        model.assumptions = clean(model.assumptions)
        model.save(update_fields=["assumptions"])


class Migration(migrations.Migration):
    dependencies = [("shared_services", "0005_invoices_billing_profiles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
