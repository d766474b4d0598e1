"""WiBA: checklists read from the user's upload, answered per body, progress per topic and alliance.

Who does what (decided here, documented in the module of the policies' readers):

* **Upload a checklist**: Plattformbetrieb and the Beratungsstelle (:func:`may_import_checklist`).
  A checklist is the BSI's text, the same for every body; it belongs to the platform's catalogue, not
  to one body, so the roles that keep the platform's reference material upload it. The BSI's files
  are never shipped with Verbund (copyright): the upload is the only way in.
* **Answer**: the staff and heads of the body and its shared security officers
  (:func:`verbund.security.policies.acts_for`).
* **Read the answers**: whoever the assessment's TLP label and distribution let see it
  (TLP:AMBER, the body only, by default: the answers show where a body is weak).
* **Progress across the alliance**: the counts per member and checklist (answered, ja, nein, nicht
  relevant, of how many questions) are shown to everyone who opens the alliance's security view
  (members' staff, officers, coordinators) — never which question was answered how, nor the notes.
  Assessments labelled TLP:AMBER+STRICT or RED are counted (and their checklist listed) only for
  those who may read their answers, as in the alliance's match counts.

Every write is atomic and audited; the audit log names the checklist and counts, never an answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, Membership
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.documents import check_upload
from verbund.common.errors import Conflict, Invalid, NotFound
from verbund.common.principal import Principal
from verbund.common.roles import Role
from verbund.registry.models import Body

from .. import audit_actions
from ..models import (
    Attachment,
    Distribution,
    Tlp,
    WibaAnswer,
    WibaAnswerValue,
    WibaAssessment,
    WibaChecklist,
    WibaQuestion,
)
from ..policies import MANAGE, acts_for, visibility_filter
from ..wiba_import import MAX_FILE_BYTES, parse_checklist
from .sharing import check_sharing

IMPORT_REFUSAL = "Checklisten laden der Plattformbetrieb und die Beratungsstelle hoch."
ANSWER_REFUSAL = "Antworten geben die Beschäftigten der Körperschaft und ihre Sicherheitsbeauftragten."


def may_import_checklist(principal: Principal) -> bool:
    """Upload a WiBA checklist: Plattformbetrieb and the Beratungsstelle (system: ``security.manage``)."""
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator or principal.has_platform_role(Role.BERATUNGSSTELLE)


def _person(actor: Actor) -> Any:
    return None if isinstance(actor, SystemActor) else actor


# --- checklists --------------------------------------------------------------------------------------


@transaction.atomic
def wiba_checklist_import(
    *,
    actor: Actor,
    file: IO[bytes],
    name: str,
    topic: str = "",
    number: str = "",
    edition: str = "",
) -> WibaChecklist:
    """Read the checklist in ``file`` (.docx, .xlsx or .csv) and store it with its questions.

    ``topic``/``number``/``edition`` override what the file says. The same file twice is a
    :class:`Conflict`; a file that cannot be read raises :class:`~verbund.security.wiba_import.WibaFileError`
    naming file, line and field, and nothing is stored.
    """
    authorize(actor, may_import_checklist, _(IMPORT_REFUSAL))
    data = file.read(MAX_FILE_BYTES + 1)
    parsed = parse_checklist(data, name)
    digest = hashlib.sha256(data).hexdigest()
    earlier = WibaChecklist.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise Conflict(
            _("Diese Datei ist bereits als Checkliste „%(name)s“ eingelesen.") % {"name": earlier},
            code="wiba_duplicate",
        )
    checklist = WibaChecklist(
        topic=(topic.strip() or parsed.topic)[:300],
        number=(number.strip() or parsed.number)[:20],
        edition=(edition.strip() or parsed.edition)[:100],
        filename=name.rsplit("/", 1)[-1][:300],
        sha256=digest,
        uploaded_by=_person(actor),
    )
    checklist.full_clean()
    checklist.save()
    WibaQuestion.objects.bulk_create(
        WibaQuestion(
            checklist=checklist,
            position=q.position,
            number=q.number,
            text=q.text,
            help_text=q.help_text,
        )
        for q in parsed.questions
    )
    audit_record(
        actor=actor,
        action=audit_actions.WIBA_IMPORT,
        target=checklist,
        # German keys read as their own labels in the audit log (no field of the checklist)
        changes={"filename": checklist.filename, "Prüffragen": len(parsed.questions), "Format": parsed.kind},
    )
    return checklist


# --- assessments -------------------------------------------------------------------------------------


def _sharing_values(
    body: Body,
    tlp: str,
    distribution: str,
    alliance: Alliance | None,
    sharing_group: Any,
    advisory_office: bool,
) -> dict[str, Any]:
    return {
        "owner_body": body,
        "tlp": tlp,
        "distribution": distribution,
        "alliance": alliance,
        "sharing_group": sharing_group,
        "advisory_office": advisory_office,
    }


@transaction.atomic
def wiba_assessment_start(
    *,
    actor: Actor,
    checklist: WibaChecklist,
    body: Body,
    tlp: str = Tlp.AMBER,
    distribution: str = Distribution.ORGANISATION,
    alliance: Alliance | None = None,
    sharing_group: Any = None,
    advisory_office: bool = False,
    recipients: Iterable[Any] = (),
) -> WibaAssessment:
    """The body's assessment of ``checklist``: the existing one, or a new one with these sharing
    fields (TLP:AMBER, the body only, by default). TLP:RED needs named ``recipients`` (users or ids
    of the body's community, :func:`verbund.security.policies.recipient_candidates`); other labels none."""
    principal = authorize(actor, lambda p: acts_for(p, body.pk), _(ANSWER_REFUSAL))
    existing = WibaAssessment.objects.filter(owner_body=body, checklist=checklist).first()
    if existing is not None:
        return existing
    values = _sharing_values(body, tlp, distribution, alliance, sharing_group, advisory_office)
    named = check_sharing(principal, {**values, "recipients": list(recipients)})["recipients"]
    assessment = WibaAssessment(checklist=checklist, created_by=_person(actor), **values)
    assessment.full_clean()
    assessment.save()
    changes: dict[str, Any] = {"checklist": str(checklist), "Begonnen": True}
    if named:
        assessment.recipients.set(named)
        changes["recipients"] = named
    audit_record(
        actor=actor,
        action=audit_actions.WIBA_ANSWER,
        target=assessment,
        body=body,
        changes=changes,
    )
    return assessment


@transaction.atomic
def wiba_assessment_share(
    *,
    actor: Actor,
    assessment: WibaAssessment,
    tlp: str,
    distribution: str,
    alliance: Alliance | None = None,
    sharing_group: Any = None,
    advisory_office: bool = False,
    recipients: Iterable[Any] | None = None,
) -> WibaAssessment:
    """Change who sees the answers (TLP label, distribution and the named ``recipients`` of TLP:RED;
    the evidence files follow). ``recipients`` None: the assessment's own are kept (and checked when
    the label is TLP:RED, which needs at least one); names left from an earlier TLP:RED stay unchecked
    on a lower label (they count for RED only)."""
    principal = authorize(actor, lambda p: acts_for(p, assessment.owner_body_id), _(ANSWER_REFUSAL))
    body = assessment.owner_body
    assert body is not None
    values = _sharing_values(body, tlp, distribution, alliance, sharing_group, advisory_office)
    before_named = sorted(assessment.recipients.values_list("pk", flat=True))
    if recipients is not None:
        named = check_sharing(principal, {**values, "recipients": list(recipients)})["recipients"]
    elif tlp == Tlp.RED:
        named = check_sharing(principal, {**values, "recipients": before_named})["recipients"]
    else:
        check_sharing(principal, values)
        named = before_named
    before = {"tlp": assessment.tlp, "distribution": assessment.distribution}
    for field, value in values.items():
        setattr(assessment, field, value)
    assessment.full_clean()
    assessment.save()
    evidence = Attachment.objects.filter(wiba_answer__assessment=assessment)
    evidence.update(
        tlp=assessment.tlp,
        distribution=assessment.distribution,
        alliance=assessment.alliance,
        sharing_group=assessment.sharing_group,
        advisory_office=assessment.advisory_office,
    )
    changes: dict[str, Any] = {
        "tlp": [before["tlp"], assessment.tlp],
        "distribution": [before["distribution"], assessment.distribution],
    }
    if named != before_named:
        assessment.recipients.set(named)
        changes["recipients"] = {"old": before_named, "new": named}
    _evidence_recipients(evidence, named)
    audit_record(
        actor=actor,
        action=audit_actions.WIBA_ANSWER,
        target=assessment,
        body=body,
        changes=changes,
    )
    return assessment


def _evidence_recipients(evidence: Any, named: list[int]) -> None:
    """The evidence files name the assessment's people (TLP:RED: they see the files with the answers)."""
    through: Any = Attachment.recipients.through
    files = list(evidence.values_list("pk", flat=True))
    if not files:
        return
    through._default_manager.filter(attachment_id__in=files).delete()
    through._default_manager.bulk_create(
        [through(attachment_id=file_id, user_id=user_id) for file_id in files for user_id in named]
    )


AnswerInput = tuple[str, str]  # (value or "" to clear, note)


@transaction.atomic
def wiba_answers_save(
    *, actor: Actor, assessment: WibaAssessment, answers: Mapping[int, AnswerInput]
) -> dict[str, int]:
    """Save answers ``{question id: (value, note)}``; value ``""`` (and no note) removes an answer.

    Returns ``{"saved": n, "removed": n, "unchanged": n}``. Questions of another checklist and
    unknown values are refused (:class:`Invalid`, naming the question) and nothing is saved.
    """
    principal = authorize(actor, lambda p: acts_for(p, assessment.owner_body_id), _(ANSWER_REFUSAL))
    if not WibaAssessment.objects.filter(
        visibility_filter(principal, WibaAssessment), pk=assessment.pk
    ).exists():
        raise NotFound()
    questions = {q.pk: q for q in WibaQuestion.objects.filter(checklist_id=assessment.checklist_id)}
    existing = {a.question_id: a for a in WibaAnswer.objects.filter(assessment=assessment)}
    allowed = set(WibaAnswerValue.values)
    errors: dict[str, list[str]] = {}
    for question_id, (value, note) in answers.items():
        question = questions.get(int(question_id))
        if question is None:
            errors.setdefault("answers", []).append(
                _("Die Frage %(id)s gehört nicht zu dieser Checkliste.") % {"id": question_id}
            )
        elif value and value not in allowed:
            errors.setdefault("answers", []).append(
                _("Frage %(number)s: „%(value)s“ ist keine Antwort (ja, nein, entbehrlich).")
                % {"number": question.number or question.position, "value": value}
            )
        elif len(note or "") > 5000:
            errors.setdefault("answers", []).append(
                _("Frage %(number)s: die Bemerkung ist länger als 5.000 Zeichen.")
                % {"number": question.number or question.position}
            )
        elif not value and (note or "").strip():
            errors.setdefault("answers", []).append(
                _("Frage %(number)s: eine Bemerkung braucht eine Antwort.")
                % {"number": question.number or question.position}
            )
    if errors:
        raise Invalid(fields=errors)
    counts = {"saved": 0, "removed": 0, "unchanged": 0}
    for question_id, (value, note) in answers.items():
        note = (note or "").strip()
        answer = existing.get(int(question_id))
        if not value:
            if answer is not None:
                answer.delete()
                counts["removed"] += 1
            continue
        if answer is not None and answer.value == value and answer.note == note:
            counts["unchanged"] += 1
            continue
        if answer is None:
            answer = WibaAnswer(assessment=assessment, question=questions[int(question_id)])
        answer.value = value
        answer.note = note
        answer.answered_by = _person(actor)
        answer.full_clean()
        answer.save()
        counts["saved"] += 1
    if counts["saved"] or counts["removed"]:
        assessment.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action=audit_actions.WIBA_ANSWER,
            target=assessment,
            body=assessment.owner_body_id,
            changes={
                "checklist": str(assessment.checklist),
                "Antworten gespeichert": counts["saved"],
                "Antworten entfernt": counts["removed"],
            },
        )
    return counts


@transaction.atomic
def wiba_evidence_add(*, actor: Actor, answer: WibaAnswer, file: Any, name: str = "") -> Attachment:
    """Attach an evidence file (PDF) to an answer; it carries the assessment's TLP and distribution."""
    assessment = answer.assessment
    principal = authorize(actor, lambda p: acts_for(p, assessment.owner_body_id), _(ANSWER_REFUSAL))
    if not WibaAssessment.objects.filter(
        visibility_filter(principal, WibaAssessment), pk=assessment.pk
    ).exists():
        raise NotFound()
    checked = check_upload(file, name=name or getattr(file, "name", ""))
    attachment = Attachment(
        wiba_answer=answer,
        name=checked.original_name or "nachweis.pdf",
        size=checked.size,
        owner_body_id=assessment.owner_body_id,
        tlp=assessment.tlp,
        distribution=assessment.distribution,
        alliance_id=assessment.alliance_id,
        sharing_group_id=assessment.sharing_group_id,
        advisory_office=assessment.advisory_office,
        created_by=_person(actor),
    )
    attachment.file.save(attachment.name, file, save=False)
    attachment.save()
    attachment.recipients.set(assessment.recipients.all())
    audit_record(
        actor=actor, action=audit_actions.ATTACHMENT_ADD, target=attachment, body=assessment.owner_body_id
    )
    return attachment


# --- reading: progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far an assessment is: counts of answers of one checklist."""

    total: int
    yes: int = 0
    no: int = 0
    not_relevant: int = 0

    @property
    def answered(self) -> int:
        return self.yes + self.no + self.not_relevant

    @property
    def open(self) -> int:
        return max(self.total - self.answered, 0)

    @property
    def percent_answered(self) -> int:
        """Share of the questions answered, in whole percent (rounded down: 100 only when complete)."""
        return 100 * self.answered // self.total if self.total else 0

    @property
    def percent_fulfilled(self) -> int | None:
        """Share of the relevant answered questions answered "ja" (``None`` when none is relevant)."""
        relevant = self.yes + self.no
        return 100 * self.yes // relevant if relevant else None


def question_totals(checklist_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Questions per checklist (one query)."""
    queryset = WibaChecklist.objects.all()
    if checklist_ids is not None:
        queryset = queryset.filter(pk__in=list(checklist_ids))
    return dict(queryset.annotate(n=Count("questions")).values_list("pk", "n"))


def _counts(filter_q: Q) -> dict[tuple[int, int], dict[str, int]]:
    """``{(assessment's body, checklist): {value: count}}`` of the answers matching ``filter_q``."""
    rows = (
        WibaAnswer.objects.filter(filter_q)
        .values_list("assessment__owner_body_id", "assessment__checklist_id", "value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[tuple[int, int], dict[str, int]] = {}
    for body_id, checklist_id, value, n in rows:
        result.setdefault((body_id, checklist_id), {})[value] = n
    return result


def _progress(total: int, by_value: Mapping[str, int]) -> Progress:
    return Progress(
        total=total,
        yes=by_value.get(WibaAnswerValue.YES, 0),
        no=by_value.get(WibaAnswerValue.NO, 0),
        not_relevant=by_value.get(WibaAnswerValue.NOT_RELEVANT, 0),
    )


def assessment_progress(assessment: WibaAssessment) -> Progress:
    counts = _counts(Q(assessment=assessment)).get(
        (assessment.owner_body_id or 0, assessment.checklist_id), {}
    )
    return _progress(question_totals([assessment.checklist_id]).get(assessment.checklist_id, 0), counts)


def visible_assessments(principal: Principal) -> Any:
    """The assessments whose answers the principal may read (TLP and distribution)."""
    return (
        WibaAssessment.objects.filter(visibility_filter(principal, WibaAssessment))
        .select_related("checklist", "owner_body")
        .order_by("owner_body__name", "checklist__number", "checklist__topic")
    )


def progress_of(assessments: Iterable[WibaAssessment]) -> list[tuple[WibaAssessment, Progress]]:
    """Each assessment with its progress (two queries for any number)."""
    items = list(assessments)
    if not items:
        return []
    totals = question_totals({a.checklist_id for a in items})
    counts = _counts(Q(assessment__in=[a.pk for a in items]))
    return [
        (a, _progress(totals.get(a.checklist_id, 0), counts.get((a.owner_body_id or 0, a.checklist_id), {})))
        for a in items
    ]


@dataclass(frozen=True)
class AllianceProgress:
    """Counts per member and checklist of an alliance (no answers, no notes)."""

    alliance: Alliance
    members: list[Body]
    checklists: list[WibaChecklist]
    #: {(body id, checklist id): Progress} for the assessments begun
    cells: dict[tuple[int, int], Progress]

    def row(self, body: Body) -> list[Progress | None]:
        return [self.cells.get((body.pk, c.pk)) for c in self.checklists]

    def rows(self) -> list[tuple[Body, list[Progress | None]]]:
        return [(body, self.row(body)) for body in self.members]

    def totals(self, body: Body) -> Progress:
        """One member over every checklist (questions of checklists not begun count as open)."""
        total = sum(c.question_count for c in self.checklists)  # type: ignore[attr-defined]
        cells = [p for p in self.row(body) if p is not None]
        return Progress(
            total=total,
            yes=sum(p.yes for p in cells),
            no=sum(p.no for p in cells),
            not_relevant=sum(p.not_relevant for p in cells),
        )


#: assessment labels counted in the alliance's progress only for those who read the assessment
_PRIVATE_TLP = (Tlp.AMBER_STRICT, Tlp.RED)


def _countable(member_ids: list[int], principal: Principal | None) -> Any:
    """The members' assessments the alliance's progress counts for ``principal``: those not labelled
    TLP:AMBER+STRICT or RED, and those the principal may read (none of these without a principal)."""
    shown = ~Q(tlp__in=_PRIVATE_TLP)
    if principal is not None:
        shown |= visibility_filter(principal, WibaAssessment)
    return WibaAssessment.objects.filter(shown, owner_body_id__in=member_ids)


def alliance_progress(alliance: Alliance, principal: Principal | None = None) -> AllianceProgress:
    """The alliance's WiBA progress as ``principal`` may see it: its current members × the checklists
    any of them began (three queries, whatever the size). TLP:AMBER+STRICT and RED assessments count
    only when ``principal`` reads them (never without a principal). The caller checks that the
    principal opens the alliance's view."""
    members = list(
        Body.objects.filter(
            pk__in=Membership.objects.current().filter(alliance=alliance).values("body_id")
        ).order_by("name")
    )
    member_ids = [b.pk for b in members]
    countable = _countable(member_ids, principal)
    checklists: list[WibaChecklist] = list(
        WibaChecklist.objects.filter(pk__in=countable.values("checklist_id"))
        .annotate(question_count=Count("questions", distinct=True))
        .order_by("number", "topic", "pk")
    )
    begun = set(countable.values_list("owner_body_id", "checklist_id"))
    counts = _counts(Q(assessment__in=countable.values("pk")))
    totals = {c.pk: int(getattr(c, "question_count", 0)) for c in checklists}
    cells = {key: _progress(totals.get(key[1], 0), counts.get(key, {})) for key in begun}
    return AllianceProgress(alliance=alliance, members=members, checklists=checklists, cells=cells)


def checklist_for_answers(assessment: WibaAssessment) -> list[tuple[WibaQuestion, WibaAnswer | None]]:
    """The questions of the assessment's checklist, each with its answer (two queries + evidence)."""
    answers = {
        a.question_id: a
        for a in WibaAnswer.objects.filter(assessment=assessment).prefetch_related("attachments")
    }
    return [(q, answers.get(q.pk)) for q in assessment.checklist.questions.order_by("position")]
