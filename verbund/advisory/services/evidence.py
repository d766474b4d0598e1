"""Evidence per alliance: before/after figures entered per year, each with its source.

* Who: an alliance's figures are entered by its coordinators and the office
  (:func:`~verbund.advisory.policies.enters_evidence`) and read by its insiders, the office and the
  funding authority (:func:`~verbund.advisory.policies.reads_evidence`). Everybody else gets 404 for
  the alliance (as if it had no figures page), a reader who may not enter gets 403.
* What: one row per alliance, year, metric (and label for "Sonstiges"): the value before the
  cooperation, the value in the year, the unit and the source. A second row for the same
  alliance, year and metric is refused naming the field ``metric`` (``label`` for "Sonstiges").
* Direction: each metric knows whether lower or higher is better (:data:`BETTER`); a figure says in
  words whether it improved or deteriorated (:func:`assess`), not only by colour.
* History: every change is audited (:data:`~verbund.advisory.audit_actions.EVIDENCE_SET`) on the
  alliance with capitalised German change keys; :func:`history` reads them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from verbund.alliances.models import Alliance
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.german import format_number
from verbund.common.principal import Principal

from .. import audit_actions, policies
from ..models.evidence import EvidenceFigure, Metric

#: Years a figure may be entered for.
FIRST_YEAR = 2000
LAST_YEAR = 2100

LOWER = "lower"
HIGHER = "higher"
#: Which way is better per metric (``None``: no judgement, e.g. case counts or own metrics).
BETTER: dict[str, str | None] = {
    Metric.COST_PER_CASE: LOWER,
    Metric.PROCESSING_DAYS: LOWER,
    Metric.SERVICE_HOURS: HIGHER,
    Metric.VACANCIES_COVERED: HIGHER,
    Metric.CASES: None,
    Metric.COST_TOTAL: LOWER,
    Metric.OTHER: None,
}
#: The default unit shown when a figure has none.
DEFAULT_UNITS: dict[str, str] = {
    Metric.COST_PER_CASE: "EUR",
    Metric.PROCESSING_DAYS: gettext_noop("Tage"),
    Metric.SERVICE_HOURS: gettext_noop("Stunden je Woche"),
    Metric.VACANCIES_COVERED: gettext_noop("Stellen"),
    Metric.CASES: gettext_noop("Fälle"),
    Metric.COST_TOTAL: "EUR",
    Metric.OTHER: "",
}

ENTER_REFUSAL = gettext_noop("Kennzahlen eines Verbunds erfassen seine Koordination und die Beratungsstelle.")

IMPROVED = "besser"
WORSENED = "schlechter"
UNCHANGED = "gleich"
NEUTRAL = "ohne"
UNKNOWN = "offen"


@dataclass(frozen=True)
class Assessment:
    """How a figure changed: ``state`` (besser/schlechter/gleich/ohne/offen), the German words and
    the relative change in per cent (``None`` without a basis)."""

    state: str
    words: str
    change_percent: Decimal | None


def better_direction_words(metric: str) -> str:
    """ "niedriger ist besser" / "höher ist besser" / "" for a metric."""
    direction = BETTER.get(metric)
    if direction == LOWER:
        return _("niedriger ist besser")
    if direction == HIGHER:
        return _("höher ist besser")
    return ""


def assess(metric: str, before: Decimal | None, after: Decimal | None) -> Assessment:
    """Whether ``after`` is an improvement over ``before`` for ``metric``, in words."""
    if before is None or after is None:
        return Assessment(UNKNOWN, _("kein Vergleich (ein Wert fehlt)"), None)
    change = None
    if before != 0:
        change = ((after - before) * 100 / abs(before)).quantize(Decimal("0.1"))
    direction = BETTER.get(metric)
    if after == before:
        return Assessment(UNCHANGED, _("unverändert"), change)
    went_up = after > before
    percent = "" if change is None else f" ({'+' if change > 0 else ''}{format_number(change, 1)} %)"
    if direction is None:
        words = _("gestiegen") if went_up else _("gesunken")
        return Assessment(NEUTRAL, words + percent + " – " + _("ohne Wertung"), change)
    improved = went_up if direction == HIGHER else not went_up
    if improved:
        words = (_("besser: gestiegen") if went_up else _("besser: gesunken")) + percent
        return Assessment(IMPROVED, words, change)
    words = (_("schlechter: gestiegen") if went_up else _("schlechter: gesunken")) + percent
    return Assessment(WORSENED, words, change)


# --- reading ---------------------------------------------------------------------------------------


def get_alliance(principal: Principal, slug: str) -> Alliance:
    """The alliance ``slug`` if ``principal`` reads its figures; otherwise 404 (as for none)."""
    alliance = Alliance.objects.filter(slug=slug).first()
    if alliance is None or not policies.reads_evidence(principal, alliance.pk):
        raise NotFound()
    return alliance


def get_alliance_by_id(principal: Principal, alliance_id: int) -> Alliance:
    alliance = Alliance.objects.filter(pk=alliance_id).first()
    if alliance is None or not policies.reads_evidence(principal, alliance.pk):
        raise NotFound()
    return alliance


def figures_of(principal: Principal, alliance: Alliance) -> QuerySet[EvidenceFigure]:
    """The figures of ``alliance`` (newest year first), 404 for those who may not read them."""
    if not policies.reads_evidence(principal, alliance.pk):
        raise NotFound()
    return EvidenceFigure.objects.filter(alliance=alliance).order_by("-year", "metric", "label", "id")


def visible_figures(principal: Principal) -> QuerySet[EvidenceFigure]:
    """Every figure ``principal`` reads: all for the office, the funding authority and readers of
    everything; else those of the alliances they coordinate or whose member bodies they work for."""
    from verbund.alliances.models import Membership

    figures = EvidenceFigure.objects.all()
    if policies.is_office(principal) or policies.reads_programme(principal):
        return figures
    if not principal.is_person:
        return figures.none()
    if principal.reads_everything():
        return figures
    ids: set[int] = set(principal.granted("alliance.coordinator"))
    body_ids = principal.body_ids()
    if body_ids:
        ids |= set(
            Membership.objects.current().filter(body_id__in=body_ids).values_list("alliance_id", flat=True)
        )
    return figures.filter(alliance_id__in=ids)


def get_figure(principal: Principal, figure_id: int) -> EvidenceFigure:
    figure = EvidenceFigure.objects.select_related("alliance").filter(pk=figure_id).first()
    if figure is None or not policies.reads_evidence(principal, figure.alliance_id):
        raise NotFound()
    return figure


@dataclass(frozen=True)
class FigureRow:
    figure: EvidenceFigure
    name: str
    unit: str
    better: str
    assessment: Assessment


@dataclass(frozen=True)
class YearTable:
    year: int
    rows: list[FigureRow]


def metric_name(figure: EvidenceFigure) -> str:
    if figure.metric == Metric.OTHER and figure.label:
        return figure.label
    return str(figure.get_metric_display())


def unit_of(figure: EvidenceFigure) -> str:
    if figure.unit:
        return figure.unit
    default = DEFAULT_UNITS.get(figure.metric, "")
    return _(default) if default else ""


def row_of(figure: EvidenceFigure) -> FigureRow:
    return FigureRow(
        figure=figure,
        name=metric_name(figure),
        unit=unit_of(figure),
        better=better_direction_words(figure.metric),
        assessment=assess(figure.metric, figure.before, figure.after),
    )


def tables(figures: Iterable[EvidenceFigure]) -> list[YearTable]:
    """The figures grouped per year (newest first)."""
    by_year: dict[int, list[FigureRow]] = {}
    for figure in figures:
        by_year.setdefault(figure.year, []).append(row_of(figure))
    return [YearTable(year, by_year[year]) for year in sorted(by_year, reverse=True)]


def history(principal: Principal, alliance: Alliance, *, limit: int = 50) -> list[Any]:
    """The audit entries of the alliance's figures, newest first (readers of the figures only)."""
    from verbund.audit.models import AuditEntry
    from verbund.audit.presenters import present

    if not policies.reads_evidence(principal, alliance.pk):
        raise NotFound()
    entries = AuditEntry.objects.filter(
        action=audit_actions.EVIDENCE_SET.code, alliance_id=alliance.pk
    ).order_by("-at", "-id")[:limit]
    return [present(entry) for entry in entries]


def highlights(*, year: int, limit: int = 10) -> list[dict[str, Any]]:
    """The clearest improvements of ``year`` across all alliances (for the programme report):
    figures with a judgement, sorted by the size of the relative improvement."""
    rows: list[tuple[Decimal, dict[str, Any]]] = []
    for figure in EvidenceFigure.objects.filter(year=year).select_related("alliance"):
        assessment = assess(figure.metric, figure.before, figure.after)
        if assessment.state != IMPROVED or assessment.change_percent is None:
            continue
        rows.append(
            (
                abs(assessment.change_percent),
                {
                    "alliance": figure.alliance.name,
                    "metric": metric_name(figure),
                    "unit": unit_of(figure),
                    "before": figure.before,
                    "after": figure.after,
                    "words": assessment.words,
                    "change": assessment.change_percent,
                    "source": figure.source,
                },
            )
        )
    rows.sort(key=lambda r: (-r[0], r[1]["alliance"], r[1]["metric"]))
    return [row for _size, row in rows[:limit]]


# --- writing ---------------------------------------------------------------------------------------


def may_enter(principal: Principal, alliance: Alliance) -> bool:
    return policies.enters_evidence(principal, alliance.pk)


def _check(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    year = values.get("year")
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = [
            _("Bitte ein Jahr zwischen %(first)s und %(last)s angeben.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        ]
    metric = values.get("metric")
    if metric not in Metric.values:
        errors["metric"] = [_("Bitte eine Kennzahl aus der Liste wählen.")]
    label = (values.get("label") or "").strip()
    if metric == Metric.OTHER and not label:
        errors["label"] = [_("Eine sonstige Kennzahl braucht eine Bezeichnung.")]
    if metric != Metric.OTHER:
        label = ""
    source = (values.get("source") or "").strip()
    if not source:
        errors["source"] = [
            _("Bitte die Quelle der Zahlen angeben (z. B. Haushaltsplan 2025, eigene Zählung).")
        ]
    before, after = values.get("before"), values.get("after")
    if before is None and after is None:
        errors["after"] = [_("Bitte mindestens einen Wert angeben (vorher oder im Jahr).")]
    for name, value in (("before", before), ("after", after)):
        if value is not None and Decimal(value) < 0:
            errors[name] = [_("Der Wert darf nicht negativ sein.")]
        elif value is not None and abs(Decimal(value)) >= Decimal("1000000000000"):
            errors[name] = [_("Der Wert ist zu groß.")]
    if errors:
        raise Invalid(fields=errors)
    return {
        "year": year,
        "metric": metric,
        "label": label[:200],
        "unit": (values.get("unit") or "").strip()[:30],
        "before": None if before is None else Decimal(before).quantize(Decimal("0.01")),
        "after": None if after is None else Decimal(after).quantize(Decimal("0.01")),
        "source": source[:500],
    }


def _duplicate(metric: str) -> Invalid:
    field = "label" if metric == Metric.OTHER else "metric"
    message = (
        _("Eine sonstige Kennzahl mit dieser Bezeichnung gibt es für dieses Jahr schon.")
        if metric == Metric.OTHER
        else _("Diese Kennzahl ist für dieses Jahr schon erfasst; bitte die vorhandene ändern.")
    )
    return Invalid(fields={field: [message]}, code="duplicate")


def _text(value: Decimal | None) -> str:
    return "–" if value is None else format_number(value, None)


def _changes(old: EvidenceFigure | None, new: dict[str, Any], name: str) -> dict[str, Any]:
    changes: dict[str, Any] = {"Jahr": new["year"], "Kennzahl": name}
    pairs = (
        ("Vorher", "before", _text),
        ("Im Jahr", "after", _text),
        ("Einheit", "unit", str),
        ("Quelle", "source", str),
    )
    for key, field, show in pairs:
        value = show(new[field])
        if old is None:
            changes[key] = value
        else:
            previous = show(getattr(old, field))
            if previous != value:
                changes[key] = [previous, value]
    return changes


def evidence_set(
    *,
    actor: Actor,
    alliance: Alliance,
    values: dict[str, Any],
    figure: EvidenceFigure | None = None,
) -> EvidenceFigure:
    """Enter a new figure of ``alliance`` (``figure`` ``None``) or change ``figure``.

    ``values``: ``year``, ``metric``, ``label`` (for "Sonstiges"), ``unit``, ``before``, ``after``
    (``Decimal`` or ``None``), ``source``. Refusals: 404 for those who may not read the figures,
    403 for readers who may not enter, 422 naming the field (a duplicate names ``metric``).
    """
    principal = authorize(actor)
    if not policies.reads_evidence(principal, alliance.pk):
        raise NotFound()
    if not policies.enters_evidence(principal, alliance.pk):
        raise Forbidden(_(ENTER_REFUSAL))
    if figure is not None and figure.alliance_id != alliance.pk:
        raise NotFound()
    clean = _check(values)
    with transaction.atomic():
        old = None
        if figure is not None:
            old = EvidenceFigure.objects.select_for_update().filter(pk=figure.pk).first()
            if old is None:
                raise NotFound()
        clash = EvidenceFigure.objects.filter(
            alliance=alliance, year=clean["year"], metric=clean["metric"], label=clean["label"]
        )
        if old is not None:
            clash = clash.exclude(pk=old.pk)
        if clash.exists():
            raise _duplicate(clean["metric"])
        target = old or EvidenceFigure(alliance=alliance)
        name = str(Metric(clean["metric"]).label) if clean["metric"] != Metric.OTHER else clean["label"]
        changes = _changes(old, clean, name)
        for field, value in clean.items():
            setattr(target, field, value)
        target.entered_by_id = principal.user_id if principal.is_person else None
        try:
            with transaction.atomic():
                target.save()
        except IntegrityError:
            raise _duplicate(clean["metric"]) from None
        audit_record(actor=actor, action=audit_actions.EVIDENCE_SET, target=alliance, changes=changes)
    return target


def evidence_delete(*, actor: Actor, figure: EvidenceFigure) -> None:
    """Remove a figure entered by mistake (same rights as entering)."""
    principal = authorize(actor)
    alliance = figure.alliance
    if not policies.reads_evidence(principal, alliance.pk):
        raise NotFound()
    if not policies.enters_evidence(principal, alliance.pk):
        raise Forbidden(_(ENTER_REFUSAL))
    with transaction.atomic():
        name = metric_name(figure)
        year = figure.year
        deleted, _rows = EvidenceFigure.objects.filter(pk=figure.pk).delete()
        if not deleted:
            raise NotFound()
        audit_record(
            actor=actor,
            action=audit_actions.EVIDENCE_SET,
            target=alliance,
            changes={"Jahr": year, "Kennzahl": name, "Gelöscht": True},
        )


def current_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year
