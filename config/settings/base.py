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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "django_celery_results",
    # floor 0
    "django_htmx",
    "verbund.common",
    "verbund.ui",
    "verbund.audit",
    "verbund.accounts",
    "verbund.registry",
    "verbund.notifications",
    # floor 1: the alliance (Kooperationsverbund), the core object
    "verbund.alliances",
    # floor 2: what alliances do and plan (planning may use the shared-services task catalogue)
    "verbund.funding",
    "verbund.shared_services",
    "verbund.planning",
    "verbund.security",
    "verbund.emergency",
    "verbund.knowledge",
    "verbund.advisory",
    # floor 4: web shell (base templates, start page, demo data)
    "verbund.web",
    # After verbund.web, whose templates/ninja/swagger.html (German page, one <h1>) replaces ninja's;
    # listed so that the Swagger UI of /api/v1/docs is served from local static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    # first: the request id (X-Request-ID), the access log line and the request metrics
    "verbund.web.operations.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the language: the visitor's choice (cookie, set by the switch in the header), else Accept-Language
    "django.middleware.locale.LocaleMiddleware",
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
        # Web, worker and scheduler write to the same file: a writer waits up to this many seconds
        # for the lock instead of failing with "database is locked".
        "timeout": env("SQLITE_BUSY_TIMEOUT", 60, "Seconds a SQLite writer waits for the lock."),
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
LOGIN_REDIRECT_URL = "web:start"
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
# German first: the texts are written in German (the msgids), English comes from each part's
# catalogue (verbund/<part>/locale/en/LC_MESSAGES/, compiled by `make install`, see
# tools/translations.py). The language is the visitor's choice (the switch in the header, kept in a
# cookie and, for a signed-in user, in the account), else the browser's Accept-Language, else German.
# Official documents (grant notices, invoices) are always German.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "verbund_sprache"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
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
# advisory: cases
ADVISORY_CASE_UPLOAD_MAX_MB = env(
    "ADVISORY_CASE_UPLOAD_MAX_MB", 20, "Largest document of an advisory case in MB."
)
ADVISORY_CONTACT_MONTHS = env(
    "ADVISORY_CONTACT_MONTHS", 6, "Months without contact after which an alliance is on the work queue."
)
# advisory: the funding conditions the programme monitoring checks (verbund.advisory.services.conditions);
# the RLP pilot publishes no minimum duration or savings, so these apply where a rule set names none.
ADVISORY_MIN_COMMITMENT_YEARS = (
    env("ADVISORY_MIN_COMMITMENT_YEARS", 5, "Minimum years an alliance commits to (0: no check).") or None
)
ADVISORY_MIN_SAVINGS_PERCENT = (
    env("ADVISORY_MIN_SAVINGS_PERCENT", 0, "Minimum savings in percent of the cost before (0: no check).")
    or None
)
ADVISORY_PROOF_DUE_MONTHS = env(
    "ADVISORY_PROOF_DUE_MONTHS", 6, "Months after the grant period within which the proof of use is due."
)
ADVISORY_PROOF_WARN_DAYS = env(
    "ADVISORY_PROOF_WARN_DAYS", 60, "Days before its due date from which a proof of use counts as at risk."
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
# E-mail: SMTP when EMAIL_HOST is set, else files in var/mail (one .log file per sending process;
# `make run` writes the notification mails there to be read). Tests use the locmem backend.
EMAIL_HOST = env("EMAIL_HOST", "", "SMTP server for e-mail; empty = mails are written to var/mail.")
EMAIL_PORT = env("EMAIL_PORT", 587, "SMTP port.")
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "", "SMTP user name.")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "", "SMTP password.")
EMAIL_USE_TLS = env("EMAIL_USE_TLS", True, "SMTP with STARTTLS.")
EMAIL_USE_SSL = env(
    "EMAIL_USE_SSL", False, "SMTP over implicit TLS (port 465); not together with EMAIL_USE_TLS."
)
EMAIL_TIMEOUT = env("EMAIL_TIMEOUT", 30, "Seconds before an SMTP connection attempt gives up.")
EMAIL_FILE_PATH = str(BASE_DIR / "var" / "mail")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
    "Django e-mail backend (default: SMTP with EMAIL_HOST, else files in var/mail).",
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
# The federal base map (basemap.de, BKG, CC BY 4.0) as an optional background of every map. Off by
# default: no page asks a third party for anything unless the operator switches it on.
BASEMAP_DE_TILE_URL = (
    "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/"
    "GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png"
)
BASEMAP_DE_ATTRIBUTION = "© basemap.de / BKG | Datenquellen: © GeoBasis-DE (CC BY 4.0)"
VERBUND_MAP_BASEMAP_DE = env(
    "VERBUND_MAP_BASEMAP_DE",
    False,
    "Draw the federal base map basemap.de (tiles from sgx.geodatenzentrum.de) under the maps.",
)
VERBUND_MAP_TILE_URL = env(
    "VERBUND_MAP_TILE_URL",
    BASEMAP_DE_TILE_URL if VERBUND_MAP_BASEMAP_DE else "",
    "Optional tile URL template for maps ({z}/{x}/{y}); empty = no external tiles.",
)
VERBUND_MAP_TILE_ATTRIBUTION = env(
    "VERBUND_MAP_TILE_ATTRIBUTION",
    BASEMAP_DE_ATTRIBUTION if VERBUND_MAP_BASEMAP_DE else "",
    "Attribution of the tiles.",
)
PLANNING_RUN_IN_BACKGROUND = env(
    "PLANNING_RUN_IN_BACKGROUND",
    True,
    "Run large planning scenarios (exact, > 400 bodies) on the task queue; false = all in the request.",
)
API_PAGE_SIZE_MAX = 500

# --- Background jobs (Celery) ------------------------------------------------------------------------
# Default: a broker in var/celery that needs no server (kombu's filesystem transport), enough for one
# machine; `make run` starts web, worker and scheduler on it. Scale-out: redis://… or amqp://….
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL",
    "filesystem://",
    "Broker of the task queue: filesystem:// (var/celery, one machine), redis://host:6379/1, amqp://….",
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = BASE_DIR / "var" / "celery"
    for _folder in ("queue", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_queue_dir / "control"),
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_TRACK_STARTED = True
# A task is acknowledged after it ran: a worker that dies leaves it to be delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env(
    "CELERY_TASK_ALWAYS_EAGER", False, "Run tasks inside the calling process (tests; no worker needed)."
)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER
SITE_URL = env(
    "SITE_URL", "http://127.0.0.1:8000", "Address of this installation, for links in e-mails and feeds."
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO", "Log level.")},
    # WeasyPrint and fontTools report every layout step and glyph subset at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "weasyprint", "fontTools")},
}

# --- Legal pages and open data -------------------------------------------------------------------------
# The licence every open-data export carries (verbund.common.licence) and the DCAT-AP.de catalogue at
# /opendata/catalog.jsonld names; the default is the Datenlizenz Deutschland – Namensnennung 2.0.
OPEN_DATA_LICENCE = {
    "name": env(
        "OPEN_DATA_LICENCE_NAME",
        "Datenlizenz Deutschland – Namensnennung – Version 2.0",
        "Name of the licence of the open data (exports, directory pages, DCAT catalogue).",
    ),
    "url": env(
        "OPEN_DATA_LICENCE_URL", "https://www.govdata.de/dl-de/by-2-0", "Address of the licence text."
    ),
    "id": env(
        "OPEN_DATA_LICENCE_ID",
        "dl-by-de/2.0",
        "Identifier of the licence in the DCAT-AP.de vocabulary (http://dcat-ap.de/def/licenses/…).",
    ),
}
OPEN_DATA_PUBLISHER = env(
    "OPEN_DATA_PUBLISHER",
    "Plattformbetrieb Verbund",
    "Publisher of the open data (dct:publisher of the DCAT catalogue): the operator's name.",
)
OPEN_DATA_CONTRIBUTOR_ID = env(
    "OPEN_DATA_CONTRIBUTOR_ID",
    "http://dcat-ap.de/def/contributors/verbund",
    "dcatde:contributorID that GovData assigned to the operator (http://dcat-ap.de/def/contributors/…).",
)
OPEN_DATA_STATE = env(
    "OPEN_DATA_STATE", "07", "Land key of the area the open data covers (DCAT political geocoding; 07 = RLP)."
)
OPEN_DATA_CONTACT_EMAIL = env(
    "OPEN_DATA_CONTACT_EMAIL", "", "Contact address of the open data (dcat:contactPoint); empty = the site."
)

# --- Security (uploads, client address, password reset, second factor, CSP) -----------------------
# docs/security.md explains each setting. Middleware is inserted next to the one it depends on.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware") + 1,
    # an upload refused while streaming (too large) becomes a German error message, not a 500
    "verbund.ui.uploads.UploadLimitMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    # a confirmed second factor is asked for before anything else; required roles enrol first
    "verbund.accounts.two_factor.TwoFactorMiddleware",
)

# Uploads are counted while they stream in (verbund.ui.uploads): a file above UPLOAD_MAX_MB, or a
# request whose Content-Length announces more, is refused before it is read, never written to disk.
UPLOAD_MAX_MB = env(
    "UPLOAD_MAX_MB",
    ALLIANCE_UPLOAD_MAX_MB,
    "Largest file any upload may carry, in MB (checked while streaming; at least ALLIANCE_UPLOAD_MAX_MB).",
)
FILE_UPLOAD_HANDLERS = [
    "verbund.ui.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# The client's address (login lock-out, logs): REMOTE_ADDR, unless the connection comes from one of
# these proxies; then X-Forwarded-For is read from the right, skipping trusted proxies
# (verbund.common.client_address). Empty: X-Forwarded-For is ignored (nobody can forge an address).
TRUSTED_PROXIES: list[str] = env(
    "TRUSTED_PROXIES",
    [],
    "Addresses or networks (CIDR) of the reverse proxies in front of Verbund, comma separated; "
    "only their X-Forwarded-For is believed. Empty = use the connection's address.",
)
AXES_CLIENT_IP_CALLABLE = "verbund.common.client_address.client_address"

# Password reset by e-mail (/konto/passwort-vergessen/): the link is valid this long and is void
# once used; requests are limited per client address and per e-mail address (per hour).
PASSWORD_RESET_TIMEOUT = (
    env("PASSWORD_RESET_TIMEOUT_HOURS", 24, "Hours a password-reset or set-password link stays valid.") * 3600
)
PASSWORD_RESET_MAX_PER_ADDRESS = 10
PASSWORD_RESET_MAX_PER_EMAIL = 3

# Second factor (TOTP, django-otp): optional for everybody; with TWO_FACTOR_REQUIRED_ROLES on,
# Plattformbetrieb and Bewilligungsbehörde must enrol before they can do anything else.
TWO_FACTOR_REQUIRED_ROLES = env(
    "TWO_FACTOR_REQUIRED_ROLES",
    False,
    "Require a TOTP second factor for Plattformbetrieb and Bewilligungsbehörde.",
)
OTP_TOTP_ISSUER = "Verbund"

# Content-Security-Policy (django-csp): no inline scripts or styles, nothing from other hosts except
# the optional map tiles. HTMX's inline indicator style is switched off in base.html (verbund.css).
_MAP_TILE_HOST = ""
if VERBUND_MAP_TILE_URL:
    from urllib.parse import urlsplit as _urlsplit

    _tile = _urlsplit(VERBUND_MAP_TILE_URL.replace("{s}", "*"))
    _MAP_TILE_HOST = f"{_tile.scheme}://{_tile.netloc}"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_MAP_TILE_HOST] if _MAP_TILE_HOST else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Background jobs: planning runs and the operator's queue --------------------------------------------
# A planning run on a worker writes a heartbeat every 5 s; the periodic task (config/celery.py) marks a
# run whose heartbeat is older than this as failed with a German reason, so that it can be restarted.
PLANNING_RUN_INTERRUPTED_AFTER = env(
    "PLANNING_RUN_INTERRUPTED_AFTER",
    120,
    "Seconds without a heartbeat after which a planning run on a worker counts as interrupted.",
)
# The queue tasks are sent to and workers read (several installations may share one Redis).
CELERY_TASK_DEFAULT_QUEUE = env(
    "CELERY_TASK_DEFAULT_QUEUE", "celery", "Name of the task queue (several installations on one broker)."
)

# --- Security: polling CSAF providers (verbund.security.services.sources) ---------------------------------
SECURITY_CSAF_POLL_MINUTES = env(
    "SECURITY_CSAF_POLL_MINUTES", 15, "Minutes between the scheduler's rounds over the CSAF sources."
)
SECURITY_CSAF_TIMEOUT_SECONDS = env(
    "SECURITY_CSAF_TIMEOUT_SECONDS", 30, "Seconds a request to a CSAF provider may take."
)
SECURITY_CSAF_MAX_DOCUMENT_BYTES = env(
    "SECURITY_CSAF_MAX_DOCUMENT_BYTES", 50 * 1024 * 1024, "Largest CSAF document downloaded (bytes)."
)
SECURITY_MATCH_CACHE_LIMIT = env(
    "SECURITY_MATCH_CACHE_LIMIT",
    50_000,
    "Stored advisories up to which each process keeps them compiled for matching new assets (memory "
    "grows with it); above, they are compiled one at a time again.",
)

# --- Knowledge: harvesting council documents from OParl servers (verbund.knowledge.services.oparl) ------
KNOWLEDGE_OPARL_POLL_MINUTES = env(
    "KNOWLEDGE_OPARL_POLL_MINUTES", 60, "Minutes between the scheduler's harvests of the OParl sources."
)
KNOWLEDGE_OPARL_TIMEOUT_SECONDS = env(
    "KNOWLEDGE_OPARL_TIMEOUT_SECONDS", 30, "Seconds a request to an OParl server may take."
)
KNOWLEDGE_OPARL_RETRIES = env(
    "KNOWLEDGE_OPARL_RETRIES",
    3,
    "Retries of an OParl request after a server error (5xx) or a failed connection.",
)
KNOWLEDGE_OPARL_MAX_FILE_BYTES = env(
    "KNOWLEDGE_OPARL_MAX_FILE_BYTES",
    50 * 1024 * 1024,
    "Largest council document (PDF or text) downloaded for its text (bytes).",
)

# --- Operations: logs, probes, metrics -------------------------------------------------------------------
# Every log line carries the request id (X-Request-ID from the proxy, else a new one; also in the
# response and in the tasks a request enqueues). /healthz, /readyz and /metrics: docs/operations.md.
LOG_FORMAT = env(
    "LOG_FORMAT",
    "text",
    "Log lines: text (readable, make run) or json (one JSON object per line; recommended in production).",
)
from verbund.web.operations.logs import with_request_context  # noqa: E402

LOGGING = with_request_context(LOGGING, log_format=LOG_FORMAT)
METRICS_TOKEN = env(
    "METRICS_TOKEN",
    "",
    "Bearer token for /metrics from anywhere; empty = only direct requests from allowed addresses.",
)
METRICS_ALLOWED_ADDRESSES: list[str] = env(
    "METRICS_ALLOWED_ADDRESSES",
    ["127.0.0.1", "::1"],
    "Addresses or networks (CIDR) that read /metrics without the token, if the request bypasses the proxy.",
)

# --- Notifications: e-mail outbox, digest, webhooks -------------------------------------------------------
# Each e-mail and webhook call is tried by a task; a failure waits NOTIFICATIONS_RETRY_SECONDS · 2^(n-1)
# (at most 6 h) and is marked failed after NOTIFICATIONS_MAX_ATTEMPTS attempts (the operator's failure
# view at /benachrichtigungen/fehler/ sends it again). Beat entries: verbund/notifications/apps.py.
NOTIFICATIONS_MAX_ATTEMPTS = env(
    "NOTIFICATIONS_MAX_ATTEMPTS",
    5,
    "Attempts to deliver an e-mail or webhook call before it counts as failed.",
)
NOTIFICATIONS_RETRY_SECONDS = env(
    "NOTIFICATIONS_RETRY_SECONDS",
    60,
    "Wait before the first retry of an e-mail or webhook call (doubles each time).",
)
NOTIFICATIONS_DIGEST_HOUR = env(
    "NOTIFICATIONS_DIGEST_HOUR", 7, "Hour of the day (local time) at which the daily digest e-mails go out."
)
WEBHOOK_TIMEOUT_SECONDS = env("WEBHOOK_TIMEOUT_SECONDS", 10, "Seconds a webhook receiver has to answer.")

# --- Languages and error pages (i18n-core) ---------------------------------------------------------
# Numbers, amounts and dates keep the German notation in English too (1.234,50 EUR, 03.12.2026):
# forms read German input only ("1,250" would be 1,25), and pages, exports and official documents
# write what the forms read. Django's own filters (intcomma, floatformat, date) follow config/formats.
FORMAT_MODULE_PATH = ["config.formats"]
# A refused CSRF check shows the site's 403 page (German, with navigation), not Django's English one.
CSRF_FAILURE_VIEW = "verbund.web.errors.csrf_failure"

# --- Knowledge: routing a citizen's request (verbund.knowledge.services.routing) ---------------------------
# The router's confidence (0–1) from which a request is routed automatically, or the best services are
# suggested; below the second threshold a person takes over (Amsterdam's Signalen: 0.4). docs/knowledge.md.


def _share(name: str, raw: str) -> float:
    from django.core.exceptions import ImproperlyConfigured

    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number between 0 and 1.") from None
    if not 0.0 <= value <= 1.0:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number between 0 and 1.")
    return value


KNOWLEDGE_ROUTE_AUTO = _share(
    "KNOWLEDGE_ROUTE_AUTO",
    env(
        "KNOWLEDGE_ROUTE_AUTO",
        "0.8",
        "Confidence (0–1) from which a citizen's request is routed automatically to the best service.",
    ),
)
KNOWLEDGE_ROUTE_SUGGEST = _share(
    "KNOWLEDGE_ROUTE_SUGGEST",
    env(
        "KNOWLEDGE_ROUTE_SUGGEST",
        "0.4",
        "Confidence (0–1) from which the best services are suggested; below, a person takes over.",
    ),
)
if KNOWLEDGE_ROUTE_SUGGEST > KNOWLEDGE_ROUTE_AUTO:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("KNOWLEDGE_ROUTE_SUGGEST must not be above KNOWLEDGE_ROUTE_AUTO.")
KNOWLEDGE_ROUTE_EXAMPLES = env(
    "KNOWLEDGE_ROUTE_EXAMPLES",
    "builtin",
    "Labelled example requests the router's classifier learns from besides staff corrections "
    "(tab-separated: request, service name; lines naming a service the catalogue lacks are left out): "
    "builtin = Verbund's examples for the Munich catalogue, or comma-separated file paths; empty = none.",
)
KNOWLEDGE_ROUTE_RESPONSIBLE = env(
    "KNOWLEDGE_ROUTE_RESPONSIBLE",
    "",
    "Who answers for the request routing (algorithm register, /wissen/algorithmenregister/); "
    "empty = the ADD's Transfer- und Beratungsstelle.",
)

# --- Knowledge: the staff assistant (verbund.knowledge.services.assistant, docs/knowledge.md) -----------
# Retrieval is always local; answers are written by an OpenAI-compatible endpoint when one is set
# (otherwise the best passages are quoted). Only a trusted endpoint receives TLP:AMBER/RED passages
# and questions with personal data.
KNOWLEDGE_ASSISTANT_URL = env(
    "KNOWLEDGE_ASSISTANT_URL",
    "",
    "Base URL of an OpenAI-compatible endpoint (POST {url}/chat/completions), "
    "e.g. http://llm.intern:8000/v1; "
    "empty = the assistant answers by quoting the best passages.",
)
KNOWLEDGE_ASSISTANT_MODEL = env(
    "KNOWLEDGE_ASSISTANT_MODEL", "", "Model name sent to the assistant's endpoint."
)
KNOWLEDGE_ASSISTANT_API_KEY = env(
    "KNOWLEDGE_ASSISTANT_API_KEY", "", "Bearer token for the assistant's endpoint (empty = none)."
)
KNOWLEDGE_ASSISTANT_TRUSTED = env(
    "KNOWLEDGE_ASSISTANT_TRUSTED",
    False,
    "The assistant's endpoint is trusted (operated by the cities): it may receive TLP:AMBER/RED passages "
    "and questions with personal data. Leave false for any other endpoint.",
)
KNOWLEDGE_ASSISTANT_TIMEOUT_SECONDS = env(
    "KNOWLEDGE_ASSISTANT_TIMEOUT_SECONDS",
    60,
    "Seconds the assistant waits for its endpoint before it answers by quoting the passages.",
)
