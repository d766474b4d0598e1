"""The WiBA API: what the pages offer, with the same rules.

* Uploading a checklist: signed in (401), Plattformbetrieb or Beratungsstelle (403), the same file
  once (409), a file that cannot be read is a 422 naming file, line and field; nothing is stored.
* Beginning an assessment, saving answers, sharing them and attaching evidence: whoever acts for the
  body; a member who sees the assessment gets 403, one outside its distribution 404.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Attachment, WibaAssessment, WibaChecklist, WibaQuestion
from verbund.security.services import wiba as wiba_services
from verbund.security.tests.test_wiba import SAMPLE, SYSTEM, pdf_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1/security/wiba"


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    vg1 = BodyFactory(verbandsgemeinde=True, name="VG Eins")
    vg2 = BodyFactory(verbandsgemeinde=True, name="VG Zwei")
    outsider_body = BodyFactory(verbandsgemeinde=True, name="VG Draußen")
    coordinator = UserFactory()
    alliance = AllianceFactory(members=[vg1, vg2], coordinator=coordinator)
    AllianceFactory(members=[outsider_body])
    with SAMPLE.open("rb") as handle:
        checklist = wiba_services.wiba_checklist_import(actor=SYSTEM, file=handle, name=SAMPLE.name)
    return {
        "vg1": vg1,
        "vg2": vg2,
        "alliance": alliance,
        "checklist": checklist,
        "clerk1": UserFactory(staff_of=vg1),
        "clerk2": UserFactory(staff_of=vg2),
        "outsider": UserFactory(staff_of=outsider_body),
        "coordinator": coordinator,
        "operator": UserFactory(operator=True),
    }


def _upload(client: Any, name: str, data: bytes, **fields: str) -> Any:
    return client.post(f"{API}/checklists", {"file": SimpleUploadedFile(name, data), **fields})


NETZE = "Thema;Netze\nNr.;Prüffrage\nN.1;Sind die Netze getrennt?\nN.2;Gibt es einen Netzplan?\n".encode()


# --- checklists ------------------------------------------------------------------------------------


def test_upload_needs_the_operator_or_the_advisory_office(world, client):
    assert _upload(client, "netze.csv", NETZE).status_code == 401
    client.force_login(world["clerk1"])
    refused = _upload(client, "netze.csv", NETZE)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    client.force_login(RoleAssignmentFactory().user)  # the Beratungsstelle
    created = _upload(client, "netze.csv", NETZE, edition="Stand 2026")
    assert created.status_code == 201
    body = created.json()
    assert (body["topic"], body["edition"], body["questions"], body["filename"]) == (
        "Netze",
        "Stand 2026",
        2,
        "netze.csv",
    )
    assert AuditEntry.objects.filter(action="security.wiba_import").count() == 2  # the fixture's and this
    listed = client.get(f"{API}/checklists").json()
    assert listed["count"] == 2


def test_upload_errors_name_file_line_and_field_and_store_nothing(world, client):
    client.force_login(world["operator"])
    before = (WibaChecklist.objects.count(), WibaQuestion.objects.count())

    broken = _upload(client, "kaputt.csv", "Nr.;Prüffrage\n1;Erste?\n2;\n".encode())
    twice = _upload(client, SAMPLE.name, SAMPLE.read_bytes())
    empty = _upload(client, "leer.csv", b"")
    long_topic = _upload(client, "netze.csv", NETZE, topic="x" * 301)
    no_file = client.post(f"{API}/checklists", {"topic": "Netze"})

    assert broken.status_code == 422 and "kaputt.csv, Zeile 3, Feld Prüffrage" in broken.json()["detail"]
    assert broken.json()["code"] == "invalid_wiba_file"
    assert twice.status_code == 409
    assert empty.status_code == 422 and "leer.csv" in empty.json()["detail"]
    assert long_topic.status_code == 422 and "300" in long_topic.json()["detail"]
    assert no_file.status_code == 422 and "file" in no_file.json()["detail"]
    assert (WibaChecklist.objects.count(), WibaQuestion.objects.count()) == before


# --- assessments -------------------------------------------------------------------------------------


def _start(client: Any, world: dict[str, Any], body: Any, **sharing: Any) -> Any:
    return client.post(
        f"{API}/checklists/{world['checklist'].pk}/assessments",
        {"body": body.ars, **sharing},
        content_type="application/json",
    )


def test_a_body_begins_its_assessment_once_and_only_its_own(world, client):
    assert _start(client, world, world["vg1"]).status_code == 401
    client.force_login(world["clerk1"])
    created = _start(client, world, world["vg1"])
    again = _start(client, world, world["vg1"], tlp="red")
    other = _start(client, world, world["vg2"])
    unknown_body = client.post(
        f"{API}/checklists/{world['checklist'].pk}/assessments",
        {"body": "999999999999"},
        content_type="application/json",
    )
    unknown_checklist = client.post(
        f"{API}/checklists/999999/assessments", {"body": world["vg1"].ars}, content_type="application/json"
    )
    bad_sharing = _start(client, world, world["vg1"], tlp="unsinn")

    assert created.status_code == 201
    assert (created.json()["tlp"], created.json()["distribution"]) == ("amber", "organisation")
    assert created.json()["progress"]["total"] == 12
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert again.json()["tlp"] == "amber"  # the existing one, unchanged
    assert other.status_code == 403
    assert unknown_body.status_code == 422 and "999999999999" in unknown_body.json()["detail"]
    assert unknown_checklist.status_code == 404
    assert bad_sharing.status_code == 422 and "tlp" in bad_sharing.json()["detail"]
    assert WibaAssessment.objects.count() == 1


def test_red_cannot_go_to_the_alliance(world, client):
    client.force_login(world["clerk1"])
    slug = world["alliance"].slug
    response = _start(client, world, world["vg1"], tlp="red", distribution="alliance", alliance=slug)
    assert response.status_code == 422 and "TLP:RED" in response.json()["detail"]
    assert not WibaAssessment.objects.exists()


def _assessment(world: dict[str, Any]) -> WibaAssessment:
    return wiba_services.wiba_assessment_start(
        actor=world["clerk1"], checklist=world["checklist"], body=world["vg1"]
    )


def test_sharing_with_the_alliance_lets_members_read_but_not_change(world, client):
    assessment = _assessment(world)
    url = f"{API}/assessments/{assessment.pk}"
    sharing = {"tlp": "amber", "distribution": "alliance", "alliance": world["alliance"].slug}

    client.force_login(world["clerk2"])
    assert client.get(url).status_code == 404
    assert client.put(f"{url}/sharing", sharing, content_type="application/json").status_code == 404

    client.force_login(world["clerk1"])
    unknown = client.put(
        f"{url}/sharing", {**sharing, "alliance": "gibt-es-nicht"}, content_type="application/json"
    )
    assert unknown.status_code == 422 and "gibt-es-nicht" in unknown.json()["detail"]
    shared = client.put(f"{url}/sharing", sharing, content_type="application/json")
    assert shared.status_code == 200 and shared.json()["distribution"] == "alliance"

    client.force_login(world["clerk2"])
    assert client.get(url).status_code == 200
    assert client.put(f"{url}/sharing", sharing, content_type="application/json").status_code == 403
    first = world["checklist"].questions.order_by("position").first()
    answers = {"answers": [{"question": first.pk, "value": "ja", "note": ""}]}
    assert client.put(f"{url}/answers", answers, content_type="application/json").status_code == 403
    client.force_login(world["outsider"])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.put(f"{url}/sharing", sharing, content_type="application/json").status_code == 401


def test_answers_name_the_question_of_a_refused_value(world, client):
    assessment = _assessment(world)
    questions = list(world["checklist"].questions.order_by("position"))
    client.force_login(world["clerk1"])
    url = f"{API}/assessments/{assessment.pk}/answers"

    saved = client.put(
        url,
        {
            "answers": [
                {"question": questions[0].pk, "value": "ja", "note": "Konzept liegt vor"},
                {"question": questions[1].pk, "value": "entbehrlich"},
            ]
        },
        content_type="application/json",
    )
    wrong_value = client.put(
        url,
        {"answers": [{"question": questions[0].pk, "value": "vielleicht"}]},
        content_type="application/json",
    )
    foreign = client.put(
        url, {"answers": [{"question": 999999, "value": "ja"}]}, content_type="application/json"
    )
    note_only = client.put(
        url,
        {"answers": [{"question": questions[2].pk, "value": "", "note": "?"}]},
        content_type="application/json",
    )

    assert saved.status_code == 200 and saved.json() == {"saved": 2, "removed": 0, "unchanged": 0}
    assert wrong_value.status_code == 422 and "answers.0.value" in wrong_value.json()["detail"]
    assert foreign.status_code == 422 and "999999" in foreign.json()["detail"]
    assert note_only.status_code == 422 and "Bemerkung braucht eine Antwort" in note_only.json()["detail"]
    detail = client.get(f"{API}/assessments/{assessment.pk}").json()
    assert detail["progress"]["answered"] == 2 and detail["progress"]["not_relevant"] == 1


def test_evidence_needs_an_answer_and_the_own_body(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment = _assessment(world)
    questions = list(world["checklist"].questions.order_by("position"))
    wiba_services.wiba_answers_save(
        actor=world["clerk1"], assessment=assessment, answers={questions[0].pk: ("ja", "")}
    )
    url = f"{API}/assessments/{assessment.pk}/answers/{{}}/evidence"

    def post(question_id: int) -> Any:
        return client.post(
            url.format(question_id),
            {"file": SimpleUploadedFile("konzept.pdf", pdf_bytes(), content_type="application/pdf")},
        )

    client.force_login(world["outsider"])
    assert post(questions[0].pk).status_code == 404
    client.force_login(world["clerk1"])
    unanswered = post(questions[1].pk)
    assert unanswered.status_code == 422 and "noch nicht beantwortet" in unanswered.json()["detail"]
    assert post(999999).status_code == 404
    created = post(questions[0].pk)
    assert created.status_code == 201 and created.json()["tlp"] == "amber"
    attachment = Attachment.objects.get(pk=created.json()["id"])
    assert (attachment.owner_body_id, attachment.name) == (world["vg1"].pk, "konzept.pdf")
    detail = client.get(f"{API}/assessments/{assessment.pk}").json()
    assert detail["answers"][0]["evidence"] == [attachment.pk]

    wiba_services.wiba_assessment_share(
        actor=world["clerk1"],
        assessment=assessment,
        tlp="amber",
        distribution="alliance",
        alliance=world["alliance"],
    )
    client.force_login(world["clerk2"])
    assert post(questions[0].pk).status_code == 403
    assert Attachment.objects.count() == 1


def test_alliance_progress_shows_counts_to_members_and_404_to_outsiders(world, client):
    assessment = _assessment(world)
    first = world["checklist"].questions.order_by("position").first()
    wiba_services.wiba_answers_save(
        actor=world["clerk1"], assessment=assessment, answers={first.pk: ("nein", "")}
    )
    url = f"{API}/alliances/{world['alliance'].slug}/progress"

    client.force_login(world["clerk2"])
    progress = client.get(url).json()
    rows = {m["body"]: m["checklists"][str(world["checklist"].pk)] for m in progress["members"]}
    assert rows[world["vg1"].ars]["no"] == 1 and rows[world["vg2"].ars] is None
    client.force_login(world["outsider"])
    assert client.get(url).status_code == 404
