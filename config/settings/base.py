"""Settings shared by every environment. Values that differ between installations come from
:func:`config.env.env`; ``.env.example`` lists them all."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import BASE_DIR, env

SECRET_KEY = env("SECRET_KEY", "", "Cryptographic signing key; required in production.")
DEBUG = env("DEBUG", False, "Show tracebacks in the browser. Never in production.")
ALLOWED_HOSTS: list[str] = env("ALLOWED_HOSTS", [], "Host names served, comma separated.")
CSRF_TRUSTED_ORIGINS: list[str] = env(
    "CSRF_TRUSTED_ORIGINS", [], "Origins (https://host) trusted for POST behind a proxy."
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    # floor 0
    "django_htmx",
    "verbund.common",
    "verbund.ui",
    "verbund.audit",
    "verbund.accounts",
    "verbund.registry",
    # floor 1: the alliance (Kooperationsverbund), the core object
    "verbund.alliances",
    # floor 2: what alliances do and plan (planning may use the shared-services task catalogue)
    "verbund.funding",
    "verbund.shared_services",
    "verbund.planning",
    # floor 4: web shell (base templates, start page, demo data)
    "verbund.web",
    # After verbund.web, whose templates/ninja/swagger.html (German page, one <h1>) replaces ninja's;
    # listed so that the Swagger UI of /api/v1/docs is served from local static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: whether a request came from HTMX and wants a fragment (verbund.ui.views.is_htmx)
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # unknown /api/v1/… paths and wrong methods answer {"detail", "code"} like every API error
    "verbund.common.api.ApiErrorShapeMiddleware",
    # a refusal raised by any HTML view: 404/403 pages, a message on POST, a page with its status on GET
    "verbund.ui.views.RefusalMiddleware",
    # last, so that it sees the authenticated user and the response of a failed login
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "verbund.web.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env(
    "DATABASE_URL",
    f"sqlite:///{BASE_DIR / 'var' / 'verbund.sqlite3'}",
    "Database; default a SQLite file in var/. PostgreSQL: postgres://user@host:5432/name",
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the development server read while an import writes; IMMEDIATE avoids
    # "database is locked" surprises when two writers meet.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Throttling of password guessing (django-axes): after AXES_FAILURE_LIMIT failures for the same
# user name from the same address, further attempts are refused for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env("AXES_FAILURE_LIMIT", 5, "Failed logins before an account/address pair is locked.")
AXES_COOLOFF_TIME = env("AXES_COOLOFF_MINUTES", 15, "Minutes a locked login stays locked.") / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Optional single sign-on through OpenID Connect (e.g. Keycloak).
OIDC_ENABLED = env("OIDC_ENABLED", False, "Offer login through OpenID Connect (e.g. Keycloak).")
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", "", "OIDC client id.")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", "", "OIDC client secret.")
OIDC_OP_BASE_URL = env(
    "OIDC_OP_BASE_URL", "", "OIDC issuer, e.g. https://sso.example.org/realms/verbund (Keycloak)."
)
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256", "Signing algorithm of the identity provider.")
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("verbund.accounts.oidc.VerbundOIDCBackend")
    _oidc = OIDC_OP_BASE_URL.rstrip("/") + "/protocol/openid-connect"
    OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", _oidc + "/auth", "OIDC auth URL.")
    OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", _oidc + "/token", "OIDC token URL.")
    OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", _oidc + "/userinfo", "OIDC userinfo URL.")
    OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", _oidc + "/certs", "OIDC JWKS URL.")

# --- Internationalisation -------------------------------------------------------------------------
# German first. The language does not follow the browser yet (no LocaleMiddleware): the pages are
# written in German, so numbers and dates must be formatted the German way for every visitor.
# English comes with translations of the templates.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# WhiteNoise warns about a missing STATIC_ROOT before the first collectstatic; var/ is local state.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media"), "Directory of uploaded files."))
# Uploaded documents (agreements, council resolutions) lie under MEDIA_ROOT by default, or in an
# S3-compatible object store (AWS, MinIO, Ceph, IONOS …) with STORAGE_BACKEND=s3. They are never
# served by URL: views stream them after an access check (verbund.alliances.documents).
STORAGE_BACKEND = env("STORAGE_BACKEND", "local", "Where uploaded files are stored: local or s3.")
AWS_STORAGE_BUCKET_NAME = env(
    "AWS_STORAGE_BUCKET_NAME", "", "S3 bucket of uploaded files (STORAGE_BACKEND=s3)."
)
AWS_S3_ENDPOINT_URL = env(
    "AWS_S3_ENDPOINT_URL",
    "",
    "Endpoint of an S3-compatible store (e.g. https://minio.example.org); empty = AWS.",
)
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", "", "Region of the S3 bucket, e.g. eu-central-1.")
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", "", "Access key of the S3 store.")
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", "", "Secret key of the S3 store.")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": AWS_S3_ENDPOINT_URL or None,
                "region_name": AWS_S3_REGION_NAME or None,
                "access_key": AWS_ACCESS_KEY_ID or None,
                "secret_key": AWS_SECRET_ACCESS_KEY or None,
                # Private objects; never overwrite (document versions are kept side by side).
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if STORAGE_BACKEND == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Largest accepted agreement or council resolution (a scanned, signed PDF); refused above with a clear error.
ALLIANCE_UPLOAD_MAX_MB = env(
    "ALLIANCE_UPLOAD_MAX_MB", 20, "Largest accepted upload (agreement, resolution) in MB."
)

# --- Caching, e-mail -------------------------------------------------------------------------------
CACHE_URL = env("CACHE_URL", "", "redis://host:6379/0 to share caches (login throttling) across servers.")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "Django e-mail backend."
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "verbund@localhost", "Sender of notifications.")

# --- Verbund ----------------------------------------------------------------------------------------
VERBUND_DATA_DIR = Path(
    env(
        "VERBUND_DATA_DIR",
        str(BASE_DIR.parent / "shared" / "data"),
        "Directory with the official data (GV100AD, boundaries); see README.",
    )
)
VERBUND_GV100AD_URL = env(
    "VERBUND_GV100AD_URL",
    "https://www.destatis.de/DE/Themen/Laender-Regionen/Regionales/Gemeindeverzeichnis/Administrativ/"
    "Archiv/GV100ADQ/GV100AD3011.zip?__blob=publicationFile",
    "Official download of the GV100AD (zip or txt), used when the data directory is missing.",
)
VERBUND_MAP_TILE_URL = env(
    "VERBUND_MAP_TILE_URL",
    "",
    "Optional tile URL template for maps ({z}/{x}/{y}); empty = no external tiles.",
)
VERBUND_MAP_TILE_ATTRIBUTION = env("VERBUND_MAP_TILE_ATTRIBUTION", "", "Attribution of the tiles.")
PLANNING_RUN_IN_BACKGROUND = env(
    "PLANNING_RUN_IN_BACKGROUND",
    True,
    "Run large planning scenarios in a background thread (progress polled); false = in the request.",
)
API_PAGE_SIZE_MAX = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO", "Log level.")},
    "loggers": {"axes": {"level": "WARNING"}},
}
