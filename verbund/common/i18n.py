"""Translation for pure modules (no Django): ``_`` and ``gettext_noop`` that the rules, parsers and
solvers call, and that :mod:`verbund.common.apps` connects to Django's gettext at start-up.

Pure code stays importable and testable without Django (its texts are German then); inside Verbund
the same call returns the text in the active language. The extractor (``tools/translations.py``)
finds ``_("…")`` here like anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable

_translate: Callable[[str], str] = lambda message: message  # noqa: E731


def connect(translate: Callable[[str], str]) -> None:
    """Let :func:`gettext` translate through ``translate`` (Django's gettext, set by CommonConfig)."""
    global _translate
    _translate = translate


def gettext(message: str) -> str:
    """``message`` in the active language (German source text without Django)."""
    return _translate(message)


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (translated where it is shown)."""
    return message


_ = gettext
