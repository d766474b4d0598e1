"""The funding rule engine: rule sets as data, checks that explain themselves in German (no Django).

A programme stores its rule set as JSON (:meth:`RuleSet.to_dict` / :meth:`RuleSet.from_dict`); the
same engine runs every programme, so a new programme (or another Land's rules) is new data, not new
code. The rules of DOMAIN.md §2:

* **Cap** (Förderhöchstbetrag) by the number of member bodies taking part: tiers
  (``min_members`` → ``amount``, plus ``per_additional_member`` above the tier's minimum), raised by
  **increases** when a condition of the alliance holds (members on different administrative levels,
  members without a shared border, a region with special need), optionally limited by a ceiling.
  Each amount says whether it is public, a placeholder (the real figure is not public: "nicht
  öffentlich, bitte festlegen") or an assumption (demo data), and the explanation says so too.
* **Funding rate** (Fördersatz): the grant may cover at most ``max_rate_percent`` of the eligible
  costs; ``financing`` is ``anteil`` (share of the costs) or ``festbetrag`` (fixed amount).
* **Minimum project size** (Bagatellgrenze), **minimum savings** (proven arithmetically from the
  yearly costs without and with cooperation), **minimum duration** of the cooperation, **maximum
  project period**.
* **Who may apply**: one member on behalf of the alliance (the applicant must take part; one open
  application per alliance and programme), Ortsgemeinden only through their Verbandsgemeinde,
  optionally council resolutions of every member.
* **Budget**: the requested amount of each budget year must fit what is still free in that year.

:func:`run_checks` turns an :class:`ApplicationFacts` into a list of :class:`CheckResult`, each with a
German explanation. A failed check is *overridable* when the funding authority may grant anyway with
a written reason (e.g. a cap exceeded for reasons the public rules do not show); eligibility, the
minimum size and the budget are never overridable.

The package, by concern (every name is re-exported here, so ``rules.X`` keeps working):

* :mod:`.money` — cents, German money and percent text, even splits over years;
* :mod:`.ruleset` — cost categories, conditions, :class:`RuleSet` and its validating JSON reader;
* :mod:`.presets` — the rule sets of RLP, NRW, Bayern and Hessen;
* :mod:`.checks` — the facts, the checks, :func:`run_checks`, :func:`compute_cap`;
* :mod:`.settlement` — :func:`settle` (proof of use).

Money is :class:`~decimal.Decimal`, exact to the cent; percentages are shown with two decimals.
"""

from .checks import *  # noqa: F403
from .money import *  # noqa: F403
from .presets import *  # noqa: F403
from .ruleset import *  # noqa: F403
from .settlement import *  # noqa: F403
