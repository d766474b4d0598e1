"""The audit actions of the planning part."""

from verbund.audit.actions import audit_action, audit_labels

COST_MODEL_UPDATE = audit_action("cost_model.update", "hat das Kostenmodell {object} geändert")
COST_MODEL_RESET = audit_action(
    "cost_model.reset", "hat das Kostenmodell {object} auf die Vorgaben zurückgesetzt"
)
RECOMMENDATION_ADOPT = audit_action(
    "recommendation.adopt", "hat aus einer Empfehlung den Verbund {object} gestartet"
)
SCENARIO_CREATE = audit_action("scenario.create", "hat das Planungsszenario {object} angelegt")
SCENARIO_RUN = audit_action("scenario.run", "hat das Planungsszenario {object} berechnen lassen")
SCENARIO_RESTART = audit_action("scenario.restart", "hat das Planungsszenario {object} neu gestartet")
SCENARIO_DELETE = audit_action("scenario.delete", "hat das Planungsszenario {object} gelöscht")

audit_labels(
    {
        "bodies": "Körperschaften",
        "constraints": "Vorgaben",
        "contiguous": "nur zusammenhängende Gebiete",
        "cost_model": "Kostenmodell",
        "estimated_saving": "geschätzte Einsparung (EUR/Jahr)",
        "groups": "Gruppen",
        "keep_alliances": "bestehende Verbünde beibehalten",
        "kept_alliances": "beibehaltene Verbünde",
        "kreise": "Kreise",
        "max_distance_km": "höchste Entfernung (km)",
        "max_members": "höchstens Mitglieder je Gruppe",
        "max_population": "höchstens Einwohner je Gruppe",
        "members": "Mitglieder",
        "seconds": "Rechenzeit (Sekunden)",
        "within_kreis": "nur innerhalb eines Kreises",
    }
)
