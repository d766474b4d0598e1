"""The audit actions every part declares: a code, and the German sentence an entry reads as.

Each part lists its actions in ``<part>/audit_actions.py`` (imported from its ``AppConfig.ready()``)::

    ALLIANCE_CREATE = audit_action("alliance.create", "hat den Verbund {object} angelegt")

The sentence follows the actor's name and may use ``{object}`` (the object's name in German
quotes). :func:`verbund.audit.services.audit_record` refuses an action that nobody declared, so
the log never gains a free-text action again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditAction:
    code: str
    #: the predicate after the actor: "hat den Verbund {object} angelegt"
    sentence: str

    def __str__(self) -> str:
        return self.code

    def render(self, *, actor: str, object_repr: str) -> str:
        obj = f"„{object_repr}“" if object_repr else ""
        predicate = self.sentence.format(object=obj).replace("  ", " ").strip()
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
    return action.sentence.format(object="…").replace("  ", " ").strip()
