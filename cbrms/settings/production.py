"""Production settings: every secret and address comes from the environment, with no default.

``env`` (django-environ) raises ``ImproperlyConfigured`` naming a missing variable, so a
deployment that forgot one fails at start-up instead of running on a guess. The application runs
behind a proxy that terminates TLS and sets ``X-Forwarded-Proto`` (docs/operations.md).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False

# DATABASE_URL and REDIS_URL are required by the base settings already (no default there).
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
if SECRET_KEY in ("", "dev-insecure-key-not-for-production"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is empty or the development key: generate one")


def _required_list(name: str) -> list[str]:
    values = env.list(name)
    if not values:
        raise ImproperlyConfigured(f"Set the {name} environment variable (a comma-separated list)")
    return values


ALLOWED_HOSTS = _required_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = _required_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Links in emails are built on it; the development default would point at localhost.
CBRMS_BASE_URL = env.str("CBRMS_BASE_URL").rstrip("/")

# HTTPS only: the proxy says which requests came over TLS; everything else is redirected.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Hashed, compressed static files served by WhiteNoise; built by collectstatic in the image.
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Mail: EMAIL_URL such as smtp+tls://user:password@smtp.example.com:587 (django-environ).
globals().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
