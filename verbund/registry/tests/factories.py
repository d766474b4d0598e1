"""factory_boy factories for the registry, so that tests need neither the importers nor the data files.

Keys follow the real scheme (ARS = Land 2, RB 1, Kreis 2, Gemeindeverband 4, Gemeinde 3) and are
derived from the parent, so that ``ars``/``ags`` prefixes, parent chains and the Kreis of a Gemeinde
behave as with imported data::

    vg = BodyFactory.create(verbandsgemeinde=True)          # with its Landkreis and Land
    og = BodyFactory.create(parent=vg, name="Hauenstein")   # an Ortsgemeinde (the default)
    stadt = BodyFactory.create(parent=vg, stadt=True)       # a verbandsangehörige Stadt
    BodyBoundaryFactory.create(body=og)                     # a square from its centroid
    make_neighbours(og, stadt, shared_border_m=1234.5)

``.create()`` (rather than calling the factory) gives mypy the model type.

The Land is shared (``LandFactory`` gets or creates it by ARS); numbers of Kreise, Verbandsgemeinden
and Gemeinden come from one sequence, so explicit ``ars``/``ags``/``key`` are needed only when a
test creates more than a few hundred bodies of one kind under one parent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from verbund.common.actors import SystemActor
from verbund.registry.models import Body, BodyBoundary, BodyNeighbour, Kind
from verbund.registry.policies import IMPORT

#: The system actor tests (of every part) import the registry as: ``registry_import_gv100ad(
#: path=..., actor=IMPORTER)``.
IMPORTER = SystemActor(name="Registerimport (Test)", capabilities=frozenset({IMPORT}))

GEBIETSSTAND = dt.date(2025, 11, 30)
POPULATION_DATE = dt.date(2024, 12, 31)
STATE_NAMES = {"07": "Rheinland-Pfalz", "08": "Baden-Württemberg", "12": "Brandenburg"}


def _state(o: Any) -> str:
    return o.parent.state if o.parent is not None else "07"


def _ars(o: Any) -> str:
    """The 12-digit ARS for the kind, below the parent's key."""
    n = o.number
    if o.kind == Kind.LAND:
        return f"{o.state}{'0' * 10}"
    if o.kind in (Kind.LANDKREIS, Kind.KREISFREIE_STADT):
        # RB digit 1 for Landkreise and 3 for kreisfreie Städte keeps the two series apart.
        rb = "3" if o.kind == Kind.KREISFREIE_STADT else "1"
        return f"{o.state}{rb}{n % 99 + 1:02d}{'0' * 7}"
    if o.kind == Kind.VERBANDSGEMEINDE:
        return f"{o.parent.ars[:5]}{5000 + n % 999 + 1:04d}000"
    if o.kind == Kind.VERBANDSFREIE_GEMEINDE:
        number = f"{n % 999 + 1:03d}"
        return f"{o.parent.ars[:5]}0{number}{number}"
    # Ortsgemeinde (and a verbandsangehörige Stadt): below its Verbandsgemeinde.
    return f"{o.parent.ars[:9]}{n % 999 + 1:03d}"


def _ags(o: Any) -> str:
    if o.kind in (Kind.ORTSGEMEINDE, Kind.VERBANDSFREIE_GEMEINDE, Kind.KREISFREIE_STADT):
        return o.ars[:5] + o.ars[9:]
    return ""


def _key(o: Any) -> str:
    if o.kind == Kind.LAND:
        return o.state
    if o.kind == Kind.LANDKREIS:
        return o.ars[:5]
    if o.kind == Kind.VERBANDSGEMEINDE:
        return o.ars[:9]
    return o.ags


def _association_key(o: Any) -> str:
    if o.kind in (Kind.ORTSGEMEINDE, Kind.VERBANDSGEMEINDE, Kind.VERBANDSFREIE_GEMEINDE):
        return o.ars[:9]
    if o.kind == Kind.KREISFREIE_STADT:
        return o.ars[:5] + "0000"
    return ""


class LandFactory(DjangoModelFactory[Body]):
    """A Land; got or created by ARS, so every chain of one state ends in the same row."""

    class Meta:
        model = Body
        django_get_or_create = ("ars",)

    state = "07"
    kind = Kind.LAND
    ars = factory.LazyAttribute(lambda o: f"{o.state}{'0' * 10}")
    key = factory.LazyAttribute(lambda o: o.state)
    ags = ""
    name = factory.LazyAttribute(lambda o: STATE_NAMES.get(o.state, f"Land {o.state}"))
    textkennzeichen = ""
    parent = None
    gebietsstand = GEBIETSSTAND


class BodyFactory(DjangoModelFactory[Body]):
    """A body; an Ortsgemeinde with its Verbandsgemeinde, Landkreis and Land unless a trait says
    otherwise (``land``, ``landkreis``, ``verbandsgemeinde``, ``stadt``, ``verbandsfreie_gemeinde``,
    ``kreisfreie_stadt``, ``dissolved``)."""

    class Meta:
        model = Body

    class Params:
        number = factory.Sequence(lambda n: n)
        land = factory.Trait(
            kind=Kind.LAND,
            parent=None,
            name=factory.LazyAttribute(lambda o: STATE_NAMES.get(o.state, f"Land {o.state}")),
            textkennzeichen="",
            seat="",
            population=None,
            population_male=None,
            area_ha=None,
            postcode="",
        )
        landkreis = factory.Trait(
            kind=Kind.LANDKREIS,
            parent=factory.SubFactory(LandFactory),
            name=factory.Sequence(lambda n: f"Landkreis Beispiel {n}"),
            textkennzeichen="44",
            seat=factory.Sequence(lambda n: f"Kreisstadt {n}"),
            postcode="",
        )
        kreisfreie_stadt = factory.Trait(
            kind=Kind.KREISFREIE_STADT,
            parent=factory.SubFactory(LandFactory),
            name=factory.Sequence(lambda n: f"Großstadt {n}"),
            textkennzeichen="61",
            is_stadt=True,
            population=factory.Sequence(lambda n: 100_000 + n),
        )
        verbandsgemeinde = factory.Trait(
            kind=Kind.VERBANDSGEMEINDE,
            parent=factory.SubFactory("verbund.registry.tests.factories.BodyFactory", landkreis=True),
            name=factory.Sequence(lambda n: f"Verbandsgemeinde Beispiel {n}"),
            textkennzeichen="53",
            seat=factory.Sequence(lambda n: f"Verwaltungssitz {n}"),
            postcode="",
        )
        verbandsfreie_gemeinde = factory.Trait(
            kind=Kind.VERBANDSFREIE_GEMEINDE,
            parent=factory.SubFactory("verbund.registry.tests.factories.BodyFactory", landkreis=True),
            name=factory.Sequence(lambda n: f"Verbandsfreie Gemeinde {n}"),
            textkennzeichen="64",
        )
        stadt = factory.Trait(
            is_stadt=True, textkennzeichen="63", name=factory.Sequence(lambda n: f"Stadt {n}")
        )
        dissolved = factory.Trait(dissolved_on=GEBIETSSTAND, gebietsstand=dt.date(2022, 12, 31))

    kind = Kind.ORTSGEMEINDE
    parent = factory.SubFactory("verbund.registry.tests.factories.BodyFactory", verbandsgemeinde=True)
    state = factory.LazyAttribute(_state)
    ars = factory.LazyAttribute(_ars)
    ags = factory.LazyAttribute(_ags)
    key = factory.LazyAttribute(_key)
    association_key = factory.LazyAttribute(_association_key)
    name = factory.Sequence(lambda n: f"Ortsgemeinde {n}")
    textkennzeichen = "64"
    is_stadt = False
    seat = ""
    population = factory.Sequence(lambda n: 500 + (n * 37) % 9000)
    population_male = factory.LazyAttribute(lambda o: None if o.population is None else o.population // 2)
    population_date = POPULATION_DATE
    area_ha = factory.Sequence(lambda n: 800 + (n * 131) % 5000)
    postcode = factory.Sequence(lambda n: f"{66000 + n % 3000:05d}")
    gebietsstand = GEBIETSSTAND
    centroid_lat = factory.Sequence(lambda n: 49.0 + (n % 100) * 0.02)
    centroid_lon = factory.Sequence(lambda n: 6.2 + (n % 100) * 0.03)


def square(lon: float, lat: float, size: float = 0.02) -> dict[str, Any]:
    """A GeoJSON Polygon: the square of side ``size`` degrees with its south-west corner at lon/lat."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


class BodyBoundaryFactory(DjangoModelFactory[BodyBoundary]):
    """A square boundary whose south-west corner lies at the body's centroid (or ``lon``/``lat``)."""

    class Meta:
        model = BodyBoundary

    class Params:
        lon = factory.LazyAttribute(lambda o: o.body.centroid_lon if o.body.centroid_lon is not None else 7.0)
        lat = factory.LazyAttribute(
            lambda o: o.body.centroid_lat if o.body.centroid_lat is not None else 50.0
        )
        size = 0.02

    body = factory.SubFactory(BodyFactory)
    geometry = factory.LazyAttribute(lambda o: square(o.lon, o.lat, o.size))
    min_lon = factory.LazyAttribute(lambda o: o.lon)
    min_lat = factory.LazyAttribute(lambda o: o.lat)
    max_lon = factory.LazyAttribute(lambda o: o.lon + o.size)
    max_lat = factory.LazyAttribute(lambda o: o.lat + o.size)
    source = "Testdaten"


def make_neighbours(a: Body, b: Body, *, shared_border_m: float = 1000.0) -> None:
    """Record ``a`` and ``b`` as neighbours in both directions, as the boundary import does."""
    BodyNeighbour.objects.create(body=a, neighbour=b, shared_border_m=shared_border_m)
    BodyNeighbour.objects.create(body=b, neighbour=a, shared_border_m=shared_border_m)
