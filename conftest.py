"""Fixtures shared by every part's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings


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
