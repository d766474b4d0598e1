"""The licence of Verbund's open data, in one place: every open-data export carries it.

The licence is a setting (``OPEN_DATA_LICENCE``: name, URL, identifier; by default the
"Datenlizenz Deutschland – Namensnennung – Version 2.0", ``dl-by-de/2.0``), so an installation
that publishes under another licence changes it once. How each format carries it:

* **every HTTP response** of an export: a ``Link: <URL>; rel="license"`` header (RFC 8288, the
  registered relation type ``license``) — :func:`add_licence_header`. CSV files stay pure data (no
  comment line that would break machine readers); cross-origin readers may see the header
  (``Access-Control-Expose-Headers``).
* **JSON / GeoJSON**: a top-level ``"license"`` object (:func:`licence_note`); GeoJSON allows such
  foreign members (RFC 7946, 6.1).
* **XLSX**: a custom document property ``Lizenz`` (name and URL) plus a sheet "Lizenz" that a
  person reading the workbook sees (:func:`add_licence_to_workbook`).
* the **DCAT-AP.de catalogue** names it as ``dct:license`` (:attr:`Licence.dcat_uri`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

#: Base of the DCAT-AP.de licence vocabulary (``http://dcat-ap.de/def/licenses/dl-by-de/2.0``).
DCAT_LICENCES = "http://dcat-ap.de/def/licenses/"

DEFAULT_LICENCE = {
    "name": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "url": "https://www.govdata.de/dl-de/by-2-0",
    "id": "dl-by-de/2.0",
}


@dataclass(frozen=True)
class Licence:
    name: str
    url: str
    identifier: str

    @property
    def dcat_uri(self) -> str:
        """The licence's IRI in the DCAT-AP.de vocabulary (what ``dct:license`` names)."""
        if self.identifier.startswith(("http://", "https://")):
            return self.identifier
        return DCAT_LICENCES + self.identifier


def open_data_licence() -> Licence:
    """The configured licence (``settings.OPEN_DATA_LICENCE``; the default when unset)."""
    configured = {**DEFAULT_LICENCE, **(getattr(settings, "OPEN_DATA_LICENCE", None) or {})}
    return Licence(name=configured["name"], url=configured["url"], identifier=configured["id"])


def licence_note() -> dict[str, str]:
    """The licence as the ``"license"`` member of a JSON export."""
    licence = open_data_licence()
    return {"name": licence.name, "id": licence.identifier, "url": licence.url}


def add_licence_header(response: Any) -> Any:
    """Add ``Link: <URL>; rel="license"`` to ``response`` (and let other sites' scripts read it)."""
    licence = open_data_licence()
    link = f'<{licence.url}>; rel="license"'
    existing = response.get("Link") if hasattr(response, "get") else None
    response["Link"] = f"{existing}, {link}" if existing else link
    exposed = [
        h.strip() for h in (response.get("Access-Control-Expose-Headers") or "").split(",") if h.strip()
    ]
    if "Link" not in exposed:
        response["Access-Control-Expose-Headers"] = ", ".join([*exposed, "Link"])
    return response


def add_licence_to_workbook(workbook: Any, *, source: str = "") -> None:
    """Name the licence in an openpyxl workbook: a custom property ``Lizenz`` and a sheet "Lizenz"."""
    from openpyxl.packaging.custom import StringProperty

    licence = open_data_licence()
    workbook.custom_doc_props.append(StringProperty(name="Lizenz", value=f"{licence.name} ({licence.url})"))
    workbook.custom_doc_props.append(StringProperty(name="Lizenz-URL", value=licence.url))
    sheet = workbook.create_sheet("Lizenz")
    sheet.append(["Lizenz", licence.name])
    sheet.append(["Lizenztext", licence.url])
    sheet.append(["Kennung", licence.identifier])
    if source:
        sheet.append(["Quelle", source])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = max(40, len(licence.name) + 2)
