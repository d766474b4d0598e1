"""Property tests do not depend on the machine's speed (root conftest's Hypothesis profile)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies


def test_the_default_profile_has_no_deadline_and_no_speed_health_checks() -> None:
    profile = settings.default
    assert profile is not None
    assert profile.deadline is None
    assert {HealthCheck.too_slow, HealthCheck.data_too_large} <= set(profile.suppress_health_check)


@settings(max_examples=5)
@given(strategies.integers())
def test_a_test_with_its_own_settings_inherits_the_profile(value: int) -> None:
    assert settings().deadline is None
    assert isinstance(value, int)
