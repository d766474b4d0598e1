"""Probes of routing, responsibility and route corrections: odd input gives 200 or a 422 naming the
parameter, never a 500; request texts are escaped wherever they are echoed; corrections stay with
their author (or the Beratungsstelle) and point only to active services; the public answer does
not name an alliance that is not published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from verbund.accounts.tests.factories import UserFactory
from verbund.alliances.models import AgreementDocument
from verbund.alliances.tests.factories import AllianceFactory
from verbund.knowledge.models import RouteCorrection, Service
from verbund.knowledge.services import routing as svc
from verbund.registry.models import Body
from verbund.registry.tests.factories import BodyFactory
from verbund.shared_services.models import ServiceRecipient, Task
from verbund.shared_services.tests.factories import SharedServiceFactory, ensure_seed_data

from . import test_routing_service as base
from .test_routing_service import ODD, kreis_of, vg_of

catalogue = base.catalogue  # the autouse fixture: rules, sample catalogue, fresh router

pytestmark = pytest.mark.django_db

ROUTE = "/api/v1/knowledge/route"
RESPONSIBLE = "/api/v1/knowledge/responsible"
PAGE = "/wissen/anliegen/"
CORRECT = "/wissen/anliegen/korrektur/"
CORRECTIONS = "/wissen/anliegen/korrekturen/"
SCRIPT = "<script>alert('x')</script>"
NUL = "Nullzeichen"  # the platform refuses a NUL in any field before the view


@pytest.fixture
def town() -> Body:
    return BodyFactory.create(name="Erfweiler")


def clerk_of(body: Body) -> tuple[Client, Any]:
    user = UserFactory.create(staff_of=body)
    client = Client()
    client.force_login(user)
    return client, user


# --- odd input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "\x00",
        "Pass\x00verloren",
        "😀" * 120,
        "ß" * 500,
        SCRIPT,
        '"Pass" NEAR(verloren) name:* OR AND',
        "%_%' OR 1=1 --",
        "\u202e\u200b\ufeffPerso weg",
        "Ａｕｓｗｅｉｓ verloren",
    ],
)
def test_odd_requests_are_answered_or_refused_naming_q(q: str, town: Body) -> None:
    for params in ({"q": q}, {"q": q, "ars": town.ars}):
        response = Client().get(ROUTE, params)
        assert response.status_code in (200, 422), response.content
        if response.status_code == 422:
            detail = response.json()["detail"]
            assert detail.startswith("q: ") or NUL in detail  # a NUL: the platform's own refusal
        else:
            assert set(response.json()) == {"items", "decision"}


@pytest.mark.parametrize(
    "ars", ["0" * 12, "０７１３３５００１０１２", "7" * 5000, "07133500101\x00", " 071335001012 "]
)
def test_odd_ars_is_a_422_naming_ars(ars: str) -> None:
    response = Client().get(ROUTE, {"q": "Reisepass", "ars": ars})
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith("ars: ") or NUL in response.json()["detail"]
    service = Service.objects.get(name="Reisepass").external_id
    response = Client().get(RESPONSIBLE, {"service": service, "ars": ars})
    assert response.status_code == 422, response.content
    assert "ars:" in response.json()["detail"] or NUL in response.json()["detail"]


@pytest.mark.parametrize("service", ["\x00", "x" * 5000, "../../etc/passwd", "1063441' OR '1'='1"])
def test_odd_service_ids_are_a_422_naming_service(service: str, town: Body) -> None:
    response = Client().get(RESPONSIBLE, {"service": service, "ars": town.ars})
    assert response.status_code == 422, response.content
    assert "service" in response.json()["detail"] or NUL in response.json()["detail"]


def test_the_page_escapes_the_request_text(town: Body) -> None:
    html = Client().get(PAGE, {"anliegen": SCRIPT + " Reisepass", "ort": SCRIPT}).content.decode()
    assert SCRIPT not in html and "&lt;script&gt;" in html


# --- corrections -------------------------------------------------------------------------------------


def test_a_correction_to_an_inactive_service_is_refused_and_stores_nothing(town: Body) -> None:
    clerk, _user = clerk_of(vg_of(town))
    retired = Service.objects.get(name="Meldebescheinigung")
    retired.active = False
    retired.save()
    response = clerk.post(CORRECT, {"text": ODD, "service": retired.external_id})
    assert response.status_code == 422
    assert not RouteCorrection.objects.exists()


def test_a_correction_with_an_unknown_municipality_is_refused_and_stores_nothing(town: Body) -> None:
    clerk, _user = clerk_of(vg_of(town))
    target = Service.objects.get(name="Meldebescheinigung").external_id
    for ars in ("079999999999", "07-1", "x" * 300):
        response = clerk.post(CORRECT, {"text": ODD, "service": target, "ars": ars})
        assert response.status_code == 422, ars
    assert not RouteCorrection.objects.exists()


def test_the_correction_text_is_escaped_in_the_list(town: Body) -> None:
    clerk, _user = clerk_of(vg_of(town))
    target = Service.objects.get(name="Meldebescheinigung").external_id
    response = clerk.post(CORRECT, {"text": SCRIPT + " Meldebescheinigung", "service": target})
    assert response.status_code == 200 and SCRIPT not in response.content.decode()
    html = clerk.get(CORRECTIONS).content.decode()
    assert "&lt;script&gt;" in html and SCRIPT not in html


def test_a_clerk_of_another_body_neither_sees_nor_deletes_a_correction(town: Body) -> None:
    target = Service.objects.get(name="Meldebescheinigung").external_id
    _client, author = clerk_of(vg_of(town))
    correction = svc.correct(actor=author, text="Geheime Notiz über Familie Muster", service_id=target)
    stranger, _user = clerk_of(BodyFactory.create(name="Anderswo"))
    assert "Familie Muster" not in stranger.get(CORRECTIONS).content.decode()
    assert stranger.post(f"{CORRECTIONS}{correction.pk}/loeschen/").status_code == 404
    assert stranger.get(f"{CORRECTIONS}{correction.pk}/loeschen/").status_code == 405
    nobody = Client()
    nobody.force_login(UserFactory.create())
    assert nobody.post(f"{CORRECTIONS}{correction.pk}/loeschen/").status_code == 404
    assert nobody.get(CORRECTIONS).status_code == 403
    anonymous = Client().post(f"{CORRECTIONS}{correction.pk}/loeschen/")
    assert anonymous.status_code == 302
    assert RouteCorrection.objects.filter(pk=correction.pk).exists()


# --- an alliance that is not published ---------------------------------------------------------------


def _shared_zulassung(town: Body, *, published: bool) -> Any:
    ensure_seed_data()
    provider = BodyFactory.create(landkreis=True, name="Landkreis Bernkastel-Wittlich")
    alliance = AllianceFactory.create(name="Geheimbund Mosel", is_published=published)
    shared = SharedServiceFactory.create(
        alliance=alliance,
        name="Zulassung Mosel",
        task=Task.objects.get(slug="kfz-zulassung"),
        provider=provider,
        start_date=dt.date(2024, 1, 1),
    )
    shared.legal_basis = AgreementDocument.objects.create(
        alliance=alliance, title="Entwurf Zweckvereinbarung Mosel", version=1, file="x.pdf"
    )
    shared.save()
    ServiceRecipient.objects.create(service=shared, body=kreis_of(town), from_date=dt.date(2024, 1, 1))
    Service.objects.filter(name="Fahrzeug abmelden").update(task=Task.objects.get(slug="kfz-zulassung"))
    svc.reset()
    return shared


def test_a_published_alliance_is_named_in_via(town: Body) -> None:
    _shared_zulassung(town, published=True)
    body = Client().get(ROUTE, {"q": "Auto abmelden", "ars": town.ars}).json()
    assert "Geheimbund Mosel" in body["items"][0]["responsible"]["via"]


def test_an_unpublished_alliance_is_not_named_to_anonymous_people(town: Body) -> None:
    _shared_zulassung(town, published=False)
    routed = Client().get(ROUTE, {"q": "Auto abmelden", "ars": town.ars})
    assert routed.status_code == 200
    assert "Geheimbund" not in routed.content.decode()
    service = Service.objects.get(name="Fahrzeug abmelden").external_id
    answer = Client().get(RESPONSIBLE, {"service": service, "ars": town.ars})
    assert answer.status_code == 200
    assert "Geheimbund" not in answer.content.decode()
    assert "Entwurf Zweckvereinbarung" not in answer.content.decode()


@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-31", "2025-02-30", "2025-1-1", "heute", "1e9"])
def test_odd_dates_for_responsible_are_answered_or_a_422_naming_on(on: str, town: Body) -> None:
    service = Service.objects.get(name="Reisepass").external_id
    response = Client().get(RESPONSIBLE, {"service": service, "ars": town.ars, "on": on})
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert response.json()["detail"].startswith("on: ")
