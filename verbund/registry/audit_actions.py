"""The audit actions of the registry (imports of the official directory and boundaries)."""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action, audit_labels

REGISTRY_IMPORT = audit_action(
    "registry.import", gettext_noop("hat das Gemeindeverzeichnis {object} eingelesen")
)
REGISTRY_IMPORT_BOUNDARIES = audit_action(
    "registry.import_boundaries", gettext_noop("hat Gebietsgrenzen aus {object} eingelesen")
)

audit_labels(
    {
        # registry.import (ImportResult.audit_changes)
        "bodies": gettext_noop("Körperschaften"),
        "updated": gettext_noop("aktualisiert"),
        "unchanged": gettext_noop("unverändert"),
        "dissolved": gettext_noop("aufgelöst"),
        "changes": gettext_noop("Gebietsänderungen"),
        # registry.import_boundaries (BoundaryImportResult.counts)
        "features": gettext_noop("Flächen in der Datei"),
        "boundaries": gettext_noop("Gebietsgrenzen"),
        "neighbours": gettext_noop("Nachbarschaften"),
        "boundaries_created": gettext_noop("Grenzen neu angelegt"),
        "boundaries_updated": gettext_noop("Grenzen aktualisiert"),
        "boundaries_unchanged": gettext_noop("Grenzen unverändert"),
        "centroids_updated": gettext_noop("Mittelpunkte aktualisiert"),
        "links_created": gettext_noop("Nachbarschaften neu angelegt"),
        "links_updated": gettext_noop("Nachbarschaften aktualisiert"),
        "links_deleted": gettext_noop("Nachbarschaften entfernt"),
        "unmatched": gettext_noop("nicht zugeordnet"),
        "unmatched_keys": gettext_noop("nicht zugeordnete Schlüssel"),
    }
)

# Imports started on the operator's page (verbund.registry.jobs), run as a task on the queue.
REGISTRY_IMPORT_START = audit_action(
    "registry.import_start", gettext_noop("hat den Registerimport {object} über die Warteschlange gestartet")
)
audit_labels(
    {
        "gv100ad_file": gettext_noop("GV100AD-Datei"),
        "boundaries_file": gettext_noop("Grenzdatei"),
        "land_filter": gettext_noop("nur Land"),
    }
)
