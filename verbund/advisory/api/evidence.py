"""``/api/v1/advisory``: evidence per alliance (before/after figures per year, each with its source).

* ``GET /evidence?alliance=<slug>`` (``year``, ``metric``; paginated) — the alliance's figures, for
  its insiders, the office and the funding authority (404 for anybody else, 401 without login);
  without ``alliance`` the figures of every alliance the caller reads.
* ``GET /evidence/{figure_id}`` — one figure.
* ``POST /evidence`` — a new figure (the alliance's coordinators and the office; 403 for other
  readers); a second figure for the same alliance, year and metric is a 422 naming ``metric``.
* ``PUT /evidence/{figure_id}`` — replace a figure.

Values may be JSON numbers or German text as typed ("1.234,56"). Each figure says in words whether
it improved (``assessment``): lower cost per case is better, more service hours are better.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import Field, field_validator

from verbund.common.api import (
    ErrorOut,
    ObjectId,
    Page,
    PageParams,
    api_person,
    api_user,
    choices_enum,
    named_refusal,
)
from verbund.common.api import paginate as paginate_api
from verbund.common.errors import Invalid
from verbund.common.german import GermanNumberError, parse_decimal

from ..models.evidence import EvidenceFigure, Metric
from ..services import evidence as svc

router = Router()
_READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_WRITE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

AdvisoryEvidenceMetric = choices_enum(
    "AdvisoryEvidenceMetric",
    Metric,
    "Kennzahl: kosten_je_fall, bearbeitungszeit, servicezeiten, vakanzen, fallzahl, kosten_gesamt, sonstiges",
)


class AdvisoryEvidenceFilter(Schema):
    alliance: str | None = Field(
        None, min_length=1, max_length=80, description="Kürzel des Verbunds (ohne: alle lesbaren Verbünde)"
    )
    year: int | None = Field(None, ge=svc.FIRST_YEAR, le=svc.LAST_YEAR, description="nur dieses Jahr")
    metric: AdvisoryEvidenceMetric | None = Field(None, description="nur diese Kennzahl")  # type: ignore[valid-type]


class AdvisoryEvidenceAllianceRef(Schema):
    slug: str
    name: str


class AdvisoryEvidenceAssessment(Schema):
    state: str = Field(
        description="besser, schlechter, gleich, ohne (keine Wertung) oder offen (ein Wert fehlt)"
    )
    words: str = Field(description="Bewertung in Worten")
    change_percent: Decimal | None = Field(description="Veränderung in Prozent des Werts vorher")
    better: str = Field(description="Richtung: „niedriger ist besser“, „höher ist besser“ oder leer")


class AdvisoryEvidenceOut(Schema):
    id: int
    alliance: AdvisoryEvidenceAllianceRef
    year: int
    metric: str
    metric_label: str
    label: str
    unit: str
    before: Decimal | None
    after: Decimal | None
    source: str
    assessment: AdvisoryEvidenceAssessment
    entered_at: dt.datetime


class AdvisoryEvidenceIn(Schema):
    alliance: str = Field(..., min_length=1, max_length=80, description="Kürzel des Verbunds")
    year: int = Field(..., ge=svc.FIRST_YEAR, le=svc.LAST_YEAR)
    metric: AdvisoryEvidenceMetric  # type: ignore[valid-type]
    label: str = Field("", max_length=200, description="Bezeichnung (Pflicht bei „sonstiges“)")
    unit: str = Field("", max_length=30)
    before: Decimal | str | None = Field(
        None, description="Wert vorher; Zahl oder deutsch geschrieben („1.234,56“)"
    )
    after: Decimal | str | None = Field(None, description="Wert im Jahr; Zahl oder deutsch geschrieben")
    source: str = Field(..., min_length=1, max_length=500, description="Quelle der Zahlen")

    @field_validator("before", "after", mode="before")
    @classmethod
    def _german(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return parse_decimal(value)
            except GermanNumberError as exc:
                raise ValueError(str(exc)) from exc
        return value


def _out(figure: EvidenceFigure) -> dict[str, Any]:
    row = svc.row_of(figure)
    return {
        "id": figure.pk,
        "alliance": {"slug": figure.alliance.slug, "name": figure.alliance.name},
        "year": figure.year,
        "metric": figure.metric,
        "metric_label": str(figure.get_metric_display()),
        "label": figure.label,
        "unit": row.unit,
        "before": figure.before,
        "after": figure.after,
        "source": figure.source,
        "assessment": {
            "state": row.assessment.state,
            "words": row.assessment.words,
            "change_percent": row.assessment.change_percent,
            "better": row.better,
        },
        "entered_at": figure.entered_at,
    }


def _values(data: AdvisoryEvidenceIn) -> dict[str, Any]:
    return {
        "year": data.year,
        "metric": str(data.metric),
        "label": data.label,
        "unit": data.unit,
        "before": data.before,
        "after": data.after,
        "source": data.source,
    }


@router.get(
    "/evidence",
    response={200: Page[AdvisoryEvidenceOut], **_READ_ERRORS},
    url_name="advisory_evidence_list",
    summary="Kennzahlen eines Verbunds",
)
def list_evidence(
    request: HttpRequest, filters: Query[AdvisoryEvidenceFilter], page: Query[PageParams]
) -> dict[str, Any]:
    """Die Kennzahlen vorher/nachher eines Verbunds je Jahr (Verbund, Beratungsstelle,
    Bewilligungsbehörde)."""
    principal = api_person(request)
    if filters.alliance:
        figures = svc.figures_of(principal, svc.get_alliance(principal, filters.alliance))
    else:
        figures = svc.visible_figures(principal).order_by("alliance__name", "-year", "metric", "label", "id")
    figures = figures.select_related("alliance")
    if filters.year is not None:
        figures = figures.filter(year=filters.year)
    if filters.metric is not None:
        figures = figures.filter(metric=str(filters.metric))
    return paginate_api(figures, page, convert=_out)


@router.get(
    "/evidence/{figure_id}",
    response={200: AdvisoryEvidenceOut, **_READ_ERRORS},
    url_name="advisory_evidence_detail",
    summary="Kennzahl",
)
def get_evidence(request: HttpRequest, figure_id: ObjectId) -> dict[str, Any]:
    return _out(svc.get_figure(api_person(request), figure_id))


@router.post(
    "/evidence",
    response={201: AdvisoryEvidenceOut, **_WRITE_ERRORS},
    url_name="advisory_evidence_create",
    summary="Kennzahl erfassen",
)
def create_evidence(request: HttpRequest, data: AdvisoryEvidenceIn) -> HttpStatus:
    """Eine neue Kennzahl (Koordination des Verbunds, Beratungsstelle)."""
    user = api_user(request)
    alliance = svc.get_alliance(api_person(request), data.alliance)
    try:
        figure = svc.evidence_set(actor=user, alliance=alliance, values=_values(data))
    except Invalid as exc:
        raise named_refusal(exc) from None
    return HttpStatus(201, _out(figure))


@router.put(
    "/evidence/{figure_id}",
    response={200: AdvisoryEvidenceOut, **_WRITE_ERRORS},
    url_name="advisory_evidence_update",
    summary="Kennzahl ändern",
)
def update_evidence(request: HttpRequest, figure_id: ObjectId, data: AdvisoryEvidenceIn) -> dict[str, Any]:
    """Die Kennzahl ganz ersetzen (Koordination des Verbunds, Beratungsstelle)."""
    user = api_user(request)
    principal = api_person(request)
    figure = svc.get_figure(principal, figure_id)
    if data.alliance != figure.alliance.slug:
        raise Invalid(
            _("alliance: Eine Kennzahl bleibt bei ihrem Verbund."),
            fields={"alliance": [_("Eine Kennzahl bleibt bei ihrem Verbund.")]},
        )
    try:
        figure = svc.evidence_set(actor=user, alliance=figure.alliance, values=_values(data), figure=figure)
    except Invalid as exc:
        raise named_refusal(exc) from None
    return _out(figure)
