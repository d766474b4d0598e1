"""E-mails to the other side of each step: the funding authority or the applicant side.

Recipients are read inside the service's transaction; the mail is sent by ``transaction.on_commit``
so that a rolled-back step sends nothing. The backend is ``settings.EMAIL_BACKEND`` (console by
default, locmem in tests). A failing mail server must not undo a decision that is already
committed, so sending errors are logged, not raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from verbund.accounts.models import Role, RoleAssignment, User
from verbund.alliances.models import AllianceRole

from .models import Application

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Verbund Förderung] "


def _emails(users: Iterable[Any]) -> list[str]:
    return sorted({u.email for u in users if u.email and u.is_active})


def applicant_recipients(application: Application) -> list[str]:
    """Staff and heads of the applicant body, the alliance's coordinators, whoever created the draft."""
    users = list(
        User.objects.filter(
            role_assignments__body_id=application.applicant_id,
            role_assignments__role__in=[Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG],
        )
    )
    users += list(
        User.objects.filter(
            pk__in=AllianceRole.objects.filter(alliance_id=application.alliance_id).values("user_id")
        )
    )
    if application.created_by_id:
        users += list(User.objects.filter(pk=application.created_by_id))
    return _emails(users)


def authority_recipients() -> list[str]:
    """Everyone holding the role Bewilligungsbehörde."""
    ids = RoleAssignment.objects.filter(role=Role.BEWILLIGUNGSBEHOERDE, body__isnull=True).values("user_id")
    return _emails(User.objects.filter(pk__in=ids))


def _send(recipients: list[str], subject: str, body: str) -> None:
    try:
        EmailMessage(
            subject=SUBJECT_PREFIX + subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[settings.DEFAULT_FROM_EMAIL],
            bcc=recipients,
        ).send()
    except Exception:  # the decision is committed; a mail server problem is logged, not raised
        logger.exception("Benachrichtigung konnte nicht versandt werden: %s", subject)


def _queue(recipients: list[str], subject: str, body: str) -> None:
    if not recipients:
        return
    transaction.on_commit(lambda: _send(recipients, subject, body))


def _text(application: Application, message: str) -> str:
    return (
        f"{message}\n\n"
        f"Antrag: {application.reference} – {application.title}\n"
        f"Verbund: {application.alliance.name}\n"
        f"Programm: {application.programme.name}\n"
        f"Status: {application.get_status_display()}\n\n"
        f"Zum Antrag: {application.get_absolute_url()}\n"
    )


def notify_authority(application: Application, subject: str, message: str) -> None:
    """Tell the funding authority (after commit)."""
    _queue(authority_recipients(), f"{application.reference}: {subject}", _text(application, message))


def notify_applicant(application: Application, subject: str, message: str) -> None:
    """Tell the applicant side (after commit)."""
    _queue(
        applicant_recipients(application), f"{application.reference}: {subject}", _text(application, message)
    )
