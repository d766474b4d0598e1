"""Users, their roles in bodies, API tokens and access helpers."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "verbund.accounts"
    verbose_name = "Konten"
