"""Funding: programmes, rule sets, applications, grant notices, drawdowns and proof of use."""

from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "verbund.funding"
    verbose_name = "Förderung"
