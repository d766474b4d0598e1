"""``/api/v1/security``: advisories, assets, matches, incidents (TLP enforced in every response, as on
the pages: an object outside the caller's distribution answers 404 like one that does not exist)."""

from __future__ import annotations

from ninja import Router

from . import advisories, alliance, assets, incidents, officers, sources, wiba

router = Router()
router.add_router("/advisories", advisories.router)
router.add_router("/assets", assets.router)
router.add_router("/matches", alliance.router)
router.add_router("/incidents", incidents.router)
router.add_router("/wiba", wiba.router)
router.add_router("/officers", officers.router)
router.add_router("/sources", sources.router)
