"""``manage.py plan --task TASK --state 07 [constraints] [--exact] [--save]``: a Land-wide plan.

Prints the same summary as the scenario page, with a progress bar. Without ``--save`` nothing is
written; with it the plan is stored as a scenario (the audit log names "Planung (Kommandozeile)", a
system actor with ``planning.manage``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from verbund.common.actors import SystemActor
from verbund.common.errors import Refusal
from verbund.planning import services
from verbund.planning.models import RunStatus, SolverKind
from verbund.planning.policies import MANAGE
from verbund.planning.report import summary_lines
from verbund.planning.selectors import (
    build_problem,
    constraints_from,
    cost_model_snapshot,
    cost_parameters,
    effective_cost_model,
    existing_alliances,
    fixed_groups,
)
from verbund.planning.solvers import PlanningError, plan_exact, plan_heuristic
from verbund.shared_services.models import Task

#: Who acts when the command saves a scenario (the audit log names it).
ACTOR = SystemActor(name="Planung (Kommandozeile)", capabilities=frozenset({MANAGE}))


class Command(BaseCommand):
    help = "Plant die Zusammenarbeit bei einer Aufgabe für ein ganzes Land und gibt die Kennzahlen aus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task", required=True, help="Aufgabe (Kürzel), z. B. standesamt")
        parser.add_argument("--state", default="07", help="Land-Schlüssel (Standard 07)")
        parser.add_argument("--max-members", type=int, help="höchstens so viele Mitglieder je Gruppe")
        parser.add_argument("--max-population", type=int, help="höchstens so viele Einwohner je Gruppe")
        parser.add_argument("--max-distance-km", type=float, help="höchstens so weit vom Gastgeber (km)")
        parser.add_argument("--contiguous", action="store_true", help="nur zusammenhängende Gruppen")
        parser.add_argument("--within-kreis", action="store_true", help="Gruppen bleiben im Kreis")
        parser.add_argument(
            "--keep-alliances",
            action="store_true",
            help="Verbünde mit geteiltem Dienst bleiben feste Gruppen",
        )
        parser.add_argument(
            "--kreis", action="append", default=[], help="nur dieser Kreis (5 Ziffern; mehrfach)"
        )
        parser.add_argument(
            "--holder-kind", action="append", default=[], help="abweichende Träger (mehrfach)"
        )
        parser.add_argument("--exact", action="store_true", help="exakt lösen (HiGHS; kleine Regionen)")
        parser.add_argument(
            "--time-limit", type=float, default=60.0, help="Zeitgrenze der exakten Lösung (s)"
        )
        parser.add_argument("--save", action="store_true", help="als Szenario speichern")
        parser.add_argument("--name", default="", help="Bezeichnung des Szenarios (mit --save)")
        parser.add_argument("--quiet", action="store_true", help="ohne Fortschrittsanzeige")

    def handle(self, *args: Any, **o: Any) -> None:
        task = Task.objects.filter(slug=o["task"]).first()
        if task is None:
            known = ", ".join(Task.objects.order_by("sort_order").values_list("slug", flat=True))
            raise CommandError(f"Unbekannte Aufgabe „{o['task']}“. Bekannt: {known}.")
        quiet = o["quiet"] or o["verbosity"] == 0
        bar = tqdm(total=100, desc="Planung", unit="%", disable=quiet, leave=False, file=self.stderr)

        def progress(fraction: float, note: str) -> None:
            bar.set_postfix_str(note[:40], refresh=False)
            bar.update(max(0, int(100 * fraction) - bar.n))

        try:
            lines = self._save(task, o, progress) if o["save"] else self._dry(task, o, progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except Refusal as exc:
            raise CommandError(exc.detail) from exc
        except PlanningError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write("\n".join(lines))

    def _constraints(self, o: dict[str, Any]) -> dict[str, Any]:
        return {
            "max_members": o["max_members"],
            "max_population": o["max_population"],
            "max_distance_km": o["max_distance_km"],
            "contiguous": o["contiguous"],
            "within_kreis": o["within_kreis"],
        }

    def _dry(self, task: Task, o: dict[str, Any], progress: Any) -> list[str]:
        """Plan without writing anything (same inputs as a scenario)."""
        model = effective_cost_model(task, o["state"])
        if model is None:
            raise CommandError(f"Für „{task.name}“ gibt es kein Kostenmodell.")
        kinds = o["holder_kind"] or None
        problem = build_problem(
            task=task, state=o["state"], params=cost_parameters(model), kinds=kinds, kreise=o["kreis"]
        )
        if problem.instance.n == 0:
            raise CommandError("In dieser Auswahl nimmt keine Körperschaft die Aufgabe wahr.")
        parameters: dict[str, Any] = {
            "cost_model": cost_model_snapshot(model),
            "constraints": self._constraints(o),
            "keep_alliances": o["keep_alliances"],
        }
        fixed: list[list[int]] = []
        warnings: list[str] = []
        if o["keep_alliances"]:
            alliances = existing_alliances(task=task, state=o["state"], kinds=kinds, kreise=o["kreis"])
            groups, warnings = fixed_groups(problem, [a.as_dict() for a in alliances if a.performs_task])
            fixed = [g for g, _ in groups]
        constraints = constraints_from(parameters, fixed)
        if o["exact"]:
            result = plan_exact(problem.instance, constraints, time_limit=o["time_limit"], progress=progress)
        else:
            result = plan_heuristic(problem.instance, constraints, progress=progress)
        stats = {**result.summary(), "warnings": warnings + result.warnings}
        title = f"{task.name}, Land {o['state']}: Plan (nicht gespeichert)"
        return summary_lines(stats, title=title, parameters=parameters)

    def _save(self, task: Task, o: dict[str, Any], progress: Any) -> list[str]:
        scenario = services.scenario_create(
            actor=ACTOR,
            task=task,
            state=o["state"],
            solver=SolverKind.EXACT if o["exact"] else SolverKind.HEURISTIC,
            kreise=o["kreis"],
            holder_kinds=o["holder_kind"] or None,
            keep_alliances=o["keep_alliances"],
            name=o["name"],
            **self._constraints(o),
        )
        scenario = services.scenario_run(
            actor=ACTOR, scenario_id=scenario.pk, progress=progress, background=True
        )
        if scenario.status != RunStatus.DONE:
            raise CommandError(f"Szenario {scenario.pk} fehlgeschlagen: {scenario.error}")
        title = f"{scenario.name}: Szenario {scenario.pk} gespeichert"
        return summary_lines(scenario.statistics, title=title, parameters=scenario.parameters)
