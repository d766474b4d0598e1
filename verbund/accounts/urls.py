"""``/konto/``: login, logout, "Mein Konto", managing users and roles, the set-password link, and the
single sign-on routes (404 while SSO is off). No internal ids: accounts by user name, bodies by ARS."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import oidc, security_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("anmelden/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView answers POST only: a link or an image cannot log anybody out.
    path("abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/neu/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/widerrufen/", views.token_revoke_view, name="token_revoke"),
    # Managing users and roles (operators: every account; heads: their body's).
    path("benutzer/", views.users, name="users"),
    path("benutzer-anlegen/", views.user_create_view, name="user_create"),
    path("benutzer/<str:username>/", views.user_detail, name="user_detail"),
    path("benutzer/<str:username>/rollen/", views.role_assign_view, name="role_assign"),
    path("benutzer/<str:username>/rollen/<slug:role>/entziehen/", views.role_revoke_view, name="role_revoke"),
    path(
        "benutzer/<str:username>/rollen/<slug:role>/<str:ars>/entziehen/",
        views.role_revoke_view,
        name="role_revoke",
    ),
    path("benutzer/<str:username>/sperren/", views.user_deactivate_view, name="user_deactivate"),
    path("benutzer/<str:username>/freischalten/", views.user_reactivate_view, name="user_reactivate"),
    path(
        "benutzer/<str:username>/zweiter-faktor-zuruecksetzen/",
        views.two_factor_reset_view,
        name="two_factor_reset",
    ),
    path("koerperschaften/<str:ars>/", views.body_users, name="body_users"),
    path("koerperschaften/<str:ars>/einladen/", views.invite, name="invite"),
    path("koerperschaft-vorschlaege/", views.body_suggestions, name="body_suggestions"),
    path("passwort-setzen/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    # forgotten password (e-mail link) and the second factor: security_views
    path("passwort-vergessen/", security_views.PasswordResetRequestView.as_view(), name="password_reset"),
    path(
        "passwort-vergessen/gesendet/",
        security_views.PasswordResetSentView.as_view(),
        name="password_reset_done",
    ),
    path(
        "passwort-vergessen/<uidb64>/<token>/",
        security_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("anmelden/code/", security_views.login_code, name="login_code"),
    path("zwei-faktor/", security_views.two_factor_setup, name="two_factor"),
    path("zwei-faktor/entfernen/", security_views.two_factor_remove, name="two_factor_remove"),
    path("oidc/authenticate/", oidc.oidc_authenticate, name="oidc_authenticate"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
]
