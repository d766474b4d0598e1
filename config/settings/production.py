"""Production: refuses to start without a real SECRET_KEY and ALLOWED_HOSTS; secure cookies and
security headers on. Serve behind a TLS-terminating proxy that sets X-Forwarded-Proto."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, STORAGES

DEBUG = False
if len(SECRET_KEY) < 32 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 32 characters.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the host names this installation serves.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", True, "Redirect plain HTTP to HTTPS.")
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS", 31536000, "HSTS max-age in seconds.")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Uploaded files stay where base.py put them (STORAGE_BACKEND: local disk or S3); only the static
# files are served compressed with hashed names.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
