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

from verbund.common.i18n import _, gettext_noop
from verbund.common.statemachine import StateMachine, Transition

IDEE = "idee"
ANBAHNUNG = "anbahnung"
VEREINBARUNG = "vereinbarung"
UMSETZUNG = "umsetzung"
REGELBETRIEB = "regelbetrieb"
BEENDET = "beendet"

#: The stages in order.
STATUS_ORDER: Sequence[str] = (IDEE, ANBAHNUNG, VEREINBARUNG, UMSETZUNG, REGELBETRIEB, BEENDET)
#: German labels (the msgids); :func:`status_label` gives them in the active language.
STATUS_LABELS = {
    IDEE: gettext_noop("Idee"),
    ANBAHNUNG: gettext_noop("Anbahnung"),
    VEREINBARUNG: gettext_noop("Vereinbarung geschlossen"),
    UMSETZUNG: gettext_noop("Umsetzung"),
    REGELBETRIEB: gettext_noop("Regelbetrieb"),
    BEENDET: gettext_noop("beendet"),
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
        Transition("anbahnen", sources={IDEE}, target=ANBAHNUNG, label=gettext_noop("Anbahnung beginnen")),
        Transition(
            "vereinbaren",
            sources={ANBAHNUNG},
            target=VEREINBARUNG,
            label=gettext_noop("Vereinbarung schließen"),
        ),
        Transition(
            "umsetzen", sources={VEREINBARUNG}, target=UMSETZUNG, label=gettext_noop("Umsetzung beginnen")
        ),
        Transition(
            "in_regelbetrieb",
            sources={UMSETZUNG},
            target=REGELBETRIEB,
            label=gettext_noop("in den Regelbetrieb gehen"),
        ),
        Transition(
            "beenden",
            sources={IDEE, ANBAHNUNG, VEREINBARUNG, UMSETZUNG, REGELBETRIEB},
            target=BEENDET,
            label=gettext_noop("Verbund beenden"),
        ),
    ],
)


def status_label(status: str) -> str:
    """The label of ``status`` in the active language."""
    return _(STATUS_LABELS[status])


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
        return [_("Unbekannter Status „%(status)s“.") % {"status": target}]
    if target == current:
        return [_("Der Verbund ist bereits im Status „%(status)s“.") % {"status": status_label(current)}]
    if current == BEENDET:
        return [
            _(
                "Der Verbund ist beendet; danach ist kein Statuswechsel mehr möglich. "
                "Ein Neustart ist ein neuer Verbund."
            )
        ]
    if LIFECYCLE.action_to(current, target) is None:
        following = allowed_targets(current)[0]
        return [
            _(
                "Von „%(current)s“ geht es nur zu „%(following)s“ oder zu „%(ended)s“, nicht zu "
                "„%(target)s“: jede Stufe wird einzeln durchlaufen."
            )
            % {
                "current": status_label(current),
                "following": status_label(following),
                "ended": status_label(BEENDET),
                "target": status_label(target),
            }
        ]
    problems: list[str] = []
    if target == VEREINBARUNG:
        if legal_form == NO_LEGAL_FORM:
            problems.append(
                _(
                    "Für eine geschlossene Vereinbarung muss die Rechtsform feststehen (z. B. "
                    "Zweckvereinbarung oder Kooperationsvereinbarung). Bitte zuerst die Rechtsform eintragen."
                )
            )
        if member_count < MIN_MEMBERS_FOR_AGREEMENT:
            problems.append(
                _(
                    "Eine Vereinbarung braucht mindestens %(minimum)d Mitglieder; der Verbund hat "
                    "derzeit %(count)d."
                )
                % {"minimum": MIN_MEMBERS_FOR_AGREEMENT, "count": member_count}
            )
    return problems
