"""The three reporting deadlines of the NIS2 scheme for an incident (pure: no Django import).

§ 32 BSIG as amended by the NIS2 implementation act (DOMAIN.md §6): an **early warning** within 24
hours of becoming aware of a significant incident, an **incident report** within 72 hours, a **final
report** one month after the incident report. Municipal administrations are not bound by it (for
them the deadlines are good practice); municipal companies (water, energy) can be
(``nis2_binding``).

Each deadline has a state: ``done`` (the report was given, in time or late), ``overdue`` (not given,
the deadline passed), ``due`` (not given, the deadline ahead). The final report's deadline counts from
the incident report when it was given, else from the time the report is due (72 h).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

EARLY_WARNING = "early_warning"
NOTIFICATION = "notification"
FINAL_REPORT = "final_report"

#: The order and the hours of the first two deadlines after detection.
EARLY_WARNING_HOURS = 24
NOTIFICATION_HOURS = 72

#: Reminders go out this long before a deadline (and once when it has passed unmet).
REMIND_BEFORE: dict[str, dt.timedelta] = {
    EARLY_WARNING: dt.timedelta(hours=6),
    NOTIFICATION: dt.timedelta(hours=12),
    FINAL_REPORT: dt.timedelta(days=5),
}


class State(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class Deadline:
    """One deadline of an incident: which report, by when, when it was given and its state now."""

    kind: str
    due_at: dt.datetime
    done_at: dt.datetime | None
    state: State

    @property
    def late(self) -> bool:
        """Given after the deadline."""
        return self.done_at is not None and self.done_at > self.due_at

    def remind_at(self) -> dt.datetime:
        return self.due_at - REMIND_BEFORE[self.kind]


def add_month(moment: dt.datetime) -> dt.datetime:
    """One calendar month later (the 31 January + 1 month is the last day of February)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _state(due_at: dt.datetime, done_at: dt.datetime | None, now: dt.datetime) -> State:
    if done_at is not None:
        return State.DONE
    return State.OVERDUE if now > due_at else State.DUE


def deadlines(
    *,
    detected_at: dt.datetime,
    early_warning_at: dt.datetime | None,
    notification_at: dt.datetime | None,
    final_report_at: dt.datetime | None,
    now: dt.datetime,
) -> tuple[Deadline, Deadline, Deadline]:
    """The early warning (24 h), the report (72 h) and the final report (one month after the report)."""
    early_due = detected_at + dt.timedelta(hours=EARLY_WARNING_HOURS)
    report_due = detected_at + dt.timedelta(hours=NOTIFICATION_HOURS)
    final_due = add_month(notification_at or report_due)
    return (
        Deadline(EARLY_WARNING, early_due, early_warning_at, _state(early_due, early_warning_at, now)),
        Deadline(NOTIFICATION, report_due, notification_at, _state(report_due, notification_at, now)),
        Deadline(FINAL_REPORT, final_due, final_report_at, _state(final_due, final_report_at, now)),
    )


def reminders_due(
    items: tuple[Deadline, ...], *, now: dt.datetime, sent: frozenset[str] | set[str]
) -> list[tuple[Deadline, str]]:
    """The reminders to send now: ``(deadline, "soon")`` once the reminder time has come and
    ``(deadline, "overdue")`` once it passed unmet; ``sent`` holds the keys ``"<kind>:<stage>"``
    already sent, so no reminder goes out twice."""
    out: list[tuple[Deadline, str]] = []
    for item in items:
        if item.state == State.DONE:
            continue
        stage = "overdue" if item.state == State.OVERDUE else ("soon" if now >= item.remind_at() else "")
        if stage and f"{item.kind}:{stage}" not in sent:
            out.append((item, stage))
    return out
