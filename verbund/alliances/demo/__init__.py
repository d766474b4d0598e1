"""Demo alliances for ``manage.py load_demo``: the data (:mod:`.data`) and the loader (:mod:`.loader`),
which goes through the services as the system actor "Demodaten" and never touches an alliance that
already exists."""

from .data import DEMO_ALLIANCES, DEMO_COORDINATORS, DemoAlliance, DemoCoordinator, DemoMember
from .loader import ACTOR, STATUS_NOTE, demo_coordinator_logins, load_demo_alliances

__all__ = [
    "ACTOR",
    "DEMO_ALLIANCES",
    "DEMO_COORDINATORS",
    "STATUS_NOTE",
    "DemoAlliance",
    "DemoCoordinator",
    "DemoMember",
    "demo_coordinator_logins",
    "load_demo_alliances",
]
