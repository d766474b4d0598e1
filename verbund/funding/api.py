"""API router of the funding part (mounted in config/api.py)."""

from ninja import Router

router = Router()
