"""The inbox API at ``/api/v1/notifications``: one's own notifications, the unread count, mark read.

Only ever the caller's own notifications (another user's is 404); anonymous callers get 401.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from verbund.common.api import ErrorOut, ObjectId, Page, PageParams, api_person, api_user, paginate

from . import selectors, services
from .delivery import absolute_url
from .models import Notification

router = Router()

_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}


class NotificationOut(Schema):
    id: int
    event_type: str = Field(description="Ereignisart, z. B. funding.query_answered")
    label: str = Field(description="Bezeichnung der Ereignisart")
    title: str
    text: str
    url: str = Field(description="Absolute Adresse des Objekts (leer, wenn es keine gibt)")
    alliance_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_event_type(obj: Notification) -> str:
        return obj.event.event_type

    @staticmethod
    def resolve_label(obj: Notification) -> str:
        return obj.event.label

    @staticmethod
    def resolve_title(obj: Notification) -> str:
        return obj.event.title

    @staticmethod
    def resolve_text(obj: Notification) -> str:
        return obj.event.text

    @staticmethod
    def resolve_url(obj: Notification) -> str:
        return absolute_url(obj.event.path)

    @staticmethod
    def resolve_alliance_id(obj: Notification) -> int | None:
        return obj.event.alliance_id


class InboxParams(PageParams):
    unread: bool = Field(False, description="Nur ungelesene")


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


@router.get("", response={200: Page[NotificationOut], **_ERRORS}, summary="Eigene Benachrichtigungen")
def inbox(request: HttpRequest, params: Query[InboxParams]) -> Any:
    """Die eigenen Benachrichtigungen, ungelesene zuerst, neueste zuerst."""
    principal = api_person(request)
    return paginate(selectors.inbox(principal, unread_only=params.unread), params)


@router.get("/unread-count", response={200: UnreadOut, **_ERRORS}, summary="Zahl der ungelesenen")
def unread(request: HttpRequest) -> Any:
    principal = api_person(request)
    return {"unread": selectors.unread_count(principal.user_id)}


@router.post(
    "/{notification_id}/read", response={200: NotificationOut, **_ERRORS}, summary="Als gelesen markieren"
)
def mark_read(request: HttpRequest, notification_id: ObjectId) -> Any:
    return services.notification_mark_read(actor=api_user(request), notification_id=notification_id)


@router.post("/read-all", response={200: MarkedOut, **_ERRORS}, summary="Alle als gelesen markieren")
def mark_all_read(request: HttpRequest) -> Any:
    return {"marked": services.notifications_mark_all_read(actor=api_user(request))}
