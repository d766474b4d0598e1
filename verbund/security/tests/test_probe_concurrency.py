"""Probes (issue 12) on PostgreSQL: two members' uploads of the same new CSAF document at the same moment.

Expected: one stores it, the other is told it is already stored (or stores nothing); no exception, one
advisory, one revision. Runs only on PostgreSQL (real transactions, threads with their own connections).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from django.db import connection, connections

from verbund.accounts.tests.factories import UserFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Advisory, AdvisoryRevision
from verbund.security.tests.test_csaf_validation import sample_advisory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]


def _clear(document: dict[str, Any]) -> dict[str, Any]:
    document["document"]["distribution"]["tlp"]["label"] = "WHITE"
    return document


def test_two_simultaneous_imports_of_a_new_document_store_it_once() -> None:
    from verbund.security.services.advisories import import_advisory

    bodies = [BodyFactory.create(verbandsgemeinde=True) for _ in range(4)]
    users = [UserFactory.create(staff_of=body) for body in bodies]
    barrier = threading.Barrier(len(users))
    errors: list[Any] = []
    outcomes: list[str] = []

    def run(user: Any) -> None:
        try:
            barrier.wait()
            outcomes.append(import_advisory(user, _clear(sample_advisory())).outcome)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [], [type(e).__name__ + ": " + str(e)[:200] for e in errors]
    assert sorted(outcomes) == ["created"] + ["unchanged"] * (len(users) - 1)
    assert Advisory.objects.count() == 1 and AdvisoryRevision.objects.count() == 1


@pytest.mark.parametrize(
    "text", ["Firewall\u0000Lücke", "Firewall \ud800 Lücke"], ids=["nul", "lone-surrogate"]
)
def test_a_schema_valid_document_with_characters_postgresql_cannot_store_is_refused(text: str) -> None:
    from verbund.common.errors import Invalid
    from verbund.security.services.advisories import AdvisoryRefused, import_advisory

    user = UserFactory.create(staff_of=BodyFactory.create(verbandsgemeinde=True))
    document = _clear(sample_advisory())
    document["document"]["title"] = text
    with contextlib.suppress(AdvisoryRefused, Invalid):
        import_advisory(user, document)
    assert Advisory.objects.count() == 0
