"""``/api/v1/security``: incidents."""

from __future__ import annotations

from ninja import Router

router = Router()
