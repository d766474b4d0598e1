"""``/api/v1/security``: wiba."""

from __future__ import annotations

from ninja import Router

router = Router()
