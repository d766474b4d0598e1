"""Development defaults: ``make run`` on a laptop. Never use in production."""

from config.env import env

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS

DEBUG = env("DEBUG", True, "Show tracebacks in the browser. Never in production.")
SECRET_KEY = env("SECRET_KEY", "insecure-development-key-do-not-use-in-production", "Signing key.")
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
