"""Demo plans for ``manage.py load_demo``: two scenarios of Rhineland-Palatinate, marked as examples.

* the Standesamt at Verbandsgemeinde level (heuristic; contiguous groups of at most five),
* the Kfz-Zulassung of the Kreise and kreisfreie Städte, keeping the alliances that already share
  it (the Eifel-Mosel-Hunsrück joint office from the shared-services demo) as fixed groups.

Through the services, as the system actor "Demodaten" with ``planning.manage``. Non-destructive: a
scenario that exists by its name is left alone entirely (not re-run, not changed); a demo scenario
that a planner renamed or deleted is not created again either, as long as the audit log remembers
that the demo created it. Only what never existed is created. Needs the registry of Land 07.
"""

from __future__ import annotations

from typing import Any, TextIO

from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.shared_services.models import Task

from . import services
from .models import Scenario
from .policies import MANAGE
from .selectors import holders

#: The name the demo loader wrote into the audit log before it became a system actor.
LEGACY_ACTOR_LABEL = "load_demo"
ACTOR = SystemActor(name="Demodaten", capabilities=frozenset({MANAGE}))
DEMO_PLANS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "Beispielplan: Standesamt in Rheinland-Pfalz",
        "standesamt",
        {"max_members": 5, "contiguous": True},
    ),
    (
        "Beispielplan: Kfz-Zulassung, bestehende Verbünde fest",
        "kfz-zulassung",
        {"max_members": 4, "contiguous": True, "keep_alliances": True},
    ),
)


def _created_before(name: str) -> bool:
    """Whether the demo loader created a scenario of this name here once (it may since have been
    renamed or deleted by a planner: then it stays so)."""
    return AuditEntry.objects.filter(
        action="scenario.create",
        actor_label__in=[ACTOR.name, LEGACY_ACTOR_LABEL],
        object_type="planning.scenario",
        object_repr=name,
    ).exists()


def load_demo_planning(*, stdout: TextIO | Any | None = None, state: str = "07") -> list[Scenario]:
    """Create and run the demo scenarios that never existed here (in this process, whatever the
    background setting); returns those created."""
    created = []
    for name, slug, options in DEMO_PLANS:
        if Scenario.objects.filter(name=name).exists() or _created_before(name):
            continue
        task = Task.objects.filter(slug=slug).first()
        if task is None or not holders(task=task, state=state).exists():
            if stdout is not None:
                stdout.write(f"Hinweis: Demo-Plan „{name}“ übersprungen (Aufgabe oder Register fehlt).\n")
            continue
        scenario = services.scenario_create(actor=ACTOR, task=task, state=state, name=name, **options)
        scenario = services.scenario_start(actor=ACTOR, scenario=scenario, background=False)
        created.append(scenario)
        if stdout is not None:
            stdout.write(f"Demo-Plan „{name}“: {scenario.get_status_display()}.\n")
    return created
