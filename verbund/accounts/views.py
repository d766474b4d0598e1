"""Login, "Mein Konto" (one's roles and API tokens), and managing users and roles.

* Heads (Verwaltungsleitung) see their body's accounts and roles (``accounts:body_users``), invite new
  staff (``accounts:invite``), revoke the Sachbearbeitung of their body and lock accounts that belong
  to their body alone.
* The operator (Plattformbetrieb) lists and searches every account (``accounts:users``), creates
  accounts (``accounts:user_create``), assigns any role choosing the body by name or ARS, revokes
  roles, locks and unlocks accounts (``accounts:user_detail``).
* A new account has no password; the page shows a one-time link (``accounts:set_password``) with
  which its holder sets one.

Access goes through the principal: an account, role or body page the principal may not manage is a
404, a visible role or account it may not change a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from verbund.common.access import access_object, require
from verbund.common.errors import NotFound
from verbund.common.principal import Principal, principal_of
from verbund.common.roles import BODY_ROLES, Role
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import run_on_form
from verbund.ui.views import is_htmx, paginate, refusals_as_messages

from . import policies, selectors, two_factor
from .forms import NewUserForm, RoleAssignForm, SetPasswordKernForm, TokenForm, UserSearchForm
from .language import cookie_after_login
from .models import ApiToken, RoleAssignment, User
from .principal import principal_for
from .services import (
    role_assign,
    role_revoke,
    token_issue,
    token_revoke,
    user_create,
    user_deactivate,
    user_invite,
    user_reactivate,
    user_set_password,
)


class LoginView(auth_views.LoginView):
    """Django's login (throttled by django-axes), with the SSO button when OIDC is switched on."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Read at request time, so that the switch is a setting and nothing else.
        context["oidc_enabled"] = bool(getattr(settings, "OIDC_ENABLED", False))
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        # The account's language (applied by the user_logged_in receiver) is kept in the cookie.
        return cookie_after_login(self.request, super().form_valid(form))


# --- Mein Konto -----------------------------------------------------------------------------------


def _language_name(code: str) -> str:
    """The account's language in its own name ("Deutsch", "English"), or that none is chosen."""
    if not code:
        return _("noch nicht gewählt (es gilt die Einstellung des Browsers)")
    return str(get_language_info(code)["name_local"])


def _account_page(
    request: HttpRequest, *, form: TokenForm, new_token: str = "", status: int = 200
) -> HttpResponse:
    user: Any = request.user
    roles = (
        RoleAssignment.objects.filter(user_id=user.pk).select_related("body").order_by("role", "body__name")
    )
    tokens = ApiToken.objects.filter(user_id=user.pk).order_by("revoked_at", "-created_at")
    response = render(
        request,
        "accounts/account.html",
        {
            "roles": roles,
            "tokens": tokens,
            "form": form,
            "new_token": new_token,
            "nav": "account",
            "manages_users": policies.may_manage_users(principal_of(request)),
            "user_language_name": _language_name(getattr(user, "language", "")),
        },
        status=status,
    )
    if new_token:
        # The token is shown exactly once: no cache may keep the page.
        add_never_cache_headers(response)
    return response


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request, form=TokenForm())


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    user: Any = request.user
    if not form.is_valid():
        return _account_page(request, form=form, status=400)
    issued = run_on_form(
        form, lambda: token_issue(actor=request_actor(request), user=user, name=form.cleaned_data["name"])
    )
    if issued is None:
        return _account_page(request, form=form, status=400)
    _token, plaintext = issued
    return _account_page(request, form=TokenForm(), new_token=plaintext)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = access_object(
        ApiToken.objects.select_related("user"),
        principal_of(request),
        need=policies.may_change_token,
        pk=token_id,
    )
    token_revoke(actor=request_actor(request), token=token)
    messages.success(
        request, _("Das Token „%(name)s“ wurde widerrufen.") % {"name": token.name or token.hint}
    )
    return redirect("accounts:account")


# --- managing users: lists ------------------------------------------------------------------------


def _manager(request: HttpRequest) -> Principal:
    """The principal of a page for managing users (operators and heads; 403 for everyone else)."""
    principal = principal_of(request)
    require(
        policies.may_manage_users(principal),
        _("Benutzerkonten verwalten der Plattformbetrieb und die Verwaltungsleitungen."),
    )
    return principal


@login_required
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    """Every account the principal sees (operators: all, heads: their bodies'), with search."""
    principal = _manager(request)
    search = UserSearchForm(request.GET)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    page = paginate(request, selectors.users_for(principal, q))
    headed = Body.objects.filter(pk__in=principal.body_ids(Role.VERWALTUNGSLEITUNG)).order_by("name")
    return render(
        request,
        "accounts/users.html",
        {
            "search": search,
            "q": q,
            "page": page,
            "headed_bodies": headed,
            "may_create": policies.may_create_users(principal),
            "nav": "users",
        },
    )


def _managed_body(principal: Principal, ars: str) -> Body:
    """The body ``ars`` if ``principal`` manages its accounts (heads of it, operators); else 404."""
    body = Body.objects.filter(ars=ars).first()
    if body is None or not policies.may_invite(principal, body.pk):
        raise NotFound()
    return body


def _body_page(
    request: HttpRequest, principal: Principal, body: Body, *, form: NewUserForm, status: int = 200
) -> HttpResponse:
    members = (
        selectors.users_for(principal)
        .filter(role_assignments__body=body)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    rows = [(member, [r for r in member.visible_roles if r.body_id == body.pk]) for member in members]  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/body_users.html",
        {"body": body, "rows": rows, "form": form, "nav": "users", "principal": principal},
        status=status,
    )


@login_required
@require_GET
def body_users(request: HttpRequest, ars: str) -> HttpResponse:
    """The accounts and roles of one body, with the invitation form (its heads and operators)."""
    principal = principal_of(request)
    body = _managed_body(principal, ars)
    return _body_page(request, principal, body, form=NewUserForm())


def _one_time_link(request: HttpRequest, user: User, *, body: Body | None, invited: bool) -> HttpResponse:
    link = request.build_absolute_uri(selectors.set_password_path(user))
    response = render(
        request,
        "accounts/user_created.html",
        {"new_user": user, "link": link, "body": body, "invited": invited, "nav": "users"},
    )
    # The link sets a password: no cache may keep the page.
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def invite(request: HttpRequest, ars: str) -> HttpResponse:
    """A head invites a new Sachbearbeitung of their body; the page shows the set-password link."""
    principal = principal_of(request)
    body = _managed_body(principal, ars)
    form = NewUserForm(request.POST)
    user = form.is_valid() and run_on_form(
        form,
        lambda: user_invite(actor=request_actor(request), body=body, **form.cleaned_data),
        default_field="username",
    )
    if not user:
        return _body_page(request, principal, body, form=form, status=400)
    return _one_time_link(request, user, body=body, invited=True)


@login_required
@require_http_methods(["GET", "POST"])
def user_create_view(request: HttpRequest) -> HttpResponse:
    """The operator creates an account (no password, no role yet); the page shows the link."""
    principal = principal_of(request)
    require(policies.may_create_users(principal), _("Benutzerkonten legt der Plattformbetrieb an."))
    form = NewUserForm(request.POST or None)
    if request.method == "POST":
        user = form.is_valid() and run_on_form(
            form,
            lambda: user_create(actor=request_actor(request), **form.cleaned_data),
            default_field="username",
        )
        if user:
            return _one_time_link(request, user, body=None, invited=False)
    status = 400 if form.is_bound else 200
    return render(request, "accounts/user_form.html", {"form": form, "nav": "users"}, status=status)


# --- one account ----------------------------------------------------------------------------------


def _assignable_roles(principal: Principal) -> list[str]:
    """The roles ``principal`` may assign to someone (for some body)."""
    headed = principal.body_ids(Role.VERWALTUNGSLEITUNG)
    return [
        role
        for role in Role.values
        if policies.may_manage_role(principal, role, None)
        or (role in BODY_ROLES and any(policies.may_manage_role(principal, role, b) for b in headed))
    ]


def _detail_page(
    request: HttpRequest,
    principal: Principal,
    user: User,
    *,
    form: RoleAssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    roles = [
        (assignment, policies.may_revoke_assignment(principal, assignment))
        for assignment in user.visible_roles  # type: ignore[attr-defined]
    ]
    assignable = _assignable_roles(principal)
    if form is None and assignable:
        form = RoleAssignForm(roles=assignable)
    target = principal_for(user) if user.is_active else None
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": user,
            "roles": roles,
            "form": form,
            "may_deactivate": target is not None and policies.may_deactivate(principal, target),
            "may_reactivate": not user.is_active and policies.may_reactivate(principal),
            "may_reset_two_factor": principal.is_operator and two_factor.confirmed_device(user) is not None,
            "two_factor_consequences": [
                _(
                    "Die Authenticator-App der Person gilt nicht mehr; sie meldet sich nur mit dem "
                    "Passwort an."
                ),
                _(
                    "Ist der zweite Faktor für ihre Rolle vorgeschrieben, richtet sie ihn bei der nächsten "
                    "Anmeldung neu ein. Der Vorgang wird im Protokoll festgehalten."
                ),
            ],
            "revoke_consequences": [
                _("Die Person verliert sofort alle Rechte, die diese Rolle gibt."),
                _("Der Vorgang wird im Protokoll festgehalten; die Rolle kann später neu vergeben werden."),
            ],
            "deactivate_consequences": [
                _("Die Person kann sich nicht mehr anmelden; ihre API-Tokens funktionieren nicht mehr."),
                _(
                    "Ihre Rollen bleiben eingetragen; der Plattformbetrieb kann das Konto "
                    "wieder freischalten."
                ),
            ],
            "reactivate_consequences": [
                _("Die Person kann sich wieder anmelden und hat wieder ihre Rollen.")
            ],
            "nav": "users",
        },
        status=status,
    )


@login_required
@require_GET
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    principal = principal_of(request)
    user = selectors.access_user(principal, username)
    return _detail_page(request, principal, user)


@login_required
@require_POST
def role_assign_view(request: HttpRequest, username: str) -> HttpResponse:
    principal = principal_of(request)
    user = selectors.access_user(principal, username)
    assignable = _assignable_roles(principal)
    require(bool(assignable), _("Sie dürfen keine Rollen vergeben."))
    form = RoleAssignForm(request.POST, roles=assignable)
    assignment = form.is_valid() and run_on_form(
        form,
        lambda: role_assign(
            actor=request_actor(request),
            user=user,
            role=form.cleaned_data["role"],
            body=form.cleaned_data["body_obj"],
        ),
        default_field="role",
    )
    if not assignment:
        return _detail_page(request, principal, user, form=form, status=400)
    messages.success(
        request,
        _("%(name)s hat jetzt die Rolle %(role)s.")
        % {"name": user.get_full_name() or user.username, "role": assignment},
    )
    return redirect("accounts:user_detail", username=user.username)


@login_required
@require_POST
def role_revoke_view(request: HttpRequest, username: str, role: str, ars: str = "") -> HttpResponse:
    principal = principal_of(request)
    assignment = selectors.access_assignment(
        principal, username=username, role=role, ars=ars or None, for_change=True
    )
    back = reverse("accounts:user_detail", kwargs={"username": username})

    @refusals_as_messages(fallback=back)
    def revoke(request: HttpRequest) -> HttpResponse:
        label = str(assignment)
        role_revoke(actor=request_actor(request), assignment=assignment)
        messages.success(
            request,
            _("Die Rolle %(role)s wurde %(username)s entzogen.")
            % {"role": label, "username": assignment.user.username},
        )
        if not User.objects.visible_to(principal).filter(pk=assignment.user_id).exists():
            # A head who revoked the last role of their body no longer sees the account.
            if assignment.body is not None and policies.may_invite(principal, assignment.body.pk):
                return redirect("accounts:body_users", ars=assignment.body.ars)
            return redirect("accounts:users")
        return redirect(back)

    return revoke(request)


def _account_button(
    request: HttpRequest, user: User, back: str, act: Callable[..., object], done: str
) -> HttpResponse:
    """Lock or unlock ``user`` with ``act``; a refusal becomes a message on the account's page."""

    @refusals_as_messages(fallback=back)
    def run(request: HttpRequest) -> HttpResponse:
        act(actor=request_actor(request), user=user)
        messages.success(request, done)
        return redirect(back)

    return run(request)


@login_required
@require_POST
def user_deactivate_view(request: HttpRequest, username: str) -> HttpResponse:
    principal = principal_of(request)
    user = selectors.access_user(principal, username)
    back = reverse("accounts:user_detail", kwargs={"username": username})
    require(
        not user.is_active or policies.may_deactivate(principal, principal_for(user)),
        _("Dieses Benutzerkonto können Sie nicht sperren."),
    )
    return _account_button(
        request,
        user,
        back,
        user_deactivate,
        _("Das Benutzerkonto %(username)s ist gesperrt.") % {"username": user.username},
    )


@login_required
@require_POST
def two_factor_reset_view(request: HttpRequest, username: str) -> HttpResponse:
    """Plattformbetrieb removes the second factor of a person who lost their device (audited)."""
    principal = principal_of(request)
    user = selectors.access_user(principal, username)
    require(principal.is_operator, _("Nur der Plattformbetrieb setzt den zweiten Faktor zurück."))
    back = reverse("accounts:user_detail", kwargs={"username": username})
    return _account_button(
        request,
        user,
        back,
        two_factor.two_factor_remove,
        _("Der zweite Faktor von %(username)s ist zurückgesetzt.") % {"username": user.username},
    )


@login_required
@require_POST
def user_reactivate_view(request: HttpRequest, username: str) -> HttpResponse:
    principal = principal_of(request)
    user = selectors.access_user(
        principal,
        username,
        need=lambda p, _user: policies.may_reactivate(p),
        refusal=_("Gesperrte Konten schaltet der Plattformbetrieb wieder frei."),
    )
    back = reverse("accounts:user_detail", kwargs={"username": username})
    return _account_button(
        request,
        user,
        back,
        user_reactivate,
        _("Das Benutzerkonto %(username)s ist wieder freigeschaltet.") % {"username": user.username},
    )


@login_required
@require_GET
def body_suggestions(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of the body suggestion list (HTMX), for ``?body=<name or ARS>``."""
    _manager(request)
    bodies = selectors.body_suggestions(request.GET.get("body", ""))
    options = [selectors.body_label(body) for body in bodies]
    template = "accounts/_body_options.html" if is_htmx(request) else "accounts/body_suggestions.html"
    return render(request, template, {"options": options, "q": request.GET.get("body", "")})


# --- the one-time link ----------------------------------------------------------------------------


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Set a first (or new) password with a one-time link (Django's token: it is void once used).

    Like Django's reset view, the token moves from the URL into the session before the form shows,
    so it does not leak through the Referer header. The password is set by the service, acting as
    the account's holder, and audited.
    """

    template_name = "accounts/set_password.html"
    form_class = SetPasswordKernForm
    success_url = reverse_lazy("accounts:login")
    reset_url_token = "setzen"
    title = gettext_lazy("Passwort setzen")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def set_password(self, user: Any, password: str) -> None:
        """The service that sets the password (the holder acts); the reset by e-mail has its own."""
        user_set_password(actor=user, user=user, password=password)

    def done_message(self) -> str:
        return _("Ihr Passwort ist gesetzt. Sie können sich jetzt anmelden.")

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.user
        done = run_on_form(
            form,
            lambda: self.set_password(user, form.cleaned_data["new_password1"]),
            default_field="new_password2",
        )
        if not done:
            return self.form_invalid(form)
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, self.done_message())
        return HttpResponseRedirect(self.get_success_url())
