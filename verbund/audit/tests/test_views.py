"""The audit pages at /protokoll/: operators read everything, coordinators their alliances' history,
heads (Verwaltungsleitung) their bodies'; everyone else gets 404. Entries read as German sentences;
filters by action, object type, actor, date range (Berlin days) and scope (only ever narrowing);
50 rows a page in a constant number of queries; CSV export; the operator's log of sensitive reads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from verbund.accounts.models import Role, User
from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.audit.services import audit_record, record_sensitive_read
from verbund.common.actors import SystemActor
from verbund.common.principal import Sensitivity
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
URL = "/protokoll/"
EXPORT = "/protokoll/export.csv"
READS = "/protokoll/lesezugriffe/"
BERLIN = timezone.get_default_timezone()
SYSTEM = SystemActor(name="Registerimport", capabilities=frozenset())


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory.create(username="betrieb", operator=True)


@pytest.fixture
def operator_client(client: Client, operator: Any) -> Client:
    client.force_login(operator)
    return client


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Two alliances of different bodies, a coordinator of the first, a head of a body of the second,
    and one entry for each alliance and each body."""
    vg1, vg2, vg3, vg4 = (BodyFactory.create(verbandsgemeinde=True) for _ in range(4))
    coordinator = UserFactory.create(username="koordination.eins")
    first = AllianceFactory.create(name="Erster Verbund", members=[vg1, vg2], coordinator=coordinator)
    second = AllianceFactory.create(name="Zweiter Verbund", members=[vg3, vg4])
    head = UserFactory.create(username="leitung.drei", head_of=vg3)
    audit_record(
        actor=SYSTEM, action="alliance.update", target=first, changes={"start_date": [None, "2025-03-01"]}
    )
    audit_record(
        actor=SYSTEM, action="alliance.update", target=second, changes={"name": ["Alt", "Zweiter Verbund"]}
    )
    audit_record(
        actor=SYSTEM, action="alliance.member_add", target=vg3, object_repr="VG Drei", alliance=second
    )
    audit_record(actor=SYSTEM, action="role.assign", target=vg4, object_repr="Rolle in VG Vier")
    return {
        "coordinator": coordinator,
        "head": head,
        "first": first,
        "second": second,
        "vg3": vg3,
        "vg4": vg4,
    }


def _sentences(client: Client, query: str = "") -> list[str]:
    response = client.get(URL + query)
    assert response.status_code == 200
    return sorted(row.sentence for row in response.context["rows"])


@pytest.mark.parametrize("who", ["anonymous", "plain", "staff", "adviser", "clerk"])
def test_404_for_everyone_without_an_audit_scope(client: Client, who: str) -> None:
    users: dict[str, Callable[[], User]] = {
        "plain": lambda: UserFactory.create(),
        "staff": lambda: UserFactory.create(is_staff=True),
        "adviser": lambda: RoleAssignmentFactory.create(role=Role.BERATUNGSSTELLE).user,
        "clerk": lambda: UserFactory.create(staff_of=BodyFactory.create(verbandsgemeinde=True)),
    }
    if who != "anonymous":
        client.force_login(users[who]())
    for url in (URL, EXPORT, READS):
        assert client.get(url).status_code == 404, url


def test_coordinator_reads_exactly_their_alliance_in_german(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["coordinator"])
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert _sentences(client) == ["Registerimport hat die Angaben des Verbunds „Erster Verbund“ geändert."]
    assert "<strong>Beginn</strong>: leer → 01.03.2025" in html
    assert "Zweiter Verbund" not in html and ">alliance.update<" not in html and "start_date" not in html
    assert "Lesezugriffe" not in html
    # A scope filter for another alliance never widens the view.
    assert _sentences(client, f"?verbund={world['second'].pk}") == [
        "Registerimport hat die Angaben des Verbunds „Erster Verbund“ geändert."
    ]
    assert _sentences(client, f"?koerperschaft={world['vg3'].pk}") == [
        "Registerimport hat die Angaben des Verbunds „Erster Verbund“ geändert."
    ]


def test_head_reads_their_bodys_history(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["head"])
    assert _sentences(client) == ["Registerimport hat „VG Drei“ als Mitglied aufgenommen."]
    assert "Erster Verbund" not in client.get(URL).content.decode()


def test_operator_reads_everything_and_narrows_by_scope(
    operator_client: Client, world: dict[str, Any]
) -> None:
    assert len(_sentences(operator_client)) == 4
    second = _sentences(operator_client, f"?verbund={world['second'].pk}")
    assert len(second) == 2 and all("Zweiter" in s or "VG Drei" in s for s in second)
    assert _sentences(operator_client, f"?koerperschaft={world['vg4'].pk}") == [
        "Registerimport hat die Rolle „Rolle in VG Vier“ vergeben."
    ]
    html = operator_client.get(URL).content.decode()
    assert "Erster Verbund" in html and 'name="verbund"' in html and 'name="koerperschaft"' in html
    assert "Systemvorgang" in html and "Registerimport" in html
    superuser = UserFactory.create(username="root", is_superuser=True)
    operator_client.force_login(superuser)
    assert operator_client.get(URL).status_code == 200


def _record_at(when: dt.datetime, **kwargs: Any) -> AuditEntry:
    with mock.patch("django.utils.timezone.now", return_value=when):
        return audit_record(**kwargs)


def test_filters(operator_client: Client, operator: Any) -> None:
    day = dt.datetime(2025, 3, 10, 12, 0, tzinfo=BERLIN)
    _record_at(day, actor=operator, action="role.assign", object_type="accounts.roleassignment")
    _record_at(
        day + dt.timedelta(days=1),
        actor=SystemActor(name="Demodaten"),
        action="user.create",
        object_type="accounts.user",
    )
    # 23:30 in Berlin on 11 March is 22:30 UTC: it belongs to the 11th, not the 12th.
    late = dt.datetime(2025, 3, 11, 23, 30, tzinfo=BERLIN)
    _record_at(late, actor=SYSTEM, action="registry.import", object_type="registry.registryimport")

    def actions(query: str) -> list[str]:
        response = operator_client.get(URL + query)
        assert response.status_code == 200
        return sorted(row.entry.action for row in response.context["rows"])

    assert actions("") == ["registry.import", "role.assign", "user.create"]
    assert actions("?action=user.create") == ["user.create"]
    assert actions("?object_type=accounts.roleassignment") == ["role.assign"]
    assert actions("?actor=BETR") == ["role.assign"]
    assert actions("?date_from=2025-03-11") == ["registry.import", "user.create"]
    assert actions("?date_to=2025-03-10") == ["role.assign"]
    assert actions("?date_from=2025-03-11&date_to=2025-03-11") == ["registry.import", "user.create"]
    assert actions("?date_from=2025-03-12") == []
    assert actions("?action=user.create&actor=betrieb") == []
    html = operator_client.get(URL).content.decode()
    # German choices: the action's sentence and the model's verbose name, not the codes.
    assert "hat das Benutzerkonto … angelegt" in html
    assert '<option value="accounts.user">' in html and ">accounts.user<" not in html


def test_invalid_filters_are_reported_in_german(operator_client: Client) -> None:
    response = operator_client.get(URL + "?date_from=2025-03-12&date_to=2025-03-01")
    assert "Das Ende des Zeitraums liegt vor seinem Anfang." in response.content.decode()
    response = operator_client.get(URL + "?action=gibt_es_nicht")
    assert "Auswahl" in response.content.decode()  # Django's German "Bitte eine gültige Auswahl treffen"


def test_pages_of_fifty(operator_client: Client) -> None:
    AuditEntry.objects.bulk_create(
        [AuditEntry(actor_label="x", action="user.update", object_type="accounts.user") for _ in range(120)]
    )
    first = operator_client.get(URL)
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.num_pages == 3
    assert "Nächste Seite" in first.content.decode()
    last = operator_client.get(URL + "?seite=3")
    assert len(last.context["rows"]) == 20
    assert operator_client.get(URL + "?seite=99").context["page"].number == 3


def _queries(client: Client, url: str = URL) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_constant(operator_client: Client, operator: Any, world: dict[str, Any]) -> None:
    _queries(operator_client)  # the first request of a session writes it
    few = _queries(operator_client)
    few_csv = _queries(operator_client, EXPORT)
    users = [UserFactory.create() for _ in range(5)]
    alliances = [AllianceFactory.create() for _ in range(3)]
    for i in range(80):
        audit_record(
            actor=users[i % 5],
            action="alliance.update",
            target=alliances[i % 3],
            changes={"name": [f"a{i}", "b"]},
        )
    # (fewer, when the page happens to name no body: the body names are one query, or none)
    assert _queries(operator_client) <= few
    assert _queries(operator_client, EXPORT) <= few_csv
    # and for a coordinator
    operator_client.force_login(world["coordinator"])
    assert _queries(operator_client) <= few


def test_csv_export(operator_client: Client, world: dict[str, Any]) -> None:
    response = operator_client.get(EXPORT + f"?verbund={world['first'].pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:4] == ["Zeitpunkt", "Handelnde Person", "Systemvorgang", "Eintrag"]
    assert len(rows) == 2
    assert rows[1][1:5] == [
        "Registerimport",
        "Ja",
        "Registerimport hat die Angaben des Verbunds „Erster Verbund“ geändert.",
        "Beginn: leer → 01.03.2025",
    ]
    assert rows[1][5:] == ["Kooperationsverbund", "Erster Verbund", "Erster Verbund"]
    # A coordinator's export holds only their alliance.
    operator_client.force_login(world["coordinator"])
    body = operator_client.get(EXPORT).content.decode("utf-8")
    assert "Erster Verbund" in body and "Zweiter Verbund" not in body


def test_csv_cells_cannot_start_a_formula(operator_client: Client) -> None:
    audit_record(actor=SystemActor(name="=HYPERLINK()"), action="user.update", object_type="accounts.user")
    body = operator_client.get(EXPORT).content.decode("utf-8")
    assert ";'=HYPERLINK()" in body


def test_sensitive_reads_for_operators_only(client: Client, operator: Any, world: dict[str, Any]) -> None:
    record_sensitive_read(
        actor=operator, target=world["first"], sensitivity=Sensitivity.CONFIDENTIAL, purpose="Prüfung"
    )
    client.force_login(world["coordinator"])
    assert client.get(READS).status_code == 404
    client.force_login(operator)
    html = client.get(READS).content.decode()
    assert html.count("<h1") == 1
    assert "betrieb" in html and "Erster Verbund" in html and "TLP:AMBER" in html and "Prüfung" in html
