"""The audit actions every part declares: a code, and the German sentence an entry reads as.

Each part lists its actions in ``<part>/audit_actions.py`` (imported from its ``AppConfig.ready()``)::

    ALLIANCE_CREATE = audit_action("alliance.create", "hat den Verbund {object} angelegt")

The sentence follows the actor's name and may use ``{object}`` (the object's name in German
quotes). :func:`verbund.audit.services.audit_record` refuses an action that nobody declared, so
the log never gains a free-text action again.

Next to its actions a part names the change keys its services write, in German, so that every
line of an entry reads ``Begründung der Abweichung: …`` and never ``Override reason: …``::

    audit_labels({"override_reason": "Begründung der Abweichung", "years": "Jahresraten"})
    audit_value_labels({"role": MemberRole.choices})  # coded values: the code stays, the page says the label

Sentences and labels are stored here in German and translated where they are shown: mark them
for the catalogue with ``gettext_noop`` (or ``gettext_lazy``), e.g.
``audit_action("alliance.create", gettext_noop("hat den Verbund {object} angelegt"))``. An entry in
the database holds codes, keys and values, never a sentence, so it reads in the reader's language.

The presenter (:mod:`verbund.audit.presenters`) prefers the model field's ``verbose_name`` of the
entry's object type, then these labels; a key nobody named is shown humanised and flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from verbund.common.i18n import gettext


@dataclass(frozen=True)
class AuditAction:
    code: str
    #: the predicate after the actor: "hat den Verbund {object} angelegt"
    sentence: str

    def __str__(self) -> str:
        return self.code

    def render(self, *, actor: str, object_repr: str) -> str:
        """The sentence in the active language (the German sentence is the msgid)."""
        obj = f"„{object_repr}“" if object_repr else ""
        predicate = gettext(str(self.sentence)).format(object=obj).replace("  ", " ").strip()
        return f"{actor} {predicate}."


ACTIONS: dict[str, AuditAction] = {}


class UnknownAuditAction(LookupError):
    """An audit entry was written with an action no part declared."""


def audit_action(code: str, sentence: str) -> AuditAction:
    """Declare an action (idempotent for the same declaration)."""
    if "." not in code:
        raise ValueError(f"audit action {code!r} must be '<entity>.<action>'")
    action = AuditAction(code=code, sentence=sentence)
    existing = ACTIONS.get(code)
    if existing is not None and existing != action:
        raise ValueError(f"audit action {code!r} is declared twice with different sentences")
    ACTIONS[code] = action
    return action


#: German labels of change keys, declared by the parts (``{"override_reason": "Begründung …"}``).
AUDIT_LABELS: dict[str, str] = {}


def audit_labels(labels: dict[str, str]) -> dict[str, str]:
    """Declare German labels for change keys (idempotent for the same label; a key is one word
    across all parts, so a second, different label for it is refused)."""
    for key, label in labels.items():
        if not label or not label.strip():
            raise ValueError(f"audit label for {key!r} is empty")
        existing = AUDIT_LABELS.get(key)
        if existing is not None and existing != label:
            raise ValueError(f"audit label {key!r} is declared twice: {existing!r} and {label!r}")
        AUDIT_LABELS[key] = label
    return labels


#: German labels of coded values under a change key (``{"role": {"mitglied": "Mitglied"}}``).
AUDIT_VALUE_LABELS: dict[str, dict[str, str]] = {}


def audit_value_labels(choices: dict[str, Iterable[tuple[Any, Any]]]) -> None:
    """Declare the German labels of coded values written under a change key, e.g.
    ``audit_value_labels({"role": MemberRole.choices})``: the entry keeps the code, the page shows
    the label. Several parts may add codes to one key; a code keeps one label."""
    for key, pairs in choices.items():
        known = AUDIT_VALUE_LABELS.setdefault(key, {})
        for code, label in pairs:
            existing = known.get(str(code))
            if existing is not None and existing != str(label):
                raise ValueError(f"audit value {key}={code!r} is labelled twice: {existing!r} and {label!r}")
            known[str(code)] = str(label)


def get_action(code: str | AuditAction) -> AuditAction:
    if isinstance(code, AuditAction):
        code = code.code
    try:
        return ACTIONS[code]
    except KeyError:
        raise UnknownAuditAction(
            f"audit action {code!r} is not declared in any audit_actions module"
        ) from None


def describe(code: str) -> str:
    """The sentence of ``code`` for a filter list (without actor and object)."""
    action = ACTIONS.get(code)
    if action is None:
        return code
    return gettext(str(action.sentence)).format(object="…").replace("  ", " ").strip()
