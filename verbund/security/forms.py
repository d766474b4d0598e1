"""Forms shared by the security part's pages: the sharing fields every TLP-labelled object carries.

Subject forms live beside their views and subclass :class:`SharingForm`. Its check is the services'
(:func:`verbund.security.services.sharing.check_sharing`): the form shows the same refusals at its
fields before anything is stored, and the service refuses again whoever calls it (the API).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

from verbund.alliances.models import Alliance
from verbund.common.errors import Invalid
from verbund.common.principal import Principal
from verbund.registry.models import Body
from verbund.ui.forms import KernForm, apply_refusal

from .models import Distribution, SharingGroup, Tlp
from .policies import own_body_ids, recipient_candidates
from .selectors import security_alliances


class SharingForm(KernForm):
    """TLP label, distribution, alliance, sharing group, the advisory office and the named recipients
    of TLP:RED; checked by the one sharing rule (:func:`..services.sharing.check_sharing`, its
    refusals shown at the fields). ``owner_body`` is offered among the bodies the principal acts for,
    the recipients among the people of their community (:func:`..policies.recipient_candidates`; the
    rule checks them against the chosen body)."""

    owner_body = forms.ModelChoiceField(queryset=Body.objects.none(), label=gettext_lazy("Körperschaft"))
    tlp = forms.ChoiceField(choices=Tlp.choices, initial=Tlp.AMBER, label=gettext_lazy("TLP"))
    distribution = forms.ChoiceField(
        choices=Distribution.choices, initial=Distribution.ORGANISATION, label=gettext_lazy("Verteilung")
    )
    alliance = forms.ModelChoiceField(
        queryset=Alliance.objects.none(), required=False, label=gettext_lazy("Verbund")
    )
    sharing_group = forms.ModelChoiceField(
        queryset=SharingGroup.objects.none(), required=False, label=gettext_lazy("Teilungsgruppe")
    )
    advisory_office = forms.BooleanField(
        required=False,
        label=gettext_lazy("auch mit der Beratungsstelle teilen (nicht bei TLP:AMBER+STRICT und RED)"),
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=gettext_lazy("namentliche Empfänger (nur TLP:RED)"),
        help_text=gettext_lazy(
            "TLP:RED sehen nur die hier genannten Personen und wer den Eintrag angelegt hat; "
            "mindestens eine Person ist nötig."
        ),
        widget=forms.CheckboxSelectMultiple,
    )

    #: Whether the object keeps named recipients (a subclass whose service takes none sets False: no
    #: field, and the recipients are not part of :meth:`sharing_values`).
    named_recipients: ClassVar[bool] = True

    def __init__(self, *args: Any, principal: Principal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.principal = principal
        bodies = own_body_ids(principal)
        self.fields["owner_body"].queryset = Body.objects.filter(pk__in=bodies).order_by("name")  # type: ignore[attr-defined]
        if len(bodies) == 1 and not self.is_bound:
            self.fields["owner_body"].initial = next(iter(bodies))
        self.fields["alliance"].queryset = security_alliances(principal).order_by("name")  # type: ignore[attr-defined]
        self.fields["sharing_group"].queryset = SharingGroup.objects.filter(  # type: ignore[attr-defined]
            bodies__in=bodies
        ).distinct()
        if not self.named_recipients:
            del self.fields["recipients"]
            return
        people: Any = self.fields["recipients"]
        people.queryset = recipient_candidates(bodies).order_by("last_name", "first_name", "username")
        people.label_from_instance = lambda user: user.get_full_name() or user.get_username()

    def clean(self) -> dict[str, Any]:
        """The sharing rule of the services, its refusals at the fields they name. Without a label
        (an upload that takes the document's) or with a field already refused, the service decides."""
        from .services.sharing import check_sharing

        data = super().clean() or {}
        names = ("owner_body", "tlp", "distribution", "alliance", "sharing_group", "advisory_office")
        if not data.get("tlp") or any(name in self.errors for name in (*names, "recipients")):
            return data
        try:
            check_sharing(self.principal, self.sharing_values())
        except Invalid as refusal:
            apply_refusal(self, refusal)
        return data

    def sharing_values(self) -> dict[str, Any]:
        """The cleaned sharing fields as model field values (``owner_body`` … ``advisory_office``,
        ``recipients`` as a list of users)."""
        data = self.cleaned_data
        values = {
            "owner_body": data["owner_body"],
            "tlp": data["tlp"],
            "distribution": data["distribution"],
            "alliance": data.get("alliance"),
            "sharing_group": data.get("sharing_group"),
            "advisory_office": bool(data.get("advisory_office")),
        }
        if self.named_recipients:
            values["recipients"] = list(data.get("recipients") or [])
        return values
