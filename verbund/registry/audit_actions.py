"""The audit actions of the registry (imports of the official directory and boundaries)."""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action, audit_labels, audit_value_labels

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

# Which bodies an import changed (ImportResult.audit_changes, BoundaryImportResult.audit_changes):
# {"count": n, "bodies": ["Partenheim (07331056)", …], "not_listed": n}; updated bodies in groups of
# the same changed fields (codes, shown with the labels below).
audit_labels(
    {
        "created_bodies": gettext_noop("angelegte Körperschaften"),
        "updated_bodies": gettext_noop("geänderte Körperschaften"),
        "dissolved_bodies": gettext_noop("aufgelöste Körperschaften"),
        "boundary_bodies": gettext_noop("Körperschaften mit neuer oder geänderter Grenze"),
        "neighbour_bodies": gettext_noop("Körperschaften mit geänderten Nachbarschaften"),
        "count": gettext_noop("Anzahl"),
        "not_listed": gettext_noop("weitere, nicht einzeln aufgeführt"),
        "only_gebietsstand": gettext_noop("nur Gebietsstand geändert"),
        "changed_fields": gettext_noop("geänderte Felder"),
        "groups": gettext_noop("Gruppen"),
    }
)
audit_value_labels(
    {
        "changed_fields": [
            ("ars", gettext_noop("Regionalschlüssel (ARS)")),
            ("ags", gettext_noop("Gemeindeschlüssel (AGS)")),
            ("association_key", gettext_noop("Gemeindeverbandsschlüssel")),
            ("name", gettext_noop("Name")),
            ("kind", gettext_noop("Art")),
            ("textkennzeichen", gettext_noop("Textkennzeichen")),
            ("is_stadt", gettext_noop("Stadt")),
            ("seat", gettext_noop("Verwaltungssitz")),
            ("state", gettext_noop("Land")),
            ("parent_id", gettext_noop("Übergeordnet")),
            ("population", gettext_noop("Einwohner")),
            ("population_male", gettext_noop("Einwohner männlich")),
            ("population_date", gettext_noop("Bevölkerungsstand")),
            ("area_ha", gettext_noop("Fläche (ha)")),
            ("postcode", gettext_noop("Postleitzahl")),
            ("postcode_multiple", gettext_noop("mehrere Postleitzahlen")),
            ("gebietsstand", gettext_noop("Gebietsstand")),
            ("dissolved_on", gettext_noop("aufgelöst (Gebietsstand)")),
        ]
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
