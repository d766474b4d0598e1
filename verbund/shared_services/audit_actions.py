"""The audit actions of the shared-services part."""

from verbund.audit.actions import audit_action, audit_labels, audit_value_labels

from .models import CostCategory

SERVICE_CREATE = audit_action("shared_service.create", "hat den geteilten Dienst {object} angelegt")
SERVICE_UPDATE = audit_action("shared_service.update", "hat den geteilten Dienst {object} geändert")
SERVICE_KEY_SET = audit_action("shared_service.key_set", "hat den Umlageschlüssel von {object} festgelegt")
RECIPIENT_ADD = audit_action("shared_service.recipient_add", "hat einen Abnehmer für {object} eingetragen")
RECIPIENT_END = audit_action(
    "shared_service.recipient_end", "hat das Ende einer Abnahme von {object} eingetragen"
)
POPULATION_SET = audit_action(
    "shared_service.population_set", "hat Einwohnerzahlen zum Stichtag für {object} eingetragen"
)
POPULATION_DELETE = audit_action(
    "shared_service.population_delete", "hat Einwohnerzahlen zum Stichtag für {object} gelöscht"
)
COST_PLAN_CREATE = audit_action("cost_plan.create", "hat den Kostenplan {object} angelegt")
COST_PLAN_UPDATE = audit_action("cost_plan.update", "hat den Kostenplan {object} geändert")
COST_PLAN_COPY = audit_action("cost_plan.copy", "hat den Kostenplan {object} aus dem Vorjahr übernommen")
COST_ITEM_ADD = audit_action("cost_item.add", "hat die Kostenposition {object} hinzugefügt")
COST_ITEM_UPDATE = audit_action("cost_item.update", "hat die Kostenposition {object} geändert")
COST_ITEM_DELETE = audit_action("cost_item.delete", "hat die Kostenposition {object} gelöscht")
PAY_GRADE_CREATE = audit_action("pay_grade.create", "hat den Personalkostensatz {object} angelegt")
PAY_GRADE_UPDATE = audit_action("pay_grade.update", "hat den Personalkostensatz {object} geändert")
PAY_GRADE_DELETE = audit_action("pay_grade.delete", "hat den Personalkostensatz {object} gelöscht")
VOLUME_SET = audit_action("volume.set", "hat die Menge {object} erfasst")
VOLUME_DELETE = audit_action("volume.delete", "hat die Menge {object} gelöscht")
VOLUME_IMPORT = audit_action("volume.import", "hat Mengen für {object} eingelesen")
SETTLEMENT_COMPUTE = audit_action("settlement.compute", "hat die Abrechnung {object} berechnet")
SETTLEMENT_FINALIZE = audit_action("settlement.finalize", "hat die Abrechnung {object} festgestellt")
SETTLEMENT_CORRECT = audit_action(
    "settlement.correct", "hat eine Berichtigung der Abrechnung {object} begonnen"
)
SETTLEMENT_DISCARD = audit_action("settlement.discard", "hat den Entwurf der Abrechnung {object} verworfen")

audit_labels(
    {
        "category": "Kostenart",
        "description": "Bezeichnung",
        "digest": "Prüfsumme der Berechnungsgrundlagen",
        "fte": "Stellenanteil (VZÄ)",
        "pay_grade": "Entgelt-/Besoldungsgruppe",
        "percent": "Prozentsatz",
        "population": "Einwohnerzahl",
        "recipients": "Abnehmer",
        "reference_date": "Stichtag",
        "sort_order": "Reihenfolge",
        "source": "Quelle",
    }
)
audit_value_labels({"category": CostCategory.choices})
