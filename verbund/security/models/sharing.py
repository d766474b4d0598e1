"""TLP 2.0 labels and MISP-style distribution on every shared object of the security part.

Every advisory, assessment, incident, file and asset carries a :class:`Tlp` label and a
:class:`Distribution`. The label limits how far the distribution may reach
(:func:`verbund.security.policies.distribution_allowed`); the filter that enforces both in every query
is :func:`verbund.security.policies.visibility_filter`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from verbund.common.principal import Principal, Sensitivity


class Tlp(models.TextChoices):
    """Traffic Light Protocol 2.0 (FIRST). CSAF 2.0's WHITE is read as CLEAR."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


#: How sensitive data of each label is, for the platform's read log and refusal rules.
TLP_SENSITIVITY: dict[str, Sensitivity] = {
    Tlp.CLEAR: Sensitivity.PUBLIC,
    Tlp.GREEN: Sensitivity.INTERNAL,
    Tlp.AMBER: Sensitivity.CONFIDENTIAL,
    Tlp.AMBER_STRICT: Sensitivity.CONFIDENTIAL,
    Tlp.RED: Sensitivity.STRICT,
}

#: What each label means, in the words of TLP 2.0, for the forms and the detail pages.
TLP_MEANING: dict[str, Any] = {
    Tlp.CLEAR: gettext_lazy("ohne Einschränkung weiterzugeben"),
    Tlp.GREEN: gettext_lazy("innerhalb der Gemeinschaft (alle Verbünde), nicht öffentlich"),
    Tlp.AMBER: gettext_lazy("die eigene Körperschaft und wer es wissen muss (Verbund oder Gruppe)"),
    Tlp.AMBER_STRICT: gettext_lazy("nur die eigene Körperschaft"),
    Tlp.RED: gettext_lazy("nur die namentlich genannten Personen"),
}


class Distribution(models.TextChoices):
    """MISP's distribution levels, in an alliance's words."""

    ORGANISATION = "organisation", gettext_lazy("nur die eigene Körperschaft")
    ALLIANCE = "alliance", gettext_lazy("der eigene Verbund")
    ALL_ALLIANCES = "all_alliances", gettext_lazy("alle Verbünde")
    GROUP = "group", gettext_lazy("eine benannte Gruppe von Körperschaften")
    ALL = "all", gettext_lazy("alle Angemeldeten")


class SharingGroup(models.Model):
    """A named list of bodies that share with each other (MISP: sharing group)."""

    name = models.CharField(gettext_lazy("Name"), max_length=200)
    owner_body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("angelegt von (Körperschaft)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    bodies = models.ManyToManyField(
        "registry.Body", verbose_name=gettext_lazy("Körperschaften"), related_name="security_sharing_groups"
    )
    description = models.TextField(gettext_lazy("Beschreibung"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Teilungsgruppe")
        verbose_name_plural = gettext_lazy("Teilungsgruppen")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SharedQuerySet(models.QuerySet[Any]):
    def visible_to(self, principal: Principal) -> SharedQuerySet:
        """What ``principal`` may see under TLP and distribution (:mod:`verbund.security.policies`)."""
        from verbund.security.policies import visibility_filter

        return self.filter(visibility_filter(principal, self.model))


class Shared(models.Model):
    """The sharing fields every TLP-labelled object carries.

    ``owner_body`` is the organisation the object belongs to (empty for public advisories fetched from
    a provider). ``alliance`` is the community for :attr:`Distribution.ALLIANCE`, ``sharing_group`` the
    group for :attr:`Distribution.GROUP`; ``recipients`` are the named people of TLP:RED (the creator
    is always one). ``advisory_office`` opens the object to the Beratungsstelle, which otherwise sees
    none of it.
    """

    tlp = models.CharField(gettext_lazy("TLP"), max_length=16, choices=Tlp.choices, default=Tlp.AMBER)
    distribution = models.CharField(
        gettext_lazy("Verteilung"),
        max_length=20,
        choices=Distribution.choices,
        default=Distribution.ORGANISATION,
    )
    owner_body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Körperschaft"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=gettext_lazy("Verbund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sharing_group = models.ForeignKey(
        SharingGroup,
        verbose_name=gettext_lazy("Teilungsgruppe"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("namentliche Empfänger (TLP:RED)"),
        blank=True,
        related_name="+",
    )
    advisory_office = models.BooleanField(gettext_lazy("mit der Beratungsstelle geteilt"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[SharedQuerySet] = SharedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        abstract = True

    @property
    def sensitivity(self) -> Sensitivity:
        return TLP_SENSITIVITY[self.tlp]
