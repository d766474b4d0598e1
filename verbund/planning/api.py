"""API router of the planning part (mounted in config/api.py)."""

from ninja import Router

router = Router()
