"""Every write of the funding part. Each service takes ``actor: Actor`` (a user or a
:class:`~verbund.common.actors.SystemActor`; keyword-only), is atomic, checks the actor's right itself
against a freshly read principal (:mod:`verbund.funding.policies`), writes its audit record in the
same transaction (scoped to the application's alliance and applicant body) and notifies the other
side after commit.

Refusals (:mod:`verbund.common.errors`): :class:`~verbund.common.errors.Forbidden` (403) when the
actor may not do this — a system actor without ``funding.manage`` included; ``TypeError`` for a
string or anonymous actor; ``ValidationError``/:class:`~verbund.common.errors.Invalid` (422) for bad
input or failed checks (``checks_failed``); :class:`~verbund.common.errors.Conflict` (409) for a
step the status does not allow (``invalid_status``) and an exhausted budget or grant
(``budget_exceeded`` / ``drawdown_exceeds_grant``).

By concern:

==============================  ===================================================================
:mod:`.programmes`              ``programme_create/_update``, ``programme_year_set`` (authority; a
                                budget never falls below what is committed)
:mod:`.drafting`                ``application_create``, ``_update``, ``_attach``,
                                ``info_request_answer`` (applicant side: staff/heads of the
                                applicant body, coordinators of the alliance)
:mod:`.review`                  ``application_submit``, ``_withdraw``, ``_resubmit`` (Verwaltungs-
                                leitung), ``application_review``, ``_request_info``, ``_grant``,
                                ``_reject`` (authority)
:mod:`.drawdowns`               ``drawdown_request`` (applicant side), ``drawdown_approve/_return``
:mod:`.proofs`                  ``use_proof_submit`` (Verwaltungsleitung), ``use_proof_accept/_return``
:mod:`.notices`                 ``notice_template_update`` (authority; every edit a new version),
                                ``notice_template_values`` (the texts in force)
==============================  ===================================================================
"""

from .drafting import (
    UPDATABLE,
    application_attach,
    application_create,
    application_update,
    info_request_answer,
)
from .drawdowns import drawdown_approve, drawdown_request, drawdown_return
from .notices import notice_template_update, notice_template_values
from .programmes import PROGRAMME_FIELDS, programme_create, programme_update, programme_year_set
from .proofs import use_proof_accept, use_proof_return, use_proof_submit
from .review import (
    DEFAULT_CONDITIONS,
    PREMATURE_START_STATUSES,
    application_grant,
    application_grant_first_approval,
    application_reject,
    application_request_info,
    application_resubmit,
    application_review,
    application_submit,
    application_withdraw,
    needs_first_grant_approval,
    premature_start_approve,
    premature_start_withdraw,
)

__all__ = [
    "DEFAULT_CONDITIONS",
    "PREMATURE_START_STATUSES",
    "PROGRAMME_FIELDS",
    "UPDATABLE",
    "application_attach",
    "application_create",
    "application_grant",
    "application_grant_first_approval",
    "application_reject",
    "application_request_info",
    "application_resubmit",
    "application_review",
    "application_submit",
    "application_update",
    "application_withdraw",
    "drawdown_approve",
    "drawdown_request",
    "drawdown_return",
    "info_request_answer",
    "needs_first_grant_approval",
    "notice_template_update",
    "notice_template_values",
    "premature_start_approve",
    "premature_start_withdraw",
    "programme_create",
    "programme_update",
    "programme_year_set",
    "use_proof_accept",
    "use_proof_return",
    "use_proof_submit",
]
