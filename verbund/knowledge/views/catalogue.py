"""Pages of the service catalogue and of responsibility under ``/wissen/``.

Public (no login):

* ``leistungen/`` — the services with a search (name, keyword, synonym) and a catalogue filter;
  ``leistungen/<id>/`` one service (its id in the catalogue) with the question "Wer ist zuständig?".
* ``zustaendigkeit/?leistung=…&gemeinde=…`` (or ``&ars=…``) — who answers a citizen of the
  municipality for the service: the office, the reason, whether the rule is verified, the contact.
  A name that fits several services or municipalities lists them to choose from.
* ``zustaendigkeitsregeln/?land=07`` — the holder rules of a Land; ``kataloge/`` — the catalogues.

Editing (the Beratungsstelle and the operator; 403 for other signed-in people, the login for
anonymous visitors): ``leistungen/<id>/bearbeiten/`` (synonyms, keywords, task, active),
``zustaendigkeitsregeln/neu/``, ``…/<rule>/bearbeiten/``, ``…/<rule>/loeschen/`` (POST) and
``kataloge/einlesen/`` (upload a JSON-lines file; a bad line is named and nothing is stored).
``kontakt/<ars>/`` — the contact data of a body's office, for those who work for the body.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from verbund.common.errors import Forbidden, ImportFileError
from verbund.common.principal import principal_of
from verbund.common.roles import Role
from verbund.registry.labels import STATE_NAMES, state_name
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import paginate

from ..forms import (
    CatalogueImportForm,
    ContactForm,
    HolderRuleForm,
    ResponsibilityForm,
    ServiceEditForm,
    ServiceSearchForm,
)
from ..models import Catalogue, HolderRule, OfficeContact, Service
from ..policies import edits_catalogue, edits_contact
from ..services import catalogue as catalogue_svc
from ..services import rules as svc
from ..services.responsibility import responsible

NAV = "knowledge"
#: the most candidates a question lists (services or municipalities of the same name)
CHOICES = 20


def _service(external_id: str) -> Service:
    service = Service.objects.select_related("catalogue", "task").filter(external_id=external_id).first()
    if service is None:
        raise Http404(_("Keine Leistung mit dieser Kennung."))
    return service


def _require_editor(request: HttpRequest) -> None:
    if not edits_catalogue(principal_of(request)):
        raise Forbidden(_("Nur die Beratungsstelle und der Plattformbetrieb pflegen den Leistungskatalog."))


# --- the catalogue ---------------------------------------------------------------------------------


def service_list(request: HttpRequest) -> HttpResponse:
    form = ServiceSearchForm(request.GET or None)
    filters = form.filters()
    editor = edits_catalogue(principal_of(request))
    include_inactive = editor and bool(request.GET.get("auch_inaktive"))
    services = svc.search_services(
        q=filters["q"], catalogue=filters["catalogue"], include_inactive=include_inactive
    )
    principal = principal_of(request)
    own = principal.body_ids(Role.SACHBEARBEITUNG, Role.VERWALTUNGSLEITUNG) if principal.is_person else ()
    context = {
        "own_bodies": Body.objects.filter(pk__in=own).order_by("name"),
        "form": form,
        "page": paginate(request, services),
        "editor": editor,
        "include_inactive": include_inactive,
        "filtered": bool(filters["q"] or filters["catalogue"]),
        "nav": NAV,
    }
    return render(request, "knowledge/catalogue/service_list.html", context)


def service_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    service = _service(external_id)
    principal = principal_of(request)
    context = {
        "service": service,
        "form": ResponsibilityForm(initial={"leistung": service.external_id}),
        "rules": [
            (rule, state_name(rule.state))
            for rule in HolderRule.objects.filter(service=service).order_by("state")
        ],
        "editor": edits_catalogue(principal),
        "nav": NAV,
    }
    return render(request, "knowledge/catalogue/service_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, external_id: str) -> HttpResponse:
    service = _service(external_id)
    _require_editor(request)
    form = ServiceEditForm(request.POST or None, initial=ServiceEditForm.initial_of(service))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_on_form(
            form,
            lambda: svc.service_update(
                actor=request_actor(request),
                service=service,
                synonyms=data["synonyms"],
                keywords=data["keywords"],
                task=data["task"],
                active=data["active"],
            ),
            default_field="synonyms",
        )
        if done:
            messages.success(request, _("Die Änderungen an der Leistung sind gespeichert."))
            return redirect("knowledge:service_detail", external_id=service.external_id)
    return render(
        request, "knowledge/catalogue/service_form.html", {"form": form, "service": service, "nav": NAV}
    )


def catalogue_list(request: HttpRequest) -> HttpResponse:
    catalogues = Catalogue.objects.annotate(
        active_count=Count("services", filter=Q(services__active=True)), total=Count("services")
    ).order_by("name")
    context = {"catalogues": catalogues, "editor": edits_catalogue(principal_of(request)), "nav": NAV}
    return render(request, "knowledge/catalogue/catalogues.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_import(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        name = upload.name or "katalog.jsonl"

        def read_and_import() -> catalogue_svc.ImportResult:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ImportFileError(_("Die Datei ist nicht in UTF-8 kodiert."), path=name) from None
            records = catalogue_svc.parse_lines(text.splitlines(), path=name)
            return catalogue_svc.import_services(
                actor=request_actor(request),
                records=records,
                name=data["name"],
                slug=data["slug"],
                source=data["source"],
                licence=data["licence"],
                path=name,
            )

        result = run_on_form(form, read_and_import, default_field="file")
        if result:
            messages.success(
                request,
                _(
                    "Der Katalog „%(name)s“ ist eingelesen: %(created)s neu, %(updated)s geändert, "
                    "%(unchanged)s unverändert, %(deactivated)s deaktiviert."
                )
                % {
                    "name": result.catalogue.name,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "deactivated": result.deactivated,
                },
            )
            return redirect(
                f"{reverse('knowledge:service_list')}?{urlencode({'katalog': result.catalogue.slug})}"
            )
    return render(request, "knowledge/catalogue/catalogue_import.html", {"form": form, "nav": NAV})


# --- responsibility --------------------------------------------------------------------------------


def _find_services(text: str) -> list[Service]:
    exact = Service.objects.select_related("catalogue").filter(external_id=text).first()
    if exact is not None:
        return [exact]
    found = list(svc.search_services(q=text)[: CHOICES + 1])
    same = [s for s in found if s.name.casefold() == text.casefold()]
    return same if len(same) == 1 else found


def _find_municipalities(text: str) -> list[Body]:
    bodies = Body.objects.current().gemeinden().select_related("parent")
    if text.isdigit() and len(text) == 12:
        return list(bodies.filter(ars=text))
    found = list(bodies.search(text).order_by("name", "ars")[: CHOICES + 1])
    same = [b for b in found if b.name.casefold() == text.casefold()]
    return same if len(same) == 1 else found


def responsibility(request: HttpRequest) -> HttpResponse:
    """The answer to "Wer ist zuständig?" for a service and a municipality (both found by name)."""
    form = ResponsibilityForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "nav": NAV, "answer": None, "services": [], "municipalities": []}
    if not form.is_valid():
        return render(request, "knowledge/catalogue/responsibility.html", context)
    leistung = " ".join(form.cleaned_data["leistung"].split())
    gemeinde = " ".join(form.cleaned_data["gemeinde"].split())
    ars = request.GET.get("ars", "").strip()
    if not leistung:
        form.add_error("leistung", _("Bitte eine Leistung angeben."))
    if not gemeinde and not ars:
        form.add_error("gemeinde", _("Bitte Ihre Gemeinde angeben."))
    if form.errors:
        form.mark_errors()
        return render(request, "knowledge/catalogue/responsibility.html", context)

    services = _find_services(leistung)
    if not services:
        form.add_error("leistung", _("Keine Leistung gefunden. Bitte einen anderen Begriff versuchen."))
    municipalities = _find_municipalities(ars) if ars else _find_municipalities(gemeinde)
    if not municipalities:
        form.add_error("gemeinde", _("Keine Gemeinde mit diesem Namen oder Regionalschlüssel gefunden."))
    form.mark_errors()
    service = services[0] if len(services) == 1 else None
    municipality = municipalities[0] if len(municipalities) == 1 else None
    context["service"] = service
    context["municipality"] = municipality
    # the lists to choose from, each link keeping the other half of the question
    if services and service is None:
        where = {"ars": municipality.ars} if municipality else {"gemeinde": gemeinde}
        context["services"] = [
            (s, "?" + urlencode({"leistung": s.external_id, **where})) for s in services[:CHOICES]
        ]
        context["more_services"] = len(services) > CHOICES
    if municipalities and municipality is None:
        what = service.external_id if service else leistung
        context["municipalities"] = [
            (b, "?" + urlencode({"leistung": what, "gemeinde": b.name, "ars": b.ars}))
            for b in municipalities[:CHOICES]
        ]
        context["more_municipalities"] = len(municipalities) > CHOICES
    if service is not None and municipality is not None:
        answer = responsible(service, municipality.ars)
        context["answer"] = answer
        if answer.via is not None:
            context["since"] = max(answer.via.from_date, answer.via.service.start_date)
        context["may_edit_contact"] = answer.body is not None and edits_contact(
            principal_of(request), answer.body.pk
        )
    return render(request, "knowledge/catalogue/responsibility.html", context)


# --- holder rules ----------------------------------------------------------------------------------


def holder_rules(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("land", "07")
    if state not in STATE_NAMES:
        state = "07"
    rules = (
        HolderRule.objects.filter(state=state)
        .select_related("service")
        .order_by("leika_prefix", "service__name", "id")
    )
    context = {
        "rules": [(rule, svc.kind_labels(rule.kinds)) for rule in rules],
        "state": state,
        "state_name": state_name(state),
        "states": sorted(STATE_NAMES.items()),
        "editor": edits_catalogue(principal_of(request)),
        "delete_consequences": [
            _(
                "Die Leistungen, für die die Regel galt, haben in diesem Land keine zuständige Stelle "
                "mehr, bis eine andere Regel greift."
            ),
            _("Die Löschung wird protokolliert."),
        ],
        "nav": NAV,
    }
    return render(request, "knowledge/catalogue/holder_rules.html", context)


def _rules_url(state: str) -> str:
    return f"{reverse('knowledge:holder_rules')}?{urlencode({'land': state})}"


@login_required
@require_http_methods(["GET", "POST"])
def holder_rule_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    state = request.GET.get("land", "07")
    form = HolderRuleForm(request.POST or None, initial={"state": state if state in STATE_NAMES else "07"})
    if request.method == "POST" and form.is_valid():
        rule = run_on_form(
            form,
            lambda: svc.holder_rule_create(actor=request_actor(request), values=form.values()),
            default_field="leika_prefix",
        )
        if rule:
            messages.success(
                request, _("Die Zuständigkeitsregel „%(label)s“ ist angelegt.") % {"label": rule.label}
            )
            return redirect(_rules_url(rule.state))
    return render(
        request, "knowledge/catalogue/holder_rule_form.html", {"form": form, "rule": None, "nav": NAV}
    )


def _rule(rule_id: int) -> HolderRule:
    rule = HolderRule.objects.select_related("service").filter(pk=rule_id).first()
    if rule is None:
        raise Http404(_("Keine Zuständigkeitsregel mit dieser Kennung."))
    return rule


@login_required
@require_http_methods(["GET", "POST"])
def holder_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(rule_id)
    _require_editor(request)
    initial = {
        "state": rule.state,
        "leika_prefix": rule.leika_prefix,
        "service": rule.service.external_id if rule.service else "",
        "kinds": rule.kinds,
        "label": rule.label,
        "verified": rule.verified,
        "source": rule.source,
    }
    form = HolderRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_on_form(
            form,
            lambda: svc.holder_rule_update(actor=request_actor(request), rule=rule, values=form.values()),
            default_field="leika_prefix",
        )
        if done:
            messages.success(request, _("Die Zuständigkeitsregel ist gespeichert."))
            return redirect(_rules_url(done.state))
    return render(
        request, "knowledge/catalogue/holder_rule_form.html", {"form": form, "rule": rule, "nav": NAV}
    )


@login_required
@require_POST
def holder_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(rule_id)
    _require_editor(request)
    svc.holder_rule_delete(actor=request_actor(request), rule=rule)
    messages.success(request, _("Die Zuständigkeitsregel „%(label)s“ ist gelöscht.") % {"label": rule.label})
    return redirect(_rules_url(rule.state))


# --- contacts --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, ars: str) -> HttpResponse:
    body = Body.objects.filter(ars=ars).first()
    if body is None:
        raise Http404(_("Körperschaft nicht gefunden."))
    if not edits_contact(principal_of(request), body.pk):
        raise Forbidden(
            _("Nur wer für die Körperschaft arbeitet, pflegt die Kontaktdaten ihrer Dienststelle.")
        )
    contact = OfficeContact.objects.filter(body=body).first()
    initial = {name: getattr(contact, name) for name in svc.CONTACT_FIELDS} if contact else {}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_on_form(
            form,
            lambda: svc.contact_update(actor=request_actor(request), body=body, values=form.cleaned_data),
            default_field="office",
        )
        if done:
            messages.success(request, _("Die Kontaktdaten sind gespeichert."))
            return redirect("knowledge:contact_edit", ars=body.ars)
    context = {"form": form, "body": body, "contact": contact, "nav": NAV}
    return render(request, "knowledge/catalogue/contact_form.html", context)


urlpatterns: list[URLPattern] = [
    path("leistungen/", service_list, name="service_list"),
    # a catalogue's ids are free text (may hold a slash): the edit page comes first
    path("leistungen/<path:external_id>/bearbeiten/", service_edit, name="service_edit"),
    path("leistungen/<path:external_id>/", service_detail, name="service_detail"),
    path("zustaendigkeit/", responsibility, name="responsibility"),
    path("zustaendigkeitsregeln/", holder_rules, name="holder_rules"),
    path("zustaendigkeitsregeln/neu/", holder_rule_create, name="holder_rule_create"),
    path("zustaendigkeitsregeln/<int:rule_id>/bearbeiten/", holder_rule_edit, name="holder_rule_edit"),
    path("zustaendigkeitsregeln/<int:rule_id>/loeschen/", holder_rule_delete, name="holder_rule_delete"),
    path("kataloge/", catalogue_list, name="catalogues"),
    path("kataloge/einlesen/", catalogue_import, name="catalogue_import"),
    path("kontakt/<str:ars>/", contact_edit, name="contact_edit"),
]
