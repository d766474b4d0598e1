"""HTML pages of the funding part under ``/foerderung/``. Thin: forms validate, services write,
selectors read; objects only through the principal (:mod:`verbund.funding.selectors`).

* :mod:`.programmes` — start page, programmes;
* :mod:`.applications` — applications, the draft form, workflow steps, decisions, files;
* :mod:`.payments` — drawdowns and the proof of use;
* :mod:`.notices` — the authority's editor of a programme's notice template;
* :mod:`.authority` — work queue, portfolio, exports, the alliance page's panel.
"""

from .applications import (
    application_action,
    application_check,
    application_create,
    application_detail,
    application_edit,
    application_grant,
    application_list_view,
    application_reject,
    application_request_info,
    attachment_add,
    attachment_download,
    grant_pdf,
    info_answer,
    premature_start_approve,
    premature_start_withdraw,
)
from .authority import (
    alliance_funding_panel,
    export_csv,
    export_transparency,
    export_xlsx,
    portfolio_view,
    queue,
)
from .notices import notice_template_edit
from .payments import drawdown_decide, drawdown_request, proof_decide, proof_submit
from .programmes import index, programme_create, programme_detail, programme_edit

__all__ = [
    "alliance_funding_panel",
    "application_action",
    "application_check",
    "application_create",
    "application_detail",
    "application_edit",
    "application_grant",
    "application_list_view",
    "application_reject",
    "application_request_info",
    "attachment_add",
    "attachment_download",
    "drawdown_decide",
    "drawdown_request",
    "export_csv",
    "export_transparency",
    "export_xlsx",
    "grant_pdf",
    "index",
    "info_answer",
    "notice_template_edit",
    "portfolio_view",
    "premature_start_approve",
    "premature_start_withdraw",
    "programme_create",
    "programme_detail",
    "programme_edit",
    "proof_decide",
    "proof_submit",
    "queue",
]
