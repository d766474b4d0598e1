"""The DCAT-AP.de catalogue of Verbund's open data (JSON-LD), for GovData and other harvesters.

One ``dcat:Catalog`` with a ``dcat:Dataset`` for each open data set — only what an anonymous
visitor may fetch:

* **Kooperationsverbünde** — the directory of published alliances (CSV, JSON, GeoJSON exports of
  the alliances part);
* **Gebietskörperschaften** — the registry of the Land (:mod:`.exports` CSV and the public API);
* **Förderung im Überblick** — budget, granted sums and number of grants per programme and year
  (:mod:`.exports` CSV and JSON; the public aggregates of :func:`verbund.web.figures.funding_overview`);
* **Förderprogramm: Kennzahlen je Jahr und Kreis** — bodies and inhabitants in alliances, alliances,
  granted and paid per year and Kreis (:mod:`.exports`; :mod:`verbund.advisory.services.reports`).

Every dataset carries the properties DCAT-AP.de makes mandatory for GovData — ``dct:title``,
``dct:description`` (German, ``@language: de``), ``dct:publisher``, ``dcatde:contributorID``,
``dct:license`` (on the distributions too), ``dcat:distribution`` with ``dcat:accessURL`` — and
the recommended ``dcatde:politicalGeocodingLevelURI`` / ``dcatde:politicalGeocodingURI`` (the
Land), ``dcat:theme``, ``dcat:contactPoint``, ``dct:modified``; distributions name their
``dct:format`` from the EU file-type vocabulary and ``dcat:mediaType`` from IANA. All addresses are
absolute, built on ``settings.SITE_URL``. The settings are in ``OPEN_DATA_*`` (README).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from verbund.alliances.models import Alliance
from verbund.common.licence import open_data_licence
from verbund.common.principal import ANONYMOUS
from verbund.registry.selectors import latest_gv100ad_import, state_name

from ..figures import funding_modified

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
LANGUAGE_DE = "http://publications.europa.eu/resource/authority/language/DEU"
ACCESS_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
GEOCODING_LEVEL_STATE = "http://dcat-ap.de/def/politicalGeocoding/Level/state"
GEOCODING_STATE = "http://dcat-ap.de/def/politicalGeocoding/stateKey/"

#: Formats: name → (EU file type, IANA media type)
FORMATS = {
    "CSV": ("CSV", "text/csv"),
    "JSON": ("JSON", "application/json"),
    "GeoJSON": ("GEOJSON", "application/geo+json"),
}


@dataclass(frozen=True)
class Distribution:
    title: str
    path: str  # site path of the file or endpoint
    format: str  # key of FORMATS
    download: bool = True  # a file to download (downloadURL) or an interface (accessURL only)


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    description: str
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    landing_path: str
    distributions: tuple[Distribution, ...]
    modified: dt.datetime | None


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _text(value: str) -> dict[str, str]:
    return {"@value": value, "@language": "de"}


def _id(iri: str) -> dict[str, str]:
    return {"@id": iri}


def _when(value: dt.datetime | None) -> dict[str, str]:
    stamp = timezone.localtime(value or timezone.now()).replace(microsecond=0)
    return {"@value": stamp.isoformat(), "@type": "xsd:dateTime"}


def datasets() -> list[Dataset]:
    """The open data sets (what anonymous visitors may fetch), with their distributions."""
    state = settings.OPEN_DATA_STATE
    land = state_name(state)
    published = Alliance.objects.visible_to(ANONYMOUS)
    latest_import = latest_gv100ad_import()
    return [
        Dataset(
            key="verbuende",
            title=f"Kooperationsverbünde der interkommunalen Zusammenarbeit in {land}",
            description=(
                "Verzeichnis der veröffentlichten Kooperationsverbünde: Name, Handlungsfelder, Status, "
                "Mitgliedskommunen mit amtlichem Regionalschlüssel und Kurzbeschreibung; als GeoJSON mit "
                "dem Gebiet je Verbund aus den Grenzen der Mitglieder."
            ),
            keywords=("Interkommunale Zusammenarbeit", "IKZ", "Kooperationsverbund", "Kommunen", land),
            themes=("GOVE", "REGI"),
            landing_path=reverse("alliances:directory"),
            distributions=(
                Distribution("Verbünde als CSV", reverse("alliances:export_csv"), "CSV"),
                Distribution("Verbünde als JSON", reverse("alliances:export_json"), "JSON"),
                Distribution("Verbünde als GeoJSON", reverse("alliances:export_geojson"), "GeoJSON"),
            ),
            modified=published.aggregate(last=Max("updated_at"))["last"],
        ),
        Dataset(
            key="koerperschaften",
            title=f"Gebietskörperschaften in {land}",
            description=(
                "Register der Gemeinden, Verbandsgemeinden, Landkreise und kreisfreien Städte mit amtlichem "
                "Gemeinde- und Regionalschlüssel, Einwohnerzahl und Fläche, nach dem Gemeindeverzeichnis "
                "GV100AD des Statistischen Bundesamtes; dazu die Schnittstelle mit Grenzen und Nachbarn."
            ),
            keywords=("Gemeindeverzeichnis", "Regionalschlüssel", "Gemeinden", "Kommunen", land),
            themes=("GOVE", "REGI"),
            landing_path=reverse("registry:body_list"),
            distributions=(
                Distribution("Körperschaften als CSV", reverse("opendata:bodies_csv"), "CSV"),
                Distribution(
                    "Schnittstelle (JSON): Körperschaften suchen",
                    reverse("api:body_list") + f"?state={state}",
                    "JSON",
                    download=False,
                ),
            ),
            modified=latest_import.imported_at if latest_import else None,
        ),
        Dataset(
            key="foerderung",
            title=f"Förderung der interkommunalen Zusammenarbeit in {land} im Überblick",
            description=(
                "Je Förderprogramm und Haushaltsjahr: bereitgestellte Mittel, bewilligte Summe, Anteil und "
                "Zahl der Bewilligungen. Einzelne Anträge sind nicht enthalten."
            ),
            keywords=("Förderung", "Zuwendungen", "Interkommunale Zusammenarbeit", land),
            themes=("GOVE", "ECON"),
            landing_path=reverse("funding:index"),
            distributions=(
                Distribution("Förderübersicht als CSV", reverse("opendata:funding_csv"), "CSV"),
                Distribution("Förderübersicht als JSON", reverse("opendata:funding_json"), "JSON"),
            ),
            modified=funding_modified(),
        ),
        Dataset(
            key="programm",
            title=f"Förderprogramm interkommunale Zusammenarbeit in {land}: Kennzahlen je Jahr und Kreis",
            description=(
                "Je Jahr für das Land und je Kreis: Körperschaften und Einwohner in Kooperationsverbünden, "
                "Zahl der Verbünde, bewilligte und ausgezahlte Fördermittel. Summen, keine einzelnen "
                "Anträge; die Auszahlungen eines Kreises stehen nur dort, wo mindestens drei Bewilligungen "
                "dahinterstehen."
            ),
            keywords=("Förderung", "Interkommunale Zusammenarbeit", "Kooperationsverbund", "Kreise", land),
            themes=("GOVE", "REGI"),
            landing_path=reverse("opendata:index"),
            distributions=(
                Distribution("Programmkennzahlen als CSV", reverse("opendata:programme_csv"), "CSV"),
                Distribution("Programmkennzahlen als JSON", reverse("opendata:programme_json"), "JSON"),
            ),
            modified=funding_modified(),
        ),
    ]


def _publisher() -> dict[str, Any]:
    return {"@id": absolute("/#betreiber"), "@type": "foaf:Agent", "foaf:name": settings.OPEN_DATA_PUBLISHER}


def _contact() -> dict[str, Any]:
    contact: dict[str, Any] = {"@type": "vcard:Organization", "vcard:fn": settings.OPEN_DATA_PUBLISHER}
    if settings.OPEN_DATA_CONTACT_EMAIL:
        contact["vcard:hasEmail"] = _id("mailto:" + settings.OPEN_DATA_CONTACT_EMAIL)
    else:
        contact["vcard:hasURL"] = _id(absolute(reverse("legal:impressum")))
    return contact


def _distribution(dataset: Dataset, distribution: Distribution, licence_iri: str) -> dict[str, Any]:
    file_type, media_type = FORMATS[distribution.format]
    url = absolute(distribution.path)
    node: dict[str, Any] = {
        "@id": f"{absolute(reverse('opendata:index'))}#{dataset.key}-{distribution.format.lower()}"
        + ("" if distribution.download else "-api"),
        "@type": "dcat:Distribution",
        "dct:title": _text(distribution.title),
        "dcat:accessURL": _id(url),
        "dct:format": _id(FILE_TYPE + file_type),
        "dcat:mediaType": _id(MEDIA_TYPE + media_type),
        "dct:license": _id(licence_iri),
        "dct:modified": _when(dataset.modified),
    }
    if distribution.download:
        node["dcat:downloadURL"] = _id(url)
    return node


def catalog() -> dict[str, Any]:
    """The catalogue as a JSON-LD document (compact form, the :data:`CONTEXT` prefixes)."""
    licence = open_data_licence()
    state = settings.OPEN_DATA_STATE
    items = datasets()
    index = absolute(reverse("opendata:index"))
    nodes = []
    for dataset in items:
        nodes.append(
            {
                "@id": f"{index}#{dataset.key}",
                "@type": "dcat:Dataset",
                "dct:identifier": f"{index}#{dataset.key}",
                "dct:title": _text(dataset.title),
                "dct:description": _text(dataset.description),
                "dcat:keyword": [_text(k) for k in dataset.keywords],
                "dcat:theme": [_id(DATA_THEME + t) for t in dataset.themes],
                "dct:language": _id(LANGUAGE_DE),
                "dct:publisher": _publisher(),
                "dcat:contactPoint": _contact(),
                "dcatde:contributorID": _id(settings.OPEN_DATA_CONTRIBUTOR_ID),
                "dcatde:politicalGeocodingLevelURI": _id(GEOCODING_LEVEL_STATE),
                "dcatde:politicalGeocodingURI": _id(GEOCODING_STATE + state),
                "dct:license": _id(licence.dcat_uri),
                "dct:accessRights": _id(ACCESS_PUBLIC),
                "dcat:landingPage": _id(absolute(dataset.landing_path)),
                "dct:modified": _when(dataset.modified),
                "dcat:distribution": [
                    _distribution(dataset, d, licence.dcat_uri) for d in dataset.distributions
                ],
            }
        )
    stamps = [d.modified for d in items if d.modified is not None]
    return {
        "@context": CONTEXT,
        "@id": index,
        "@type": "dcat:Catalog",
        "dct:title": _text("Offene Daten von Verbund"),
        "dct:description": _text(
            "Offene Daten der Plattform Verbund für interkommunale Zusammenarbeit: Kooperationsverbünde, "
            "Gebietskörperschaften und Förderung im Überblick."
        ),
        "dct:publisher": _publisher(),
        "foaf:homepage": _id(absolute("/")),
        "dct:language": _id(LANGUAGE_DE),
        "dct:license": _id(licence.dcat_uri),
        "dct:modified": _when(max(stamps) if stamps else None),
        "dcat:dataset": nodes,
    }
