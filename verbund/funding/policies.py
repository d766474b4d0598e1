"""Who may see and do what in the funding part: pure predicates over a :class:`Principal` and one query
filter (no queries except inside the filter).

The rules (ARCHITECTURE.md, Roles):

* **Applicant side.** Staff (Sachbearbeitung) and heads (Verwaltungsleitung) of the applicant body and
  the coordinators of the alliance (grant :data:`verbund.alliances.policies.COORDINATOR`) *draft*:
  start and edit a draft, attach files, answer queries, request drawdowns (:func:`may_draft`). Only the
  **Verwaltungsleitung of the applicant body signs**: submits, resubmits, withdraws, submits the proof
  of use (:func:`may_sign`). Staff and heads of the other current members of the alliance *read* its
  applications, so that every member knows where the alliance stands.
* **Bewilligungsbehörde** (funding authority, a platform role) sees every application from its
  submission on (drafts are the alliance's own business) and alone reviews, decides, approves
  drawdowns and checks proofs of use; it also creates programmes and sets their rules and budgets
  (:func:`is_authority`, :func:`may_decide`). A superuser is *not* the authority: by the platform's
  superuser rule it holds Plattformbetrieb and nothing more.
* **Portfolio readers** — Beratungsstelle, Bewilligungsbehörde, Plattformbetrieb — read the same as the
  authority (portfolio, exports, the work queue) and change nothing here (:func:`reads_portfolio`).
  Applications are :data:`SENSITIVITY` (internal); "reads everything" is asked *with* that
  sensitivity, so it can never open data labelled higher.
* **System actors** act through the capability :data:`MANAGE` (``funding.manage``, e.g. the demo
  loader): with it they may take the authority's and the applicant's steps; without it, none.
* Programmes, their rules and budgets are public (a call for applications).
* The **notice template** of a programme (letterhead, signatory, Nebenbestimmungen,
  Rechtsbehelfsbelehrung) is the funding authority's alone: it issues the notices and answers for
  their legal text (:func:`may_edit_notice_template`). Plattformbetrieb runs the platform but does not
  speak for the authority, so it reads the template (as a portfolio reader) and does not change it.

Across tenants, missing and invisible look alike (404); visible but not allowed is 403
(:func:`verbund.funding.selectors.access_application`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from verbund.alliances.policies import coordinates
from verbund.common.principal import Principal, Sensitivity
from verbund.common.roles import Role

if TYPE_CHECKING:
    from .models import Application

#: System capability: take every step of the funding part (programmes, drafts, decisions).
MANAGE = "funding.manage"

#: How sensitive applications, grants and their figures are.
SENSITIVITY = Sensitivity.INTERNAL

#: Platform roles that read every submitted application, the portfolio and the exports.
PORTFOLIO_ROLES = frozenset({Role.BEWILLIGUNGSBEHOERDE, Role.BERATUNGSSTELLE, Role.PLATTFORMBETRIEB})
#: Body roles that draft for their body.
DRAFT_ROLES = frozenset({Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG})


def is_authority(principal: Principal) -> bool:
    """Holds the platform role Bewilligungsbehörde (a superuser does not, by the superuser rule)."""
    return not principal.is_system and Role.BEWILLIGUNGSBEHOERDE in principal.platform_roles


def may_decide(principal: Principal) -> bool:
    """Review, decide, approve drawdowns and proofs, run programmes: the authority (system: MANAGE)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return is_authority(principal)


def may_edit_notice_template(principal: Principal) -> bool:
    """Edit a programme's notice template: the authority only (system: MANAGE), not the operator."""
    return may_decide(principal)


def reads_portfolio(principal: Principal) -> bool:
    """Portfolio, budgets, exports and the work queue: authority, advisory office, operators."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.reads_everything(SENSITIVITY) and bool(principal.platform_roles & PORTFOLIO_ROLES)


def may_draft_for(principal: Principal, *, alliance_id: int, applicant_id: int) -> bool:
    """Staff/heads of the applicant body and coordinators of the alliance (system: MANAGE)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.holds(*DRAFT_ROLES, body=applicant_id) or coordinates(principal, alliance_id)


def may_draft(principal: Principal, application: Application) -> bool:
    """:func:`may_draft_for` the application's alliance and applicant."""
    return may_draft_for(
        principal, alliance_id=application.alliance_id, applicant_id=application.applicant_id
    )


def may_sign(principal: Principal, application: Application) -> bool:
    """The Verwaltungsleitung of the applicant body signs for it (system: MANAGE)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.heads(application.applicant_id)


def may_act_on(principal: Principal, application: Application) -> bool:
    """Takes part in the application at all (drafts, signs or decides), beyond reading it."""
    return may_draft(principal, application) or may_decide(principal)


def may_draft_anything(principal: Principal) -> bool:
    """Could start an application somewhere (staff or head of a body, or a coordinator)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    from verbund.alliances.policies import COORDINATOR

    return bool(principal.body_ids(*DRAFT_ROLES)) or bool(principal.granted(COORDINATOR))


def visibility_filter(principal: Principal) -> Q:
    """A ``Q`` on :class:`~verbund.funding.models.Application` selecting what ``principal`` may see."""
    from verbund.alliances.models import Membership
    from verbund.alliances.policies import COORDINATOR

    if principal.is_system:
        return Q() if principal.capable(MANAGE) else Q(pk__in=[])
    if not principal.is_authenticated:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if reads_portfolio(principal):
        # Drafts (and drafts withdrawn before submission) are the alliance's own business.
        condition |= Q(submitted_at__isnull=False)
    coordinated = principal.granted(COORDINATOR)
    if coordinated:
        condition |= Q(alliance_id__in=coordinated)
    body_ids = principal.body_ids()
    if body_ids:
        condition |= Q(applicant_id__in=body_ids)
        condition |= Q(
            alliance_id__in=Membership.objects.current().filter(body_id__in=body_ids).values("alliance_id")
        )
    return condition
