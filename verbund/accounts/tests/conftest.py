"""Fixtures of the accounts tests: two bodies with a head and a clerk each, an operator."""

from __future__ import annotations

from typing import Any

import pytest

from verbund.accounts.tests.factories import UserFactory
from verbund.registry.tests.factories import BodyFactory


@pytest.fixture
def body(db: Any) -> Any:
    return BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Landstuhl")


@pytest.fixture
def other_body(db: Any) -> Any:
    return BodyFactory.create(verbandsgemeinde=True, name="Verbandsgemeinde Ramstein-Miesenbach")


@pytest.fixture
def head(body: Any) -> Any:
    return UserFactory.create(username="leitung", head_of=body)


@pytest.fixture
def clerk(body: Any) -> Any:
    return UserFactory.create(username="sachbearbeitung", staff_of=body)


@pytest.fixture
def other_head(other_body: Any) -> Any:
    return UserFactory.create(username="leitung2", head_of=other_body)


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory.create(username="betrieb", operator=True)


@pytest.fixture
def plain_user(db: Any) -> Any:
    return UserFactory.create(username="ohne.rolle")
