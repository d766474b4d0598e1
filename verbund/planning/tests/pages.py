"""The planning pages for the site-wide guard tests (``verbund/web/tests/test_guards.py``): each entry
builds what its page needs around the guard's ``body`` fixture (an Ortsgemeinde in a VG) and returns
the URL, or ``(url, user)`` for a page behind the login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.registry.tests.factories import BodyFactory, make_neighbours
from verbund.shared_services.models import Task
from verbund.shared_services.tests.factories import ensure_seed_data

from .. import services


def _advisory() -> Any:
    user = UserFactory.create(username="beratung.guard")
    RoleAssignmentFactory.create(user=user, role=Role.BERATUNGSSTELLE)
    return user


def _vgs(body: Any) -> tuple[Any, Any]:
    ensure_seed_data()
    vg = body.parent
    vg.population = vg.population or 14_000
    vg.save(update_fields=["population"])
    other = BodyFactory.create(verbandsgemeinde=True, parent=vg.parent, population=9_000)
    make_neighbours(vg, other)
    return vg, other


def _scenario(body: Any, *, run: bool = True) -> tuple[Any, Any]:
    _vgs(body)
    user = _advisory()
    scenario = services.scenario_create(
        actor=user, task=Task.objects.get(slug="standesamt"), state=body.state, max_members=4
    )
    if run:
        scenario = services.scenario_start(actor=user, scenario=scenario, background=False)
    return scenario, user


def _detail(body: Any) -> tuple[str, Any]:
    scenario, user = _scenario(body)
    return scenario.get_absolute_url(), user


def _queued(body: Any) -> tuple[str, Any]:
    scenario, user = _scenario(body, run=False)
    return scenario.get_absolute_url(), user


def _compare(body: Any) -> tuple[str, Any]:
    first, user = _scenario(body)
    second = services.scenario_start(
        actor=user,
        scenario=services.scenario_create(actor=user, task=first.task, state=body.state, max_members=2),
        background=False,
    )
    return f"/planung/szenarien/{first.pk}/vergleich/?mit={second.pk}", user


def _status_quo(body: Any) -> tuple[str, Any]:
    scenario, user = _scenario(body)
    return f"/planung/szenarien/{scenario.pk}/status-quo/", user


def _recommendations(body: Any) -> tuple[str, Any]:
    vg, _other = _vgs(body)
    return f"/planung/empfehlungen/{vg.ars}/?task=standesamt", UserFactory.create(head_of=vg)


def _with_advisory(path: str) -> Callable[[Any], tuple[str, Any]]:
    def build(body: Any) -> tuple[str, Any]:
        ensure_seed_data()
        return path, _advisory()

    return build


PLANNING_PAGES: dict[str, Callable[[Any], Any]] = {
    "planning_index": lambda body: "/planung/",
    "planning_index_advisory": _with_advisory("/planung/"),
    "planning_cost_models": _with_advisory("/planung/kostenmodelle/"),
    "planning_cost_model_edit": _with_advisory("/planung/kostenmodelle/standesamt/07/"),
    "planning_recommendation_start": _with_advisory("/planung/empfehlungen/?q=beispiel"),
    "planning_recommendations": _recommendations,
    "planning_scenario_create": _with_advisory("/planung/szenarien/neu/"),
    "planning_scenario_detail": _detail,
    "planning_scenario_queued": _queued,
    "planning_scenario_compare": _compare,
    "planning_scenario_status_quo": _status_quo,
}
