"""API router of the shared_services part (mounted in config/api.py)."""

from ninja import Router

router = Router()
