"""Data of the funding part: programmes with budget years and rule sets, applications and their life.

* :class:`Programme` — a funding programme (e.g. the RLP IKZ-Pilotförderung) with its rule set as
  JSON (validated by :meth:`verbund.funding.rules.RuleSet.from_dict`), application window and
  eligible cost categories; :class:`ProgrammeYear` — a budget year with its budget and what grants
  have ``committed`` of it.
* :class:`Application` — an alliance's application, filed by one member body (the applicant) on
  behalf of the alliance, with its cost plan (:class:`ApplicationCost`, by category and year), the
  grant requested per budget year (:class:`ApplicationYear`), attachments, queries of the authority
  (:class:`InfoRequest`) and its timeline (:class:`ApplicationEvent`).
* :class:`GrantNotice` — the Bewilligungsbescheid, with the amount per budget year
  (:class:`GrantYear`), from which :class:`Drawdown` s (Mittelabrufe) are paid; :class:`UseProof`
  (Verwendungsnachweis) with the actual costs (:class:`UseProofCost`) settles the grant.
* :class:`NoticeTemplate` — a version of the programme's notice template (letterhead, signatory,
  Nebenbestimmungen, Rechtsbehelfsbelehrung) that the funding authority edits.

Budget integrity is guarded twice: the services lock the rows they count against
(``select_for_update`` on the programme years and grant years) and the database refuses any row
that would break it (check constraints: committed ≤ budget, drawn + pending ≤ granted per year).
Every write goes through :mod:`verbund.funding.services`.

The models live in submodules by concern — :mod:`.common` (money zero, cost categories),
:mod:`.programmes`, :mod:`.applications`, :mod:`.grants` and :mod:`.payments` (drawdowns and
proofs of use) — and are all re-exported here: import them from ``verbund.funding.models``. The
migrations name ``attachment_upload_to`` and ``notice_upload_to`` by this path, so they stay here too.
"""

from __future__ import annotations

from .applications import (
    Application,
    ApplicationAttachment,
    ApplicationCost,
    ApplicationEvent,
    ApplicationQuerySet,
    ApplicationYear,
    InfoRequest,
    Status,
    attachment_upload_to,
)
from .approvals import GrantApproval
from .common import ZERO, CostCategory
from .grants import GrantNotice, GrantYear, notice_upload_to
from .notices import TEMPLATE_FIELDS, NoticeTemplate, NoticeTemplateQuerySet
from .payments import Drawdown, DrawdownStatus, UseProof, UseProofCost, UseProofStatus
from .programmes import Preset, Programme, ProgrammeQuerySet, ProgrammeYear

__all__ = [
    "TEMPLATE_FIELDS",
    "ZERO",
    "Application",
    "ApplicationAttachment",
    "ApplicationCost",
    "ApplicationEvent",
    "ApplicationQuerySet",
    "ApplicationYear",
    "CostCategory",
    "Drawdown",
    "DrawdownStatus",
    "GrantApproval",
    "GrantNotice",
    "GrantYear",
    "InfoRequest",
    "NoticeTemplate",
    "NoticeTemplateQuerySet",
    "Preset",
    "Programme",
    "ProgrammeQuerySet",
    "ProgrammeYear",
    "Status",
    "UseProof",
    "UseProofCost",
    "UseProofStatus",
    "attachment_upload_to",
    "notice_upload_to",
]
