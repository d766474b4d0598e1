"""The optional second factor: a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

* A person enrols on "Mein Konto" (``accounts:two_factor``): the page shows a QR code (inline SVG,
  drawn by segno) of a new secret that is kept in the session only; the device is stored (a
  confirmed ``django_otp`` ``TOTPDevice``) once the person types a code the app shows.
* After the password, a person with a confirmed device is asked for a code
  (``accounts:login_code``) before anything else: :class:`TwoFactorMiddleware` sends every request
  of a signed-in but unverified session there. This covers every door that logs in with a
  password (the login page, the admin's login).
* ``TWO_FACTOR_REQUIRED_ROLES`` (default off): Plattformbetrieb (superusers count as it) and the
  Bewilligungsbehörde must have a device; without one the middleware sends them to enrolment first.
* API tokens (``Authorization: Bearer``) are unaffected: a token is a separate credential, issued
  from a (verified) session and revocable; requests that carry one pass the middleware.
* Single sign-on (OIDC): the identity provider is responsible for the second factor; sessions that
  came through it are not asked again.

Wrong codes are throttled by django-otp (each failure doubles the wait of the device).
"""

from __future__ import annotations

from binascii import unhexlify
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from verbund.audit.services import audit_record
from verbund.common.access import authorize, require
from verbund.common.actors import Actor
from verbund.common.errors import Invalid
from verbund.common.roles import Role

from . import audit_actions as actions
from . import policies
from .models import User
from .principal import principal_for

#: Roles that must have a second factor when ``TWO_FACTOR_REQUIRED_ROLES`` is on.
REQUIRED_ROLES = frozenset({Role.PLATTFORMBETRIEB, Role.BEWILLIGUNGSBEHOERDE})
#: Session key of the secret being enrolled (not stored in the database until confirmed).
SETUP_KEY = "verbund_otp_setup_key"
#: Session key set at sign-in: what the second factor still asks of this session ("code"/"enrol").
PENDING_KEY = "verbund_otp_pending"
DEVICE_NAME = "Authenticator-App"


# --- reading -----------------------------------------------------------------------------------------


def confirmed_device(user: Any) -> TOTPDevice | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def required_for(user: Any) -> bool:
    """Whether ``user`` must have a second factor (setting on and an operator or funding authority)."""
    if not getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", False) or not user.is_authenticated:
        return False
    principal = principal_for(user)
    return principal.is_operator or principal.has_platform_role(*REQUIRED_ROLES)


def new_secret() -> str:
    """A new random TOTP secret (hex, 20 bytes), as django-otp makes them."""
    return str(default_key())


def config_url(user: Any, key: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return str(TOTPDevice(user=user, key=key).config_url)


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as SVG markup (inline in the page: no data: image, no inline style)."""
    return str(segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False))


def secret_for_typing(key: str) -> str:
    """The secret in base32 groups of four, for apps without a camera."""
    from base64 import b32encode

    text = b32encode(unhexlify(key.encode())).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _clean_code(token: str) -> str:
    return "".join(str(token).split())


def _code_matches(key: str, token: str) -> bool:
    import time

    code = _clean_code(token)
    if not code.isdigit() or len(code) != 6:
        return False
    totp = TOTP(unhexlify(key.encode()), step=30, t0=0, digits=6)
    totp.time = time.time()
    return bool(totp.verify(int(code), tolerance=1))


def verify(device: TOTPDevice, token: str) -> bool:
    """Check a code against the device (throttled by django-otp; a code counts only once)."""
    return bool(device.verify_token(_clean_code(token)))


# --- services ----------------------------------------------------------------------------------------


@transaction.atomic
def two_factor_enrol(*, actor: Actor, user: User, key: str, token: str) -> TOTPDevice:
    """Store ``key`` as ``user``'s confirmed TOTP device once ``token`` proves the app has it."""
    principal = authorize(actor)
    require(
        principal.is_person and principal.user_id == user.pk,
        _("Den zweiten Faktor richtet jede Person für ihr eigenes Konto ein."),
    )
    if confirmed_device(user) is not None:
        raise Invalid(
            _("Für Ihr Konto ist bereits ein zweiter Faktor eingerichtet."), code="two_factor_exists"
        )
    if not _code_matches(key, token):
        raise Invalid(
            _("Der Code stimmt nicht. Geben Sie die sechs Ziffern ein, die Ihre App gerade anzeigt."),
            code="two_factor_wrong_code",
            fields={"code": [_("Der Code stimmt nicht.")]},
        )
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True)
    audit_record(
        actor=actor, action=actions.TWO_FACTOR_ENROL, target=user, changes={"two_factor": "eingerichtet"}
    )
    return device


@transaction.atomic
def two_factor_remove(*, actor: Actor, user: User) -> int:
    """Remove ``user``'s second factor (oneself, operators, the system); the number of devices removed.

    While the setting requires it for the user's role, only an operator (resetting a lost phone) or
    the system may remove it; the person then enrols anew at the next login.
    """
    principal = authorize(actor)
    require(
        policies.may_act_for(principal, user.pk, target_is_superuser=user.is_superuser),
        _("Sie dürfen den zweiten Faktor dieses Kontos nicht entfernen."),
    )
    if principal.user_id == user.pk and required_for(user):
        raise Invalid(
            _(
                "Für Ihre Rolle ist der zweite Faktor vorgeschrieben; er kann nicht entfernt werden. "
                "Bei Verlust des Geräts setzt der Plattformbetrieb ihn zurück."
            ),
            code="two_factor_required",
        )
    removed, _details = TOTPDevice.objects.filter(user_id=user.pk).delete()
    if removed:
        audit_record(
            actor=actor, action=actions.TWO_FACTOR_REMOVE, target=user, changes={"two_factor": "entfernt"}
        )
    return int(removed)


# --- middleware --------------------------------------------------------------------------------------


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("accounts:login_code"),
        reverse("accounts:logout"),
        "/sprache/",
        settings.STATIC_URL,
        "/healthz",
        "/readyz",
        "/metrics",
    )


def _came_through_sso(request: HttpRequest) -> bool:
    backend = str(request.session.get(BACKEND_SESSION_KEY, ""))
    return backend.endswith("VerbundOIDCBackend")


class TwoFactorMiddleware:
    """Before anything else: a code for a session with a confirmed device; enrolment where required.

    After ``django_otp.middleware.OTPMiddleware`` (which tells whether the session is verified).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._check(request)
        return refusal if refusal is not None else self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        if "Authorization" in request.headers:
            return None  # API tokens are a credential of their own (see the module doc)
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        pending = request.session.get(PENDING_KEY)
        if not pending:
            return None  # decided at sign-in: nothing to ask (no query on every request)
        path = request.path
        if path.startswith(_exempt_paths()) or _came_through_sso(request):
            return None
        verified = getattr(user, "is_verified", lambda: False)()
        if verified:
            del request.session[PENDING_KEY]
            return None
        if pending == "code":
            return self._send(
                request, "accounts:login_code", _("Bitte geben Sie den Code Ihrer Authenticator-App ein.")
            )
        if pending == "enrol" and not path.startswith(reverse("accounts:two_factor")):
            return self._send(
                request,
                "accounts:two_factor",
                _("Für Ihre Rolle ist ein zweiter Faktor vorgeschrieben. Bitte richten Sie ihn jetzt ein."),
            )
        return None

    @staticmethod
    def _send(request: HttpRequest, target: str, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "two_factor_required"}, status=403)
        url = reverse(target)
        if request.method == "GET" and not getattr(request, "htmx", False):
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)


def mark_verified(request: HttpRequest, device: TOTPDevice) -> None:
    """Record in the session that this person proved the second factor (django-otp's login)."""
    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)


def decide_at_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: note in the session what the second factor asks of this sign-in.

    "code" when the person has a confirmed device, "enrol" when their role requires one and they
    have none; nothing otherwise. The middleware then reads only the session, so a request costs no
    query for the second factor. A device added or a role given later counts from the next sign-in.
    """
    if request is None or not hasattr(request, "session"):
        return
    if confirmed_device(user) is not None:
        request.session[PENDING_KEY] = "code"
    elif required_for(user):
        request.session[PENDING_KEY] = "enrol"
    else:
        request.session.pop(PENDING_KEY, None)
