"""Who may see and do what with funding applications: the only way views and endpoints reach them.

The rules (ARCHITECTURE.md, Roles):

* **Applicant side.** Staff (Sachbearbeitung) and heads (Verwaltungsleitung) of the applicant body and
  the coordinators of the alliance *draft* (edit a draft, answer queries, request drawdowns); only the
  **Verwaltungsleitung of the applicant body signs**: submits, resubmits, withdraws, submits the proof
  of use. Staff and heads of the other current members of the alliance *read* its applications, so
  that every member knows where the alliance stands.
* **Bewilligungsbehörde** (funding authority) sees every application from its submission on (drafts
  are the alliance's own business) and alone reviews, decides, approves drawdowns and checks
  proofs of use; it also creates programmes and sets their rules and budgets.
* **Beratungsstelle** (ADD / ministry coordination office) and **Plattformbetrieb** read the same as
  the authority (portfolio, exports) and change nothing here.

Across tenants, missing and forbidden look alike: :func:`access_application` raises ``Http404`` for
an application the user may not see, ``PermissionDenied`` (403) only for a visible one the user may
not change. Services check the precise right again (``can_draft``, ``can_sign``, ``is_authority``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from verbund.accounts.models import Role
from verbund.alliances.access import viewer_for
from verbund.alliances.models import Membership

if TYPE_CHECKING:
    from .models import Application, Drawdown, UseProof

#: Platform roles that read every submitted application, the portfolio and the exports.
PORTFOLIO_ROLES = frozenset({Role.BEWILLIGUNGSBEHOERDE, Role.BERATUNGSSTELLE, Role.PLATTFORMBETRIEB})
DRAFT_ROLES = frozenset({Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG})
NOT_FOUND = "Kein solcher Antrag."


def is_authority(user: Any) -> bool:
    """The funding authority decides (a superuser is not, by design: decisions need the role)."""
    return Role.BEWILLIGUNGSBEHOERDE in viewer_for(user).platform_roles


def reads_portfolio(user: Any) -> bool:
    viewer = viewer_for(user)
    return viewer.is_superuser or bool(viewer.platform_roles & PORTFOLIO_ROLES)


def visibility_filter(user: Any) -> Q:
    """A ``Q`` on :class:`~verbund.funding.models.Application` selecting what ``user`` may see."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if reads_portfolio(user):
        # Drafts (and drafts withdrawn before submission) are the alliance's own business.
        condition |= Q(submitted_at__isnull=False)
    if viewer.coordinated:
        condition |= Q(alliance_id__in=viewer.coordinated)
    if viewer.body_roles:
        condition |= Q(applicant_id__in=viewer.body_ids)
        condition |= Q(
            alliance_id__in=Membership.objects.current()
            .filter(body_id__in=viewer.body_ids)
            .values("alliance_id")
        )
    return condition


def can_draft(user: Any, application: Application) -> bool:
    """Staff/heads of the applicant body and coordinators of the alliance."""
    viewer = viewer_for(user)
    held = viewer.body_roles.get(application.applicant_id, frozenset())
    return bool(held & DRAFT_ROLES) or viewer.coordinates(application.alliance_id)


def can_draft_for(user: Any, *, alliance_id: int, applicant_id: int) -> bool:
    """May ``user`` start an application of the alliance with this applicant body?"""
    viewer = viewer_for(user)
    held = viewer.body_roles.get(applicant_id, frozenset())
    return bool(held & DRAFT_ROLES) or viewer.coordinates(alliance_id)


def can_sign(user: Any, application: Application) -> bool:
    """The Verwaltungsleitung of the applicant body signs for it."""
    return viewer_for(user).heads(application.applicant_id)


def access_application(user: Any, pk: int | str, *, for_change: bool = False) -> Application:
    """The application ``pk`` if ``user`` may see it (``Http404`` otherwise).

    ``for_change``: the user must be able to act on it at all (draft, sign or decide), else 403.
    """
    from .models import Application

    try:
        application = (
            Application.objects.visible_to(user)
            .select_related("programme", "alliance", "applicant", "created_by")
            .get(pk=int(pk))
        )
    except (Application.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc
    if for_change and not (can_draft(user, application) or is_authority(user)):
        raise PermissionDenied("Sie dürfen diesen Antrag nur lesen.")
    return application


def access_drawdown(user: Any, pk: int) -> Drawdown:
    """A drawdown of an application ``user`` may see (``Http404`` otherwise)."""
    from .models import Application, Drawdown

    drawdown = (
        Drawdown.objects.select_related("grant_year__grant__application", "grant_year__programme_year")
        .filter(pk=pk, grant_year__grant__application__in=Application.objects.visible_to(user))
        .first()
    )
    if drawdown is None:
        raise Http404("Kein solcher Mittelabruf.")
    return drawdown


def access_proof(user: Any, pk: int) -> UseProof:
    """A proof of use of an application ``user`` may see (``Http404`` otherwise)."""
    from .models import Application, UseProof

    proof = (
        UseProof.objects.select_related("application__programme")
        .filter(pk=pk, application__in=Application.objects.visible_to(user))
        .first()
    )
    if proof is None:
        raise Http404("Kein solcher Verwendungsnachweis.")
    return proof


def require_portfolio(user: Any) -> None:
    """Portfolio, budgets, exports and the work queue: authority, advisory office, operators (else 404)."""
    if not reads_portfolio(user):
        raise Http404("Nicht gefunden.")


def require_authority(user: Any, message: str = "Das entscheidet die Bewilligungsbehörde.") -> None:
    if not is_authority(user):
        raise PermissionDenied(message)
