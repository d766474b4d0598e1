"""The operator's audit view at /protokoll/: 404 for everyone but operators and superusers; German
table with 50 entries a page; filters by action, object type, actor and date range (Berlin days);
the number of queries does not grow with the page size."""

from __future__ import annotations

import datetime as dt
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
from verbund.audit.models import AuditEntry
from verbund.audit.services import audit_record
from verbund.registry.tests.factories import BodyFactory

pytestmark = pytest.mark.django_db
URL = "/protokoll/"
BERLIN = timezone.get_default_timezone()


@pytest.fixture
def operator(db: Any) -> Any:
    return UserFactory.create(username="betrieb", operator=True)


@pytest.fixture
def operator_client(client: Client, operator: Any) -> Client:
    client.force_login(operator)
    return client


def _record_at(when: dt.datetime, **kwargs: Any) -> AuditEntry:
    with mock.patch("django.utils.timezone.now", return_value=when):
        return audit_record(**kwargs)


@pytest.mark.parametrize("who", ["anonymous", "plain", "staff", "adviser", "head"])
def test_404_for_everyone_but_operators(client: Client, who: str) -> None:
    users: dict[str, Callable[[], User]] = {
        "plain": lambda: UserFactory.create(),
        "staff": lambda: UserFactory.create(is_staff=True),
        "adviser": lambda: RoleAssignmentFactory.create(role=Role.BERATUNGSSTELLE).user,
        "head": lambda: UserFactory.create(head_of=BodyFactory.create(verbandsgemeinde=True)),
    }
    if who != "anonymous":
        client.force_login(users[who]())
    assert client.get(URL).status_code == 404


def test_operator_and_superuser_see_the_log(client: Client, operator: Any) -> None:
    audit_record(actor=operator, action="role.assign", object_type="accounts.roleassignment", object_repr="R")
    client.force_login(operator)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1 and "Protokoll" in html
    assert "kern-table" in html and "role.assign" in html and "betrieb" in html
    client.force_login(UserFactory.create(username="root", is_superuser=True))
    assert client.get(URL).status_code == 200


def test_pages_of_fifty(operator_client: Client) -> None:
    AuditEntry.objects.bulk_create(
        [AuditEntry(actor_label="x", action=f"thing_{i:03d}", object_type="x.y") for i in range(120)]
    )
    first = operator_client.get(URL)
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.num_pages == 3
    assert "Nächste Seite" in first.content.decode()
    last = operator_client.get(URL + "?seite=3")
    assert len(last.context["rows"]) == 20
    assert operator_client.get(URL + "?seite=99").context["page"].number == 3


def test_filters(operator_client: Client, operator: Any) -> None:
    day = dt.datetime(2025, 3, 10, 12, 0, tzinfo=BERLIN)
    _record_at(day, actor=operator, action="role.assign", object_type="accounts.roleassignment")
    _record_at(
        day + dt.timedelta(days=1), actor="load_demo", action="user.create", object_type="accounts.user"
    )
    # 23:30 in Berlin on 11 March is 22:30 UTC: it belongs to the 11th, not the 12th.
    late = dt.datetime(2025, 3, 11, 23, 30, tzinfo=BERLIN)
    _record_at(late, actor="import_registry", action="registry.import", object_type="registry.registryimport")

    def actions(query: str) -> list[str]:
        response = operator_client.get(URL + query)
        assert response.status_code == 200
        return sorted(entry.action for entry, _changes in response.context["rows"])

    assert actions("") == ["registry.import", "role.assign", "user.create"]
    assert actions("?action=user.create") == ["user.create"]
    assert actions("?object_type=accounts.roleassignment") == ["role.assign"]
    assert actions("?actor=BETR") == ["role.assign"]
    assert actions("?date_from=2025-03-11") == ["registry.import", "user.create"]
    assert actions("?date_to=2025-03-10") == ["role.assign"]
    assert actions("?date_from=2025-03-11&date_to=2025-03-11") == ["registry.import", "user.create"]
    assert actions("?date_from=2025-03-12") == []
    assert actions("?action=user.create&actor=betrieb") == []


def test_invalid_filters_are_reported_in_german(operator_client: Client) -> None:
    response = operator_client.get(URL + "?date_from=2025-03-12&date_to=2025-03-01")
    assert "Das Ende des Zeitraums liegt vor seinem Anfang." in response.content.decode()
    response = operator_client.get(URL + "?action=gibt_es_nicht")
    assert "Auswahl" in response.content.decode()  # Django's German "Bitte eine gültige Auswahl treffen"


def test_changes_are_shown(operator_client: Client, operator: Any) -> None:
    audit_record(
        actor=operator, action="user.update", object_type="accounts.user", changes={"first_name": ["A", "B"]}
    )
    html = operator_client.get(URL).content.decode()
    assert "<strong>first_name</strong>: A → B" in html


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_page(operator_client: Client, operator: Any) -> None:
    audit_record(actor=operator, action="a", object_type="x.y")
    few = _queries(operator_client)
    users = [UserFactory.create() for _ in range(5)]
    for i in range(80):
        audit_record(
            actor=users[i % 5], action=f"a{i % 7}", object_type=f"x.y{i % 3}", changes={"f": [i, i + 1]}
        )
    assert _queries(operator_client) == few
