"""Grant providers: one per kind, or one for several kinds read from the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from verbund.accounts import principal as builder
from verbund.accounts.tests.factories import UserFactory
from verbund.common.principal import GRANT_KINDS, GrantKind

pytestmark = pytest.mark.django_db

FIRST, SECOND = "tests.first", "tests.second"


@pytest.fixture
def isolated_providers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two grant kinds of the test only; the registries are restored afterwards."""
    for name in (FIRST, SECOND):
        monkeypatch.setitem(GRANT_KINDS, name, GrantKind(name=name, label=name, scope="tests"))
    monkeypatch.setattr(builder, "_PROVIDERS", dict(builder._PROVIDERS))
    monkeypatch.setattr(builder, "_MULTI_PROVIDERS", dict(builder._MULTI_PROVIDERS))
    yield


def test_one_provider_for_several_kinds_fills_each_kind(isolated_providers: None) -> None:
    calls: list[int] = []

    def provider(user_id: int) -> dict[str, list[int]]:
        calls.append(user_id)
        return {FIRST: [3, 4], SECOND: ["7"]}  # type: ignore[list-item]  # ids may come as text

    builder.register_grants_provider((FIRST, SECOND), provider)
    user: Any = UserFactory()
    principal = builder.principal_for(user)

    assert calls == [user.pk]
    assert principal.has_grant(FIRST, 3) and principal.has_grant(FIRST, 4)
    assert principal.has_grant(SECOND, 7) and not principal.has_grant(SECOND, 3)


def test_a_kind_the_provider_leaves_out_is_held_for_nothing(isolated_providers: None) -> None:
    builder.register_grant_provider(SECOND, lambda user_id: [1])
    builder.register_grants_provider((FIRST, SECOND), lambda user_id: {FIRST: [1]})
    principal = builder.principal_for(UserFactory())

    assert principal.has_grant(FIRST, 1)
    assert not principal.has_grant(SECOND, 1)  # the multi-provider replaced the single one
    assert principal.granted(SECOND) == frozenset()


def test_unknown_kind_is_refused(isolated_providers: None) -> None:
    assert "tests.unknown" not in GRANT_KINDS
    with pytest.raises(ValueError, match=r"tests\.unknown"):
        builder.register_grants_provider(("tests.unknown",), lambda user_id: {})
