"""A small state-machine helper (pure: no Django).

Alliances' lifecycle, funding's application workflow and later advisory cases and crisis messages
are each a set of named transitions between states. A :class:`StateMachine` holds them, answers
which actions are possible from a state, and explains in German why one is not. The rules beyond
"this transition exists" (a legal form before signing, a budget before granting) stay with the part
that knows them; :meth:`StateMachine.target` is where both meet.

Example::

    LIFECYCLE = StateMachine(
        labels={"idee": "Idee", "beendet": "beendet"},
        transitions=[Transition("end", sources={"idee"}, target="beendet", label="beenden")],
    )
    LIFECYCLE.target("idee", "end")        # "beendet"
    LIFECYCLE.target("beendet", "end")     # raises TransitionError("… nicht möglich …")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .i18n import _


class TransitionError(ValueError):
    """A transition that does not exist from the current state (German message)."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: str = ""

    def __init__(self, action: str, *, sources: Iterable[str], target: str, label: str = "") -> None:
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "label", label or action)


@dataclass(frozen=True)
class StateMachine:
    #: state → German label, in the order the states are shown
    labels: Mapping[str, str]
    transitions: tuple[Transition, ...] = field(default_factory=tuple)

    def __init__(self, *, labels: Mapping[str, str], transitions: Iterable[Transition]) -> None:
        object.__setattr__(self, "labels", dict(labels))
        object.__setattr__(self, "transitions", tuple(transitions))
        actions = [t.action for t in self.transitions]
        if len(actions) != len(set(actions)):
            raise ValueError("every action of a state machine has one transition")
        for t in self.transitions:
            unknown = (t.sources | {t.target}) - set(self.labels)
            if unknown:
                raise ValueError(f"transition {t.action!r} names unknown states {sorted(unknown)}")

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, state: str) -> str:
        return self.labels.get(state, state)

    def transition(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise TransitionError(_("Unbekannte Aktion „%(action)s“.") % {"action": action})

    def actions_from(self, state: str) -> tuple[str, ...]:
        """The actions possible in ``state``, in declaration order."""
        return tuple(t.action for t in self.transitions if state in t.sources)

    def targets_from(self, state: str) -> tuple[str, ...]:
        """The states reachable from ``state`` in one step, without repeats, in declaration order."""
        seen: dict[str, None] = {}
        for t in self.transitions:
            if state in t.sources:
                seen.setdefault(t.target, None)
        return tuple(seen)

    def can(self, state: str, action: str) -> bool:
        return action in self.actions_from(state)

    def target(self, state: str, action: str) -> str:
        """The state after ``action`` from ``state``; :class:`TransitionError` if not possible."""
        t = self.transition(action)
        if state not in t.sources:
            raise TransitionError(
                _("„%(action)s“ ist im Status „%(state)s“ nicht möglich.")
                % {"action": _(t.label), "state": _(self.label(state))}
            )
        return t.target

    def action_to(self, state: str, target: str) -> str | None:
        """The action leading from ``state`` to ``target`` in one step, if there is one."""
        for t in self.transitions:
            if state in t.sources and t.target == target:
                return t.action
        return None
