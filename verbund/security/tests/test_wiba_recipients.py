"""TLP:RED WiBA assessments name their people: without a named recipient the service, the API (start
and ``PUT …/sharing``) and the sharing page refuse, naming ``recipients``; a named person sees the
answers (page and API) and the evidence, an unnamed colleague of the same body gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from verbund.accounts.tests.factories import UserFactory
from verbund.common.errors import Invalid
from verbund.security.models import Attachment, WibaAnswer, WibaAssessment
from verbund.security.services import wiba as wiba_services
from verbund.security.tests.test_wiba import pdf_bytes

# The fixture, re-exported by name so that pytest finds it here.
from verbund.security.tests.test_wiba import world as world

pytestmark = pytest.mark.django_db

API = "/api/v1/security/wiba"
MISSING = "mindestens eine Empfängerin oder einen Empfänger"


@pytest.fixture
def people(world: dict[str, Any]) -> dict[str, Any]:
    """Besides the clerk who starts: a named colleague and an unnamed one, both of the same body."""
    return {
        **world,
        "named": UserFactory(staff_of=world["vg1"]),
        "colleague": UserFactory(staff_of=world["vg1"]),
    }


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _start(client: Client, people: dict[str, Any], **sharing: Any) -> Any:
    payload = {"body": people["vg1"].ars, **sharing}
    return client.post(
        f"{API}/checklists/{people['checklist'].pk}/assessments", payload, content_type="application/json"
    )


def test_service_refuses_red_without_recipients_naming_the_field(people: dict[str, Any]) -> None:
    with pytest.raises(Invalid) as refused:
        wiba_services.wiba_assessment_start(
            actor=people["clerk1"], checklist=people["checklist"], body=people["vg1"], tlp="red"
        )
    assert "recipients" in refused.value.fields
    assert not WibaAssessment.objects.exists()
    with pytest.raises(Invalid) as amber:  # named people only with TLP:RED
        wiba_services.wiba_assessment_start(
            actor=people["clerk1"],
            checklist=people["checklist"],
            body=people["vg1"],
            recipients=[people["named"]],
        )
    assert "recipients" in amber.value.fields
    assert not WibaAssessment.objects.exists()


def test_api_start_red_needs_recipients_and_only_the_named_see_it(people: dict[str, Any]) -> None:
    clerk = client_for(people["clerk1"])
    refused = _start(clerk, people, tlp="red")
    assert refused.status_code == 422, refused.content
    assert refused.json()["code"] == "invalid" and MISSING in refused.json()["detail"]
    stranger = _start(clerk, people, tlp="red", recipients=[people["outsider"].pk])
    assert stranger.status_code == 422 and "Namentliche Empfänger müssen" in stranger.json()["detail"]
    assert not WibaAssessment.objects.exists()

    created = _start(clerk, people, tlp="red", recipients=[people["named"].pk])
    assert created.status_code == 201, created.content
    assessment = WibaAssessment.objects.get(pk=created.json()["id"])
    assert list(assessment.recipients.values_list("pk", flat=True)) == [people["named"].pk]
    api_url = f"{API}/assessments/{assessment.pk}"
    page_url = reverse("security:wiba_assessment", args=[assessment.pk])
    for user in (people["clerk1"], people["named"]):  # the creator and the named person
        assert client_for(user).get(api_url).status_code == 200
        assert client_for(user).get(page_url).status_code == 200
    for user in (people["colleague"], people["clerk2"], people["coordinator"]):
        assert client_for(user).get(api_url).status_code == 404, user
        assert client_for(user).get(page_url).status_code == 404, user
    listed = client_for(people["colleague"]).get(f"{API}/assessments").json()
    assert assessment.pk not in {item["id"] for item in listed["items"]}


def test_api_sharing_to_red_needs_recipients_and_the_evidence_follows(
    people: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    assessment = wiba_services.wiba_assessment_start(
        actor=people["clerk1"], checklist=people["checklist"], body=people["vg1"]
    )
    question = assessment.checklist.questions.order_by("position").first()
    assert question is not None
    wiba_services.wiba_answers_save(
        actor=people["clerk1"], assessment=assessment, answers={question.pk: ("ja", "")}
    )
    answer = WibaAnswer.objects.get(assessment=assessment, question=question)
    evidence = wiba_services.wiba_evidence_add(
        actor=people["clerk1"], answer=answer, file=SimpleUploadedFile("nachweis.pdf", pdf_bytes())
    )
    clerk = client_for(people["clerk1"])
    url = f"{API}/assessments/{assessment.pk}"
    sharing = {"tlp": "red", "distribution": "organisation"}
    refused = clerk.put(f"{url}/sharing", sharing, content_type="application/json")
    assert refused.status_code == 422 and MISSING in refused.json()["detail"]
    assert WibaAssessment.objects.get(pk=assessment.pk).tlp == "amber"

    shared = clerk.put(
        f"{url}/sharing", {**sharing, "recipients": [people["named"].pk]}, content_type="application/json"
    )
    assert shared.status_code == 200, shared.content
    assert shared.json()["tlp"] == "red"
    assert list(assessment.recipients.values_list("pk", flat=True)) == [people["named"].pk]
    file_url = reverse("security:wiba_evidence", args=[evidence.pk])
    assert client_for(people["named"]).get(url).status_code == 200
    assert client_for(people["named"]).get(file_url).status_code == 200
    assert client_for(people["colleague"]).get(url).status_code == 404
    assert client_for(people["colleague"]).get(file_url).status_code == 404
    assert list(Attachment.objects.get(pk=evidence.pk).recipients.values_list("pk", flat=True)) == [
        people["named"].pk
    ]
    # Sent again without recipients: the named person stays (and still counts).
    kept = clerk.put(f"{url}/sharing", sharing, content_type="application/json")
    assert kept.status_code == 200
    assert client_for(people["named"]).get(url).status_code == 200


def test_sharing_page_offers_and_checks_the_recipients(people: dict[str, Any]) -> None:
    assessment = wiba_services.wiba_assessment_start(
        actor=people["clerk1"], checklist=people["checklist"], body=people["vg1"]
    )
    clerk = client_for(people["clerk1"])
    url = reverse("security:wiba_share", args=[assessment.pk])
    page = clerk.get(url)
    assert page.status_code == 200 and 'name="recipients"' in page.content.decode()
    refused = clerk.post(url, {"owner_body": people["vg1"].pk, "tlp": "red", "distribution": "organisation"})
    assert refused.status_code == 200 and MISSING in refused.content.decode()
    assert WibaAssessment.objects.get(pk=assessment.pk).tlp == "amber"
    done = clerk.post(
        url,
        {
            "owner_body": people["vg1"].pk,
            "tlp": "red",
            "distribution": "organisation",
            "recipients": [people["named"].pk],
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    page_url = reverse("security:wiba_assessment", args=[assessment.pk])
    assert client_for(people["named"]).get(page_url).status_code == 200
    assert client_for(people["colleague"]).get(page_url).status_code == 404
