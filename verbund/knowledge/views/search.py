"""Public pages of the council documents (no login): ``/wissen/ratsinfo/``.

* ``ratsinfo/`` — search across all harvested councils: query (words, "Phrasen", -Ausschluss,
  Präfix*), filters (city, council information system, OParl body, type, date range), sorted by
  relevance or date; each result with its highlighted passage, type, date, city and links to the
  object's page at the source and here.
* ``ratsinfo/<id>/`` — one object with its text (the query's hits marked when it comes from a
  search), its links and the objects it names; a deleted object says that it is gone.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy

from verbund.common.errors import Invalid, NotFound
from verbund.ui.forms import KernForm
from verbund.ui.views import paginate

from ..models import OParlType
from ..services import search as svc

NAV = "knowledge"
PER_PAGE = 20
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
#: The service's field names → this page's parameters.
FIELD_OF = {
    "city": "stadt",
    "source": "quelle",
    "body": "koerperschaft",
    "type": "typ",
    "from": "von",
    "to": "bis",
    "sort": "sortierung",
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class CouncilSearchForm(KernForm):
    """The query and filters (GET); every field optional."""

    id_format = "vb-council-%s"

    q = forms.CharField(
        label=gettext_lazy("Suche"),
        required=False,
        max_length=svc.MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=gettext_lazy(
            "Alle Wörter müssen vorkommen. „Anführungszeichen“ suchen eine Wortfolge, "
            "-wort schließt aus, wort* sucht Wortanfänge."
        ),
    )
    stadt = forms.ChoiceField(label=gettext_lazy("Stadt"), required=False)
    quelle = forms.TypedChoiceField(
        label=gettext_lazy("Ratsinformationssystem"), required=False, coerce=int, empty_value=None
    )
    koerperschaft = forms.ChoiceField(label=gettext_lazy("Körperschaft (OParl)"), required=False)
    typ = forms.ChoiceField(label=gettext_lazy("Art"), required=False)
    von = forms.DateField(
        label=gettext_lazy("Datum von"), required=False, input_formats=DATE_FORMATS, widget=DateInput()
    )
    bis = forms.DateField(
        label=gettext_lazy("Datum bis"), required=False, input_formats=DATE_FORMATS, widget=DateInput()
    )
    sortierung = forms.ChoiceField(
        label=gettext_lazy("Sortierung"),
        required=False,
        choices=[
            (svc.SortOrder.RELEVANCE, gettext_lazy("nach Relevanz")),
            (svc.SortOrder.DATE, gettext_lazy("neueste zuerst")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", gettext_lazy("alle"))]
        choices: dict[str, Any] = {
            "stadt": [*everything, *svc.city_choices()],
            "quelle": [*everything, *svc.source_choices()],
            "koerperschaft": [*everything, *svc.body_choices()],
            "typ": [*everything, *OParlType.choices],
        }
        for name, options in choices.items():
            self.fields[name].choices = options  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("von") and data.get("bis") and data["von"] > data["bis"]:
            self.add_error("bis", gettext_lazy("Das Datum „bis“ liegt vor dem Datum „von“."))
        return data

    def filters(self) -> svc.Filters:
        data = self.cleaned_data
        return svc.Filters(
            city=data.get("stadt") or None,
            source_id=data.get("quelle"),
            body_url=data.get("koerperschaft") or None,
            types=(data["typ"],) if data.get("typ") else (),
            date_from=data.get("von"),
            date_to=data.get("bis"),
        )


def council_search(request: HttpRequest) -> HttpResponse:
    form = CouncilSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        try:
            results = svc.search(
                form.cleaned_data.get("q") or "",
                form.filters(),
                sort=form.cleaned_data.get("sortierung") or svc.SortOrder.RELEVANCE,
            )
        except Invalid as refusal:
            for name, messages in (refusal.fields or {"q": [refusal.detail]}).items():
                field = FIELD_OF.get(name, name)
                form.add_error(field if field in form.fields else None, messages)
        else:
            page = paginate(request, results, per_page=PER_PAGE)
    elif not form.is_bound:
        page = paginate(request, svc.search(), per_page=PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "query": (form.cleaned_data.get("q") or "") if page is not None and form.is_bound else "",
        "nav": NAV,
    }
    return render(request, "knowledge/search/search.html", context)


def council_object_view(request: HttpRequest, object_id: int) -> HttpResponse:
    try:
        obj = svc.council_object(object_id)
    except NotFound as missing:
        raise Http404(missing.detail) from missing
    query = svc.clean_query(request.GET.get("q", ""))[: svc.MAX_QUERY_LENGTH]
    city_name, _ars = svc.city_of(obj.source)
    context = {
        "object": obj,
        "type_label": OParlType(obj.type).label if obj.type in OParlType.values else obj.type,
        "text_html": svc.highlighted_text(obj, query),
        "web_url": svc.web_url(obj.oparl_id, getattr(obj, "web_link", None)),
        "download_url": svc.web_url("", obj.data.get("accessUrl") if isinstance(obj.data, dict) else None),
        "city_name": city_name,
        "related": [] if obj.deleted else svc.related_objects(obj),
        "query": query,
        "nav": NAV,
    }
    return render(request, "knowledge/search/object.html", context)


urlpatterns: list[URLPattern] = [
    path("ratsinfo/", council_search, name="council_search"),
    path("ratsinfo/<int:object_id>/", council_object_view, name="council_object"),
]
