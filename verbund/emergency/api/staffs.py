"""``/api/v1/emergency``: staffs."""

from __future__ import annotations

from ninja import Router

router = Router()
