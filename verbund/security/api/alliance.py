"""``/api/v1/security``: alliance."""

from __future__ import annotations

from ninja import Router

router = Router()
