"""The audit actions of the shared-services part."""

from django.utils.translation import gettext_noop

from verbund.audit.actions import audit_action, audit_labels, audit_value_labels

from .models import CostCategory

SERVICE_CREATE = audit_action(
    "shared_service.create", gettext_noop("hat den geteilten Dienst {object} angelegt")
)
SERVICE_UPDATE = audit_action(
    "shared_service.update", gettext_noop("hat den geteilten Dienst {object} geändert")
)
SERVICE_KEY_SET = audit_action(
    "shared_service.key_set", gettext_noop("hat den Umlageschlüssel von {object} festgelegt")
)
RECIPIENT_ADD = audit_action(
    "shared_service.recipient_add", gettext_noop("hat einen Abnehmer für {object} eingetragen")
)
RECIPIENT_END = audit_action(
    "shared_service.recipient_end", gettext_noop("hat das Ende einer Abnahme von {object} eingetragen")
)
POPULATION_SET = audit_action(
    "shared_service.population_set", gettext_noop("hat Einwohnerzahlen zum Stichtag für {object} eingetragen")
)
POPULATION_DELETE = audit_action(
    "shared_service.population_delete", gettext_noop("hat Einwohnerzahlen zum Stichtag für {object} gelöscht")
)
COST_PLAN_CREATE = audit_action("cost_plan.create", gettext_noop("hat den Kostenplan {object} angelegt"))
COST_PLAN_UPDATE = audit_action("cost_plan.update", gettext_noop("hat den Kostenplan {object} geändert"))
COST_PLAN_COPY = audit_action(
    "cost_plan.copy", gettext_noop("hat den Kostenplan {object} aus dem Vorjahr übernommen")
)
COST_ITEM_ADD = audit_action("cost_item.add", gettext_noop("hat die Kostenposition {object} hinzugefügt"))
COST_ITEM_UPDATE = audit_action("cost_item.update", gettext_noop("hat die Kostenposition {object} geändert"))
COST_ITEM_DELETE = audit_action("cost_item.delete", gettext_noop("hat die Kostenposition {object} gelöscht"))
PAY_GRADE_CREATE = audit_action(
    "pay_grade.create", gettext_noop("hat den Personalkostensatz {object} angelegt")
)
PAY_GRADE_UPDATE = audit_action(
    "pay_grade.update", gettext_noop("hat den Personalkostensatz {object} geändert")
)
PAY_GRADE_DELETE = audit_action(
    "pay_grade.delete", gettext_noop("hat den Personalkostensatz {object} gelöscht")
)
VOLUME_SET = audit_action("volume.set", gettext_noop("hat die Menge {object} erfasst"))
VOLUME_DELETE = audit_action("volume.delete", gettext_noop("hat die Menge {object} gelöscht"))
VOLUME_IMPORT = audit_action("volume.import", gettext_noop("hat Mengen für {object} eingelesen"))
SETTLEMENT_COMPUTE = audit_action("settlement.compute", gettext_noop("hat die Abrechnung {object} berechnet"))
SETTLEMENT_FINALIZE = audit_action(
    "settlement.finalize", gettext_noop("hat die Abrechnung {object} festgestellt")
)
SETTLEMENT_CORRECT = audit_action(
    "settlement.correct", gettext_noop("hat eine Berichtigung der Abrechnung {object} begonnen")
)
SETTLEMENT_DISCARD = audit_action(
    "settlement.discard", gettext_noop("hat den Entwurf der Abrechnung {object} verworfen")
)
BILLING_PROFILE_SET = audit_action(
    "billing_profile.set", gettext_noop("hat die Rechnungsdaten von {object} gepflegt")
)
INVOICE_ISSUE = audit_action(
    "invoice.issue", gettext_noop("hat die Rechnungen zur Abrechnung {object} ausgestellt")
)

audit_labels(
    {
        "category": gettext_noop("Kostenart"),
        "numbers": gettext_noop("Rechnungsnummern (erste, letzte)"),
        "description": gettext_noop("Bezeichnung"),
        "digest": gettext_noop("Prüfsumme der Berechnungsgrundlagen"),
        "fte": gettext_noop("Stellenanteil (VZÄ)"),
        "pay_grade": gettext_noop("Entgelt-/Besoldungsgruppe"),
        "percent": gettext_noop("Prozentsatz"),
        "population": gettext_noop("Einwohnerzahl"),
        "recipients": gettext_noop("Abnehmer"),
        "reference_date": gettext_noop("Stichtag"),
        "sort_order": gettext_noop("Reihenfolge"),
        "source": gettext_noop("Quelle"),
    }
)
audit_value_labels({"category": CostCategory.choices})
