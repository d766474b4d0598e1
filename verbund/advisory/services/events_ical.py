"""iCalendar (RFC 5545) of the office's events, written with the ``icalendar`` library.

* UID ``event-<id>@<host>``: stable for the life of an event, so calendars update their entry.
* SEQUENCE: the event's ``sequence`` (raised on every change of date, place or link and on
  cancellation); a cancelled event stays in the feed with ``STATUS:CANCELLED``.
* Times in UTC (``DTSTART:20270312T080000Z``); DTSTAMP is the moment of the last change.
* The library escapes commas, semicolons, backslashes and newlines of the texts and folds long lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from ..models.events import Event

PRODID = "-//Verbund//Beratungsstelle Veranstaltungen//DE"


def _host() -> str:
    hosts = [h for h in getattr(settings, "ALLOWED_HOSTS", []) if h and not h.startswith((".", "*", "["))]
    return hosts[0] if hosts else "verbund.invalid"


def event_uid(event: Event) -> str:
    return f"event-{event.pk}@{_host()}"


def _vevent(event: Event, base_url: str) -> VEvent:
    item = VEvent()
    item.add("uid", event_uid(event))
    item.add("dtstamp", event.updated_at.astimezone(dt.UTC))
    item.add("dtstart", event.starts_at.astimezone(dt.UTC))
    item.add("dtend", event.ends_at.astimezone(dt.UTC))
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    description = "\n\n".join(part for part in (event.description, event.agenda) if part.strip())
    if description:
        item.add("description", description)
    location = event.place or event.online_url
    if location:
        item.add("location", location)
    if event.online_url:
        item.add("url", event.online_url)
    elif base_url:
        item.add("url", base_url + f"/beratung/veranstaltungen/{event.pk}/")
    item.add("categories", [str(event.get_kind_display())])
    item.add("status", "CANCELLED" if event.cancelled_at is not None else "CONFIRMED")
    return item


def calendar_bytes(events: Iterable[Event], *, base_url: str = "", name: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or _("Veranstaltungen der Beratungsstelle"))
    for event in events:
        calendar.add_component(_vevent(event, base_url))
    return calendar.to_ical()
