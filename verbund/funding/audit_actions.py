"""The audit actions of the funding part."""

from verbund.audit.actions import audit_action, audit_labels

PROGRAMME_CREATE = audit_action("programme.create", "hat das Förderprogramm {object} angelegt")
PROGRAMME_UPDATE = audit_action("programme.update", "hat das Förderprogramm {object} geändert")
PROGRAMME_YEAR_ADD = audit_action("programme.year_add", "hat ein Haushaltsjahr für {object} angelegt")
PROGRAMME_YEAR_BUDGET = audit_action("programme.year_budget", "hat den Haushaltsansatz von {object} geändert")
APPLICATION_CREATE = audit_action("application.create", "hat den Förderantrag {object} angelegt")
APPLICATION_UPDATE = audit_action("application.update", "hat den Förderantrag {object} geändert")
APPLICATION_ATTACH = audit_action(
    "application.attach", "hat eine Anlage zum Förderantrag {object} hochgeladen"
)
APPLICATION_SUBMIT = audit_action("application.submit", "hat den Förderantrag {object} eingereicht")
APPLICATION_WITHDRAW = audit_action("application.withdraw", "hat den Förderantrag {object} zurückgezogen")
APPLICATION_REVIEW = audit_action("application.review", "hat die Prüfung des Förderantrags {object} begonnen")
APPLICATION_REQUEST_INFO = audit_action(
    "application.request_info", "hat zum Förderantrag {object} nachgefragt"
)
APPLICATION_ANSWER = audit_action(
    "application.answer", "hat eine Rückfrage zum Förderantrag {object} beantwortet"
)
APPLICATION_RESUBMIT = audit_action("application.resubmit", "hat den Förderantrag {object} erneut vorgelegt")
APPLICATION_GRANT = audit_action("application.grant", "hat den Förderantrag {object} bewilligt")
APPLICATION_REJECT = audit_action("application.reject", "hat den Förderantrag {object} abgelehnt")
DRAWDOWN_REQUEST = audit_action("drawdown.request", "hat den Mittelabruf {object} gestellt")
DRAWDOWN_APPROVE = audit_action("drawdown.approve", "hat den Mittelabruf {object} freigegeben")
USE_PROOF_SUBMIT = audit_action("use_proof.submit", "hat den Verwendungsnachweis {object} eingereicht")
USE_PROOF_ACCEPT = audit_action("use_proof.accept", "hat den Verwendungsnachweis {object} angenommen")
DRAWDOWN_RETURN = audit_action("drawdown.return", "hat den Mittelabruf {object} zurückgegeben")
USE_PROOF_RETURN = audit_action("use_proof.return", "hat den Verwendungsnachweis {object} zurückgegeben")

audit_labels(
    {
        "application": "Antrag",
        "actual_costs": "tatsächliche Kosten",
        "answer": "Antwort",
        "budgets": "Haushaltsmittel",
        "costs": "Kostenplan",
        "entitled": "zustehende Zuwendung",
        "override_reason": "Begründung der Abweichung",
        "question": "Rückfrage",
        "reasons": "Ablehnungsgründe",
        "repayment": "Rückforderung",
        "requested_by_year": "beantragt je Jahr",
        "sha256": "Prüfsumme (SHA-256)",
        "size": "Größe (Bytes)",
        "years": "bewilligt je Jahr",
    }
)
