"""``/api/v1/advisory``: cases (being built)."""

from __future__ import annotations

from ninja import Router

router = Router()
