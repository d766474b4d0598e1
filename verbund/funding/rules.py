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

Money is :class:`~decimal.Decimal`, exact to the cent; percentages are shown with two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

# --- Cost categories ---------------------------------------------------------------------------------

#: Eligible cost categories a programme may allow (DOMAIN.md §2 frame, LHO § 44).
COST_CATEGORIES: dict[str, str] = {
    "personal": "Personal",
    "sachkosten": "Sachkosten",
    "leistungen_dritter": "Leistungen Dritter / Beratung",
    "it_software": "IT / Software",
    "qualifizierung": "Qualifizierung",
}

# --- Conditions of increases ---------------------------------------------------------------------------

MIXED_LEVELS = "mixed_levels"
NOT_CONTIGUOUS = "not_contiguous"
SPECIAL_NEED_REGION = "special_need_region"
CONDITIONS: dict[str, str] = {
    MIXED_LEVELS: "Mitglieder auf verschiedenen Verwaltungsebenen",
    NOT_CONTIGUOUS: "Mitglieder ohne gemeinsame Grenze",
    SPECIAL_NEED_REGION: "Raum mit besonderem Handlungsbedarf",
}

#: Where an amount comes from.
BASIS_PUBLIC = "public"
BASIS_PLACEHOLDER = "placeholder"
BASIS_ASSUMPTION = "assumption"
BASES: dict[str, str] = {
    BASIS_PUBLIC: "öffentlich bekannt",
    BASIS_PLACEHOLDER: "nicht öffentlich, bitte festlegen",
    BASIS_ASSUMPTION: "Annahme",
}

FINANCING_SHARE = "anteil"
FINANCING_FIXED = "festbetrag"
FINANCING: dict[str, str] = {
    FINANCING_SHARE: "Anteilfinanzierung",
    FINANCING_FIXED: "Festbetragsfinanzierung",
}

#: Registry kinds that may never apply themselves when ``ortsgemeinden_via_verbandsgemeinde`` is set.
ORTSGEMEINDE = "ortsgemeinde"
#: Registry kinds of public bodies that can apply at all (no Land, no gemeindefreies Gebiet).
APPLICANT_KINDS = frozenset(
    {
        "landkreis",
        "kreis",
        "regionalverband",
        "kreisfreie_stadt",
        "verbandsgemeinde",
        "amt",
        "samtgemeinde",
        "verwaltungsgemeinschaft",
        "kirchspielslandgemeinde",
        "verwaltungsverband",
        "vg_traegermodell",
        "erfuellende_gemeinde",
        "verbandsfreie_gemeinde",
        "ortsgemeinde",
    }
)


class RuleSetError(ValueError):
    """A rule set (JSON) is malformed; ``messages`` are German and name the field."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


# --- Money and numbers ----------------------------------------------------------------------------------


def cents(value: Decimal | int | str) -> Decimal:
    """``value`` as a Decimal rounded to the cent (half up, as in German public finance)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _group(integer: str) -> str:
    digits = integer.lstrip("-")
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ("-" if integer.startswith("-") else "") + ".".join(groups)


def eur(value: Decimal | int | None) -> str:
    """German money format: ``321.411,61 EUR`` (exact, no float on the way)."""
    if value is None:
        return "–"
    text = f"{cents(value):f}"
    integer, _, fraction = text.partition(".")
    return f"{_group(integer)},{fraction or '00'} EUR"


def percent(value: Decimal) -> str:
    """``85,00 %``."""
    text = f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"
    integer, _, fraction = text.partition(".")
    return f"{_group(integer)},{fraction} %"


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " und " + names[-1]


# --- The rule set ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapTier:
    """From ``min_members`` members on: ``amount`` + ``per_additional_member`` × (members − min_members)."""

    min_members: int
    amount: Decimal
    per_additional_member: Decimal = ZERO

    def cap(self, members: int) -> Decimal:
        return cents(self.amount + self.per_additional_member * (members - self.min_members))


@dataclass(frozen=True)
class CapIncrease:
    """The cap rises by ``amount`` when ``condition`` (one of :data:`CONDITIONS`) holds."""

    condition: str
    amount: Decimal
    basis: str = BASIS_PUBLIC
    note: str = ""

    @property
    def label(self) -> str:
        return CONDITIONS.get(self.condition, self.condition)

    def amount_text(self) -> str:
        text = eur(self.amount)
        if self.basis != BASIS_PUBLIC:
            text += f" ({BASES[self.basis]})"
        return text


@dataclass(frozen=True)
class RuleSet:
    """The rules of one programme. Stored as JSON on the programme; see :meth:`from_dict`."""

    name: str
    cap_tiers: tuple[CapTier, ...]
    increases: tuple[CapIncrease, ...] = ()
    cap_ceiling: Decimal | None = None
    min_members: int = 2
    max_rate_percent: Decimal = HUNDRED
    financing: str = FINANCING_SHARE
    min_project_costs: Decimal | None = None
    min_savings_percent: Decimal | None = None
    min_commitment_years: int | None = None
    max_period_months: int | None = None
    ortsgemeinden_via_verbandsgemeinde: bool = True
    one_application_per_alliance: bool = True
    council_resolutions_required: bool = False
    source: str = ""

    # -- cap -------------------------------------------------------------------------------------

    def tier_for(self, members: int) -> CapTier | None:
        """The tier with the highest ``min_members`` not above ``members`` (``None``: below every tier)."""
        fitting = [t for t in self.cap_tiers if t.min_members <= members]
        return max(fitting, key=lambda t: t.min_members) if fitting else None

    @property
    def has_placeholders(self) -> bool:
        return any(i.basis == BASIS_PLACEHOLDER for i in self.increases)

    # -- JSON ------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: money and percentages as strings (exact), the rest as plain values."""
        return {
            "name": self.name,
            "source": self.source,
            "min_members": self.min_members,
            "cap_tiers": [
                {
                    "min_members": t.min_members,
                    "amount": str(t.amount),
                    "per_additional_member": str(t.per_additional_member),
                }
                for t in self.cap_tiers
            ],
            "increases": [
                {"condition": i.condition, "amount": str(i.amount), "basis": i.basis, "note": i.note}
                for i in self.increases
            ],
            "cap_ceiling": None if self.cap_ceiling is None else str(self.cap_ceiling),
            "max_rate_percent": str(self.max_rate_percent),
            "financing": self.financing,
            "min_project_costs": None if self.min_project_costs is None else str(self.min_project_costs),
            "min_savings_percent": None
            if self.min_savings_percent is None
            else str(self.min_savings_percent),
            "min_commitment_years": self.min_commitment_years,
            "max_period_months": self.max_period_months,
            "ortsgemeinden_via_verbandsgemeinde": self.ortsgemeinden_via_verbandsgemeinde,
            "one_application_per_alliance": self.one_application_per_alliance,
            "council_resolutions_required": self.council_resolutions_required,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RuleSet:
        """Read and validate a rule set; :class:`RuleSetError` lists every problem in German."""
        return _RuleSetReader(data).read()


_KNOWN_KEYS = frozenset(RuleSet.__dataclass_fields__)


class _RuleSetReader:
    """Validates the JSON of a rule set, collecting all errors rather than stopping at the first."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.errors: list[str] = []

    def _money(self, value: Any, where: str, *, optional: bool = False) -> Decimal | None:
        if value is None or value == "":
            if not optional:
                self.errors.append(f"{where}: Betrag fehlt.")
            return None
        if isinstance(value, float | bool):
            self.errors.append(
                f'{where}: Beträge bitte als Zeichenkette oder ganze Zahl angeben (z. B. "210000.00").'
            )
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.errors.append(f"{where}: „{value}“ ist kein Betrag.")
            return None
        if not amount.is_finite() or amount < 0:
            self.errors.append(f"{where}: Der Betrag darf nicht negativ sein.")
            return None
        if amount != amount.quantize(CENT):
            self.errors.append(f"{where}: Beträge haben höchstens zwei Nachkommastellen.")
            return None
        return cents(amount)

    def _int(self, value: Any, where: str, *, optional: bool = False, minimum: int = 0) -> int | None:
        if value is None:
            if not optional:
                self.errors.append(f"{where}: Zahl fehlt.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.append(f"{where}: ganze Zahl erwartet.")
            return None
        if value < minimum:
            self.errors.append(f"{where}: mindestens {minimum}.")
            return None
        return value

    def _bool(self, value: Any, where: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.errors.append(f"{where}: ja/nein (true/false) erwartet.")
            return default
        return value

    def read(self) -> RuleSet:
        data = self.data
        if not isinstance(data, Mapping):
            raise RuleSetError(["Regelwerk: ein JSON-Objekt erwartet."])
        unknown = sorted(set(data) - _KNOWN_KEYS)
        if unknown:
            self.errors.append(f"Unbekannte Angaben im Regelwerk: {', '.join(unknown)}.")
        name = str(data.get("name") or "").strip()
        if not name:
            self.errors.append("name: Bitte das Regelwerk benennen.")
        min_members = self._int(data.get("min_members", 2), "min_members", minimum=1) or 2
        tiers = self._tiers(data.get("cap_tiers"))
        increases = self._increases(data.get("increases") or [])
        rate = self._money(data.get("max_rate_percent", "100"), "max_rate_percent")
        if rate is not None and not (ZERO < rate <= HUNDRED):
            self.errors.append("max_rate_percent: zwischen 0 und 100.")
        financing = data.get("financing", FINANCING_SHARE)
        if financing not in FINANCING:
            self.errors.append(
                f"financing: „{financing}“ ist keine Finanzierungsart ({', '.join(FINANCING)})."
            )
        savings = self._money(data.get("min_savings_percent"), "min_savings_percent", optional=True)
        if savings is not None and savings > HUNDRED:
            self.errors.append("min_savings_percent: höchstens 100.")
        rule_set = RuleSet(
            name=name,
            source=str(data.get("source") or ""),
            min_members=min_members,
            cap_tiers=tiers,
            increases=increases,
            cap_ceiling=self._money(data.get("cap_ceiling"), "cap_ceiling", optional=True),
            max_rate_percent=rate if rate is not None else HUNDRED,
            financing=financing if financing in FINANCING else FINANCING_SHARE,
            min_project_costs=self._money(data.get("min_project_costs"), "min_project_costs", optional=True),
            min_savings_percent=savings,
            min_commitment_years=self._int(
                data.get("min_commitment_years"), "min_commitment_years", optional=True, minimum=1
            ),
            max_period_months=self._int(
                data.get("max_period_months"), "max_period_months", optional=True, minimum=1
            ),
            ortsgemeinden_via_verbandsgemeinde=self._bool(
                data.get("ortsgemeinden_via_verbandsgemeinde"), "ortsgemeinden_via_verbandsgemeinde", True
            ),
            one_application_per_alliance=self._bool(
                data.get("one_application_per_alliance"), "one_application_per_alliance", True
            ),
            council_resolutions_required=self._bool(
                data.get("council_resolutions_required"), "council_resolutions_required", False
            ),
        )
        if self.errors:
            raise RuleSetError(self.errors)
        return rule_set

    def _tiers(self, raw: Any) -> tuple[CapTier, ...]:
        if not isinstance(raw, list) or not raw:
            self.errors.append("cap_tiers: mindestens eine Stufe (Mitgliederzahl und Höchstbetrag) angeben.")
            return ()
        tiers: list[CapTier] = []
        for index, item in enumerate(raw, start=1):
            where = f"cap_tiers[{index}]"
            if not isinstance(item, Mapping):
                self.errors.append(f"{where}: ein Objekt erwartet.")
                continue
            members = self._int(item.get("min_members"), f"{where}.min_members", minimum=1)
            amount = self._money(item.get("amount"), f"{where}.amount")
            extra = self._money(item.get("per_additional_member", "0"), f"{where}.per_additional_member")
            if members is not None and amount is not None and extra is not None:
                tiers.append(CapTier(members, amount, extra))
        seen = [t.min_members for t in tiers]
        if len(seen) != len(set(seen)):
            self.errors.append("cap_tiers: jede Mitgliederzahl nur einmal.")
        return tuple(sorted(tiers, key=lambda t: t.min_members))

    def _increases(self, raw: Any) -> tuple[CapIncrease, ...]:
        if not isinstance(raw, list):
            self.errors.append("increases: eine Liste erwartet.")
            return ()
        increases: list[CapIncrease] = []
        for index, item in enumerate(raw, start=1):
            where = f"increases[{index}]"
            if not isinstance(item, Mapping):
                self.errors.append(f"{where}: ein Objekt erwartet.")
                continue
            condition = item.get("condition")
            if condition not in CONDITIONS:
                self.errors.append(
                    f"{where}.condition: „{condition}“ ist keine bekannte Bedingung "
                    f"({', '.join(CONDITIONS)})."
                )
                continue
            basis = item.get("basis", BASIS_PUBLIC)
            if basis not in BASES:
                self.errors.append(f"{where}.basis: „{basis}“ unbekannt ({', '.join(BASES)}).")
                continue
            amount = self._money(item.get("amount"), f"{where}.amount")
            if amount is not None:
                increases.append(CapIncrease(condition, amount, basis, str(item.get("note") or "")))
        return tuple(increases)


# --- Presets -------------------------------------------------------------------------------------------

NOT_PUBLIC_NOTE = "nicht öffentlich, bitte festlegen"


def _rlp_pilot() -> RuleSet:
    return RuleSet(
        name="IKZ-Pilotförderung Rheinland-Pfalz",
        source=(
            "add.rlp.de/themen/foerderungen/ikz; mdi.rlp.de (Stand 12/2025): 3 Kommunen bis 210.000 EUR, "
            "ab 4 Kommunen bis 320.000 EUR; Erhöhung bei verschiedenen Verwaltungsebenen oder fehlender "
            "gemeinsamer Grenze (Höhe nicht öffentlich); Fördersätze bis 100 %; Laufzeit 2 Jahre."
        ),
        min_members=3,
        cap_tiers=(CapTier(3, Decimal("210000.00")), CapTier(4, Decimal("320000.00"))),
        increases=(
            CapIncrease(MIXED_LEVELS, ZERO, BASIS_PLACEHOLDER, NOT_PUBLIC_NOTE),
            CapIncrease(NOT_CONTIGUOUS, ZERO, BASIS_PLACEHOLDER, NOT_PUBLIC_NOTE),
        ),
        max_rate_percent=HUNDRED,
        financing=FINANCING_SHARE,
        max_period_months=24,
        ortsgemeinden_via_verbandsgemeinde=True,
        one_application_per_alliance=True,
    )


def _nrw() -> RuleSet:
    return RuleSet(
        name="IKZ-Förderung Nordrhein-Westfalen",
        source="DOMAIN.md §2: 175.000 EUR für 2 Partner, je weiterem Partner 35.000 EUR, höchstens 90 %.",
        min_members=2,
        cap_tiers=(CapTier(2, Decimal("175000.00"), Decimal("35000.00")),),
        max_rate_percent=Decimal("90.00"),
        financing=FINANCING_SHARE,
        ortsgemeinden_via_verbandsgemeinde=False,
    )


def _bayern() -> RuleSet:
    return RuleSet(
        name="IKZ-Förderung Bayern",
        source=(
            "DOMAIN.md §2: Festbetrag 50.000 EUR (90.000 EUR im Raum mit besonderem Handlungsbedarf), "
            "höchstens 85 %, Vorhaben unter 5.000 EUR nicht gefördert, mindestens 15 % Einsparung und "
            "5 Jahre Dauer."
        ),
        min_members=2,
        cap_tiers=(CapTier(2, Decimal("50000.00")),),
        increases=(CapIncrease(SPECIAL_NEED_REGION, Decimal("40000.00"), BASIS_PUBLIC, ""),),
        max_rate_percent=Decimal("85.00"),
        financing=FINANCING_FIXED,
        min_project_costs=Decimal("5000.00"),
        min_savings_percent=Decimal("15.00"),
        min_commitment_years=5,
        ortsgemeinden_via_verbandsgemeinde=False,
    )


def _hessen() -> RuleSet:
    return RuleSet(
        name="IKZ-Förderung Hessen (Auszug)",
        source=(
            "DOMAIN.md §2: mindestens 15 % Einsparung, rechnerisch nachgewiesen; Sammelantrag einer "
            "Kommune mit Beschlüssen aller Beteiligten. Höchstbeträge hier nicht hinterlegt."
        ),
        min_members=2,
        cap_tiers=(CapTier(2, ZERO),),
        max_rate_percent=HUNDRED,
        min_savings_percent=Decimal("15.00"),
        council_resolutions_required=True,
        ortsgemeinden_via_verbandsgemeinde=False,
    )


#: Presets a new programme can start from (key → factory). Hessen's caps are not in DOMAIN.md.
PRESETS: dict[str, tuple[str, RuleSet]] = {
    "rlp_pilot": ("RLP: IKZ-Pilotförderung", _rlp_pilot()),
    "nrw": ("NRW", _nrw()),
    "bayern": ("Bayern", _bayern()),
    "hessen": ("Hessen (nur Einsparregel, Höchstbeträge festlegen)", _hessen()),
}


def preset(key: str) -> RuleSet:
    """A copy of a preset rule set (:data:`PRESETS`)."""
    try:
        return PRESETS[key][1]
    except KeyError:
        raise RuleSetError([f"Unbekannte Vorlage „{key}“ ({', '.join(PRESETS)})."]) from None


# --- Facts the checks need -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetYear:
    """One budget year of the programme: its budget and what grants have committed of it."""

    budget: Decimal
    committed: Decimal

    @property
    def free(self) -> Decimal:
        return cents(self.budget - self.committed)


@dataclass(frozen=True)
class ApplicationFacts:
    """Everything the checks look at, gathered from the application, the alliance and the registry.

    ``participants`` are the labels of the member bodies taking part; ``mixed_levels``/``contiguous``
    come from the alliance's derived facts of those bodies (``None``: unknown, e.g. no boundaries).
    ``costs`` maps a cost category to its planned amount (all years); ``requested_by_year`` the
    requested grant per budget year; ``budgets`` the programme's budget years.
    """

    applicant_label: str
    applicant_kind: str
    applicant_takes_part: bool
    participants: tuple[str, ...]
    mixed_levels: bool | None = None
    levels_reasoning: str = ""
    contiguous: bool | None = None
    isolated: tuple[str, ...] = ()
    contiguity_reasoning: str = ""
    special_need_region: bool = False
    eligible_categories: frozenset[str] = frozenset(COST_CATEGORIES)
    costs: Mapping[str, Decimal] = field(default_factory=dict)
    requested: Decimal = ZERO
    requested_by_year: Mapping[int, Decimal] = field(default_factory=dict)
    budgets: Mapping[int, BudgetYear] = field(default_factory=dict)
    baseline_annual_costs: Decimal | None = None
    expected_annual_costs: Decimal | None = None
    commitment_years: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    other_open_applications: tuple[str, ...] = ()
    members_without_resolution: tuple[str, ...] = ()
    window_opens: dt.date | None = None
    window_closes: dt.date | None = None
    today: dt.date | None = None

    @property
    def member_count(self) -> int:
        return len(self.participants)

    @property
    def eligible_costs(self) -> Decimal:
        return cents(sum((v for k, v in self.costs.items() if k in self.eligible_categories), ZERO))

    @property
    def ineligible_costs(self) -> Decimal:
        return cents(sum((v for k, v in self.costs.items() if k not in self.eligible_categories), ZERO))


# --- Results -------------------------------------------------------------------------------------------

OK = "ok"
FAIL = "fail"
WARNING = "warning"
NOT_APPLICABLE = "n/a"
STATUS_LABELS = {OK: "erfüllt", FAIL: "nicht erfüllt", WARNING: "Hinweis", NOT_APPLICABLE: "entfällt"}


@dataclass(frozen=True)
class CheckResult:
    """One check: ``code`` (stable), German ``label``, ``status`` and the ``explanation``."""

    code: str
    label: str
    status: str
    explanation: str
    overridable: bool = False

    @property
    def passed(self) -> bool:
        return self.status != FAIL

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "status": self.status,
            "status_label": self.status_label,
            "explanation": self.explanation,
            "overridable": self.overridable,
        }


@dataclass(frozen=True)
class CapResult:
    """The cap for the given facts (``None``: no tier applies) and how it was reached."""

    amount: Decimal | None
    steps: tuple[str, ...]
    uses_placeholder: bool = False
    uses_assumption: bool = False


def _condition_holds(condition: str, facts: ApplicationFacts) -> bool | None:
    if condition == MIXED_LEVELS:
        return facts.mixed_levels
    if condition == NOT_CONTIGUOUS:
        return None if facts.contiguous is None else not facts.contiguous
    if condition == SPECIAL_NEED_REGION:
        return facts.special_need_region
    return False


def compute_cap(rules: RuleSet, facts: ApplicationFacts) -> CapResult:
    """The Förderhöchstbetrag for the members taking part, with each step in German."""
    members = facts.member_count
    tier = rules.tier_for(members)
    if tier is None:
        smallest = min(t.min_members for t in rules.cap_tiers)
        return CapResult(
            None, (f"Für {members} Mitglieder sieht das Regelwerk keinen Höchstbetrag vor (ab {smallest}).",)
        )
    steps = []
    if tier.per_additional_member and members > tier.min_members:
        extra = members - tier.min_members
        steps.append(
            f"{tier.min_members} Mitglieder {eur(tier.amount)} + {extra} weitere × "
            f"{eur(tier.per_additional_member)} = {eur(tier.cap(members))}"
        )
    else:
        steps.append(f"{members} {'Mitglied' if members == 1 else 'Mitglieder'}: {eur(tier.cap(members))}")
    amount = tier.cap(members)
    placeholder = assumption = False
    for increase in rules.increases:
        holds = _condition_holds(increase.condition, facts)
        if holds is None:
            steps.append(f"ob „{increase.label}“ zutrifft, ist offen (Angaben fehlen), daher keine Erhöhung")
            continue
        if not holds:
            steps.append(f"keine Erhöhung für „{increase.label}“ (trifft nicht zu)")
            continue
        amount += increase.amount
        placeholder |= increase.basis == BASIS_PLACEHOLDER
        assumption |= increase.basis == BASIS_ASSUMPTION
        steps.append(f"Erhöhung für „{increase.label}“: + {increase.amount_text()}")
    if rules.cap_ceiling is not None and amount > rules.cap_ceiling:
        amount = rules.cap_ceiling
        steps.append(f"begrenzt auf die Obergrenze von {eur(rules.cap_ceiling)}")
    return CapResult(cents(amount), tuple(steps), placeholder, assumption)


# --- The checks ----------------------------------------------------------------------------------------


def check_eligibility(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    """Who may apply: a member body taking part, not an Ortsgemeinde (RLP), enough members."""
    label = "Antragsberechtigung"
    problems = []
    if facts.applicant_kind not in APPLICANT_KINDS:
        problems.append(
            f"{facts.applicant_label} ist keine kommunale Gebietskörperschaft, die Anträge stellen kann."
        )
    if rules.ortsgemeinden_via_verbandsgemeinde and facts.applicant_kind == ORTSGEMEINDE:
        problems.append(
            f"{facts.applicant_label} ist eine Ortsgemeinde; Ortsgemeinden stellen Anträge über ihre "
            "Verbandsgemeinde."
        )
    if not facts.applicant_takes_part:
        problems.append(
            f"{facts.applicant_label} nimmt nicht am Vorhaben teil; ein Mitglied beantragt im Namen des "
            "Verbunds, Dritte können keinen Antrag stellen."
        )
    if facts.member_count < rules.min_members:
        problems.append(
            f"Am Vorhaben nehmen {facts.member_count} Mitglieder teil; nötig sind mindestens "
            f"{rules.min_members}."
        )
    if problems:
        return CheckResult("eligibility", label, FAIL, " ".join(problems))
    return CheckResult(
        "eligibility",
        label,
        OK,
        f"{facts.applicant_label} beantragt im Namen des Verbunds; am Vorhaben nehmen "
        f"{facts.member_count} Mitglieder teil ({_join(list(facts.participants))}).",
    )


def check_single_application(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Ein Antrag je Verbund"
    if not rules.one_application_per_alliance:
        return CheckResult(
            "single_application", label, NOT_APPLICABLE, "Das Regelwerk erlaubt mehrere Anträge je Verbund."
        )
    if facts.other_open_applications:
        return CheckResult(
            "single_application",
            label,
            FAIL,
            "Der Verbund hat in diesem Programm bereits einen Antrag "
            f"({_join(list(facts.other_open_applications))}); ein Mitglied beantragt für den ganzen Verbund.",
        )
    return CheckResult(
        "single_application", label, OK, "Der Verbund hat in diesem Programm keinen weiteren Antrag."
    )


def check_window(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Antragsfrist"
    today, opens, closes = facts.today, facts.window_opens, facts.window_closes
    if today is None or (opens is None and closes is None):
        return CheckResult("window", label, NOT_APPLICABLE, "Das Programm hat keine Antragsfrist.")
    span = f"{opens:%d.%m.%Y}" if opens else "jederzeit"
    span += f" bis {closes:%d.%m.%Y}" if closes else " ohne Enddatum"
    if opens and today < opens:
        return CheckResult(
            "window", label, FAIL, f"Anträge können erst ab {opens:%d.%m.%Y} gestellt werden ({span})."
        )
    if closes and today > closes:
        return CheckResult("window", label, FAIL, f"Die Antragsfrist ist am {closes:%d.%m.%Y} abgelaufen.")
    return CheckResult("window", label, OK, f"Anträge sind möglich: {span}.")


def _months(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start`` to ``end`` inclusive; a begun month counts (1.1.–31.12. = 12)."""
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    return months + (1 if after.day > start.day else 0)


def check_period(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Laufzeit"
    start, end = facts.period_start, facts.period_end
    if start is None or end is None:
        return CheckResult("period", label, FAIL, "Bitte Beginn und Ende des Vorhabens angeben.")
    if end < start:
        return CheckResult("period", label, FAIL, "Das Ende des Vorhabens liegt vor seinem Beginn.")
    months = _months(start, end)
    span = f"{start:%d.%m.%Y} bis {end:%d.%m.%Y} ({months} Monate)"
    if rules.max_period_months is not None and months > rules.max_period_months:
        return CheckResult(
            "period",
            label,
            FAIL,
            f"Die Laufzeit {span} ist länger als die höchstens {rules.max_period_months} Monate "
            "des Programms.",
            overridable=True,
        )
    limit = f"; höchstens {rules.max_period_months} Monate" if rules.max_period_months else ""
    return CheckResult("period", label, OK, f"Laufzeit {span}{limit}.")


def check_cap(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Förderhöchstbetrag"
    cap = compute_cap(rules, facts)
    reasoning = "; ".join(cap.steps)
    notes = []
    if facts.mixed_levels is not None and any(i.condition == MIXED_LEVELS for i in rules.increases):
        notes.append(facts.levels_reasoning)
    if facts.contiguous is not None and any(i.condition == NOT_CONTIGUOUS for i in rules.increases):
        notes.append(facts.contiguity_reasoning)
    facts_text = " ".join(n for n in notes if n)
    if cap.amount is None:
        return CheckResult("cap", label, FAIL, reasoning, overridable=False)
    if cap.amount == ZERO and not rules.increases:
        return CheckResult(
            "cap",
            label,
            WARNING,
            "Im Regelwerk ist kein Höchstbetrag festgelegt (0,00 EUR); bitte festlegen.",
        )
    caveat = ""
    if cap.uses_placeholder:
        caveat += " Die Höhe der Erhöhung ist nicht öffentlich und im Regelwerk noch nicht festgelegt."
    if cap.uses_assumption:
        caveat += " Die Höhe der Erhöhung ist eine Annahme, kein veröffentlichter Wert."
    summary = f"Höchstbetrag {eur(cap.amount)} ({reasoning}).{caveat}"
    if facts_text:
        summary += f" {facts_text}"
    if facts.requested > cap.amount:
        over = cents(facts.requested - cap.amount)
        return CheckResult(
            "cap",
            label,
            FAIL,
            f"Beantragt sind {eur(facts.requested)}, {eur(over)} mehr als erlaubt. {summary}",
            overridable=True,
        )
    return CheckResult("cap", label, OK, f"Beantragt sind {eur(facts.requested)}. {summary}")


def funding_rate(requested: Decimal, eligible_costs: Decimal) -> Decimal | None:
    """Requested ÷ eligible costs in percent (two decimals), ``None`` without costs."""
    if eligible_costs <= 0:
        return None
    return (requested * HUNDRED / eligible_costs).quantize(CENT, rounding=ROUND_HALF_UP)


def max_grant_by_rate(rules: RuleSet, eligible_costs: Decimal) -> Decimal:
    """The largest grant the rate allows (rounded down to the cent, so it never exceeds the rate)."""
    return (eligible_costs * rules.max_rate_percent / HUNDRED).quantize(CENT, rounding=ROUND_DOWN)


def check_rate(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Fördersatz"
    eligible = facts.eligible_costs
    ineligible = ""
    if facts.ineligible_costs:
        ineligible = f" Nicht förderfähig (Kategorie nicht im Programm): {eur(facts.ineligible_costs)}."
    if eligible <= 0:
        return CheckResult(
            "rate", label, FAIL, "Der Kostenplan enthält keine förderfähigen Kosten." + ineligible
        )
    rate = funding_rate(facts.requested, eligible)
    assert rate is not None
    allowed = max_grant_by_rate(rules, eligible)
    text = (
        f"{eur(facts.requested)} von {eur(eligible)} förderfähigen Kosten = {percent(rate)}; "
        f"erlaubt sind höchstens {percent(rules.max_rate_percent)} ({eur(allowed)})."
    )
    if facts.requested > allowed:
        return CheckResult("rate", label, FAIL, text + ineligible, overridable=True)
    if facts.requested <= 0:
        return CheckResult("rate", label, FAIL, "Bitte den beantragten Betrag angeben." + ineligible)
    return CheckResult("rate", label, OK, text + ineligible)


def check_min_size(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Mindestgröße des Vorhabens"
    if rules.min_project_costs is None:
        return CheckResult("min_size", label, NOT_APPLICABLE, "Das Regelwerk kennt keine Mindestgröße.")
    eligible = facts.eligible_costs
    if eligible < rules.min_project_costs:
        return CheckResult(
            "min_size",
            label,
            FAIL,
            f"Vorhaben mit förderfähigen Kosten unter {eur(rules.min_project_costs)} werden nicht gefördert; "
            f"geplant sind {eur(eligible)}.",
        )
    return CheckResult(
        "min_size",
        label,
        OK,
        f"Förderfähige Kosten {eur(eligible)}, mindestens {eur(rules.min_project_costs)} sind nötig.",
    )


def savings_percent(baseline: Decimal, expected: Decimal) -> Decimal | None:
    """(baseline − expected) ÷ baseline in percent, cut (not rounded) to two decimals, so that a
    share just below a minimum never shows as reaching it (``None`` without a baseline)."""
    if baseline <= 0:
        return None
    return ((baseline - expected) * HUNDRED / baseline).quantize(CENT, rounding=ROUND_DOWN)


def _meets_savings(baseline: Decimal, expected: Decimal, minimum: Decimal) -> bool:
    """Exact comparison (no rounding): (baseline − expected) × 100 ≥ minimum × baseline."""
    return (baseline - expected) * HUNDRED >= minimum * baseline


def check_savings(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Einsparung"
    baseline, expected = facts.baseline_annual_costs, facts.expected_annual_costs
    minimum = rules.min_savings_percent
    if baseline is None or expected is None:
        if minimum is None:
            return CheckResult(
                "savings", label, NOT_APPLICABLE, "Das Regelwerk verlangt keine Einsparung; keine Angaben."
            )
        return CheckResult(
            "savings",
            label,
            FAIL,
            f"Nötig sind mindestens {percent(minimum)} Einsparung, rechnerisch nachgewiesen: bitte die "
            "jährlichen Kosten ohne und mit Kooperation angeben.",
            overridable=True,
        )
    share = savings_percent(baseline, expected)
    if share is None:
        return CheckResult("savings", label, FAIL, "Die Kosten ohne Kooperation müssen größer als 0 sein.")
    arithmetic = (
        f"({eur(baseline)} − {eur(expected)}) ÷ {eur(baseline)} = {percent(share)} "
        f"({eur(cents(baseline - expected))} je Jahr)"
    )
    if minimum is None:
        return CheckResult("savings", label, OK, f"Erwartete Einsparung: {arithmetic}.")
    if not _meets_savings(baseline, expected, minimum):
        return CheckResult(
            "savings",
            label,
            FAIL,
            f"Erwartete Einsparung {arithmetic}; nötig sind mindestens {percent(minimum)}.",
            overridable=True,
        )
    return CheckResult(
        "savings", label, OK, f"Erwartete Einsparung {arithmetic}; nötig sind mindestens {percent(minimum)}."
    )


def check_duration(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Dauer der Zusammenarbeit"
    minimum = rules.min_commitment_years
    years = facts.commitment_years
    if minimum is None:
        text = "Das Regelwerk verlangt keine Mindestdauer."
        if years:
            text += f" Angegeben: {years} Jahre."
        return CheckResult("duration", label, NOT_APPLICABLE, text)
    if years is None:
        return CheckResult(
            "duration",
            label,
            FAIL,
            f"Die Zusammenarbeit muss mindestens {minimum} Jahre dauern; bitte die geplante Dauer angeben.",
            overridable=True,
        )
    if years < minimum:
        return CheckResult(
            "duration",
            label,
            FAIL,
            f"Geplant sind {years} Jahre; die Zusammenarbeit muss mindestens {minimum} Jahre dauern.",
            overridable=True,
        )
    return CheckResult("duration", label, OK, f"Geplant sind {years} Jahre; mindestens {minimum} sind nötig.")


def check_resolutions(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    label = "Ratsbeschlüsse"
    missing = list(facts.members_without_resolution)
    if not rules.council_resolutions_required:
        if missing:
            return CheckResult(
                "resolutions",
                label,
                WARNING,
                f"Nicht verlangt; noch ohne Beschluss im Verbund: {_join(missing)}.",
            )
        return CheckResult(
            "resolutions", label, NOT_APPLICABLE, "Nicht verlangt; alle Beschlüsse liegen vor."
        )
    if missing:
        return CheckResult(
            "resolutions",
            label,
            FAIL,
            f"Das Programm verlangt den Beschluss jedes beteiligten Mitglieds; es fehlen: {_join(missing)}. "
            "Beschlüsse werden beim Verbund erfasst und von dort übernommen.",
            overridable=True,
        )
    return CheckResult("resolutions", label, OK, "Für jedes beteiligte Mitglied liegt ein Beschluss vor.")


def check_budget(rules: RuleSet, facts: ApplicationFacts) -> CheckResult:
    """Each requested budget year exists and has enough free budget; the years add up to the request."""
    label = "Haushaltsmittel"
    if not facts.requested_by_year:
        return CheckResult(
            "budget", label, FAIL, "Bitte angeben, wie viel in welchem Haushaltsjahr benötigt wird."
        )
    problems, fine = [], []
    for year in sorted(facts.requested_by_year):
        amount = facts.requested_by_year[year]
        budget = facts.budgets.get(year)
        if budget is None:
            known = ", ".join(str(y) for y in sorted(facts.budgets)) or "keine"
            problems.append(f"Für {year} hat das Programm keine Mittel (Haushaltsjahre: {known}).")
        elif amount > budget.free:
            problems.append(
                f"{year}: beantragt {eur(amount)}, frei sind nur noch {eur(budget.free)} "
                f"von {eur(budget.budget)}."
            )
        else:
            fine.append(f"{year}: {eur(amount)} von noch freien {eur(budget.free)}")
    total = cents(sum(facts.requested_by_year.values(), ZERO))
    if total != cents(facts.requested):
        problems.append(
            f"Die Beträge je Haushaltsjahr ergeben {eur(total)}, beantragt sind aber {eur(facts.requested)}."
        )
    if problems:
        return CheckResult("budget", label, FAIL, " ".join(problems + fine))
    return CheckResult("budget", label, OK, "Mittel verfügbar: " + "; ".join(fine) + ".")


#: The checks in the order a page shows them (each a plugin: ``(rules, facts) -> CheckResult``).
CHECKS = (
    check_eligibility,
    check_single_application,
    check_window,
    check_period,
    check_cap,
    check_rate,
    check_min_size,
    check_savings,
    check_duration,
    check_resolutions,
    check_budget,
)


def run_checks(rules: RuleSet, facts: ApplicationFacts, *, skip: Iterable[str] = ()) -> list[CheckResult]:
    """Run every check (except the codes in ``skip``) and return the results in display order."""
    skipped = set(skip)
    results = [check(rules, facts) for check in CHECKS]
    return [r for r in results if r.code not in skipped]


def blocking(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Failed checks that no reason can override."""
    return [r for r in results if r.status == FAIL and not r.overridable]


def needing_reason(results: Iterable[CheckResult]) -> list[CheckResult]:
    """Failed checks that may be overridden with a written reason."""
    return [r for r in results if r.status == FAIL and r.overridable]


# --- Proof of use --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """Outcome of a proof of use: what the alliance is entitled to and what it must repay."""

    entitled: Decimal
    drawn: Decimal
    repayment: Decimal
    outstanding: Decimal
    explanation: str


def settle(
    *,
    financing: str,
    granted: Decimal,
    planned_eligible: Decimal,
    actual_eligible: Decimal,
    drawn: Decimal,
) -> Settlement:
    """Compare actual costs with the grant.

    Anteilfinanzierung: the grant shrinks in proportion when the eligible costs fall short of the
    plan, ``granted × actual ÷ planned`` (rounded half up to the cent, never above the grant).
    Festbetragsfinanzierung: the fixed amount stays unless the actual eligible costs fall below it.
    What was drawn above the entitlement is repaid; what is entitled but not drawn is outstanding.
    """
    granted, planned_eligible, actual_eligible, drawn = (
        cents(granted),
        cents(planned_eligible),
        cents(actual_eligible),
        cents(drawn),
    )
    if financing == FINANCING_FIXED:
        entitled = min(granted, actual_eligible)
        how = f"Festbetrag {eur(granted)}; tatsächliche förderfähige Kosten {eur(actual_eligible)}" + (
            " – der Festbetrag bleibt."
            if actual_eligible >= granted
            else " – der Festbetrag sinkt auf die Kosten."
        )
    else:
        if planned_eligible <= 0:
            entitled = ZERO
        else:
            entitled = min(granted, cents(granted * actual_eligible / planned_eligible))
        how = (
            f"Anteilfinanzierung: {eur(granted)} × {eur(actual_eligible)} tatsächliche ÷ "
            f"{eur(planned_eligible)} geplante förderfähige Kosten = {eur(entitled)}"
            + (" (höchstens die Bewilligung)" if actual_eligible > planned_eligible else "")
        )
    repayment = max(ZERO, cents(drawn - entitled))
    outstanding = max(ZERO, cents(entitled - drawn))
    if repayment:
        tail = f" Abgerufen wurden {eur(drawn)}; zurückzuzahlen sind {eur(repayment)}."
    elif outstanding:
        tail = f" Abgerufen wurden {eur(drawn)}; noch auszuzahlen sind {eur(outstanding)}."
    else:
        tail = f" Abgerufen wurden {eur(drawn)}; es bleibt nichts zu erstatten."
    return Settlement(cents(entitled), drawn, repayment, outstanding, how + "." + tail)


def split_evenly(total: Decimal, years: Sequence[int]) -> dict[int, Decimal]:
    """Split ``total`` over ``years`` to the cent; the first years take the remaining cents."""
    if not years:
        return {}
    total = cents(total)
    count = len(years)
    base = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    remainder = int((total - base * count) / CENT)
    return {year: base + (CENT if index < remainder else ZERO) for index, year in enumerate(years)}
