"""The evidence upload on the incident page: a TLP:RED file names its recipients among the people of
the incident's body's community (like every sharing form); on a TLP:RED incident its named people are
ticked to begin with; the file reaches only them and the uploader."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from verbund.security.models import Attachment, Incident
from verbund.security.services import incidents as incident_services

from .test_tlp_leaks import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: Any) -> SimpleNamespace:
    return build_world()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _incident(w: SimpleNamespace, **sharing: Any) -> Incident:
    values: dict[str, Any] = {"tlp": "amber", "distribution": "alliance", "alliance": w.alliance_a, **sharing}
    return incident_services.incident_create(
        actor=w.a1_clerk,
        owner_body=w.a1,
        title="Verschlüsselungstrojaner",
        started_at=timezone.now() - dt.timedelta(hours=5),
        detected_at=timezone.now() - dt.timedelta(hours=2),
        **values,
    )


def _upload(client: Client, incident: Incident, name: str, **data: Any) -> Any:
    payload = {"file": SimpleUploadedFile(name, b"Beweis"), **data}
    return client.post(f"/sicherheit/vorfaelle/{incident.pk}/dateien/", payload, follow=True)


def test_the_page_offers_the_communitys_people_as_recipients(w: SimpleNamespace) -> None:
    incident = _incident(w)
    page = _client(w.a1_clerk).get(f"/sicherheit/vorfaelle/{incident.pk}/")
    assert 'name="recipients"' in page.content.decode()
    form = page.context["attachment_form"]
    offered = set(form.fields["recipients"].queryset)
    assert {w.a1_clerk, w.a1_head, w.a2_clerk, w.coordinator, w.b1_clerk} <= offered
    assert not offered & {w.b2_clerk, w.outsider, w.advisory, w.operator, w.leaver}
    assert form["recipients"].value() in (None, [])  # a non-RED incident names nobody


def test_a_red_file_on_an_amber_incident_is_stored_for_the_people_named_on_the_page(
    w: SimpleNamespace,
) -> None:
    incident = _incident(w)
    clerk = _client(w.a1_clerk)

    refused = _upload(clerk, incident, "ohne.txt", tlp="red", distribution="organisation")
    assert refused.status_code == 200
    assert "mindestens eine Empfängerin oder einen Empfänger" in refused.content.decode()
    assert not Attachment.objects.filter(name="ohne.txt").exists()

    stored = _upload(
        clerk, incident, "rot.txt", tlp="red", distribution="organisation", recipients=[w.a2_clerk.pk]
    )
    assert stored.status_code == 200 and "Die Datei ist gespeichert." in stored.content.decode()
    file = Attachment.objects.get(name="rot.txt")
    assert (file.tlp, file.distribution) == ("red", "organisation")
    assert list(file.recipients.all()) == [w.a2_clerk]
    url = f"/sicherheit/vorfaelle/{incident.pk}/dateien/{file.pk}/"
    assert _client(w.a2_clerk).get(url).status_code == 200
    assert _client(w.a1_head).get(url).status_code == 404  # sees the AMBER incident, not the RED file
    assert "rot.txt" not in _client(w.a1_head).get(f"/sicherheit/vorfaelle/{incident.pk}/").content.decode()


def test_recipients_outside_the_community_or_on_another_label_are_refused(w: SimpleNamespace) -> None:
    incident = _incident(w)
    clerk = _client(w.a1_clerk)
    stranger = _upload(
        clerk, incident, "fremd.txt", tlp="red", distribution="organisation", recipients=[w.outsider.pk]
    )
    # not offered, so the form refuses the choice and says so at the recipients
    assert (
        stranger.status_code == 200 and "namentliche Empfänger (nur TLP:RED): " in stranger.content.decode()
    )
    # an AMBER file ignores ticked names (the RED incident's names stay ticked on the page)
    amber = _upload(
        clerk, incident, "gelb.txt", tlp="amber", distribution="incident", recipients=[w.a2_clerk.pk]
    )
    assert "Die Datei ist gespeichert." in amber.content.decode()
    assert list(Attachment.objects.get(name="gelb.txt").recipients.all()) == []
    assert not Attachment.objects.filter(name="fremd.txt").exists()


def test_a_red_incident_ticks_its_named_people_for_a_new_file(w: SimpleNamespace) -> None:
    incident = _incident(w, tlp="red", distribution="organisation", alliance=None, recipients=[w.a1_head.pk])
    page = _client(w.a1_clerk).get(f"/sicherheit/vorfaelle/{incident.pk}/")
    form = page.context["attachment_form"]
    assert [int(pk) for pk in form["recipients"].value()] == [w.a1_head.pk]

    stored = _upload(
        _client(w.a1_clerk),
        incident,
        "rot.txt",
        tlp="red",
        distribution="incident",
        recipients=[w.a1_head.pk],
    )
    assert "Die Datei ist gespeichert." in stored.content.decode()
    assert list(Attachment.objects.get(name="rot.txt").recipients.all()) == [w.a1_head]
