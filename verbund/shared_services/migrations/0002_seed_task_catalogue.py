"""Seed the task catalogue and one default cost model per task.

Who holds a task follows DOMAIN.md §4 (GemO § 67 for RLP). The cost parameters are the platform's
ASSUMPTIONS, not official figures; each says so in its text. The advisory office edits them per task
and Land; every planning result names the parameters it used.
"""

from decimal import Decimal

from django.db import migrations

MUNICIPAL = ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]
DISTRICT = ["landkreis", "kreisfreie_stadt"]
ALL = ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt", "landkreis"]
ASSUMPTION = "Annahme der Plattform (keine amtliche Zahl), zu prüfen und anzupassen durch die Beratungsstelle. "
SCALE = "Größenvorteile: Gebühren decken die Kosten nur in größeren Zulassungsstellen (Hessischer Rechnungshof, DOMAIN.md §5). "

# slug, name, holders, legal basis, unit, unit label,
# volume/inhabitant, F, c, beta, overhead/extra member, travel EUR per case and km, note
CATALOGUE = [
    ("kfz-zulassung", "Kfz-Zulassung", DISTRICT, "FZV; Zulassungsbehörden der Kreise und kreisfreien Städte",
     "cases", "Zulassungsvorgänge", "0.20000", "180000", "35", "0.850", "12000", "0.2500", SCALE),
    ("bussgeldstelle", "Bußgeldstelle (Verkehr)", DISTRICT, "OWiG; Verkehrsordnungswidrigkeiten",
     "cases", "Verfahren", "0.15000", "120000", "25", "0.850", "10000", "0.0000",
     "Schriftliches Verfahren: keine Wege der Bürgerinnen und Bürger. "),
    ("vergabestelle", "Vergabestelle", ALL, "GWB/VgV, UVgO, GemHVO",
     "cases", "Vergabeverfahren", "0.00400", "60000", "900", "0.800", "8000", "0.0000",
     "Gemeinsame Vergabestelle (Südwestpfalz, Donnersbergkreis, DOMAIN.md §1). "),
    ("standesamt", "Standesamt", MUNICIPAL, "PStG; GemO § 67 (Verbandsgemeinde)",
     "cases", "Beurkundungen", "0.02000", "120000", "150", "0.800", "8000", "0.2000",
     "Kalibriert auf 500–1.000 EUR je Urkunde in kleinen Standesämtern (DOMAIN.md §5). "),
    ("informationssicherheit", "Informationssicherheitsbeauftragte/r", ALL, "BSI IT-Grundschutz / WiBA",
     "hours", "Stunden", "0.02000", "20000", "85", "0.900", "3000", "0.0000",
     "Vergleich: gemeinsame/r ISB im LK Traunstein 105.800 EUR/Jahr (DOMAIN.md §5). "),
    ("datenschutz", "Datenschutzbeauftragte/r", ALL, "DSGVO Art. 37; LDSG RLP",
     "hours", "Stunden", "0.01500", "15000", "80", "0.900", "3000", "0.0000", ""),
    ("vollzugsdienst", "Kommunaler Vollzugsdienst", MUNICIPAL, "POG RLP (kommunaler Vollzugsdienst)",
     "hours", "Einsatzstunden", "0.08000", "40000", "55", "0.950", "5000", "0.4000",
     "Vergleich: Verkehrsüberwachung 175 EUR/Stunde (DOMAIN.md §5). "),
    ("personalabrechnung", "Personalabrechnung", ALL, "TVöD, Besoldungsrecht",
     "cases", "Abrechnungsfälle", "0.12000", "50000", "12", "0.850", "5000", "0.0000", ""),
    ("elterngeld", "Elterngeld", DISTRICT, "BEEG; Elterngeldstellen der Kreise und kreisfreien Städte",
     "cases", "Anträge", "0.01200", "60000", "180", "0.850", "6000", "0.1000", ""),
    ("wohngeld", "Wohngeld", DISTRICT, "WoGG; Wohngeldbehörden",
     "cases", "Anträge", "0.01200", "60000", "200", "0.850", "6000", "0.1000", ""),
    ("bauhof", "Bauhof", MUNICIPAL, "Unterhaltung kommunaler Straßen und Anlagen",
     "hours", "Arbeitsstunden", "1.20000", "150000", "48", "0.950", "10000", "0.8000", ""),
    ("it-betrieb", "IT-Betrieb", ALL, "OZG, IT-Sicherheit",
     "inhabitants", "Einwohner", "1.00000", "250000", "25", "0.800", "15000", "0.0000", ""),
]  # fmt: skip


def seed(apps, schema_editor):
    Task = apps.get_model("shared_services", "Task")
    TaskCostModel = apps.get_model("shared_services", "TaskCostModel")
    for order, row in enumerate(CATALOGUE):
        slug, name, holders, legal, unit, unit_label, vpi, fixed, unit_cost, beta, overhead, travel, note = row
        task, _ = Task.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "holder_kinds": holders,
                "legal_basis": legal,
                "volume_unit": unit,
                "volume_unit_label": unit_label,
                "sort_order": order,
            },
        )
        TaskCostModel.objects.update_or_create(
            task=task,
            state="",
            defaults={
                "fixed_cost": Decimal(fixed),
                "unit_cost": Decimal(unit_cost),
                "scale_exponent": Decimal(beta),
                "volume_per_inhabitant": Decimal(vpi),
                "overhead_per_member": Decimal(overhead),
                "travel_cost_per_case_km": Decimal(travel),
                "detour_factor": Decimal("1.30"),
                "assumptions": (ASSUMPTION + note).strip(),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("shared_services", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
