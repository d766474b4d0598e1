"""The funding conditions that must hold, and the alliances at risk (the work queue, the programme
dashboard and the reports read :func:`conditions_at_risk`).

Three conditions per grant (an application in a granted state with its grant notice):

* **Dauer** (committed duration): the alliance must run at least the minimum years — the rule set's
  ``min_commitment_years`` (Bayern: 5), else the setting ``ADVISORY_MIN_COMMITMENT_YEARS`` (default 5,
  the practice of Bayern and Hessen; the RLP pilot publishes no minimum, DOMAIN.md §2/§9 — ``None``
  switches the check off for such programmes). At risk: the application commits fewer years or none,
  or the alliance has ended (or will end) before the minimum ran out (counted from the alliance's start,
  else the grant period's start).
* **Einsparung** (savings): the rule set's ``min_savings_percent`` (Bayern, Hessen: 15 %), else the
  setting ``ADVISORY_MIN_SAVINGS_PERCENT`` (default ``None``: no check). Measured savings of the
  alliance's finalized settlements (:mod:`.savings`, both sides before fees) when there are any, else
  the planned savings of the application. At risk: below the minimum, or nothing to judge by.
* **Verwendungsnachweis** (proof of use): due ``ADVISORY_PROOF_DUE_MONTHS`` (default 6, ANBest-P
  Nr. 6.1: by the end of the sixth month after the grant period) after the grant period ends. At
  risk: no proof submitted yet (status ``bewilligt``, also after a proof came back) and due within
  ``ADVISORY_PROOF_WARN_DAYS`` days (default 60) or overdue.

A constant number of queries whatever the number of grants (three).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from verbund.common.german import format_date, format_percent

#: Defaults of the settings (the setting of the same name overrides each).
DEFAULTS: dict[str, Any] = {
    "ADVISORY_MIN_COMMITMENT_YEARS": 5,
    "ADVISORY_MIN_SAVINGS_PERCENT": None,
    "ADVISORY_PROOF_DUE_MONTHS": 6,
    "ADVISORY_PROOF_WARN_DAYS": 60,
}

DURATION = "dauer"
SAVINGS = "einsparung"
PROOF = "verwendungsnachweis"
KIND_LABELS = {
    DURATION: "Dauer der Zusammenarbeit",
    SAVINGS: "Einsparung",
    PROOF: "Verwendungsnachweis",
}


@dataclass(frozen=True)
class ConditionRisk:
    """One condition of one alliance's grant that does not hold or is about to fail."""

    alliance_id: int
    alliance_name: str
    #: "dauer" (committed duration), "einsparung" (savings), "verwendungsnachweis" (proof of use due)
    kind: str
    #: German sentence naming the condition and what is wrong, e.g. "Verwendungsnachweis fällig am …"
    label: str
    due: dt.date | None = None
    #: where the user acts (a page path), may be ""
    url: str = ""
    detail: dict[str, Any] | None = None


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def condition_settings() -> dict[str, Any]:
    """The settings in force (JSON-ready), for the dashboard and the API."""
    savings = setting("ADVISORY_MIN_SAVINGS_PERCENT")
    return {
        "min_commitment_years": setting("ADVISORY_MIN_COMMITMENT_YEARS"),
        "min_savings_percent": None if savings is None else str(savings),
        "proof_due_months": setting("ADVISORY_PROOF_DUE_MONTHS"),
        "proof_warn_days": setting("ADVISORY_PROOF_WARN_DAYS"),
    }


def add_months_end(day: dt.date, months: int) -> dt.date:
    """The last day of the ``months``-th month after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def proof_due(period_end: dt.date) -> dt.date:
    """When the proof of use of a grant whose period ends on ``period_end`` is due."""
    return add_months_end(period_end, int(setting("ADVISORY_PROOF_DUE_MONTHS")))


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _url(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _measured_savings() -> dict[int, tuple[Decimal, Decimal]]:
    """Per alliance: (stand-alone, shared before fees) summed over its chosen finalized settlements."""
    from . import savings as method

    rows = (
        method.chosen_lines()
        .values(alliance_id=F("settlement__service__alliance_id"))
        .annotate(**method.saving_aggregates())
        .order_by()
    )
    return {r["alliance_id"]: (r["standalone"], r["shared"]) for r in rows}


def _url_maker(name: str, key: str, sentinel: int | str) -> Callable[[Any], str]:
    """``value -> reverse(name, kwargs={key: value})`` with one ``reverse()`` per call: the URL of a
    sentinel value is cut around it and the value put in its place (an int or a plain ASCII slug is
    put into the path unchanged by the converters; any other value goes through ``reverse()``)."""
    marker = str(sentinel)
    template = _url(name, **{key: sentinel})
    if template.count(marker) != 1:
        return lambda value: _url(name, **{key: value})
    head, tail = template.split(marker)
    plain = _PLAIN_INT if isinstance(sentinel, int) else _PLAIN_SLUG

    def make(value: Any) -> str:
        text = str(value)
        if type(value) is type(sentinel) and plain.fullmatch(text):
            return f"{head}{text}{tail}"
        return _url(name, **{key: value})

    return make


_PLAIN_INT = re.compile(r"[0-9]+")
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def conditions_at_risk(*, today: dt.date | None = None) -> list[ConditionRisk]:
    """Every alliance's funding conditions at risk on ``today``, most urgent first."""
    from verbund.alliances.models import Status as AllianceStatus
    from verbund.funding import rules, workflow
    from verbund.funding.models import Application, Programme

    from . import savings as method

    today = today or timezone.localdate()
    min_years_default = setting("ADVISORY_MIN_COMMITMENT_YEARS")
    min_savings_default = setting("ADVISORY_MIN_SAVINGS_PERCENT")
    min_savings_setting = None if min_savings_default is None else Decimal(str(min_savings_default))
    warn = dt.timedelta(days=int(setting("ADVISORY_PROOF_WARN_DAYS")))
    # plain rows, no model instances: thousands of grants are read on every dashboard load
    applications = list(
        Application.objects.filter(status__in=workflow.GRANTED, grant__isnull=False)
        .order_by("pk")
        .values_list(
            "pk",
            "number",
            "status",
            "commitment_years",
            "baseline_annual_costs",
            "expected_annual_costs",
            "programme_id",
            "alliance_id",
            "alliance__name",
            "alliance__slug",
            "alliance__status",
            "alliance__start_date",
            "alliance__end_date",
            "grant__period_start",
            "grant__period_end",
        )
    )
    if not applications:
        return []
    measured = _measured_savings()
    programmes = {
        pk: (code, rule_set)
        for pk, code, rule_set in Programme.objects.filter(
            pk__in={row[6] for row in applications}
        ).values_list("pk", "code", "rule_set")
    }
    rule_sets: dict[int, Any] = {}
    for pk, (_code, raw) in programmes.items():
        try:
            rule_sets[pk] = rules.RuleSet.from_dict(raw)
        except rules.RuleSetError:
            rule_sets[pk] = None
    # the sentences, translated once per call
    ends_early = _(
        "Der Verbund endet am %(end)s, vor Ablauf der Mindestdauer von %(years)s Jahren (bis %(until)s)."
    )
    not_stated = _(
        "Die Dauer der Zusammenarbeit ist im Antrag %(reference)s nicht angegeben; verlangt "
        "sind mindestens %(years)s Jahre."
    )
    too_short = _(
        "Zugesagt sind %(committed)s Jahre Zusammenarbeit (Antrag %(reference)s), verlangt "
        "sind mindestens %(years)s Jahre."
    )
    no_saving = _(
        "Keine Einsparung nachgewiesen (Antrag %(reference)s); verlangt sind mindestens %(minimum)s."
    )
    measured_low = _("Gemessene Einsparung %(percent)s, verlangt sind mindestens %(minimum)s.")
    planned_low = _(
        "Geplante Einsparung %(percent)s (Antrag %(reference)s), verlangt sind mindestens %(minimum)s."
    )
    proof_overdue = _("Verwendungsnachweis zu %(reference)s überfällig seit %(due)s.")
    proof_due_on = _("Verwendungsnachweis zu %(reference)s fällig am %(due)s.")
    application_url = _url_maker("funding:application_detail", "pk", 918273645)
    alliance_url = _url_maker("alliances:detail", "slug", "vb-platzhalter-918273645")
    minimum_text: dict[str, str] = {}
    risks: list[ConditionRisk] = []
    for (
        application_id,
        number,
        status,
        commitment_years,
        baseline_costs,
        expected_costs,
        programme_id,
        alliance_id,
        alliance_name,
        alliance_slug,
        alliance_status,
        alliance_start,
        alliance_end,
        period_start,
        period_end,
    ) in applications:
        rule_set = rule_sets[programme_id]
        reference = f"{programmes[programme_id][0]}-{number:04d}"
        base: dict[str, Any] = {"alliance_id": alliance_id, "alliance_name": alliance_name}
        detail = {"application_id": application_id, "reference": reference}

        # Dauer
        min_years = (rule_set.min_commitment_years if rule_set else None) or min_years_default
        if min_years:
            source = "Regelwerk" if rule_set and rule_set.min_commitment_years else "Einstellung"
            start = alliance_start or period_start
            required_until = _years_after(start, int(min_years))
            ends = alliance_end
            if alliance_status == AllianceStatus.BEENDET and ends is None:
                ends = today
            if ends is not None and ends < required_until:
                risks.append(
                    ConditionRisk(
                        **base,
                        kind=DURATION,
                        label=ends_early
                        % {
                            "end": format_date(ends),
                            "years": min_years,
                            "until": format_date(required_until),
                        },
                        due=ends,
                        url=alliance_url(alliance_slug),
                        detail={**detail, "minimum_years": min_years, "source": source},
                    )
                )
            elif commitment_years is None or commitment_years < int(min_years):
                label = not_stated if commitment_years is None else too_short
                risks.append(
                    ConditionRisk(
                        **base,
                        kind=DURATION,
                        label=label
                        % {"reference": reference, "committed": commitment_years, "years": min_years},
                        due=None,
                        url=application_url(application_id),
                        detail={**detail, "minimum_years": min_years, "source": source},
                    )
                )

        # Einsparung
        min_savings = (rule_set.min_savings_percent if rule_set else None) or min_savings_setting
        if min_savings is not None:
            percent: Decimal | None
            if alliance_id in measured and measured[alliance_id][0] > 0:
                standalone, shared = measured[alliance_id]
                percent = method.saving_percent(standalone - shared, standalone)
                basis = "gemessen"
            else:
                planned = method.planned_saving(baseline_costs, expected_costs)
                percent = (
                    None
                    if planned is None or baseline_costs is None
                    else method.saving_percent(planned, baseline_costs)
                )
                basis = "geplant"
            if percent is None or percent < min_savings:
                label = (
                    no_saving if percent is None else (measured_low if basis == "gemessen" else planned_low)
                )
                minimum_key = str(min_savings)  # "15" and "15.0" are equal but print differently
                if minimum_key not in minimum_text:
                    minimum_text[minimum_key] = format_percent(min_savings)
                risks.append(
                    ConditionRisk(
                        **base,
                        kind=SAVINGS,
                        label=label
                        % {
                            "reference": reference,
                            "percent": format_percent(percent) if percent is not None else "",
                            "minimum": minimum_text[minimum_key],
                        },
                        due=None,
                        url=application_url(application_id),
                        detail={
                            **detail,
                            "percent": None if percent is None else str(percent),
                            "minimum_percent": str(min_savings),
                            "basis": basis,
                        },
                    )
                )

        # Verwendungsnachweis
        if status == workflow.BEWILLIGT:
            due = proof_due(period_end)
            if due <= today + warn:
                label = proof_overdue if due < today else proof_due_on
                risks.append(
                    ConditionRisk(
                        **base,
                        kind=PROOF,
                        label=label % {"reference": reference, "due": format_date(due)},
                        due=due,
                        url=application_url(application_id),
                        detail={**detail, "overdue": due < today},
                    )
                )
    order = {PROOF: 0, DURATION: 1, SAVINGS: 2}
    risks.sort(key=lambda r: (r.due is None, r.due or dt.date.max, order[r.kind], r.alliance_name))
    return risks
