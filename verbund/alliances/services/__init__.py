"""Every write to alliances. Each service is keyword-only, atomic, takes ``actor: Actor`` (a user or
a :class:`~verbund.common.actors.SystemActor`), checks the actor's right itself through
``principal_for(actor)`` and :mod:`verbund.alliances.policies`, validates with ``full_clean`` and
writes its audit record in the same transaction.

Refusals follow :mod:`verbund.common.errors`: ``Forbidden`` (403) when the actor may not do this,
``Invalid``/Django ``ValidationError`` (422) when the data or a rule of the domain forbids it,
``Conflict`` (409) when the state does not allow it. A string, ``None`` or an anonymous user as
actor is a ``TypeError``; a system actor needs the capability :data:`~verbund.alliances.policies.MANAGE`.
Callers fetch the alliance through :func:`verbund.alliances.selectors.access_alliance` first, so that
an invisible alliance is a 404 before a service is reached.

Overview (who may call it; "changers" = coordinators of the alliance, Plattformbetrieb, MANAGE):

==========================  ==================================================================
``alliance_create``         body staff/heads, Beratungsstelle, Plattformbetrieb; a creating
                            person coordinates
``alliance_update``         changers
``alliance_publish`` /      changers; publishing needs a public short description
``alliance_unpublish``
``alliance_transition``     changers; rules in :mod:`verbund.alliances.lifecycle`
``member_add``              changers
``member_remove``           changers (sets ``left_on``; the row stays)
``member_set_role``         changers
``membership_confirm``      Verwaltungsleitung of the member body
``agreement_attach``        changers (a new version per title)
``resolution_record``       Verwaltungsleitung of the member body, or a coordinator
``coordinator_assign``      changers; a coordinator names staff of a member body, an operator anyone
``coordinator_revoke``      changers; the last coordinator cannot be revoked
``coordinator_handover``    a coordinator: successor in, self out
==========================  ==================================================================
"""

from ._common import unique_slug
from .alliances import (
    UPDATABLE_FIELDS,
    alliance_create,
    alliance_publish,
    alliance_transition,
    alliance_unpublish,
    alliance_update,
)
from .coordination import (
    coordinator_assign,
    coordinator_candidates_filter,
    coordinator_handover,
    coordinator_revoke,
)
from .documents import agreement_attach, resolution_record
from .members import member_add, member_remove, member_set_role, membership_confirm

__all__ = [
    "UPDATABLE_FIELDS",
    "agreement_attach",
    "alliance_create",
    "alliance_publish",
    "alliance_transition",
    "alliance_unpublish",
    "alliance_update",
    "coordinator_assign",
    "coordinator_candidates_filter",
    "coordinator_handover",
    "coordinator_revoke",
    "member_add",
    "member_remove",
    "member_set_role",
    "membership_confirm",
    "resolution_record",
    "unique_slug",
]
