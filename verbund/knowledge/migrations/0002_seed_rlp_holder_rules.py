"""Who holds the common services in Rhineland-Palatinate, as editable rules by LeiKa
Leistungsgruppierung. Rules an operator changed or added are never touched (seeded only if absent)."""

from django.db import migrations

MUNICIPAL = ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]
DISTRICT = ["landkreis", "kreisfreie_stadt"]

# prefix, label, kinds, source
RULES = [
    ("99115", "Meldebehörde (Meldewesen)", MUNICIPAL,
     "BMG; Meldebehörden sind die Verbandsgemeinden, verbandsfreien Gemeinden und kreisfreien Städte"),
    ("99008", "Personalausweisbehörde", MUNICIPAL,
     "PAuswG § 7; die Meldebehörden der Verbandsgemeinden, verbandsfreien Gemeinden und kreisfreien Städte"),
    ("99085001", "Passbehörde (Reisepass)", MUNICIPAL,
     "PassG § 19; die Meldebehörden der Verbandsgemeinden, verbandsfreien Gemeinden und kreisfreien Städte"),
    ("99059", "Standesamt (Eheschließung)", MUNICIPAL, "PStG; GemO § 67 (Verbandsgemeinde)"),
    ("99101", "Standesamt (Sterbefall)", MUNICIPAL, "PStG; GemO § 67 (Verbandsgemeinde)"),
    ("99050012", "Gewerbeanzeige", MUNICIPAL,
     "GewO § 14; Gewerbeanzeigen bei der Verbandsgemeinde, verbandsfreien Gemeinde oder kreisfreien Stadt"),
    ("99036", "Zulassungsbehörde (Fahrzeuge)", DISTRICT, "FZV § 46; Kreisverwaltung oder kreisfreie Stadt"),
    ("99023", "Fahrerlaubnisbehörde", DISTRICT, "FeV § 73; Kreisverwaltung oder kreisfreie Stadt"),
    ("99108047", "Fahrerlaubnisbehörde (Umschreibung)", DISTRICT, "FeV § 73; Kreisverwaltung oder kreisfreie Stadt"),
    ("99108048", "Fahrerlaubnisbehörde (Verlängerung)", DISTRICT, "FeV § 73; Kreisverwaltung oder kreisfreie Stadt"),
    ("99108062", "Fahrerlaubnisbehörde (internationaler Führerschein)", DISTRICT,
     "FeV § 73; Kreisverwaltung oder kreisfreie Stadt"),
]  # fmt: skip


def seed(apps, schema_editor):
    HolderRule = apps.get_model("knowledge", "HolderRule")
    for prefix, label, kinds, source in RULES:
        if not HolderRule.objects.filter(state="07", leika_prefix=prefix, service__isnull=True).exists():
            HolderRule.objects.create(
                state="07", leika_prefix=prefix, label=label, kinds=kinds, verified=True, source=source
            )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
