"""``/api/v1/bodies``: the registry."""

from ninja import Router

router = Router()
