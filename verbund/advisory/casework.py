"""The state machine of an advisory case (pure: no Django).

angefragt → in Beratung → Empfehlung → abgeschlossen; "ruht" from any open state and back to the
state the case came from ("wieder aufnehmen" resumes into "in Beratung"); an Empfehlung may go back
into Beratung; a closed case can be reopened into Beratung.
"""

from __future__ import annotations

from verbund.common.i18n import gettext_noop
from verbund.common.statemachine import StateMachine, Transition

ANGEFRAGT = "angefragt"
IN_BERATUNG = "in_beratung"
EMPFEHLUNG = "empfehlung"
ABGESCHLOSSEN = "abgeschlossen"
RUHT = "ruht"

STATE_LABELS = {
    ANGEFRAGT: gettext_noop("angefragt"),
    IN_BERATUNG: gettext_noop("in Beratung"),
    EMPFEHLUNG: gettext_noop("Empfehlung"),
    ABGESCHLOSSEN: gettext_noop("abgeschlossen"),
    RUHT: gettext_noop("ruht"),
}

CASE_STATES = StateMachine(
    labels=STATE_LABELS,
    transitions=[
        Transition(
            "beginnen", sources={ANGEFRAGT}, target=IN_BERATUNG, label=gettext_noop("Beratung beginnen")
        ),
        Transition(
            "empfehlen", sources={IN_BERATUNG}, target=EMPFEHLUNG, label=gettext_noop("Empfehlung geben")
        ),
        Transition(
            "nachberaten", sources={EMPFEHLUNG}, target=IN_BERATUNG, label=gettext_noop("weiter beraten")
        ),
        Transition(
            "abschliessen",
            sources={ANGEFRAGT, IN_BERATUNG, EMPFEHLUNG, RUHT},
            target=ABGESCHLOSSEN,
            label=gettext_noop("abschließen"),
        ),
        Transition(
            "ruhen",
            sources={ANGEFRAGT, IN_BERATUNG, EMPFEHLUNG},
            target=RUHT,
            label=gettext_noop("ruhen lassen"),
        ),
        Transition("aufnehmen", sources={RUHT}, target=IN_BERATUNG, label=gettext_noop("wieder aufnehmen")),
        Transition(
            "wiedereroeffnen",
            sources={ABGESCHLOSSEN},
            target=IN_BERATUNG,
            label=gettext_noop("wieder eröffnen"),
        ),
    ],
)
