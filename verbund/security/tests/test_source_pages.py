"""The operator's pages of CSAF sources and the quarantine: only Plattformbetrieb (403 for others),
a source created through the service with its checks, a poll queued, quarantined documents with
their reasons."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from verbund.accounts.tests.factories import UserFactory
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import CsafSource, QuarantinedDocument

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_the_operator_manages_sources_and_sees_the_quarantine() -> None:
    clerk = UserFactory.create(staff_of=BodyFactory.create(verbandsgemeinde=True))
    document = QuarantinedDocument.objects.create(
        filename="kaputt.json", reasons=[{"test": "6.1.27.1", "text": "Fehlt", "path": "/vulnerabilities/0"}]
    )
    for url in (
        "/sicherheit/quellen/",
        "/sicherheit/quarantaene/",
        f"/sicherheit/quarantaene/{document.pk}/",
    ):
        assert client_for(clerk).get(url).status_code == 403, url
    operator = client_for(UserFactory.create(operator=True))
    page = operator.get(f"/sicherheit/quarantaene/{document.pk}/").content.decode()
    assert "6.1.27.1" in page and "/vulnerabilities/0" in page
    assert "kaputt.json" in operator.get("/sicherheit/quarantaene/").content.decode()


def test_the_operator_adds_a_source_and_queues_a_poll(django_capture_on_commit_callbacks: Any) -> None:
    operator = client_for(UserFactory.create(operator=True))
    refused = operator.post(
        "/sicherheit/quellen/",
        {"name": "Ohne Adresse", "discovery": "metadata", "interval_minutes": 15, "min_request_seconds": "1"},
    )
    assert refused.status_code == 200 and not CsafSource.objects.exists()
    response = operator.post(
        "/sicherheit/quellen/",
        {
            "name": "Beispiel-Anbieter",
            "discovery": "domain",
            "domain": "example.com",
            "active": "on",
            "interval_minutes": 15,
            "min_request_seconds": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    source = CsafSource.objects.get()
    assert source.name == "Beispiel-Anbieter" and source.domain == "example.com"
    from unittest import mock

    with (
        mock.patch("verbund.security.tasks.poll_source.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        queued = operator.post(f"/sicherheit/quellen/{source.pk}/abrufen/")
    assert queued.status_code == 302
    delay.assert_called_once_with(source.pk, False)
