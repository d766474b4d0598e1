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
module only knows which transitions exist and explains in German why one does not.
"""

from __future__ import annotations

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
    ENTWURF: "Entwurf",
    EINGEREICHT: "eingereicht",
    IN_PRUEFUNG: "in Prüfung",
    RUECKFRAGE: "Rückfrage",
    BEWILLIGT: "bewilligt",
    ABGELEHNT: "abgelehnt",
    ZURUECKGEZOGEN: "zurückgezogen",
    NACHWEIS: "Verwendungsnachweis eingereicht",
    ABGESCHLOSSEN: "abgeschlossen",
}

#: action → (allowed from, to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({ENTWURF}), EINGEREICHT),
    "withdraw": (frozenset({ENTWURF, EINGEREICHT, IN_PRUEFUNG, RUECKFRAGE}), ZURUECKGEZOGEN),
    "review": (frozenset({EINGEREICHT}), IN_PRUEFUNG),
    "request_info": (frozenset({IN_PRUEFUNG}), RUECKFRAGE),
    "resubmit": (frozenset({RUECKFRAGE}), IN_PRUEFUNG),
    "grant": (frozenset({IN_PRUEFUNG}), BEWILLIGT),
    "reject": (frozenset({IN_PRUEFUNG}), ABGELEHNT),
    "submit_proof": (frozenset({BEWILLIGT}), NACHWEIS),
    "return_proof": (frozenset({NACHWEIS}), BEWILLIGT),
    "accept_proof": (frozenset({NACHWEIS}), ABGESCHLOSSEN),
}

ACTION_LABELS: dict[str, str] = {
    "submit": "einreichen",
    "withdraw": "zurückziehen",
    "review": "Prüfung beginnen",
    "request_info": "Rückfrage stellen",
    "resubmit": "erneut einreichen",
    "grant": "bewilligen",
    "reject": "ablehnen",
    "submit_proof": "Verwendungsnachweis einreichen",
    "return_proof": "Verwendungsnachweis zurückgeben",
    "accept_proof": "Verwendungsnachweis annehmen",
}

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
    return TRANSITIONS[action][1]


def allowed(action: str, status: str) -> bool:
    """Whether ``action`` may be taken on an application in ``status``."""
    sources, _ = TRANSITIONS[action]
    return status in sources


def refusal(action: str, status: str) -> str | None:
    """``None`` if ``action`` is allowed in ``status``, otherwise the German reason."""
    if action not in TRANSITIONS:
        return f"Unbekannte Aktion „{action}“."
    if allowed(action, status):
        return None
    sources, _ = TRANSITIONS[action]
    where = ", ".join(f"„{STATUS_LABELS[s]}“" for s in sorted(sources, key=list(STATUS_LABELS).index))
    return (
        f"„{ACTION_LABELS[action]}“ ist im Status „{STATUS_LABELS[status]}“ nicht möglich "
        f"(nur im Status {where})."
    )


def actions_from(status: str) -> list[str]:
    """The actions that exist from ``status`` (whoever may take them)."""
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]
