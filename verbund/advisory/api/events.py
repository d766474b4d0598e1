"""``/api/v1/advisory``: events (being built)."""

from __future__ import annotations

from ninja import Router

router = Router()
