"""The audit actions of the planning part."""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action, audit_labels

COST_MODEL_UPDATE = audit_action("cost_model.update", gettext_noop("hat das Kostenmodell {object} geändert"))
COST_MODEL_RESET = audit_action(
    "cost_model.reset", gettext_noop("hat das Kostenmodell {object} auf die Vorgaben zurückgesetzt")
)
RECOMMENDATION_ADOPT = audit_action(
    "recommendation.adopt", gettext_noop("hat aus einer Empfehlung den Verbund {object} gestartet")
)
SCENARIO_CREATE = audit_action("scenario.create", gettext_noop("hat das Planungsszenario {object} angelegt"))
SCENARIO_RUN = audit_action(
    "scenario.run", gettext_noop("hat das Planungsszenario {object} berechnen lassen")
)
SCENARIO_RESTART = audit_action(
    "scenario.restart", gettext_noop("hat das Planungsszenario {object} neu gestartet")
)
SCENARIO_DELETE = audit_action("scenario.delete", gettext_noop("hat das Planungsszenario {object} gelöscht"))

audit_labels(
    {
        "bodies": gettext_noop("Körperschaften"),
        "constraints": gettext_noop("Vorgaben"),
        "contiguous": gettext_noop("nur zusammenhängende Gebiete"),
        "cost_model": gettext_noop("Kostenmodell"),
        "estimated_saving": gettext_noop("geschätzte Einsparung (EUR/Jahr)"),
        "groups": gettext_noop("Gruppen"),
        "keep_alliances": gettext_noop("bestehende Verbünde beibehalten"),
        "kept_alliances": gettext_noop("beibehaltene Verbünde"),
        "kreise": gettext_noop("Kreise"),
        "max_distance_km": gettext_noop("höchste Entfernung (km)"),
        "max_members": gettext_noop("höchstens Mitglieder je Gruppe"),
        "max_population": gettext_noop("höchstens Einwohner je Gruppe"),
        "members": gettext_noop("Mitglieder"),
        "seconds": gettext_noop("Rechenzeit (Sekunden)"),
        "within_kreis": gettext_noop("nur innerhalb eines Kreises"),
    }
)
