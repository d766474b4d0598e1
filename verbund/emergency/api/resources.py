"""``/api/v1/emergency``: resources."""

from __future__ import annotations

from ninja import Router

router = Router()
