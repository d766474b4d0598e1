"""The events the planning part publishes (verbund.notifications): a planning run finished or failed.

The recipient is whoever started the scenario (it may run for minutes on a worker; the user need not
keep the page open).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, gettext_noop

from verbund.common.actors import Actor
from verbund.common.german import format_money
from verbund.notifications.services import Audience, publish, register_event_type

from .models import Scenario

RUN_FINISHED = register_event_type("planning.run_finished", label=gettext_lazy("Planungslauf fertig"))
RUN_FAILED = register_event_type("planning.run_failed", label=gettext_lazy("Planungslauf fehlgeschlagen"))


def run_ended(*, actor: Actor, scenario: Scenario, error: str = "") -> None:
    """Tell the scenario's author that its run ended (after commit)."""
    publish(
        RUN_FAILED if error else RUN_FINISHED,
        actor=actor,
        title=scenario.name,
        # a failure's reason is one of planning's stored German messages, translated where shown
        text=error or gettext_noop("Einsparung: %(saving)s"),
        text_params=None if error else {"saving": format_money(scenario.total_saving)},
        path=scenario.get_absolute_url(),
        audience=Audience.users(scenario.created_by_id),
        payload={"scenario": scenario.pk, "status": "failed" if error else "done"},
    )
