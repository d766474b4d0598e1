"""``/api/v1/advisory``: practice (being built)."""

from __future__ import annotations

from ninja import Router

router = Router()
