"""Every audit sentence and label that a part declares has an English translation, so that the audit
log reads English for an English reader (the log stores codes; the words are translated when shown)."""

from __future__ import annotations

from tools import translations
from verbund.audit.actions import ACTIONS, AUDIT_LABELS, AUDIT_VALUE_LABELS


def _english() -> dict[str, str]:
    known: dict[str, str] = {}
    for part in translations.parts():
        for message in translations.load(part, "en"):
            if message.id and isinstance(message.id, str) and message.string:
                known[message.id] = str(message.string)
    return known


def test_every_declared_audit_text_has_english() -> None:
    english = _english()
    texts = (
        [action.sentence for action in ACTIONS.values()]
        + [str(label) for label in AUDIT_LABELS.values()]
        + [str(label) for labels in AUDIT_VALUE_LABELS.values() for label in labels.values()]
    )
    assert len(texts) > 100  # every part's declarations are loaded
    gaps = sorted({text for text in texts if text not in english})
    assert not gaps, "audit texts without English (mark them with gettext_noop and translate):\n" + "\n".join(
        gaps
    )
