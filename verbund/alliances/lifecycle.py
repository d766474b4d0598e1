"""The lifecycle of an alliance and the rules for moving it on (pure: no Django import).

Idee → Anbahnung → Vereinbarung geschlossen → Umsetzung → Regelbetrieb → beendet. An alliance moves
one stage at a time, because each stage is a real step the partners take (sounding out, signing,
starting work, routine operation) and skipping one would leave the timeline without the step that
the funding authority and the supervisory authority look for. It may end from any stage (a project
can fail at any point), and nothing follows "beendet": a new start is a new alliance.

The values are the database values of :class:`verbund.alliances.models.Status`; a test keeps the two
in step. The transitions themselves are a :class:`~verbund.common.statemachine.StateMachine`
(:data:`LIFECYCLE`); :func:`transition_problems` adds the rules beyond "this step exists".
"""

from __future__ import annotations

from collections.abc import Sequence

from verbund.common.statemachine import StateMachine, Transition

IDEE = "idee"
ANBAHNUNG = "anbahnung"
VEREINBARUNG = "vereinbarung"
UMSETZUNG = "umsetzung"
REGELBETRIEB = "regelbetrieb"
BEENDET = "beendet"

#: The stages in order.
STATUS_ORDER: Sequence[str] = (IDEE, ANBAHNUNG, VEREINBARUNG, UMSETZUNG, REGELBETRIEB, BEENDET)
STATUS_LABELS = {
    IDEE: "Idee",
    ANBAHNUNG: "Anbahnung",
    VEREINBARUNG: "Vereinbarung geschlossen",
    UMSETZUNG: "Umsetzung",
    REGELBETRIEB: "Regelbetrieb",
    BEENDET: "beendet",
}
#: Stages in which the partners are bound by an agreement, so the alliance must have a legal form.
BOUND_STAGES = frozenset({VEREINBARUNG, UMSETZUNG, REGELBETRIEB})

#: The value of "no legal form yet" (``LegalForm.NONE``).
NO_LEGAL_FORM = "none"
#: An agreement needs at least two parties.
MIN_MEMBERS_FOR_AGREEMENT = 2


#: The lifecycle as a state machine: one action per step on, and "beenden" from every open stage.
LIFECYCLE = StateMachine(
    labels=STATUS_LABELS,
    transitions=[
        Transition("anbahnen", sources={IDEE}, target=ANBAHNUNG, label="Anbahnung beginnen"),
        Transition("vereinbaren", sources={ANBAHNUNG}, target=VEREINBARUNG, label="Vereinbarung schließen"),
        Transition("umsetzen", sources={VEREINBARUNG}, target=UMSETZUNG, label="Umsetzung beginnen"),
        Transition(
            "in_regelbetrieb", sources={UMSETZUNG}, target=REGELBETRIEB, label="in den Regelbetrieb gehen"
        ),
        Transition(
            "beenden",
            sources={IDEE, ANBAHNUNG, VEREINBARUNG, UMSETZUNG, REGELBETRIEB},
            target=BEENDET,
            label="Verbund beenden",
        ),
    ],
)


def allowed_targets(current: str) -> tuple[str, ...]:
    """The stages an alliance in stage ``current`` may move to: the next one, and "beendet"."""
    if current not in LIFECYCLE.states:
        raise ValueError(f"unknown status {current!r}")
    return LIFECYCLE.targets_from(current)


def action_to(current: str, target: str) -> str | None:
    """The lifecycle action leading from ``current`` to ``target`` in one step, if there is one."""
    return LIFECYCLE.action_to(current, target)


def transition_problems(*, current: str, target: str, legal_form: str, member_count: int) -> list[str]:
    """Why the alliance may not move from ``current`` to ``target`` (German); empty when it may.

    ``member_count`` counts the current members (those who have not left).
    """
    if target not in STATUS_ORDER:
        return [f"Unbekannter Status „{target}“."]
    if target == current:
        return [f"Der Verbund ist bereits im Status „{STATUS_LABELS[current]}“."]
    if current == BEENDET:
        return [
            "Der Verbund ist beendet; danach ist kein Statuswechsel mehr möglich. "
            "Ein Neustart ist ein neuer Verbund."
        ]
    if LIFECYCLE.action_to(current, target) is None:
        following = allowed_targets(current)[0]
        return [
            f"Von „{STATUS_LABELS[current]}“ geht es nur zu „{STATUS_LABELS[following]}“ oder zu "
            f"„{STATUS_LABELS[BEENDET]}“, nicht zu „{STATUS_LABELS[target]}“: "
            "jede Stufe wird einzeln durchlaufen."
        ]
    problems: list[str] = []
    if target == VEREINBARUNG:
        if legal_form == NO_LEGAL_FORM:
            problems.append(
                "Für eine geschlossene Vereinbarung muss die Rechtsform feststehen (z. B. Zweckvereinbarung "
                "oder Kooperationsvereinbarung). Bitte zuerst die Rechtsform eintragen."
            )
        if member_count < MIN_MEMBERS_FOR_AGREEMENT:
            problems.append(
                f"Eine Vereinbarung braucht mindestens {MIN_MEMBERS_FOR_AGREEMENT} Mitglieder; "
                f"der Verbund hat derzeit {member_count}."
            )
    return problems
