"""WiBA in Verbund: only Plattformbetrieb and the Beratungsstelle upload checklists (atomic, the same
file once); a body's staff and officers answer; the answers follow the assessment's TLP label and
distribution (a member outside gets 404 on page and API, its evidence too); progress per topic and
across the alliance shows counts only; pages and API answer."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from verbund.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from verbund.alliances.tests.factories import AllianceFactory
from verbund.audit.models import AuditEntry
from verbund.common.actors import SystemActor
from verbund.common.errors import Conflict, Forbidden, Invalid
from verbund.registry.tests.factories import BodyFactory
from verbund.security.models import Attachment, Distribution, Tlp, WibaAnswer, WibaChecklist, WibaQuestion
from verbund.security.services import wiba as wiba_services
from verbund.security.wiba_import import WibaFileError

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "demo_data" / "wiba-beispiel-datensicherung.csv"
SYSTEM = SystemActor(name="Test", capabilities=frozenset({"security.manage"}))


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def world(db):
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


def test_operator_and_advisory_office_may_upload_but_a_clerk_may_not(world):
    advisory: Any = RoleAssignmentFactory().user
    data = "Thema;Netze\nNr.;Prüffrage\nN.1;Sind die Netze getrennt?\n".encode()

    checklist = wiba_services.wiba_checklist_import(actor=advisory, file=io.BytesIO(data), name="netze.csv")
    with pytest.raises(Forbidden):
        wiba_services.wiba_checklist_import(actor=world["clerk1"], file=io.BytesIO(data + b"x"), name="n.csv")

    assert (checklist.topic, checklist.questions.count()) == ("Netze", 1)
    assert AuditEntry.objects.filter(action="security.wiba_import").count() == 2


def test_same_file_twice_is_a_conflict_and_a_bad_file_stores_nothing(world):
    before = (WibaChecklist.objects.count(), WibaQuestion.objects.count())

    with pytest.raises(Conflict), SAMPLE.open("rb") as handle:
        wiba_services.wiba_checklist_import(actor=world["operator"], file=handle, name=SAMPLE.name)
    broken = "Nr.;Prüffrage\n1;Erste?\n2;\n".encode()
    with pytest.raises(WibaFileError, match=r"kaputt.csv, Zeile 3, Feld Prüffrage"):
        wiba_services.wiba_checklist_import(
            actor=world["operator"], file=io.BytesIO(broken), name="kaputt.csv"
        )

    assert (WibaChecklist.objects.count(), WibaQuestion.objects.count()) == before


def _answer_all(world, assessment, *values):
    questions = list(world["checklist"].questions.order_by("position"))
    answers = {q.pk: (v, "") for q, v in zip(questions, values, strict=False)}
    return wiba_services.wiba_answers_save(actor=world["clerk1"], assessment=assessment, answers=answers)


def test_answers_progress_and_refusals(world):
    assessment = wiba_services.wiba_assessment_start(
        actor=world["clerk1"], checklist=world["checklist"], body=world["vg1"]
    )

    counts = _answer_all(world, assessment, "ja", "ja", "nein", "entbehrlich")
    progress = wiba_services.assessment_progress(assessment)

    assert counts == {"saved": 4, "removed": 0, "unchanged": 0}
    assert (progress.total, progress.answered, progress.yes, progress.no, progress.not_relevant) == (
        12,
        4,
        2,
        1,
        1,
    )
    assert progress.percent_answered == 33
    assert progress.percent_fulfilled == 66
    with pytest.raises(Forbidden):
        wiba_services.wiba_answers_save(actor=world["clerk2"], assessment=assessment, answers={})
    first = world["checklist"].questions.order_by("position").first()
    with pytest.raises(Invalid, match="keine Antwort"):
        wiba_services.wiba_answers_save(
            actor=world["clerk1"], assessment=assessment, answers={first.pk: ("vielleicht", "")}
        )
    assert WibaAnswer.objects.get(assessment=assessment, question=first).value == "ja"


def test_answers_are_private_until_shared_but_alliance_sees_counts(world, client):
    assessment = wiba_services.wiba_assessment_start(
        actor=world["clerk1"], checklist=world["checklist"], body=world["vg1"]
    )
    _answer_all(world, assessment, "ja", "nein")
    url = reverse("security:wiba_assessment", args=[assessment.pk])
    alliance_url = reverse("security:wiba_alliance", args=[world["alliance"].slug])

    client.force_login(world["clerk2"])
    private = client.get(url)
    progress_page = client.get(alliance_url)
    api_private = client.get(f"/api/v1/security/wiba/assessments/{assessment.pk}")
    api_progress = client.get(f"/api/v1/security/wiba/alliances/{world['alliance'].slug}/progress")

    assert private.status_code == 404
    assert api_private.status_code == 404
    assert progress_page.status_code == 200
    assert "2 von 12 beantwortet" in progress_page.content.decode()
    member = next(m for m in api_progress.json()["members"] if m["body"] == world["vg1"].ars)
    assert member["checklists"][str(world["checklist"].pk)]["yes"] == 1

    wiba_services.wiba_assessment_share(
        actor=world["clerk1"],
        assessment=assessment,
        tlp=Tlp.AMBER,
        distribution=Distribution.ALLIANCE,
        alliance=world["alliance"],
    )
    shared = client.get(url)
    assert shared.status_code == 200
    assert "Antworten speichern" not in shared.content.decode()  # visible, not editable

    client.force_login(world["outsider"])
    assert client.get(url).status_code == 404
    assert client.get(alliance_url).status_code == 404


def test_evidence_follows_the_assessment_label(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment = wiba_services.wiba_assessment_start(
        actor=world["clerk1"], checklist=world["checklist"], body=world["vg1"]
    )
    _answer_all(world, assessment, "ja")
    answer = WibaAnswer.objects.get(assessment=assessment)

    client.force_login(world["clerk1"])
    response = client.post(
        reverse("security:wiba_evidence_add", args=[answer.pk]),
        {"file": SimpleUploadedFile("konzept.pdf", pdf_bytes(), content_type="application/pdf")},
    )
    attachment = Attachment.objects.get(wiba_answer=answer)

    assert response.status_code == 302
    assert (attachment.tlp, attachment.distribution, attachment.owner_body_id) == (
        "amber",
        "organisation",
        world["vg1"].pk,
    )
    assert client.get(reverse("security:wiba_evidence", args=[attachment.pk])).status_code == 200
    client.force_login(world["clerk2"])
    assert client.get(reverse("security:wiba_evidence", args=[attachment.pk])).status_code == 404


def test_pages_render_and_answers_post(world, client):
    client.force_login(world["clerk1"])
    start = client.post(
        reverse("security:wiba_start", args=[world["checklist"].pk]), {"body": world["vg1"].pk}
    )
    assessment_url = start["Location"]
    questions = list(world["checklist"].questions.order_by("position"))
    posted = client.post(
        assessment_url,
        {
            f"antwort-{questions[0].pk}": "ja",
            f"bemerkung-{questions[0].pk}": "Konzept von 2025",
            f"antwort-{questions[1].pk}": "nein",
        },
    )

    assert posted.status_code == 302
    assert WibaAnswer.objects.filter(assessment__owner_body=world["vg1"]).count() == 2
    for url in (
        reverse("security:wiba_index"),
        reverse("security:wiba_checklist", args=[world["checklist"].pk]),
        assessment_url,
        assessment_url + "teilen/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.content.decode().count("<h1") == 1
    assert client.get(reverse("security:wiba_upload")).status_code == 403
    bad = client.post(
        assessment_url, {f"antwort-{questions[2].pk}": "", f"bemerkung-{questions[2].pk}": "nur Text"}
    )
    assert bad.status_code == 422
    assert "braucht eine Antwort" in bad.content.decode()


def test_upload_page_names_line_of_a_bad_file(world, client):
    client.force_login(world["operator"])
    bad = SimpleUploadedFile("liste.csv", "Nr.;Prüffrage\n1;Gut?\n2;\n".encode(), content_type="text/csv")

    response = client.post(reverse("security:wiba_upload"), {"file": bad})

    assert response.status_code == 200
    assert "liste.csv, Zeile 3, Feld Prüffrage: Die Prüffrage fehlt." in response.content.decode()


def test_api_lists_and_saves_answers(world, client):
    assessment = wiba_services.wiba_assessment_start(
        actor=world["clerk1"], checklist=world["checklist"], body=world["vg1"]
    )
    question = world["checklist"].questions.order_by("position").first()
    client.force_login(world["clerk1"])

    saved = client.put(
        f"/api/v1/security/wiba/assessments/{assessment.pk}/answers",
        {"answers": [{"question": question.pk, "value": "ja", "note": "erledigt"}]},
        content_type="application/json",
    )
    listed = client.get("/api/v1/security/wiba/assessments")
    checklist = client.get(f"/api/v1/security/wiba/checklists/{world['checklist'].pk}")

    assert saved.json() == {"saved": 1, "removed": 0, "unchanged": 0}
    assert listed.json()["count"] == 1
    assert listed.json()["items"][0]["progress"]["answered"] == 1
    assert len(checklist.json()["question_list"]) == 12
    client.force_login(world["clerk2"])
    refused = client.put(
        f"/api/v1/security/wiba/assessments/{assessment.pk}/answers",
        {"answers": []},
        content_type="application/json",
    )
    assert refused.status_code == 404


def test_alliance_progress_queries_do_not_grow_with_members(world, django_assert_max_num_queries):
    for body, clerk in ((world["vg1"], world["clerk1"]), (world["vg2"], world["clerk2"])):
        wiba_services.wiba_assessment_start(actor=clerk, checklist=world["checklist"], body=body)

    with django_assert_max_num_queries(4):
        progress = wiba_services.alliance_progress(world["alliance"])
        rows = progress.rows()

    assert [body.name for body, _ in rows] == ["VG Eins", "VG Zwei"]
    assert all(cell is not None and cell.total == 12 for _, cells in rows for cell in cells)
