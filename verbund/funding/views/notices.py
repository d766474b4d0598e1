"""The funding authority's editor of a programme's notice template (Bescheidvorlage).

Every save stores a new version (:func:`verbund.funding.services.notice_template_update`); the page
shows the texts in force and the versions so far. Only the authority opens it
(:func:`verbund.funding.policies.may_edit_notice_template`): the notice is its legal document.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.common.access import require
from verbund.common.principal import principal_of
from verbund.ui.actor import request_actor
from verbund.ui.forms import KernForm, run_on_form

from .. import policies, services
from ..models import NoticeTemplate
from ..selectors import access_programme


class NoticeTemplateForm(KernForm):
    """The texts of a notice template; the service checks them (address, placeholders, remedy)."""

    authority_name = forms.CharField(label=gettext_lazy("Bewilligungsbehörde"), max_length=200)
    authority_unit = forms.CharField(
        label=gettext_lazy("Organisationseinheit"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Abteilung oder Referat, z. B. „Referat 21 – Kommunale Förderung“."),
    )
    address = forms.CharField(
        label=gettext_lazy("Anschrift"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Eine Angabe je Zeile; in der letzten Zeile Postleitzahl und Ort."),
    )
    contact = forms.CharField(
        label=gettext_lazy("Kontakt"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Telefon, E-Mail, Internet, Sprechzeiten; eine Angabe je Zeile."),
    )
    signatory_name = forms.CharField(
        label=gettext_lazy("Unterzeichnung: Name"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leer: Es zeichnet die Person, die bewilligt."),
    )
    signatory_function = forms.CharField(
        label=gettext_lazy("Unterzeichnung: Funktion"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("z. B. „Referatsleitung“."),
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("Rechtsgrundlage"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    conditions = forms.CharField(
        label=gettext_lazy("Nebenbestimmungen"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("Vorbelegung beim Bewilligen; im Einzelfall dort anpassbar."),
    )
    legal_remedy = forms.CharField(
        label=gettext_lazy("Rechtsbehelfsbelehrung"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "{behoerde} und {anschrift} werden durch Name und Anschrift der Behörde ersetzt."
        ),
    )


@login_required
def notice_template_edit(request: HttpRequest, slug: str) -> HttpResponse:
    principal = principal_of(request)
    programme = access_programme(principal, slug)
    require(
        policies.may_edit_notice_template(principal),
        _("Die Bescheidvorlage bearbeitet die Bewilligungsbehörde."),
    )
    values, current = services.notice_template_values(programme)
    form = NoticeTemplateForm(request.POST or None, initial=values)
    if request.method == "POST" and form.is_valid():
        saved = run_on_form(
            form,
            lambda: services.notice_template_update(
                actor=request_actor(request), programme=programme, data=form.cleaned_data
            ),
        )
        if saved:
            if current is not None and saved.pk == current.pk:
                messages.info(
                    request,
                    _("Nichts geändert; die Bescheidvorlage bleibt in Fassung %(v)s.") % {"v": saved.version},
                )
            else:
                messages.success(
                    request, _("Bescheidvorlage gespeichert (Fassung %(v)s).") % {"v": saved.version}
                )
            return redirect(reverse("funding:notice_template_edit", kwargs={"slug": programme.slug}))
    versions = list(NoticeTemplate.objects.of(programme).select_related("created_by")[:20])
    context: dict[str, Any] = {
        "programme": programme,
        "form": form,
        "current": current,
        "versions": versions,
        "nav": "funding",
    }
    return render(request, "funding/notice_template_form.html", context)
