"""``/api/v1/advisory`` (cases, good-practice records, templates, events, evidence) and
``/api/v1/programme`` (the programme dashboard's figures, by year and Kreis)."""

from __future__ import annotations

from ninja import Router

from . import cases, documents, events, evidence, practice
from .programme import router as programme_router

router = Router()
# Each subject module declares its full paths (``/cases``, ``/practice``, ``/events`` …).
for module in (cases, practice, documents, events, evidence):
    router.add_router("", module.router)

__all__ = ["programme_router", "router"]
