"""Who may use the planning part: its rules as pure predicates over a :class:`Principal`.

Planning is not public. It works with assumptions about costs that the advisory office maintains and
with plans that are its working material before anyone has been asked:

* **Planners** — the **Beratungsstelle** (the ADD transfer office / the MdI coordination office) and
  **Plattformbetrieb** (a superuser counts as Plattformbetrieb): everything — Land-wide scenarios
  (create, run, compare, export, delete), the cost models (edit per task and Land),
  recommendations for every body. Planning is a role of its own, not "reads everything": the
  Bewilligungsbehörde, which reads everything else, does not plan.
* **Staff of a body** (Sachbearbeitung, Verwaltungsleitung): recommendations concerning their own
  body (and starting an alliance from one), and reading the cost models those recommendations use;
  editing a cost model is refused (403: they see it).
* Everybody else (anonymous visitors, the Bewilligungsbehörde, users without a role): nothing but the
  planning start page that explains what planning is. Scenarios and recommendations they may not
  see answer 404, as for ones that do not exist.
* **System actors** plan with the capability :data:`MANAGE` (``planning.manage``: the demo loader,
  ``manage.py plan``, the background runs).

Nothing in planning is above :attr:`Sensitivity.INTERNAL`; no rule here opens data by "reads everything".
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_noop

from verbund.common.principal import Principal
from verbund.common.roles import Role

#: System capability: create, run and delete scenarios, edit cost models.
MANAGE = "planning.manage"

#: Platform roles that plan (besides Plattformbetrieb).
PLANNER_ROLES = frozenset({Role.BERATUNGSSTELLE})
#: Roles in a body that see their own body's recommendations.
BODY_STAFF_ROLES = (Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG)

# The refusals, German in the code (gettext_noop): the services translate them when they refuse.
PLANNERS_ONLY = gettext_noop("Nur die Beratungsstelle und der Plattformbetrieb planen landesweit.")
COST_MODELS_REFUSAL = gettext_noop("Kostenmodelle bearbeitet die Beratungsstelle.")
RECOMMEND_REFUSAL = gettext_noop("Empfehlungen für diese Körperschaft sind ihrer Verwaltung vorbehalten.")
USE_REFUSAL = gettext_noop("Die Planung steht der Beratungsstelle und den Verwaltungen der Kommunen offen.")


def plans(principal: Principal) -> bool:
    """Land-wide planning and every body's recommendations: Beratungsstelle and Plattformbetrieb."""
    if principal.is_system:
        return principal.capable(MANAGE)
    if not principal.is_person:
        return False
    return principal.is_operator or bool(principal.platform_roles & PLANNER_ROLES)


def edits_cost_models(principal: Principal) -> bool:
    """The cost models are the advisory office's assumptions; operators may repair them."""
    return plans(principal)


def is_body_staff(principal: Principal) -> bool:
    return principal.is_person and principal.holds(*BODY_STAFF_ROLES)


def uses_planning(principal: Principal) -> bool:
    """Anyone with a planning page to see (and the cost models to read): planners and body staff."""
    return plans(principal) or is_body_staff(principal)


def reads_cost_models(principal: Principal) -> bool:
    return uses_planning(principal)


def recommends_for(principal: Principal, body_id: int | None) -> bool:
    """Recommendations for a body (and adopting one): planners, and the staff and head of that body."""
    if body_id is None:
        return False
    if plans(principal):
        return True
    return principal.is_person and principal.holds(*BODY_STAFF_ROLES, body=body_id)


def own_body_ids(principal: Principal) -> frozenset[int]:
    """The bodies whose recommendations the principal sees as their own."""
    return principal.body_ids(*BODY_STAFF_ROLES) if principal.is_person else frozenset()


def scenario_filter(principal: Principal) -> Q:
    """Scenarios are the advisory office's working material: planners see all, others none."""
    return Q() if plans(principal) else Q(pk__in=[])
