"""``/api/v1/programme``: the programme's figures (being built)."""

from __future__ import annotations

from ninja import Router

router = Router()
