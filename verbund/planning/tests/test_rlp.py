"""With the official data of Rhineland-Palatinate (skipped without it): the Verbandsgemeinde level
becomes an instance of 170 bodies with the 449 published neighbour pairs, every body located; the
heuristic plan of the whole Land is feasible, and on the Verbandsgemeinden of one Landkreis it
reaches the exact optimum."""

from __future__ import annotations

import pytest

from verbund.common.actors import SystemActor
from verbund.common.data import GV100AD_LATEST
from verbund.planning.selectors import build_problem, cost_parameters, effective_cost_model
from verbund.planning.solvers import Constraints, plan_exact, plan_heuristic, plan_problems
from verbund.registry.boundaries import registry_import_boundaries
from verbund.registry.importer import registry_import_gv100ad
from verbund.registry.policies import IMPORT
from verbund.shared_services.models import Task
from verbund.shared_services.tests.factories import ensure_seed_data

pytestmark = pytest.mark.django_db

VG_LEVEL = ["verbandsgemeinde", "verbandsfreie_gemeinde", "kreisfreie_stadt"]


IMPORTER = SystemActor(name="Registerimport", capabilities=frozenset({IMPORT}))


@pytest.fixture
def rlp(data_file):
    gv100ad = data_file(GV100AD_LATEST)
    layer = data_file("geo/rlp/rlp_verbandsgemeinden.geojson")
    ensure_seed_data()
    registry_import_gv100ad(actor=IMPORTER, path=gv100ad, state="07")
    registry_import_boundaries(actor=IMPORTER, path=layer)
    task = Task.objects.get(slug="standesamt")
    model = effective_cost_model(task, "07")
    assert model is not None
    return task, cost_parameters(model)


def test_vg_level_of_rlp(rlp):
    task, params = rlp
    problem = build_problem(task=task, state="07", params=params, kinds=VG_LEVEL)
    inst = problem.instance
    assert inst.n == 170
    assert len(inst.edges) == 449
    assert inst.located.all()
    constraints = Constraints(max_members=5, contiguous=True)
    plan = plan_heuristic(inst, constraints)
    assert plan_problems(inst, constraints, plan.groups) == []
    assert plan.total_saving > 0

    kaiserslautern = build_problem(
        task=task, state="07", params=params, kinds=VG_LEVEL, kreise=["07335"]
    ).instance
    small = Constraints(max_members=3, contiguous=True)
    exact = plan_exact(kaiserslautern, small, mip_rel_gap=1e-9)
    heuristic = plan_heuristic(kaiserslautern, small)
    assert exact.proven_optimal
    assert heuristic.total_saving == pytest.approx(exact.total_saving, rel=1e-6)
