"""The audit actions of the registry (imports of the official directory and boundaries)."""

from verbund.audit.actions import audit_action

REGISTRY_IMPORT = audit_action("registry.import", "hat das Gemeindeverzeichnis {object} eingelesen")
REGISTRY_IMPORT_BOUNDARIES = audit_action(
    "registry.import_boundaries", "hat Gebietsgrenzen aus {object} eingelesen"
)
