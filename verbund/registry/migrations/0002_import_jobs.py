# Registry imports started from the operator's page and run as a task on the queue.

import django.db.models.deletion
import verbund.registry.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistryImportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "gv100ad",
                    models.FileField(
                        max_length=300, upload_to=verbund.registry.models.import_upload_to, verbose_name="GV100AD-Datei"
                    ),
                ),
                (
                    "boundaries",
                    models.FileField(
                        blank=True,
                        max_length=300,
                        upload_to=verbund.registry.models.import_upload_to,
                        verbose_name="Grenzen (GeoJSON)",
                    ),
                ),
                ("state", models.CharField(blank=True, max_length=2, verbose_name="Land-Filter")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "wartet"),
                            ("running", "läuft"),
                            ("done", "fertig"),
                            ("failed", "fehlgeschlagen"),
                        ],
                        default="queued",
                        max_length=20,
                        verbose_name="Status",
                    ),
                ),
                ("progress", models.PositiveSmallIntegerField(default=0, verbose_name="Fortschritt (%)")),
                (
                    "progress_note",
                    models.CharField(blank=True, max_length=200, verbose_name="Arbeitsschritt"),
                ),
                ("summary", models.TextField(blank=True, verbose_name="Ergebnis")),
                ("error", models.TextField(blank=True, verbose_name="Fehler")),
                (
                    "task_id",
                    models.CharField(
                        blank=True, max_length=255, verbose_name="Auftragsnummer der Warteschlange"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="gestartet")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="beendet")),
                (
                    "heartbeat_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="letztes Lebenszeichen"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="gestartet von",
                    ),
                ),
            ],
            options={
                "verbose_name": "Registerimport-Auftrag",
                "verbose_name_plural": "Registerimport-Aufträge",
                "ordering": ["-created_at", "-id"],
            },
        ),
    ]
