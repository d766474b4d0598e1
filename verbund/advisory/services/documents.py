"""Model agreements and council resolution drafts (:class:`~verbund.advisory.models.DocumentTemplate`):
versions added by the advisory office, filled with an alliance's data and downloaded as DOCX, ODT
or PDF.

Rules
=====
* Everyone logged in reads the templates and their versions (:func:`~..policies.reads_templates`).
* Only the office adds a version (:func:`version_add`); a version is never changed: a correction is
  a new version with a note. The text is checked when it is saved (:func:`..documents_render.check`):
  an unknown placeholder is refused with its name and line.
* A template is filled for an alliance by the alliance's insiders (coordinators, staff and heads
  of its current members) and the office (:func:`~..policies.fills_template_for`); an alliance the
  person cannot see is 404, one they see but do not belong to 403. The latest version is used
  unless another is chosen.
* Every file made is audited (``TEMPLATE_FILL``) with the alliance, the version and the format — no
  personal data.

The values come from Verbund's data (:func:`fill_values`): the alliance, its current members, the
lead member, its shared services (task and allocation key) and the derived facts of the alliances
part (the lowest common supervisory authority, § 12 Abs. 2 KomZG). A value that is missing is
printed as a gap ("[Kostenschlüssel eintragen]").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from verbund.alliances.models import Alliance, LegalForm, MemberRole, Membership
from verbund.alliances.selectors import alliance_facts
from verbund.audit.services import audit_record
from verbund.common.access import authorize
from verbund.common.actors import Actor, SystemActor
from verbund.common.errors import Forbidden, Invalid, NotFound
from verbund.common.german import format_date, format_number, join_words
from verbund.common.principal import Principal
from verbund.registry.labels import body_label
from verbund.shared_services import allocation
from verbund.shared_services.models import SharedService

from .. import audit_actions
from .. import documents_render as render
from ..models import DocumentTemplate, TemplateVersion
from ..policies import edits_templates, fills_template_for, is_office, reads_templates

FORMAT_DOCX = "docx"
FORMAT_ODT = "odt"
FORMAT_PDF = "pdf"
FORMATS = (FORMAT_DOCX, FORMAT_ODT, FORMAT_PDF)
CONTENT_TYPES = {
    FORMAT_DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FORMAT_ODT: "application/vnd.oasis.opendocument.text",
    FORMAT_PDF: "application/pdf",
}
FORMAT_LABELS = {FORMAT_DOCX: "Word (DOCX)", FORMAT_ODT: "OpenDocument (ODT)", FORMAT_PDF: "PDF"}
MAX_BODY = 100_000
MAX_NUMBER = 2**31 - 1
MAX_NOTE = 300
MAX_SOURCE = 300

#: the organ that decides for a body, by its kind (GemO, LKO RLP)
_ORGANS = {
    "ortsgemeinde": "Ortsgemeinderat",
    "verbandsgemeinde": "Verbandsgemeinderat",
    "verbandsfreie_gemeinde": "Gemeinderat",
    "landkreis": "Kreistag",
    "kreis": "Kreistag",
    "kreisfreie_stadt": "Stadtrat",
}

REFUSAL_VERSION = "Neue Fassungen von Mustervorlagen legt nur die Beratungsstelle an."
REFUSAL_FILL = "Nur wer zum Verbund gehört, und die Beratungsstelle füllen eine Vorlage für ihn aus."


# --- reading ---------------------------------------------------------------------------------------


def visible_templates(principal: Principal) -> QuerySet[DocumentTemplate]:
    """The templates ``principal`` reads (nothing for anonymous callers); the office sees unused ones too."""
    if not reads_templates(principal):
        return DocumentTemplate.objects.none()
    templates = DocumentTemplate.objects.all()
    if not is_office(principal):
        templates = templates.filter(active=True)
    return templates.annotate(latest_number=Max("versions__number")).order_by("kind", "title", "id")


def get_template(principal: Principal, slug: str) -> DocumentTemplate:
    template = visible_templates(principal).filter(slug=slug).first()
    if template is None:
        raise NotFound(_("Keine solche Mustervorlage."))
    return template


def versions(template: DocumentTemplate) -> QuerySet[TemplateVersion]:
    """The versions, the newest first."""
    return template.versions.select_related("created_by").order_by("-number")


def get_version(template: DocumentTemplate, number: int | None = None) -> TemplateVersion:
    """Version ``number``, or the latest one."""
    if number is not None and not 1 <= number <= MAX_NUMBER:
        raise NotFound(_("Die Mustervorlage hat keine Fassung %(number)s.") % {"number": number})
    found = versions(template)
    version = found.filter(number=number).first() if number is not None else found.first()
    if version is None:
        raise NotFound(
            _("Die Mustervorlage hat keine Fassung %(number)s.") % {"number": number}
            if number is not None
            else _("Die Mustervorlage hat noch keine Fassung.")
        )
    return version


def may_add_version(principal: Principal) -> bool:
    return edits_templates(principal)


# --- versions --------------------------------------------------------------------------------------


def version_add(
    *,
    actor: Actor,
    template: DocumentTemplate,
    body: str,
    note: str = "",
    source: str = "",
) -> TemplateVersion:
    """Add the next version of ``template`` (the office); the text is checked first."""
    authorize(actor, edits_templates, _(REFUSAL_VERSION))
    body = body.replace("\r\n", "\n").strip("\n")
    note = note.strip()
    source = source.strip()
    errors: dict[str, list[str]] = {}
    if not body.strip():
        errors["body"] = [_("Bitte den Text der Vorlage eingeben.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("Der Text ist zu lang (höchstens 100.000 Zeichen).")]
    else:
        problems = render.check(body)
        if problems:
            errors["body"] = problems
    if not note:
        errors["note"] = [_("Bitte kurz angeben, was sich gegenüber der vorigen Fassung ändert.")]
    elif len(note) > MAX_NOTE:
        errors["note"] = [_("Höchstens 300 Zeichen.")]
    if len(source) > MAX_SOURCE:
        errors["source"] = [_("Höchstens 300 Zeichen.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], fields=errors)
    with transaction.atomic():
        locked = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
        last = locked.versions.aggregate(last=Max("number"))["last"] or 0
        if not source:
            previous = locked.versions.filter(number=last).values_list("source", flat=True).first()
            source = previous or ""
        version = TemplateVersion.objects.create(
            template=locked,
            number=last + 1,
            body=body,
            note=note,
            source=source,
            created_by=None if isinstance(actor, SystemActor) else cast(Any, actor),
        )
        audit_record(
            actor=actor,
            action=audit_actions.TEMPLATE_VERSION,
            target=locked,
            changes={"Fassung": version.number, "Änderung": note},
        )
    return version


# --- filling ---------------------------------------------------------------------------------------


def fillable_alliances(principal: Principal) -> QuerySet[Alliance]:
    """The alliances ``principal`` may fill a template for (office and readers of everything: all)."""
    if not principal.is_person and not is_office(principal):
        return Alliance.objects.none()
    if is_office(principal) or principal.reads_everything():
        return Alliance.objects.order_by("name", "id")
    ids: set[int] = set(principal.granted("alliance.coordinator"))
    body_ids = principal.body_ids()
    if body_ids:
        ids |= set(
            Membership.objects.current().filter(body_id__in=body_ids).values_list("alliance_id", flat=True)
        )
    return Alliance.objects.filter(pk__in=ids).order_by("name", "id")


def alliance_to_fill(principal: Principal, slug: str) -> Alliance:
    """The alliance addressed by ``slug`` if ``principal`` may fill for it: 404 unseen, 403 not theirs."""
    alliance = Alliance.objects.visible_to(principal).filter(slug=slug).first()
    if alliance is None:
        raise NotFound(_("Kein solcher Verbund."))
    if not fills_template_for(principal, alliance.pk):
        raise Forbidden(_(REFUSAL_FILL))
    return alliance


def _organ(kind: str, is_stadt: bool) -> str | None:
    if is_stadt and kind in ("ortsgemeinde", "verbandsfreie_gemeinde"):
        return "Stadtrat"
    return _ORGANS.get(kind)


def fill_values(
    alliance: Alliance, *, today: dt.date, session_date: dt.date | None = None
) -> tuple[dict[str, str | None], list[dict[str, str | None]]]:
    """The placeholders' values for ``alliance`` (strings, ``None`` where Verbund has no data) and one
    dict per current member."""
    memberships = list(
        Membership.objects.current()
        .filter(alliance=alliance)
        .select_related("body")
        .order_by("body__name", "id")
    )
    leads = [m for m in memberships if m.role == MemberRole.FEDERFUEHREND]
    lead = leads[0].body if leads else None
    facts = alliance_facts(alliance)
    services = list(
        SharedService.objects.filter(alliance=alliance).select_related("task").order_by("start_date", "id")
    )
    names = {m.body.ars: body_label(m.body.kind, m.body.name) for m in memberships}
    key_text: str | None = None
    for service in services:
        if service.allocation_key:
            try:
                key_text = allocation.describe_config(service.allocation_key, names)
            except allocation.KeyConfigError:
                key_text = None
            break
    tasks = list(dict.fromkeys(s.task.name for s in services))
    fields = list(alliance.fields.order_by("sort_order", "name").values_list("name", flat=True))
    population = facts.population.value
    values: dict[str, str | None] = {
        "verbund.name": alliance.name,
        "verbund.kurzname": alliance.short_name or None,
        "verbund.mitglieder": join_words([names[m.body.ars] for m in memberships]) if memberships else None,
        "verbund.mitgliederzahl": format_number(len(memberships)) if memberships else None,
        "verbund.einwohner": format_number(population) if population is not None else None,
        "verbund.handlungsfelder": join_words(fields) if fields else None,
        "federfuehrend.name": body_label(lead.kind, lead.name) if lead else None,
        "federfuehrend.sitz": (lead.seat or None) if lead else None,
        "aufgabe": join_words(tasks) if tasks else None,
        "rechtsform": alliance.get_legal_form_display() if alliance.legal_form != LegalForm.NONE else None,
        "kostenschluessel": key_text,
        "beginn": format_date(alliance.start_date) if alliance.start_date else None,
        "aufsichtsbehoerde": facts.supervisory_authority.value,
        "datum": format_date(today),
        "sitzungsdatum": format_date(session_date) if session_date else None,
    }
    members: list[dict[str, str | None]] = [
        {
            "mitglied.name": names[m.body.ars],
            "mitglied.art": m.body.get_kind_display(),
            "mitglied.gremium": _organ(m.body.kind, m.body.is_stadt),
            "mitglied.einwohner": format_number(m.body.population) if m.body.population is not None else None,
            "mitglied.rolle": m.get_role_display(),
            "mitglied.ars": m.body.ars,
        }
        for m in memberships
    ]
    return values, members


@dataclass(frozen=True)
class Filled:
    template: DocumentTemplate
    version: TemplateVersion
    alliance: Alliance
    document: render.Document


def prepare(
    *,
    principal: Principal,
    template: DocumentTemplate,
    alliance: Alliance,
    number: int | None = None,
    session_date: dt.date | None = None,
    today: dt.date | None = None,
) -> Filled:
    """The document of ``template`` (version ``number``, else the latest) filled for ``alliance``."""
    if not fills_template_for(principal, alliance.pk):
        raise Forbidden(_(REFUSAL_FILL))
    version = get_version(template, number)
    # an official document: German whatever the reader's language (like every PDF, common.pdf)
    with translation.override("de"):
        values, members = fill_values(
            alliance, today=today or timezone.localdate(), session_date=session_date
        )
        try:
            document = render.fill(version.body, values, members)
        except render.TemplateError as exc:  # saved before the check (never through the services)
            raise Invalid(exc.problems[0], fields={"body": exc.problems}) from exc
    return Filled(template=template, version=version, alliance=alliance, document=document)


def filename(filled: Filled, fmt: str, today: dt.date | None = None) -> str:
    day = today or timezone.localdate()
    short = slugify(filled.alliance.short_name or filled.alliance.slug) or "verbund"
    return f"{slugify(filled.template.slug)}-{short}-{day:%Y-%m-%d}.{fmt}"


def render_file(filled: Filled, fmt: str) -> bytes:
    with translation.override("de"):
        subject = _("%(title)s für %(alliance)s, Fassung %(number)s (Mustertext ohne Rechtsberatung)") % {
            "title": filled.template.title,
            "alliance": filled.alliance.name,
            "number": filled.version.number,
        }
    if fmt == FORMAT_DOCX:
        return render.to_docx(filled.document, subject=subject)
    if fmt == FORMAT_ODT:
        return render.to_odt(filled.document, subject=subject)
    from verbund.common.pdf import render_pdf

    return render_pdf(
        "advisory/documents/document_pdf.html",
        {"document": filled.document, "filled": filled},
        title=filled.document.title,
        subject=subject,
    )


def fill(
    *,
    actor: Actor,
    template: DocumentTemplate,
    alliance: Alliance,
    fmt: str,
    number: int | None = None,
    session_date: dt.date | None = None,
) -> tuple[bytes, str, str]:
    """The filled file as ``(content, filename, content type)``; audited."""
    if fmt not in FORMATS:
        raise Invalid(
            _("Unbekanntes Format „%(format)s“; möglich sind docx, odt und pdf.") % {"format": fmt},
            fields={"format": [_("docx, odt oder pdf")]},
        )
    principal = authorize(actor, reads_templates)
    filled = prepare(
        principal=principal, template=template, alliance=alliance, number=number, session_date=session_date
    )
    content = render_file(filled, fmt)
    audit_record(
        actor=actor,
        action=audit_actions.TEMPLATE_FILL,
        target=template,
        alliance=alliance,
        changes={"Verbund": alliance.name, "Fassung": filled.version.number, "Format": fmt.upper()},
    )
    return content, filename(filled, fmt), CONTENT_TYPES[fmt]


#: the spelling of the template language, for the help text of the pages
SYNTAX = {
    "example": "{{ verbund.name }}",
    "start": "{% für jedes mitglied %}",
    "end": "{% ende %}",
    "signatures": "{{ unterschriften }}",
}


def vocabulary() -> list[dict[str, Any]]:
    """The placeholders for the pages and the API: name, meaning, gap, inside the repetition only."""
    return [
        {
            "name": p.name,
            "token": f"{{{{ {p.name} }}}}",
            "meaning": _(p.meaning),
            "gap": _(p.gap),
            "member": member,
        }
        for member, group in ((False, render.VOCABULARY), (True, render.MEMBER_VOCABULARY))
        for p in group.values()
    ]
