"""``/api/v1/security``: advisories."""

from __future__ import annotations

from ninja import Router

router = Router()
