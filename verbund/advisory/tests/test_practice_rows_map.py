"""Good practice pages: the rows of a record (contact persons, funding lines, key figures) on its
edit page — German numbers and dates, errors at the row and field, nothing stored on refusal, the
office only, one code path with the API and the prefill — and the map of its members on the
detail page, which a reader who may not see the record does not get."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from verbund.accounts.models import Role
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.advisory import audit_actions
from verbund.advisory.forms_practice import PracticeForm
from verbund.advisory.models import MemberRole, PracticeRecord, Visibility
from verbund.advisory.services import practice as svc
from verbund.alliances.models import MemberRole as AllianceMemberRole
from verbund.alliances.models import Membership
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.common.errors import Invalid
from verbund.funding.models import GrantNotice
from verbund.funding.tests.factories import ProgrammeFactory, draft_application
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db

ROWS = ("contact_persons", "funding", "kpis")


@pytest.fixture
def w(db: Any) -> SimpleNamespace:
    kreis = BodyFactory.create(landkreis=True, name="Kaiserslautern", population=106_000)
    vg_a = BodyFactory.create(
        verbandsgemeinde=True,
        parent=kreis,
        name="Landstuhl",
        population=20_000,
        centroid_lat=49.41,
        centroid_lon=7.57,
    )
    vg_b = BodyFactory.create(
        verbandsgemeinde=True,
        parent=kreis,
        name="Ramstein-Miesenbach",
        population=16_000,
        centroid_lat=49.45,
        centroid_lon=7.55,
    )
    elsewhere = BodyFactory.create(
        verbandsgemeinde=True, name="Weit weg", population=18_000, centroid_lat=50.9, centroid_lon=6.1
    )
    office: Any = UserFactory(username="beratung.zeilen")
    RoleAssignmentFactory(user=office, role=Role.BERATUNGSSTELLE)
    alliance = AllianceFactory.create(name="Interkommunale Cybersicherheit", umsetzung=True)
    Membership.objects.create(
        alliance=alliance, body=vg_a, joined_on=dt.date(2025, 1, 1), role=AllianceMemberRole.ANTRAGSTELLEND
    )
    Membership.objects.create(alliance=alliance, body=vg_b, joined_on=dt.date(2025, 1, 1))
    record = svc.practice_create(
        actor=office,
        values={
            "title": "Gemeinsame Vergabestelle",
            "summary": "Eine Vergabestelle für alle.",
            "task_area": "Vergabe",
            "alliance": alliance,
            "funding": [{"programme": "Altes Programm", "amount": "1000.00"}],
        },
        members=[(vg_a, MemberRole.LEAD), (vg_b, MemberRole.PARTNER)],
    )
    return SimpleNamespace(
        kreis=kreis,
        vg_a=vg_a,
        vg_b=vg_b,
        office=office,
        alliance=alliance,
        record=record,
        clerk_other=UserFactory(username="sb.weitweg", staff_of=elsewhere),
        clerk_member=UserFactory(username="sb.landstuhl.z", staff_of=vg_a),
    )


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post_data(record: PracticeRecord, rows: dict[str, list[dict[str, str]]] | None = None) -> dict[str, str]:
    """The edit page's POST: the record's fields as they stand, and ``rows`` per list (default: none)."""
    data: dict[str, str] = {}
    for name, value in PracticeForm.initial_of(record).items():
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    for prefix in ROWS:
        lines = (rows or {}).get(prefix, [])
        data[f"{prefix}-TOTAL_FORMS"] = str(len(lines))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for index, line in enumerate(lines):
            for key, value in line.items():
                data[f"{prefix}-{index}-{key}"] = value
    return data


def _edit(client: Client, record: PracticeRecord, rows: dict[str, list[dict[str, str]]]) -> Any:
    return client.post(f"/beratung/praxis/{record.slug}/bearbeiten/", _post_data(record, rows))


def test_edit_page_shows_the_rows_with_german_numbers(w: SimpleNamespace) -> None:
    client = _login(w.office)
    response = client.get(f"/beratung/praxis/{w.record.slug}/bearbeiten/")
    assert response.status_code == 200
    html = response.content.decode()
    for prefix in ROWS:
        assert f'id="vb-rows-{prefix}"' in html
        assert f'name="{prefix}-TOTAL_FORMS"' in html
    assert 'value="Altes Programm"' in html
    assert 'value="1.000,00"' in html  # the stored "1000.00" shown the German way
    assert "Förderung, Zeile 2" in html  # an empty row for a new line


def test_office_adds_rows_typed_the_german_way(w: SimpleNamespace) -> None:
    client = _login(w.office)
    before = AuditEntry.objects.filter(action=audit_actions.PRACTICE_SET).count()
    response = _edit(
        client,
        w.record,
        {
            "contact_persons": [
                {
                    "name": "Erika Muster",
                    "function": "Büroleitung",
                    "body_ars": w.vg_a.ars,
                    "email": "e.muster@landstuhl.example",
                    "decides": "on",
                }
            ],
            "funding": [
                {"programme": "Altes Programm", "amount": "1000,00"},
                {
                    "programme": "IKZ-Pilotförderung",
                    "amount": "1.234,50",
                    "notice_date": "31.12.2025",
                    "authority": "ADD Trier",
                },
            ],
            "kpis": [
                {
                    "name": "Fälle je Mitglied",
                    "unit": "Fälle",
                    "baseline": "1.250",
                    "value": "12,5",
                    "date": "31.03.2026",
                }
            ],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    w.record.refresh_from_db()
    assert w.record.contact_persons == [
        {
            "name": "Erika Muster",
            "function": "Büroleitung",
            "body_ars": w.vg_a.ars,
            "email": "e.muster@landstuhl.example",
            "decides": True,
        }
    ]
    assert w.record.funding[1] == {
        "programme": "IKZ-Pilotförderung",
        "amount": "1234.50",
        "notice_date": "2025-12-31",
        "authority": "ADD Trier",
    }
    assert Decimal(w.record.kpis[0]["baseline"]) == Decimal("1250")
    assert Decimal(w.record.kpis[0]["value"]) == Decimal("12.5")
    assert w.record.kpis[0]["date"] == "2026-03-31"
    assert AuditEntry.objects.filter(action=audit_actions.PRACTICE_SET).count() == before + 1
    detail = client.get(f"/beratung/praxis/{w.record.slug}/").content.decode()
    assert "1.234,50 EUR" in detail
    assert "Erika Muster" in detail
    assert "Fälle je Mitglied: 12,50 Fälle" in detail
    assert "Stand vom 31.03.2026" in detail


def test_office_changes_and_removes_rows(w: SimpleNamespace) -> None:
    svc.practice_update(
        actor=w.office,
        record=w.record,
        values={
            "funding": [
                {"programme": "Altes Programm", "amount": "1000.00"},
                {"programme": "Zweites Programm", "amount": "50.00"},
            ]
        },
    )
    client = _login(w.office)
    data = _post_data(w.record)
    data.update(
        {
            "funding-TOTAL_FORMS": "3",
            "funding-INITIAL_FORMS": "2",
            "funding-0-programme": "Altes Programm",
            "funding-0-amount": "2.000,00",  # changed
            "funding-1-programme": "Zweites Programm",
            "funding-1-amount": "50,00",
            "funding-1-entfernen": "on",  # removed
            "funding-2-programme": "",  # the empty row stays empty
        }
    )
    response = client.post(f"/beratung/praxis/{w.record.slug}/bearbeiten/", data)
    assert response.status_code == 302
    w.record.refresh_from_db()
    assert w.record.funding == [{"programme": "Altes Programm", "amount": "2000.00"}]


def test_a_form_error_names_row_and_field_and_stores_nothing(w: SimpleNamespace) -> None:
    client = _login(w.office)
    data = _post_data(
        w.record,
        {
            "funding": [
                {"programme": "Altes Programm", "amount": "1000,00"},
                {"programme": "X", "amount": "viel"},
            ]
        },
    )
    data["title"] = "Neuer Titel, der nicht gespeichert werden darf"
    response = client.post(f"/beratung/praxis/{w.record.slug}/bearbeiten/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#id_funding-1-amount">Zeile 2, Betrag (EUR)</a>' in html
    assert "kern-fieldset--error" in html
    w.record.refresh_from_db()
    assert w.record.title == "Gemeinsame Vergabestelle"
    assert w.record.funding == [{"programme": "Altes Programm", "amount": "1000.00"}]


def test_a_refusal_of_the_service_lands_on_the_row_and_stores_nothing(w: SimpleNamespace) -> None:
    """The page does not check names and e-mail addresses itself: the service (the API's path) does."""
    client = _login(w.office)
    data = _post_data(
        w.record,
        {
            "contact_persons": [{"name": "Erika Muster", "email": "keine-adresse"}],
            # an empty row in between: the service counts the kpis as 1, 2; the page as rows 1, 3
            "kpis": [{"name": "Wartezeit", "value": "3"}, {}, {"unit": "Tage", "value": "4"}],
        },
    )
    data["title"] = "Neuer Titel"
    response = client.post(f"/beratung/praxis/{w.record.slug}/bearbeiten/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        'href="#id_contact_persons-0-email">Zeile 1, E-Mail</a>: Bitte eine E-Mail-Adresse angeben.' in html
    )
    assert 'href="#id_kpis-2-name">Zeile 3, Kennzahl</a>: Bitte ausfüllen.' in html
    w.record.refresh_from_db()
    assert w.record.title == "Gemeinsame Vergabestelle"
    assert w.record.contact_persons == []
    assert w.record.kpis == []


def test_the_api_refuses_the_same_entry_naming_row_and_field(w: SimpleNamespace) -> None:
    client = _login(w.office)
    response = client.patch(
        f"/api/v1/advisory/practice/{w.record.slug}",
        data=json.dumps({"kpis": [{"name": "Wartezeit"}, {"name": "Fälle", "value": "viele"}]}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "kpis.2.value" in json.dumps(response.json())
    with pytest.raises(Invalid) as caught:
        svc.practice_update(actor=w.office, record=w.record, values={"funding": [{"amount": "5"}]})
    assert caught.value.fields == {"funding.1.programme": ["Zeile 1, Förderprogramm: Bitte ausfüllen."]}


@pytest.mark.parametrize("who", ["clerk_other", "clerk_member"])
def test_an_outsider_cannot_edit_rows(w: SimpleNamespace, who: str) -> None:
    svc.practice_publish(actor=w.office, record=w.record, visibility=Visibility.PUBLIC)
    client = _login(getattr(w, who))
    rows = {"funding": [{"programme": "Eingeschmuggelt", "amount": "1,00"}]}
    assert client.get(f"/beratung/praxis/{w.record.slug}/bearbeiten/").status_code == 403
    assert _edit(client, w.record, rows).status_code == 403
    w.record.refresh_from_db()
    assert w.record.funding == [{"programme": "Altes Programm", "amount": "1000.00"}]


def test_an_outsider_of_an_unpublished_record_gets_not_found(w: SimpleNamespace) -> None:
    client = _login(w.clerk_other)
    response = _edit(client, w.record, {"kpis": [{"name": "X"}]})
    assert response.status_code == 404
    w.record.refresh_from_db()
    assert w.record.kpis == []


def test_prefill_keeps_a_funding_line_the_office_changed_on_the_page(w: SimpleNamespace) -> None:
    programme = ProgrammeFactory.create(name="IKZ-Pilotförderung")
    application = draft_application(programme=programme, alliance=w.alliance, applicant=w.vg_a)
    GrantNotice.objects.create(
        application=application,
        amount=Decimal("321411.61"),
        planned_eligible_costs=Decimal("321411.61"),
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2027, 12, 31),
        conditions="ANBest-K",
    )
    record = svc.prefill_from_alliance(actor=w.office, alliance=w.alliance, record=w.record)
    assert [line["programme"] for line in record.funding] == ["Altes Programm", "IKZ-Pilotförderung"]
    client = _login(w.office)
    html = client.get(f"/beratung/praxis/{record.slug}/bearbeiten/").content.decode()
    reference = record.funding[1]["reference"]
    assert f'name="funding-1-reference" value="{reference}"' in html
    data = _post_data(record)
    data.update(
        {
            "funding-TOTAL_FORMS": "2",
            "funding-INITIAL_FORMS": "2",
            "funding-0-programme": "Altes Programm",
            "funding-0-amount": "1.000,00",
            "funding-1-programme": "IKZ-Pilotförderung (korrigiert)",
            "funding-1-amount": "300.000,00",
            "funding-1-reference": reference,
        }
    )
    assert client.post(f"/beratung/praxis/{record.slug}/bearbeiten/", data).status_code == 302
    record = svc.prefill_from_alliance(actor=w.office, alliance=w.alliance, record=record)
    assert len(record.funding) == 2
    assert record.funding[1]["programme"] == "IKZ-Pilotförderung (korrigiert)"
    assert record.funding[1]["amount"] == "300000.00"


# --- the members' map ----------------------------------------------------------------------------


def _map_data(html: str) -> dict[str, Any]:
    start = html.index('<script id="vb-practice-map-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_detail_page_has_the_members_map_with_legend(w: SimpleNamespace) -> None:
    svc.practice_publish(actor=w.office, record=w.record, visibility=Visibility.PUBLIC)
    html = Client().get(f"/beratung/praxis/{w.record.slug}/").content.decode()
    assert 'id="vb-practice-map"' in html
    assert 'data-vb-alliance-map="vb-practice-map-data"' in html
    assert 'id="vb-practice-legend"' in html
    assert "alliances/alliance-maps.js" in html
    data = _map_data(html)
    by_ars = {f["properties"]["ars"]: f for f in data["features"]}
    assert set(by_ars) == {w.vg_a.ars, w.vg_b.ars}
    assert by_ars[w.vg_a.ars]["properties"]["role"] == "federfuehrend"
    assert by_ars[w.vg_b.ars]["geometry"] == {"type": "Point", "coordinates": [7.55, 49.45]}


def test_alliance_only_record_gives_outsiders_no_map_data(w: SimpleNamespace) -> None:
    svc.practice_publish(actor=w.office, record=w.record, visibility=Visibility.ALLIANCE)
    url = f"/beratung/praxis/{w.record.slug}/"
    for client in (Client(), _login(w.clerk_other)):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "vb-practice-map" not in html
        assert w.vg_b.ars not in html
        assert "Ramstein-Miesenbach" not in html
    inside = _login(w.clerk_member).get(url)
    assert inside.status_code == 200
    assert {f["properties"]["name"] for f in _map_data(inside.content.decode())["features"]} == {
        "Landstuhl",
        "Ramstein-Miesenbach",
    }


def test_no_map_without_a_member_position(w: SimpleNamespace) -> None:
    svc.practice_members_set(actor=w.office, record=w.record, members=[(w.kreis, MemberRole.KREIS)])
    w.kreis.centroid_lat = None
    w.kreis.centroid_lon = None
    w.kreis.save()
    html = _login(w.office).get(f"/beratung/praxis/{w.record.slug}/").content.decode()
    assert "vb-practice-map" not in html
    assert "leaflet.js" not in html
