"""``/api/v1/security``: officers."""

from __future__ import annotations

from ninja import Router

router = Router()
