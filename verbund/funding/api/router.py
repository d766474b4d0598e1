"""The funding part's router (the endpoints register themselves on it)."""

from ninja import Router

router = Router()
