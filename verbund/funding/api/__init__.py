"""``/api/v1/funding``: programmes, applications with their actions and checks, drawdowns, proofs of
use and the portfolio, with the access rules of the UI.

Programmes and presets are public. Everything about applications needs a signed-in user (401
otherwise); an application the caller may not see answers 404 like one that does not exist; a step
the caller may not take answers 403; a step the status does not allow answers 409
(``invalid_status``); failed checks answer 422 (``checks_failed``); an exhausted budget or grant 409
(``budget_exceeded``, ``drawdown_exceeds_grant``). Money is a decimal string with two places
("321411.61"), never a float. Lists are ``{"items": [...], "count": N}`` (``limit``, ``offset``) in a
constant number of queries. Every endpoint declares its response schemas (:mod:`.schemas`).

* :mod:`.programmes` — presets, programmes, budget years;
* :mod:`.applications` — applications, checks and the steps of the workflow;
* :mod:`.payments` — drawdowns, proofs of use, the portfolio.
"""

from . import applications, payments, programmes  # noqa: F401  (register the endpoints)
from .router import router

__all__ = ["router"]
