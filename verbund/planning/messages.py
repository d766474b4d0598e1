"""The texts a planning run stores, in the reader's language.

A run stores German text: the warnings of a plan (``Scenario.statistics["warnings"]``), the progress
note and the solvers' refusals. Each comes from a German message with named placeholders (declared
with ``gettext_noop`` next to the code that writes it, listed in
:data:`verbund.planning.solvers.STORED_MESSAGES`), so a stored text can be read back: it is matched
against the messages, and the matching message is translated and filled with the same values. A text
that matches no message (an older one, or one without placeholders) goes through ``gettext`` as it is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext

from .selectors.problem import OVERLAP
from .solvers import STORED_MESSAGES


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for message in [*STORED_MESSAGES, OVERLAP]:
        pieces = re.split(r"%\((\w+)\)s", message)
        regex = "".join(
            re.escape(piece.replace("%%", "%")) if i % 2 == 0 else f"(?P<{piece}>.+?)"
            for i, piece in enumerate(pieces)
        )
        patterns.append((re.compile(regex, re.DOTALL), message))
    return patterns


def stored_text(text: str) -> str:
    """``text`` as stored by a run (German), in the active language."""
    if not text:
        return text
    for pattern, message in _patterns():
        match = pattern.fullmatch(text)
        if match is not None:
            return gettext(message) % match.groupdict()
    return gettext(text)
