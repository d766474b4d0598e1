"""``/api/v1/security``: assets."""

from __future__ import annotations

from ninja import Router

router = Router()
