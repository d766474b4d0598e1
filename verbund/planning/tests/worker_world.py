"""The data of the end-to-end tests with a real worker (``test_worker.py``) and of the queue bench:
a Landkreis of ``width × height`` Verbandsgemeinden on a 10 km grid with their neighbours, the seeded
task catalogue, and a planner ``beratung.e2e``. Run in a file database through ``manage.py shell``:

    python manage.py shell -c "from verbund.planning.tests.worker_world import build; build(8, 8)"
"""

from __future__ import annotations

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import PASSWORD, RoleAssignmentFactory, UserFactory
from verbund.registry.tests.factories import BodyFactory, LandFactory, make_neighbours
from verbund.shared_services.tests.factories import ensure_seed_data

from .helpers import KM_LAT, KM_LON

PLANNER = "beratung.e2e"


def build(width: int = 8, height: int = 8) -> None:
    ensure_seed_data()
    land = LandFactory.create(state="07")
    kreis = BodyFactory.create(landkreis=True, parent=land, name="Rasterkreis", population=640_000)
    cells = {}
    for y in range(height):
        for x in range(width):
            cells[x, y] = BodyFactory.create(
                verbandsgemeinde=True,
                parent=kreis,
                name=f"Verbandsgemeinde Raster {x}-{y}",
                population=10_000,
                centroid_lon=7.0 + 10 * x * KM_LON,
                centroid_lat=50.0 + 10 * y * KM_LAT,
            )
    for (x, y), body in cells.items():
        for other in (cells.get((x + 1, y)), cells.get((x, y + 1))):
            if other is not None:
                make_neighbours(body, other)
    planner = UserFactory.create(username=PLANNER)
    RoleAssignmentFactory.create(user=planner, role=Role.BERATUNGSSTELLE)
    print(f"{PLANNER}:{PASSWORD}")
