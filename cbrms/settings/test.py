"""Settings for the test suite (pytest-django's default, see pyproject.toml).

The same PostgreSQL and Redis engines as everywhere else (``make test`` provides them); only what
makes tests fast and isolated differs from the base.
"""

from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import LOGGING, REDIS_URL, env

DEBUG = False

# Hashing cost is no part of what the tests check.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Sent mail lands in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A per-process cache: throttle counters and cached values never leak from one run to the next.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The tests' Celery messages go to their own Redis database, so a worker of `make run` (database
# 0) never picks up a task that points at rows of the test database, nor the other way round.
# A worker started for the tests must use these settings (DJANGO_SETTINGS_MODULE) as well.
_redis = urlsplit(REDIS_URL)
if _redis.scheme in ("redis", "rediss"):
    CELERY_BROKER_URL = urlunsplit(_redis._replace(path="/1"))

# Static files come straight from the apps, as in development (base.py): no collectstatic.

# Uploaded evidence and generated documents of the tests stay out of the development media, and
# each parallel test process (pytest-xdist) has its own: their databases number rows alike.
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / env.str("PYTEST_XDIST_WORKER", default="main")  # noqa: F405

_log_level = env.str("DJANGO_LOG_LEVEL", default="WARNING")
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": _log_level}}
