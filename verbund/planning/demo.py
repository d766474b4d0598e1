"""Demo plans for ``manage.py load_demo``: two scenarios of Rhineland-Palatinate, marked as examples.

* the Standesamt at Verbandsgemeinde level (heuristic; contiguous groups of at most five),
* the Kfz-Zulassung of the Kreise and kreisfreie Städte, keeping the alliances that already share
  it (the Eifel-Mosel-Hunsrück joint office from the shared-services demo) as fixed groups.

Idempotent: a scenario with the same name is left alone. Needs the registry of Land 07.
"""

from __future__ import annotations

from typing import Any, TextIO

from verbund.shared_services.models import Task

from . import services
from .models import Scenario
from .selectors import holders

ACTOR = "load_demo"
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


def load_demo_planning(*, stdout: TextIO | Any | None = None, state: str = "07") -> list[Scenario]:
    """Create and run the demo scenarios (in this process, whatever the background setting)."""
    created = []
    for name, slug, options in DEMO_PLANS:
        task = Task.objects.filter(slug=slug).first()
        if task is None or not holders(task=task, state=state).exists():
            if stdout is not None:
                stdout.write(f"Hinweis: Demo-Plan „{name}“ übersprungen (Aufgabe oder Register fehlt).\n")
            continue
        if Scenario.objects.filter(name=name).exists():
            continue
        scenario = services.scenario_create(acting_user=ACTOR, task=task, state=state, name=name, **options)
        scenario = services.scenario_start(scenario=scenario, background=False)
        created.append(scenario)
        if stdout is not None:
            stdout.write(f"Demo-Plan „{name}“: {scenario.get_status_display()}.\n")
    return created
