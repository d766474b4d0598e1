"""The audit actions of the funding part."""

from verbund.audit.actions import audit_action, audit_labels
from verbund.common.i18n import gettext_noop

PROGRAMME_CREATE = audit_action("programme.create", gettext_noop("hat das Förderprogramm {object} angelegt"))
PROGRAMME_UPDATE = audit_action("programme.update", gettext_noop("hat das Förderprogramm {object} geändert"))
PROGRAMME_YEAR_ADD = audit_action(
    "programme.year_add", gettext_noop("hat ein Haushaltsjahr für {object} angelegt")
)
PROGRAMME_YEAR_BUDGET = audit_action(
    "programme.year_budget", gettext_noop("hat den Haushaltsansatz von {object} geändert")
)
APPLICATION_CREATE = audit_action(
    "application.create", gettext_noop("hat den Förderantrag {object} angelegt")
)
APPLICATION_UPDATE = audit_action(
    "application.update", gettext_noop("hat den Förderantrag {object} geändert")
)
APPLICATION_ATTACH = audit_action(
    "application.attach", gettext_noop("hat eine Anlage zum Förderantrag {object} hochgeladen")
)
APPLICATION_SUBMIT = audit_action(
    "application.submit", gettext_noop("hat den Förderantrag {object} eingereicht")
)
APPLICATION_WITHDRAW = audit_action(
    "application.withdraw", gettext_noop("hat den Förderantrag {object} zurückgezogen")
)
APPLICATION_REVIEW = audit_action(
    "application.review", gettext_noop("hat die Prüfung des Förderantrags {object} begonnen")
)
APPLICATION_REQUEST_INFO = audit_action(
    "application.request_info", gettext_noop("hat zum Förderantrag {object} nachgefragt")
)
APPLICATION_ANSWER = audit_action(
    "application.answer", gettext_noop("hat eine Rückfrage zum Förderantrag {object} beantwortet")
)
APPLICATION_RESUBMIT = audit_action(
    "application.resubmit", gettext_noop("hat den Förderantrag {object} erneut vorgelegt")
)
APPLICATION_GRANT = audit_action("application.grant", gettext_noop("hat den Förderantrag {object} bewilligt"))
APPLICATION_GRANT_FIRST_APPROVAL = audit_action(
    "application.grant_first_approval",
    gettext_noop("hat die Bewilligung des Förderantrags {object} als erste Person freigegeben"),
)
APPLICATION_PREMATURE_START = audit_action(
    "application.premature_start_approve",
    gettext_noop("hat beim Förderantrag {object} dem vorzeitigen Maßnahmebeginn zugestimmt"),
)
APPLICATION_PREMATURE_START_WITHDRAW = audit_action(
    "application.premature_start_withdraw",
    gettext_noop("hat beim Förderantrag {object} die Zustimmung zum vorzeitigen Maßnahmebeginn widerrufen"),
)
DRAWDOWN_FIRST_APPROVAL = audit_action(
    "drawdown.first_approval", gettext_noop("hat den Mittelabruf {object} als erste Person freigegeben")
)
APPLICATION_REJECT = audit_action(
    "application.reject", gettext_noop("hat den Förderantrag {object} abgelehnt")
)
NOTICE_TEMPLATE_UPDATE = audit_action(
    "notice_template.update", gettext_noop("hat die Bescheidvorlage {object} gespeichert")
)
DRAWDOWN_REQUEST = audit_action("drawdown.request", gettext_noop("hat den Mittelabruf {object} gestellt"))
DRAWDOWN_APPROVE = audit_action("drawdown.approve", gettext_noop("hat den Mittelabruf {object} freigegeben"))
USE_PROOF_SUBMIT = audit_action(
    "use_proof.submit", gettext_noop("hat den Verwendungsnachweis {object} eingereicht")
)
USE_PROOF_ACCEPT = audit_action(
    "use_proof.accept", gettext_noop("hat den Verwendungsnachweis {object} angenommen")
)
DRAWDOWN_RETURN = audit_action("drawdown.return", gettext_noop("hat den Mittelabruf {object} zurückgegeben"))
USE_PROOF_RETURN = audit_action(
    "use_proof.return", gettext_noop("hat den Verwendungsnachweis {object} zurückgegeben")
)

audit_labels(
    {
        "application": gettext_noop("Antrag"),
        "actual_costs": gettext_noop("tatsächliche Kosten"),
        "answer": gettext_noop("Antwort"),
        "budgets": gettext_noop("Haushaltsmittel"),
        "costs": gettext_noop("Kostenplan"),
        "entitled": gettext_noop("zustehende Zuwendung"),
        "override_reason": gettext_noop("Begründung der Abweichung"),
        "from_defaults": gettext_noop("aus den Vorgaben übernommen"),
        "first_approval": gettext_noop("erste Freigabe"),
        "second_approval_above": gettext_noop("zweite Freigabe ab"),
        "approved_on": gettext_noop("zugestimmt am"),
        "project_start": gettext_noop("Beginn des Vorhabens"),
        "question": gettext_noop("Rückfrage"),
        "reasons": gettext_noop("Ablehnungsgründe"),
        "repayment": gettext_noop("Rückforderung"),
        "requested_by_year": gettext_noop("beantragt je Jahr"),
        "sha256": gettext_noop("Prüfsumme (SHA-256)"),
        "size": gettext_noop("Größe (Bytes)"),
        "years": gettext_noop("bewilligt je Jahr"),
    }
)
