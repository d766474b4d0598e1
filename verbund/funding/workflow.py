"""The life of an application as a state machine (pure: no Django).

::

    entwurf ──submit──▶ eingereicht ──review──▶ in_pruefung ──grant──▶ bewilligt ──proof──▶ nachweis
       │                    │                   │   ▲    │                  ▲                  │  │
       │                    │        request_info│   │resubmit             └──return_proof────┘  │
       │                    │                   ▼   │    └──reject──▶ abgelehnt                  │
       │                    │                 rueckfrage                              accept_proof
       └──withdraw──▶ zurueckgezogen ◀──withdraw──┘ (also from eingereicht)                      ▼
                                                                                       abgeschlossen

Drawdowns (Mittelabrufe) happen while the application is ``bewilligt``; the proof of use
(Verwendungsnachweis) ends them. Who may fire which transition is decided by the services (the
applicant side drafts, submits, answers and proves; the funding authority reviews and decides); this
module only knows which transitions exist (on the platform's :class:`StateMachine`) and explains
in German why one does not.
"""

from __future__ import annotations

from verbund.common.i18n import _, gettext_noop
from verbund.common.statemachine import StateMachine, Transition, TransitionError

ENTWURF = "entwurf"
EINGEREICHT = "eingereicht"
IN_PRUEFUNG = "in_pruefung"
RUECKFRAGE = "rueckfrage"
BEWILLIGT = "bewilligt"
ABGELEHNT = "abgelehnt"
ZURUECKGEZOGEN = "zurueckgezogen"
NACHWEIS = "nachweis"
ABGESCHLOSSEN = "abgeschlossen"

STATUS_LABELS: dict[str, str] = {
    ENTWURF: gettext_noop("Entwurf"),
    EINGEREICHT: gettext_noop("eingereicht"),
    IN_PRUEFUNG: gettext_noop("in Prüfung"),
    RUECKFRAGE: gettext_noop("Rückfrage"),
    BEWILLIGT: gettext_noop("bewilligt"),
    ABGELEHNT: gettext_noop("abgelehnt"),
    ZURUECKGEZOGEN: gettext_noop("zurückgezogen"),
    NACHWEIS: gettext_noop("Verwendungsnachweis eingereicht"),
    ABGESCHLOSSEN: gettext_noop("abgeschlossen"),
}

#: The application's life: every action with the states it may start from and the state it leads to.
MACHINE = StateMachine(
    labels=STATUS_LABELS,
    transitions=[
        Transition("submit", sources={ENTWURF}, target=EINGEREICHT, label=gettext_noop("einreichen")),
        Transition(
            "withdraw",
            sources={ENTWURF, EINGEREICHT, IN_PRUEFUNG, RUECKFRAGE},
            target=ZURUECKGEZOGEN,
            label=gettext_noop("zurückziehen"),
        ),
        Transition(
            "review", sources={EINGEREICHT}, target=IN_PRUEFUNG, label=gettext_noop("Prüfung beginnen")
        ),
        Transition(
            "request_info", sources={IN_PRUEFUNG}, target=RUECKFRAGE, label=gettext_noop("Rückfrage stellen")
        ),
        Transition(
            "resubmit", sources={RUECKFRAGE}, target=IN_PRUEFUNG, label=gettext_noop("erneut einreichen")
        ),
        Transition("grant", sources={IN_PRUEFUNG}, target=BEWILLIGT, label=gettext_noop("bewilligen")),
        Transition("reject", sources={IN_PRUEFUNG}, target=ABGELEHNT, label=gettext_noop("ablehnen")),
        Transition(
            "submit_proof",
            sources={BEWILLIGT},
            target=NACHWEIS,
            label=gettext_noop("Verwendungsnachweis einreichen"),
        ),
        Transition(
            "return_proof",
            sources={NACHWEIS},
            target=BEWILLIGT,
            label=gettext_noop("Verwendungsnachweis zurückgeben"),
        ),
        Transition(
            "accept_proof",
            sources={NACHWEIS},
            target=ABGESCHLOSSEN,
            label=gettext_noop("Verwendungsnachweis annehmen"),
        ),
    ],
)

#: Statuses the applicant side may still edit (the draft, and the answer to a query).
EDITABLE = frozenset({ENTWURF, RUECKFRAGE})
#: Statuses that wait for the funding authority (its work queue).
WAITING_FOR_AUTHORITY = frozenset({EINGEREICHT, IN_PRUEFUNG, NACHWEIS})
#: Applications that count as "open" for the one-application-per-alliance rule.
OPEN = frozenset({ENTWURF, EINGEREICHT, IN_PRUEFUNG, RUECKFRAGE, BEWILLIGT, NACHWEIS})
#: Statuses in which a grant exists.
GRANTED = frozenset({BEWILLIGT, NACHWEIS, ABGESCHLOSSEN})
FINAL = frozenset({ABGELEHNT, ZURUECKGEZOGEN, ABGESCHLOSSEN})


def target(action: str) -> str:
    """The state ``action`` leads to."""
    return MACHINE.transition(action).target


def allowed(action: str, status: str) -> bool:
    """Whether ``action`` may be taken on an application in ``status``."""
    return MACHINE.can(status, action)


def refusal(action: str, status: str) -> str | None:
    """``None`` if ``action`` is allowed in ``status``, otherwise the German reason."""
    try:
        transition = MACHINE.transition(action)
    except TransitionError as exc:
        return str(exc)
    if status in transition.sources:
        return None
    where = ", ".join(f"„{_(MACHINE.label(s))}“" for s in MACHINE.states if s in transition.sources)
    return _("„%(action)s“ ist im Status „%(status)s“ nicht möglich (nur im Status %(allowed)s).") % {
        "action": _(transition.label),
        "status": _(MACHINE.label(status)),
        "allowed": where,
    }


def actions_from(status: str) -> list[str]:
    """The actions that exist from ``status`` (whoever may take them)."""
    return list(MACHINE.actions_from(status))
