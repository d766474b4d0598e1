"""``/api/v1/emergency``: situation."""

from __future__ import annotations

from ninja import Router

router = Router()
