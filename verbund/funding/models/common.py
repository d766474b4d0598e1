"""Vocabulary shared by the funding models: the money zero and the cost categories.

:class:`CostCategory` lists the categories of eligible costs (their labels come from
:data:`verbund.funding.rules.COST_CATEGORIES`); the cost plan of an application
(:class:`~verbund.funding.models.applications.ApplicationCost`) and the actual costs of a proof of use
(:class:`~verbund.funding.models.payments.UseProofCost`) are both kept by category.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from .. import rules
from ..rules import ZERO

__all__ = ["ZERO", "CostCategory"]


class CostCategory(models.TextChoices):
    PERSONAL = "personal", gettext_lazy(rules.COST_CATEGORIES["personal"])
    SACHKOSTEN = "sachkosten", gettext_lazy(rules.COST_CATEGORIES["sachkosten"])
    LEISTUNGEN_DRITTER = "leistungen_dritter", gettext_lazy(rules.COST_CATEGORIES["leistungen_dritter"])
    IT_SOFTWARE = "it_software", gettext_lazy(rules.COST_CATEGORIES["it_software"])
    QUALIFIZIERUNG = "qualifizierung", gettext_lazy(rules.COST_CATEGORIES["qualifizierung"])
