"""Fixtures shared by every part's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests must not depend on the machine's speed: on a loaded 2-core machine Hypothesis's
# health checks ("too slow", "data too large" under time pressure) and per-example deadlines fail
# tests that are correct. Every profile a test sets on top keeps this (settings inherit the profile).
hypothesis_settings.register_profile(
    "verbund", deadline=None, suppress_health_check=list(HealthCheck), print_blob=True
)
hypothesis_settings.load_profile("verbund")


def shared_data_file(relative: str) -> Path:
    """A file of the official data directory; skips the test (with the reason) when it is absent.

    CI and developers' machines have ``../shared/data``; a user's fresh clone may not (README:
    "Getting the official data").
    """
    path = Path(settings.VERBUND_DATA_DIR) / relative
    if not path.is_file():
        pytest.skip(
            f"official data file {relative} not found in VERBUND_DATA_DIR={settings.VERBUND_DATA_DIR}"
        )
    return path


@pytest.fixture
def data_file():
    return shared_data_file


@pytest.fixture(autouse=True)
def _german_after_each_test():
    """LocaleMiddleware leaves the language of a test's last request active in the process; every
    test starts and ends in German, the default, whatever the one before it asked for."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
