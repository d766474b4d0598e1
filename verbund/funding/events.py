"""The events the funding part publishes (verbund.notifications), replacing the e-mails that were
sent inside the request: each step tells the other side through the notifications part, after commit
and through the queue (inbox, e-mail per the recipient's preference, webhooks).

* The funding authority: everyone holding the role Bewilligungsbehörde.
* The applicant side: staff and heads of the applicant body, the alliance's coordinators and whoever
  created the draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy

from verbund.alliances.policies import COORDINATOR
from verbund.common.actors import Actor
from verbund.common.roles import Role
from verbund.notifications.services import Audience, EventType, publish, register_event_type

from .models import Application

SUBMITTED = register_event_type(
    "funding.application_submitted", label=gettext_lazy("Förderantrag eingereicht")
)
WITHDRAWN = register_event_type(
    "funding.application_withdrawn", label=gettext_lazy("Förderantrag zurückgezogen")
)
REVIEW_STARTED = register_event_type(
    "funding.review_started", label=gettext_lazy("Prüfung des Antrags begonnen")
)
QUERY_ASKED = register_event_type(
    "funding.query_asked", label=gettext_lazy("Rückfrage der Bewilligungsbehörde")
)
QUERY_ANSWERED = register_event_type("funding.query_answered", label=gettext_lazy("Rückfrage beantwortet"))
GRANT_ISSUED = register_event_type("funding.grant_issued", label=gettext_lazy("Zuwendungsbescheid erlassen"))
REJECTED = register_event_type("funding.application_rejected", label=gettext_lazy("Förderantrag abgelehnt"))
DRAWDOWN_REQUESTED = register_event_type(
    "funding.drawdown_requested", label=gettext_lazy("Mittelabruf gestellt")
)
DRAWDOWN_RELEASED = register_event_type(
    "funding.drawdown_released", label=gettext_lazy("Mittelabruf freigegeben")
)
DRAWDOWN_RETURNED = register_event_type(
    "funding.drawdown_returned", label=gettext_lazy("Mittelabruf zurückgegeben")
)
SECOND_APPROVAL_NEEDED = register_event_type(
    "funding.second_approval_needed", label=gettext_lazy("Zweite Freigabe nötig (Vier-Augen-Prinzip)")
)
PREMATURE_START_APPROVED = register_event_type(
    "funding.premature_start_approved", label=gettext_lazy("Vorzeitiger Maßnahmebeginn zugelassen")
)
PROOF_SUBMITTED = register_event_type(
    "funding.proof_submitted", label=gettext_lazy("Verwendungsnachweis eingereicht")
)
PROOF_CHECKED = register_event_type(
    "funding.proof_checked", label=gettext_lazy("Verwendungsnachweis geprüft")
)


def authority() -> Audience:
    return Audience.role(Role.BEWILLIGUNGSBEHOERDE)


def applicant_side(application: Application) -> Audience:
    return (
        Audience.body(application.applicant_id, Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG)
        | Audience.grant(COORDINATOR, application.alliance_id)
        | Audience.users(application.created_by_id)
    )


def _publish(
    event: EventType,
    actor: Actor,
    application: Application,
    text: str,
    audience: Audience,
    params: Mapping[str, Any] | None,
) -> None:
    publish(
        event,
        actor=actor,
        title=f"{application.reference} – {application.title}",
        text=text,
        text_params=params,
        path=application.get_absolute_url(),
        audience=audience,
        alliance_id=application.alliance_id,
        body_id=application.applicant_id,
        payload={"application": application.reference, "status": application.status},
    )


def notify_authority(
    event: EventType,
    actor: Actor,
    application: Application,
    text: str,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Tell the funding authority (published after commit). ``text``: a German sentence marked with
    ``gettext_noop`` (translated for each reader), ``params`` the values of its placeholders."""
    _publish(event, actor, application, text, authority(), params)


def notify_applicant(
    event: EventType,
    actor: Actor,
    application: Application,
    text: str,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Tell the applicant side (published after commit); ``text`` and ``params`` as above."""
    _publish(event, actor, application, text, applicant_side(application), params)
