"""The state-machine helper: transitions, German refusals, and its guards on declaration."""

from __future__ import annotations

import pytest

from verbund.common.statemachine import StateMachine, Transition, TransitionError

MACHINE = StateMachine(
    labels={"neu": "neu", "offen": "offen", "erledigt": "erledigt"},
    transitions=[
        Transition("open", sources={"neu"}, target="offen", label="öffnen"),
        Transition("close", sources={"neu", "offen"}, target="erledigt", label="abschließen"),
    ],
)


def test_targets_and_actions() -> None:
    assert MACHINE.target("neu", "open") == "offen"
    assert MACHINE.actions_from("neu") == ("open", "close")
    assert MACHINE.targets_from("offen") == ("erledigt",)
    assert MACHINE.action_to("offen", "erledigt") == "close"
    assert MACHINE.action_to("erledigt", "neu") is None
    assert MACHINE.can("offen", "close") and not MACHINE.can("erledigt", "close")


def test_refusal_is_german_and_names_state_and_action() -> None:
    with pytest.raises(TransitionError, match="„abschließen“ ist im Status „erledigt“ nicht möglich"):
        MACHINE.target("erledigt", "close")
    with pytest.raises(TransitionError, match="Unbekannte Aktion"):
        MACHINE.target("neu", "fly")


def test_declaration_errors() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine(labels={"a": "A"}, transitions=[Transition("x", sources={"a"}, target="b")])
    with pytest.raises(ValueError, match="one transition"):
        StateMachine(
            labels={"a": "A"},
            transitions=[
                Transition("x", sources={"a"}, target="a"),
                Transition("x", sources={"a"}, target="a"),
            ],
        )
