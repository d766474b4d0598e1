"""The audit actions of the registry (imports of the official directory and boundaries)."""

from verbund.audit.actions import audit_action, audit_labels

REGISTRY_IMPORT = audit_action("registry.import", "hat das Gemeindeverzeichnis {object} eingelesen")
REGISTRY_IMPORT_BOUNDARIES = audit_action(
    "registry.import_boundaries", "hat Gebietsgrenzen aus {object} eingelesen"
)

audit_labels(
    {
        # registry.import (ImportResult.audit_changes)
        "bodies": "Körperschaften",
        "updated": "aktualisiert",
        "unchanged": "unverändert",
        "dissolved": "aufgelöst",
        "changes": "Gebietsänderungen",
        # registry.import_boundaries (BoundaryImportResult.counts)
        "features": "Flächen in der Datei",
        "boundaries": "Gebietsgrenzen",
        "neighbours": "Nachbarschaften",
        "boundaries_created": "Grenzen neu angelegt",
        "boundaries_updated": "Grenzen aktualisiert",
        "boundaries_unchanged": "Grenzen unverändert",
        "centroids_updated": "Mittelpunkte aktualisiert",
        "links_created": "Nachbarschaften neu angelegt",
        "links_updated": "Nachbarschaften aktualisiert",
        "links_deleted": "Nachbarschaften entfernt",
        "unmatched": "nicht zugeordnet",
        "unmatched_keys": "nicht zugeordnete Schlüssel",
    }
)
