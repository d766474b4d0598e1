"""Forms shared by the security part's pages: the sharing fields every TLP-labelled object carries.

Subject forms live beside their views; they add :class:`SharingForm`'s fields with
``SharingForm.sharing_fields(principal)`` or subclass it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from verbund.alliances.models import Alliance
from verbund.common.principal import Principal
from verbund.registry.models import Body
from verbund.ui.forms import KernForm

from .models import Distribution, SharingGroup, Tlp
from .policies import advisory_office_error, distribution_error, own_body_ids
from .selectors import security_alliances


class SharingForm(KernForm):
    """TLP label, distribution, alliance, sharing group and the advisory office; checked against the
    TLP rule (:func:`verbund.security.policies.distribution_error`). ``owner_body`` is offered among the
    bodies the principal acts for."""

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

    def __init__(self, *args: Any, principal: Principal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bodies = own_body_ids(principal)
        self.fields["owner_body"].queryset = Body.objects.filter(pk__in=bodies).order_by("name")  # type: ignore[attr-defined]
        if len(bodies) == 1 and not self.is_bound:
            self.fields["owner_body"].initial = next(iter(bodies))
        self.fields["alliance"].queryset = security_alliances(principal).order_by("name")  # type: ignore[attr-defined]
        self.fields["sharing_group"].queryset = SharingGroup.objects.filter(  # type: ignore[attr-defined]
            bodies__in=bodies
        ).distinct()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tlp, distribution = data.get("tlp"), data.get("distribution")
        if tlp and distribution:
            alliance, group = data.get("alliance"), data.get("sharing_group")
            error = distribution_error(
                tlp,
                distribution,
                alliance_id=alliance.pk if alliance else None,
                group_id=group.pk if group else None,
            )
            if error:
                self.add_error("distribution", error)
        office = advisory_office_error(str(tlp or ""), bool(data.get("advisory_office")))
        if office:
            self.add_error("advisory_office", office)
        return data

    def sharing_values(self) -> dict[str, Any]:
        """The cleaned sharing fields as model field values (``owner_body`` … ``advisory_office``)."""
        data = self.cleaned_data
        return {
            "owner_body": data["owner_body"],
            "tlp": data["tlp"],
            "distribution": data["distribution"],
            "alliance": data.get("alliance"),
            "sharing_group": data.get("sharing_group"),
            "advisory_office": bool(data.get("advisory_office")),
        }
