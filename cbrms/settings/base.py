"""Settings shared by every environment.

Values come from the environment through one helper (django-environ), which raises
``ImproperlyConfigured`` for a required value that is missing. ``make run`` and ``make test``
start private PostgreSQL and Redis servers and write their URLs to ``.devdata/services.env``,
which is read here so that ``manage.py`` works beside a running ``make run``.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
_services_env = BASE_DIR / ".devdata" / "services.env"
if _services_env.exists():
    # Values already in the environment win over the file (django-environ's default).
    env.read_env(_services_env)

# Off unless asked for (DJANGO_DEBUG=true): make run shows the product's own error pages, and
# Django's technical pages only on request.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Development only: production.py requires DJANGO_SECRET_KEY and refuses this value.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-insecure-key-not-for-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "pgtrigger",
    "django_celery_beat",
    "axes",
    "cbrms",
    "relationships",
    "lifecycle",
    "governance",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cbrms.tenancy.middleware.TenancyMiddleware",
    # Last: turns a sign-in refused for a lockout into the lockout page (relationships.signin).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cbrms.urls"
WSGI_APPLICATION = "cbrms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relationships.context_processors.acting_organization",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cbrms",
    }
}

AUTH_USER_MODEL = "relationships.User"
# The seams of the tenancy mechanism (cbrms/tenancy/seams.py): the base names, never imports, the
# app that defines organizations, memberships and roles.
CBRMS_TENANCY = {
    "TENANT_MODEL": "relationships.Organization",
    "RESOLVE_MEMBERSHIP": "relationships.tenancy.resolve_membership",
    "ROLE_CAN": "relationships.roles.role_can",
}
AUTHENTICATION_BACKENDS = [
    # First: refuses any password check for a locked account or address (relationships.signin).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-guardian: our users have no username, and anonymous users get no object permissions.
ANONYMOUS_USER_NAME = None

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
# Development serves static files straight from the apps, with or without DEBUG (WhiteNoise);
# production collects them at build time (production.py).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Uploaded evidence lives outside the web root and is only served by permission-checked views.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Files (evidence, PDFs, exports) go to an S3-compatible object store instead of MEDIA_ROOT
# once a bucket is named (docs/operations.md, "Files"). They stay private: nothing links to the
# store, every download goes through a permission-checked view.
CBRMS_S3_BUCKET = env.str("CBRMS_S3_BUCKET", default="")
if CBRMS_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CBRMS_S3_BUCKET,
            "endpoint_url": env.str("CBRMS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("CBRMS_S3_REGION", default="") or None,
            "access_key": env.str("CBRMS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("CBRMS_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("CBRMS_S3_PREFIX", default=""),
            "addressing_style": env.str("CBRMS_S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": None,  # the bucket's own (private) policy
            "querystring_auth": True,  # never a public URL
            "file_overwrite": True,  # a job run again replaces its own file (cbrms.jobs.runs)
        },
    }

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="CBRMS <cbrms@localhost>")

# How many reverse proxies stand in front of the application, each appending the address it
# received the request from to X-Forwarded-For. 0: the connection's address is the client's.
CBRMS_TRUSTED_PROXIES = env.int("CBRMS_TRUSTED_PROXIES", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "relationships.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only: form encoding cannot say null, and the browser has its own views.
    # The evidence upload adds multipart (cbrms.api.parsers.UPLOAD_PARSERS).
    "DEFAULT_PARSER_CLASSES": ["cbrms.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cbrms.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cbrms.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"token-obtain": "20/minute"},
    # X-Forwarded-For is believed only behind this many proxies (cbrms.clientip).
    "NUM_PROXIES": CBRMS_TRUSTED_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CBRMS API",
    "DESCRIPTION": (
        "Run collaborative business relationships through the eight ISO 44001 lifecycle "
        "stages. Every path below /api/v1/orgs/{org}/ acts as that one organization: objects "
        "it may not see answer 404. Authenticate with `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "cbrms token"}
        }
    },
    "SECURITY": [{"bearerAuth": []}],
    # Choice sets that share a field name ("role", "status") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "relationships.models.choices.Role",
        "PartyRoleEnum": "relationships.models.choices.PartyRole",
        "PartyStatusEnum": "relationships.models.choices.PartyStatus",
        "InvitationStatusEnum": "relationships.models.invitations.InvitationStatus",
        "RiskStatusEnum": "governance.models.risks.RiskStatus",
        "IssueStatusEnum": "governance.models.issues.IssueStatus",
        "KnowledgeStatusEnum": "governance.models.knowledge.KnowledgeStatus",
        "ObjectiveStatusEnum": "governance.models.objectives.ObjectiveStatus",
        "MeetingStatusEnum": "governance.models.meetings.MeetingStatus",
        "ActionStatusEnum": "governance.models.meetings.ActionStatus",
        "TrustIndicatorEnum": "governance.models.surveys.TrustIndicator",
        "ReviewStatusEnum": "governance.models.maturity.ReviewStatus",
        "JobStateEnum": "cbrms.jobs.models.JobState",
        "MessageStateEnum": "relationships.models.webhooks.MessageState",
        "RelationshipStatusEnum": "relationships.models.choices.RelationshipStatus",
        "EvidenceKindEnum": "lifecycle.models.choices.EvidenceKind",
        "EvidenceStatusEnum": "lifecycle.models.choices.EvidenceStatus",
        "GateKindEnum": "lifecycle.models.choices.GateKind",
        "LedgerEntryKindEnum": "lifecycle.models.choices.RecordKind",
        "RequirementStatusEnum": "lifecycle.models.choices.RequirementStatus",
        "StageStateEnum": "lifecycle.models.choices.StageState",
        "GateStatusEnum": "lifecycle.models.choices.GateStatus",
        "DocumentKindEnum": "lifecycle.sections.DocumentKind",
        "StructuredFieldKindEnum": "lifecycle.sections.FIELD_KINDS",
    },
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A job is stopped after its soft limit (it fails, saying so), killed after its hard limit, and
# both stay below the broker's visibility timeout: a message comes back to the queue only once
# the worker that had it is surely gone, never while it still runs (ADR-24).
CELERY_TASK_TIME_LIMIT = env.int("CBRMS_JOB_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CBRMS_JOB_SOFT_TIME_LIMIT", default=240)
CBRMS_BROKER_VISIBILITY_TIMEOUT = env.int("CBRMS_BROKER_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CBRMS_BROKER_VISIBILITY_TIMEOUT,
    # Look for messages of lost workers every tenth of the timeout (at least every 10 s).
    "unacked_restore_interval": max(1, min(10, CBRMS_BROKER_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
    # A request that queues a job waits this long for Redis before answering 503.
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
}
# The queue tasks go to when nothing says otherwise: the web processes and the workers (which
# queue follow-ups themselves, such as a webhook's retry) must agree on it.
CELERY_TASK_DEFAULT_QUEUE = env.str("CBRMS_CELERY_QUEUE", default="celery")
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# A job whose worker died this many times (killed past its hard limit, out of memory) fails.
CBRMS_JOB_MAX_ATTEMPTS = env.int("CBRMS_JOB_MAX_ATTEMPTS", default=3)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into the database scheduler's tables when beat starts.
CELERY_BEAT_SCHEDULE = {
    "sweep-escalations": {
        "task": "governance.beat.sweep_escalations",
        "schedule": env.int("CBRMS_ESCALATION_SWEEP_SECONDS", default=300),
    },
    # Hourly: the first run of the day sends the digests, later runs retry failed sends and
    # skip whoever already had theirs (one digest per person per day).
    "reminder-digests": {
        "task": "governance.beat.send_reminder_digests",
        "schedule": env.int("CBRMS_REMINDER_DIGEST_SECONDS", default=3600),
    },
    # Unseals maturity reviews past their deadline and opens the scheduled ones.
    # Queues the webhook messages whose retry is due, or whose queueing or worker failed.
    "webhooks-send-due": {
        "task": "relationships.webhook_tasks.send_due_webhooks",
        "schedule": env.int("CBRMS_WEBHOOK_SWEEP_SECONDS", default=30),
    },
    "maturity-sweep": {
        "task": "governance.beat.sweep_maturity_reviews",
        "schedule": env.int("CBRMS_MATURITY_SWEEP_SECONDS", default=3600),
    },
}
# A relationship in stage 7 (Staying together) gets a maturity review this often (months);
# 0: only on demand.
CBRMS_MATURITY_REVIEW_MONTHS = env.int("CBRMS_MATURITY_REVIEW_MONTHS", default=3)
CELERY_TIMEZONE = TIME_ZONE

# Webhooks (docs/webhooks.md). Outbound requests refuse private, loopback and link-local
# addresses unless an on-premises install allows them; plain http only when https is not required.
CBRMS_OUTBOUND_ALLOW_PRIVATE = env.bool("CBRMS_OUTBOUND_ALLOW_PRIVATE", default=False)
CBRMS_OUTBOUND_HTTPS_ONLY = env.bool("CBRMS_OUTBOUND_HTTPS_ONLY", default=True)
CBRMS_WEBHOOK_TIMEOUT_SECONDS = env.float("CBRMS_WEBHOOK_TIMEOUT_SECONDS", default=10)
CBRMS_WEBHOOK_MAX_ATTEMPTS = env.int("CBRMS_WEBHOOK_MAX_ATTEMPTS", default=12)
CBRMS_WEBHOOK_RETRY_BASE_SECONDS = env.float("CBRMS_WEBHOOK_RETRY_BASE_SECONDS", default=30)
CBRMS_WEBHOOK_RETRY_MAX_SECONDS = env.float("CBRMS_WEBHOOK_RETRY_MAX_SECONDS", default=4 * 3600)
CBRMS_WEBHOOK_DISABLE_AFTER_FAILURES = env.int("CBRMS_WEBHOOK_DISABLE_AFTER_FAILURES", default=30)
CBRMS_WEBHOOK_MAX_ENDPOINTS = env.int("CBRMS_WEBHOOK_MAX_ENDPOINTS", default=20)

# API tokens: lifetime offered by default when a client does not say (days).
CBRMS_TOKEN_DEFAULT_DAYS = env.int("CBRMS_TOKEN_DEFAULT_DAYS", default=90)
# Where people reach CBRMS: links in emails are built on it.
CBRMS_BASE_URL = env.str("CBRMS_BASE_URL", default="http://localhost:8000").rstrip("/")
# Evidence uploads: the largest file accepted (bytes); Django spools bigger uploads to disk.
CBRMS_EVIDENCE_MAX_BYTES = env.int("CBRMS_EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# How long the link of an invitation to join an organization works (days); a resend renews it.
CBRMS_MEMBER_INVITATION_DAYS = env.int("CBRMS_MEMBER_INVITATION_DAYS", default=7)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Sign-in lockout (django-axes, see relationships/signin.py): this many failures within the
# cool-off lock the account, and lock the address, until the cool-off has passed.
AXES_FAILURE_LIMIT = env.int("CBRMS_SIGNIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CBRMS_SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe the failures of its address: they may be another account's.
AXES_RESET_ON_SUCCESS = False
# Attempts during a lock are refused without being counted, so a lock ends when it said.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "cbrms.clientip.client_ip"
AXES_USERNAME_CALLABLE = "relationships.signin.attempted_email"
AXES_LOCKOUT_CALLABLE = "relationships.signin.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Failures are what locks count; successful logins are not kept (no table growing forever).
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint tells every step of every PDF at INFO; its warnings (a refused URL) stay.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
