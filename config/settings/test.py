"""Test settings: the same as local, with fast password hashing (Argon2 is tested explicitly)."""

from .local import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
# Uploaded files in memory while STORAGE_BACKEND is local; STORAGE_BACKEND=s3 keeps base.py's S3.
if STORAGE_BACKEND == "local":  # noqa: F405
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = True

# Live-server threads (browser tests) must not keep their connections open after a request, or
# PostgreSQL refuses to drop the test database at the end ("being accessed by other users").
for _database in DATABASES.values():  # noqa: F405
    _database["CONN_MAX_AGE"] = 0

# Tasks run in the calling process (no worker); the end-to-end tests start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
