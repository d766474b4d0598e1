"""Rule sets as data: cost categories, conditions of increases, :class:`RuleSet` and its JSON reader."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from verbund.common.i18n import _, gettext_noop

from .money import CENT, HUNDRED, ZERO, cents, eur

# --- Cost categories ---------------------------------------------------------------------------------

#: Eligible cost categories a programme may allow (DOMAIN.md §2 frame, LHO § 44).
COST_CATEGORIES: dict[str, str] = {
    "personal": gettext_noop("Personal"),
    "sachkosten": gettext_noop("Sachkosten"),
    "leistungen_dritter": gettext_noop("Leistungen Dritter / Beratung"),
    "it_software": gettext_noop("IT / Software"),
    "qualifizierung": gettext_noop("Qualifizierung"),
}

# --- Conditions of increases ---------------------------------------------------------------------------

MIXED_LEVELS = "mixed_levels"
NOT_CONTIGUOUS = "not_contiguous"
SPECIAL_NEED_REGION = "special_need_region"
CONDITIONS: dict[str, str] = {
    MIXED_LEVELS: gettext_noop("Mitglieder auf verschiedenen Verwaltungsebenen"),
    NOT_CONTIGUOUS: gettext_noop("Mitglieder ohne gemeinsame Grenze"),
    SPECIAL_NEED_REGION: gettext_noop("Raum mit besonderem Handlungsbedarf"),
}

#: Where an amount comes from.
BASIS_PUBLIC = "public"
BASIS_PLACEHOLDER = "placeholder"
BASIS_ASSUMPTION = "assumption"
BASES: dict[str, str] = {
    BASIS_PUBLIC: gettext_noop("öffentlich bekannt"),
    BASIS_PLACEHOLDER: gettext_noop("nicht öffentlich, bitte festlegen"),
    BASIS_ASSUMPTION: gettext_noop("Annahme"),
}

#: Settings of a rule set that may be marked as an assumption (inferred, not published).
ASSUMABLE: dict[str, str] = {
    "min_members": gettext_noop("Mindestzahl der Mitglieder"),
    "max_period_months": gettext_noop("höchste Laufzeit"),
    "max_rate_percent": gettext_noop("höchster Fördersatz"),
}
#: How an assumed setting is marked wherever it appears.
ASSUMPTION_MARK = gettext_noop("Annahme, nicht veröffentlicht")

FINANCING_SHARE = "anteil"
FINANCING_FIXED = "festbetrag"
FINANCING: dict[str, str] = {
    FINANCING_SHARE: gettext_noop("Anteilfinanzierung"),
    FINANCING_FIXED: gettext_noop("Festbetragsfinanzierung"),
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
        return _(CONDITIONS[self.condition]) if self.condition in CONDITIONS else self.condition

    def amount_text(self) -> str:
        text = eur(self.amount)
        if self.basis != BASIS_PUBLIC:
            text += f" ({_(BASES[self.basis])})"
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
    #: Settings (keys of :data:`ASSUMABLE`) that are inferred, not published; shown as
    #: "Annahme, nicht veröffentlicht" wherever they appear. The authority confirms or changes them.
    assumptions: tuple[str, ...] = ()

    def is_assumed(self, setting: str) -> bool:
        return setting in self.assumptions

    def assumption_note(self, setting: str) -> str:
        """`` (Annahme, nicht veröffentlicht)`` for an assumed setting, else ``""``."""
        return f" ({_(ASSUMPTION_MARK)})" if setting in self.assumptions else ""

    @property
    def assumed_settings(self) -> list[str]:
        """German labels of the assumed settings (for pages)."""
        return [_(ASSUMABLE[key]) for key in self.assumptions if key in ASSUMABLE]

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
            "assumptions": list(self.assumptions),
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
                self.errors.append(_("%(where)s: Betrag fehlt.") % {"where": where})
            return None
        if isinstance(value, float | bool):
            self.errors.append(
                _('%(where)s: Beträge bitte als Zeichenkette oder ganze Zahl angeben (z. B. "210000.00").')
                % {"where": where}
            )
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.errors.append(
                _("%(where)s: „%(value)s“ ist kein Betrag.") % {"where": where, "value": value}
            )
            return None
        if not amount.is_finite() or amount < 0:
            self.errors.append(_("%(where)s: Der Betrag darf nicht negativ sein.") % {"where": where})
            return None
        if amount != amount.quantize(CENT):
            self.errors.append(
                _("%(where)s: Beträge haben höchstens zwei Nachkommastellen.") % {"where": where}
            )
            return None
        return cents(amount)

    def _int(self, value: Any, where: str, *, optional: bool = False, minimum: int = 0) -> int | None:
        if value is None:
            if not optional:
                self.errors.append(_("%(where)s: Zahl fehlt.") % {"where": where})
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.append(_("%(where)s: ganze Zahl erwartet.") % {"where": where})
            return None
        if value < minimum:
            self.errors.append(_("%(where)s: mindestens %(minimum)s.") % {"where": where, "minimum": minimum})
            return None
        return value

    def _bool(self, value: Any, where: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.errors.append(_("%(where)s: ja/nein (true/false) erwartet.") % {"where": where})
            return default
        return value

    def read(self) -> RuleSet:
        data = self.data
        if not isinstance(data, Mapping):
            raise RuleSetError([_("Regelwerk: ein JSON-Objekt erwartet.")])
        unknown = sorted(set(data) - _KNOWN_KEYS)
        if unknown:
            self.errors.append(_("Unbekannte Angaben im Regelwerk: %(join)s.") % {"join": ", ".join(unknown)})
        name = str(data.get("name") or "").strip()
        if not name:
            self.errors.append(_("name: Bitte das Regelwerk benennen."))
        min_members = self._int(data.get("min_members", 2), "min_members", minimum=1) or 2
        tiers = self._tiers(data.get("cap_tiers"))
        increases = self._increases(data.get("increases") or [])
        rate = self._money(data.get("max_rate_percent", "100"), "max_rate_percent")
        if rate is not None and not (ZERO < rate <= HUNDRED):
            self.errors.append(_("max_rate_percent: zwischen 0 und 100."))
        financing = data.get("financing", FINANCING_SHARE)
        if financing not in FINANCING:
            self.errors.append(
                _("financing: „%(financing)s“ ist keine Finanzierungsart (%(join)s).")
                % {"financing": financing, "join": ", ".join(FINANCING)}
            )
        savings = self._money(data.get("min_savings_percent"), "min_savings_percent", optional=True)
        if savings is not None and savings > HUNDRED:
            self.errors.append(_("min_savings_percent: höchstens 100."))
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
            assumptions=self._assumptions(data.get("assumptions")),
        )
        if self.errors:
            raise RuleSetError(self.errors)
        return rule_set

    def _assumptions(self, raw: Any) -> tuple[str, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            self.errors.append(_('assumptions: eine Liste von Angaben erwartet (z. B. ["min_members"]).'))
            return ()
        unknown = sorted(set(raw) - set(ASSUMABLE))
        if unknown:
            self.errors.append(
                _("assumptions: „%(unknown)s“ kann nicht als Annahme markiert werden (möglich: %(join)s).")
                % {"unknown": ", ".join(unknown), "join": ", ".join(ASSUMABLE)}
            )
        return tuple(dict.fromkeys(item for item in raw if item in ASSUMABLE))

    def _tiers(self, raw: Any) -> tuple[CapTier, ...]:
        if not isinstance(raw, list) or not raw:
            self.errors.append(
                _("cap_tiers: mindestens eine Stufe (Mitgliederzahl und Höchstbetrag) angeben.")
            )
            return ()
        tiers: list[CapTier] = []
        for index, item in enumerate(raw, start=1):
            where = f"cap_tiers[{index}]"
            if not isinstance(item, Mapping):
                self.errors.append(_("%(where)s: ein Objekt erwartet.") % {"where": where})
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
            self.errors.append(_("increases: eine Liste erwartet."))
            return ()
        increases: list[CapIncrease] = []
        for index, item in enumerate(raw, start=1):
            where = f"increases[{index}]"
            if not isinstance(item, Mapping):
                self.errors.append(_("%(where)s: ein Objekt erwartet.") % {"where": where})
                continue
            condition = item.get("condition")
            if condition not in CONDITIONS:
                self.errors.append(
                    _("%(where)s.condition: „%(condition)s“ ist keine bekannte Bedingung (%(join)s).")
                    % {"where": where, "condition": condition, "join": ", ".join(CONDITIONS)}
                )
                continue
            basis = item.get("basis", BASIS_PUBLIC)
            if basis not in BASES:
                self.errors.append(
                    _("%(where)s.basis: „%(basis)s“ unbekannt (%(join)s).")
                    % {"where": where, "basis": basis, "join": ", ".join(BASES)}
                )
                continue
            amount = self._money(item.get("amount"), f"{where}.amount")
            if amount is not None:
                increases.append(CapIncrease(condition, amount, basis, str(item.get("note") or "")))
        return tuple(increases)
