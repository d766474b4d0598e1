"""Password reset by e-mail (``/konto/passwort-vergessen/``), built on Django's reset views.

* The answer is the same for every address, known or not, so the form tells nobody which
  addresses have an account (no user enumeration). Only active accounts with a usable password
  receive a link (Django's rule; an invited account without a password uses its set-password link).
* The e-mail carries an absolute link built from ``settings.SITE_URL`` (never from the request's
  Host header, which a client chooses). The link is Django's one-time token: void once used,
  after ``PASSWORD_RESET_TIMEOUT`` and when the password changed.
* Requests are limited per client address (``PASSWORD_RESET_MAX_PER_ADDRESS`` an hour; beyond it
  a German 429 page) and per e-mail address (``PASSWORD_RESET_MAX_PER_EMAIL`` an hour; beyond it no
  more mails, the same answer), so the form cannot be used to flood a mailbox.
* Sending a link and setting the new password are audited (``user.password_reset_request`` by
  the system, ``user.password_reset`` by the account's holder).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verbund.audit.services import audit_record
from verbund.common.access import authorize, require
from verbund.common.actors import Actor, SystemActor
from verbund.common.client_address import client_address
from verbund.ui.forms import KernFormMixin

from . import audit_actions as actions
from . import policies
from .models import User

#: Who sends the link (audit log): nobody is signed in when a password is forgotten.
RESET_SENDER = SystemActor(name="Passwort-Zurücksetzen")
WINDOW_SECONDS = 3600


def _count(key: str) -> int:
    """Count one more event under ``key`` in the current hour (the cache is shared across servers
    when ``CACHE_URL`` is set)."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def address_allowed(request: HttpRequest) -> bool:
    """Count a reset request from this client address; ``False`` once over the hourly limit."""
    address = client_address(request) or "unknown"
    limit = int(getattr(settings, "PASSWORD_RESET_MAX_PER_ADDRESS", 10))
    return _count(f"verbund:password-reset:address:{address}") <= limit


def _email_allowed(email: str) -> bool:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    limit = int(getattr(settings, "PASSWORD_RESET_MAX_PER_EMAIL", 3))
    return _count(f"verbund:password-reset:email:{digest}") <= limit


class PasswordResetKernForm(KernFormMixin, PasswordResetForm):
    """Django's reset form in KERN markup; sends at most a few links per address and hour, audited."""

    email = forms.EmailField(
        label=gettext_lazy("E-Mail-Adresse"),
        max_length=254,
        help_text=gettext_lazy("Die Adresse, die in Ihrem Konto hinterlegt ist."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        email = self.cleaned_data["email"]
        if not _email_allowed(email):
            return  # the same answer as for a sent link: nothing to learn, nothing to flood
        super().save(**kwargs)

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        super().send_mail(*args, **kwargs)
        context = args[2] if len(args) > 2 else kwargs.get("context", {})
        user = context.get("user")
        if user is not None:
            audit_record(actor=RESET_SENDER, action=actions.PASSWORD_RESET_REQUEST, target=user)


@transaction.atomic
def password_reset(*, actor: Actor, user: User, password: str) -> User:
    """Set the new password chosen through a reset link (the account's holder acts as themself)."""
    principal = authorize(actor)
    require(
        policies.may_act_for(principal, user.pk, target_is_superuser=user.is_superuser),
        _("Sie dürfen das Passwort dieses Kontos nicht setzen."),
    )
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=actions.PASSWORD_RESET, target=user, changes={"password": "geändert"})
    return user
