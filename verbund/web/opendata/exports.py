"""The open-data exports of the web shell: the registry of the Land, the funding overview and the
programme's aggregate figures per year and Kreis.

Same conventions as the alliances' exports: CSV separated by semicolons, UTF-8 with a byte order
mark, amounts with a decimal comma and no thousands separator (what German Excel opens by
double-click), a leading ``'`` before text that a spreadsheet would run as a formula; JSON with
``source``, ``generated_at``, ``license`` and the rows. The licence travels in the HTTP ``Link``
header (views) and, for JSON, in the document (:mod:`verbund.common.licence`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from verbund.common.licence import licence_note
from verbund.common.principal import ANONYMOUS
from verbund.registry.models import Body, Kind

from ..figures import funding_overview

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

BODY_COLUMNS = (
    "Regionalschlüssel (ARS)",
    "Gemeindeschlüssel (AGS)",
    "Name",
    "Art",
    "Übergeordnet (ARS)",
    "Verwaltungssitz",
    "Einwohner",
    "Fläche (ha)",
    "Postleitzahl",
    "Gebietsstand",
)
FUNDING_COLUMNS = (
    "Förderprogramm",
    "Haushaltsjahr",
    "Mittel (EUR)",
    "Bewilligt (EUR)",
    "Anteil bewilligt (%)",
    "Bewilligungen",
)


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _decimal(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _csv(rows: Iterator[list[str]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def bodies_csv() -> str:
    """The current bodies of the Land ``OPEN_DATA_STATE``, ordered by ARS."""
    kinds = dict(Kind.choices)

    def rows() -> Iterator[list[str]]:
        yield list(BODY_COLUMNS)
        query = (
            Body.objects.current()
            .filter(state=settings.OPEN_DATA_STATE)
            .order_by("ars")
            .values_list(
                "ars",
                "ags",
                "name",
                "kind",
                "parent__ars",
                "seat",
                "population",
                "area_ha",
                "postcode",
                "gebietsstand",
            )
        )
        for ars, ags, name, kind, parent, seat, population, area, postcode, stand in query.iterator():
            yield [
                ars,
                ags,
                _text(name),
                str(kinds.get(kind, kind)),
                parent or "",
                _text(seat),
                "" if population is None else str(population),
                "" if area is None else str(area),
                postcode,
                stand.strftime("%d.%m.%Y") if stand else "",
            ]

    return _csv(rows())


def funding_items() -> list[dict[str, Any]]:
    """One row per programme and budget year (the public aggregates)."""
    return [
        {
            "programme": programme.name,
            "programme_slug": programme.slug,
            "year": year.year,
            "budget": str(year.budget),
            "granted": str(year.granted),
            "granted_percent": str(year.percent),
            "grants": year.grants,
        }
        for programme in funding_overview(ANONYMOUS)
        for year in programme.years
    ]


def funding_csv() -> str:
    def rows() -> Iterator[list[str]]:
        yield list(FUNDING_COLUMNS)
        for item in funding_items():
            yield [
                _text(item["programme"]),
                str(item["year"]),
                _decimal(Decimal(item["budget"])),
                _decimal(Decimal(item["granted"])),
                _decimal(Decimal(item["granted_percent"])),
                str(item["grants"]),
            ]

    return _csv(rows())


def funding_json() -> dict[str, Any]:
    items = funding_items()
    return {
        "source": "Verbund – Förderung der interkommunalen Zusammenarbeit im Überblick",
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "license": licence_note(),
        "count": len(items),
        "items": items,
    }


# --- the programme's aggregate figures (advisory part) ------------------------------------------------

PROGRAMME_COLUMNS = (
    "Jahr",
    "Kreis (ARS)",
    "Kreis",
    "Körperschaften in Verbünden",
    "Einwohner in Verbünden",
    "Verbünde",
    "Bewilligt (EUR)",
    "Ausgezahlt (EUR)",
)


def programme_items() -> list[dict[str, Any]]:
    """Per year for the Land and per year and Kreis: bodies, inhabitants in alliances, alliances,
    granted and paid (:func:`verbund.advisory.services.reports.open_data_items`)."""
    from verbund.advisory.services.reports import open_data_items

    return open_data_items()


def programme_csv() -> str:
    def rows() -> Iterator[list[str]]:
        yield list(PROGRAMME_COLUMNS)
        for item in programme_items():
            yield [
                str(item["year"]),
                item["kreis"],
                _text(item["kreis_name"]),
                str(item["bodies"]),
                str(item["inhabitants"]),
                str(item["alliances"]),
                _decimal(Decimal(item["granted"])),
                "" if item["paid"] is None else _decimal(Decimal(item["paid"])),
            ]

    return _csv(rows())


def programme_json() -> dict[str, Any]:
    items = programme_items()
    return {
        "source": "Verbund – Förderprogramm interkommunale Zusammenarbeit: Kennzahlen je Jahr und Kreis",
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "license": licence_note(),
        "count": len(items),
        "items": items,
    }
