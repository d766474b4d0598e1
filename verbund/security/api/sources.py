"""``/api/v1/security``: sources."""

from __future__ import annotations

from ninja import Router

router = Router()
