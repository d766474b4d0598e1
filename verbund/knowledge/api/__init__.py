"""``/api/v1/knowledge``: the service catalogue, responsibility, routing a citizen's request (public,
no login), council documents and their search, the staff assistant."""

from __future__ import annotations

from ninja import Router

from . import assistant, catalogue, routing, search

router = Router()
# Each subject module declares its full paths (``/route``, ``/services``, ``/council/search`` …).
for module in (routing, catalogue, search, assistant):
    router.add_router("", module.router)
