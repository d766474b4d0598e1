"""Who may use the planning part.

Planning is not public. It works with assumptions about costs that the advisory office maintains and
with plans that are its working material before anyone has been asked:

* **Beratungsstelle** (the ADD transfer office / the MdI coordination office), **Plattformbetrieb**
  and superusers: everything — Land-wide scenarios (create, run, compare, export, delete), the cost
  models (edit per task and Land), recommendations for every body.
* **Sachbearbeitung** and **Verwaltungsleitung** of a body: recommendations concerning their own
  body (and starting an alliance from one), and reading the cost models those recommendations use.
* Everybody else (anonymous visitors, the Bewilligungsbehörde, users without a role): nothing but the
  planning start page that explains what planning is. The API answers 401 without a login and
  404 for scenarios and recommendations they may not see (a 403 only where the object is visible,
  e.g. editing a cost model one may read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from verbund.accounts.access import get_visible_or_404, has_role, is_operator
from verbund.accounts.models import Role

if TYPE_CHECKING:
    from verbund.registry.models import Body

    from .models import Scenario

#: Platform roles that plan (besides operators and superusers, see :func:`can_plan`).
PLANNER_ROLES = (Role.BERATUNGSSTELLE,)
BODY_STAFF_ROLES = (Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", True))


def can_plan(user: Any) -> bool:
    """Land-wide planning and every body's recommendations: Beratungsstelle, operators, superusers."""
    if not _authenticated(user):
        return False
    return is_operator(user) or has_role(user, *PLANNER_ROLES)


def can_edit_cost_models(user: Any) -> bool:
    """The cost models are the advisory office's assumptions; operators may repair them."""
    return can_plan(user)


def can_use_planning(user: Any) -> bool:
    """Anyone with a planning page to see: planners and the staff of any body."""
    return can_plan(user) or (_authenticated(user) and has_role(user, *BODY_STAFF_ROLES))


def can_recommend(user: Any, body: Body | int) -> bool:
    """Recommendations for ``body``: planners, and the staff and head of that body."""
    return can_plan(user) or (_authenticated(user) and has_role(user, *BODY_STAFF_ROLES, body=body))


def require_planner(user: Any) -> None:
    if not can_plan(user):
        raise PermissionDenied("Nur die Beratungsstelle und der Plattformbetrieb planen landesweit.")


def access_scenario(user: Any, pk: int | str) -> Scenario:
    """A scenario the user may see (planners), else 404 as for one that does not exist."""
    from .models import Scenario

    return get_visible_or_404(Scenario.objects.visible_to(user).select_related("task", "created_by"), pk=pk)
