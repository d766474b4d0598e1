"""``/api/v1/emergency``: events, log entries, messages, resources, requests. Staff work answers 404
to everyone without a function in the event's staff, like an event that does not exist; the log
offers no update and no delete."""

from __future__ import annotations

from ninja import Router

from . import agreements, log, messages, resources, settlements, situation, staffs, transfer

router = Router()
# Each subject module declares its full paths (``/events``, ``/events/{event_id}/log``, ``/resources``…).
for module in (staffs, log, messages, situation, resources, agreements, transfer, settlements):
    router.add_router("", module.router)
