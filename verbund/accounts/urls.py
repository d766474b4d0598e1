"""``/konto/``: login, logout, "Mein Konto", and the single sign-on routes (404 while SSO is off)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import oidc, views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("anmelden/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView answers POST only: a link or an image cannot log anybody out.
    path("abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/neu/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/widerrufen/", views.token_revoke_view, name="token_revoke"),
    path("oidc/authenticate/", oidc.oidc_authenticate, name="oidc_authenticate"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
]
