"""The accounts pages for the site-wide guard tests (``verbund/web/tests/test_guards.py``): each entry
builds what its page needs around the guard's ``body`` fixture and returns the URL, or
``(url, user)`` for a page behind the login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from verbund.accounts.tests.factories import UserFactory


def _operator() -> Any:
    return UserFactory.create(username="guard.betrieb", operator=True)


def _invited(body: Any) -> Any:
    return UserFactory.create(username="guard.neu", staff_of=body)


ACCOUNTS_PAGES: dict[str, Callable[[Any], Any]] = {
    "account": lambda body: (reverse("accounts:account"), UserFactory.create(head_of=body)),
    "users_operator": lambda body: (reverse("accounts:users") + "?q=guard", _operator()),
    "users_head": lambda body: (reverse("accounts:users"), UserFactory.create(head_of=body)),
    "user_create": lambda body: (reverse("accounts:user_create"), _operator()),
    "user_detail_operator": lambda body: (
        reverse("accounts:user_detail", args=[_invited(body).username]),
        _operator(),
    ),
    "user_detail_head": lambda body: (
        reverse("accounts:user_detail", args=[_invited(body).username]),
        UserFactory.create(head_of=body),
    ),
    "body_users": lambda body: (
        reverse("accounts:body_users", args=[body.ars]),
        UserFactory.create(head_of=body),
    ),
    "body_suggestions": lambda body: (reverse("accounts:body_suggestions") + "?body=erf", _operator()),
}
