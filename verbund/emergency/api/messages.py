"""``/api/v1/emergency``: messages."""

from __future__ import annotations

from ninja import Router

router = Router()
