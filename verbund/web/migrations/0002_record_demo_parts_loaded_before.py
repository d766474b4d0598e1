"""Databases that ran ``load_demo`` before the ``DemoLoad`` record existed: mark the parts whose demo
data is there as loaded, so that the first ``make run`` after the upgrade re-creates nothing a user
deleted on purpose.

Until this version every demo write was audited under the actor label ``load_demo``; a part counts as
loaded when such an entry exists for one of its object types. (Their logins are not recorded: the
demo password may have been changed since, so ``load_demo`` does not advertise them.)
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

OLD_ACTOR_LABEL = "load_demo"
#: part → the audit object types its demo wrote before
PART_OBJECT_TYPES = {
    "accounts": ("accounts.",),
    "alliances": ("alliances.",),
    "funding": ("funding.",),
    "shared_services": ("shared_services.",),
    "planning": ("planning.",),
}


def record_loaded_parts(apps: Any, schema_editor: Any) -> None:
    AuditEntry = apps.get_model("audit", "AuditEntry")
    DemoLoad = apps.get_model("web", "DemoLoad")
    demo_entries = AuditEntry.objects.filter(actor_label=OLD_ACTOR_LABEL)
    if not demo_entries.exists():
        return
    for part, prefixes in PART_OBJECT_TYPES.items():
        if DemoLoad.objects.filter(part=part).exists():
            continue
        if any(demo_entries.filter(object_type__startswith=prefix).exists() for prefix in prefixes):
            DemoLoad.objects.create(part=part, logins=[])


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0001_initial"),
        ("audit", "0002_scopes_and_sensitive_reads"),
    ]

    operations = [migrations.RunPython(record_loaded_parts, migrations.RunPython.noop)]
