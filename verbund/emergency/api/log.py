"""``/api/v1/emergency``: log."""

from __future__ import annotations

from ninja import Router

router = Router()
