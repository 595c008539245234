"""Production settings require their configuration and pass Django's deployment checklist."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from storages.backends.s3 import S3Storage

REPO_DIR = Path(__file__).resolve().parents[2]
REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "CBRMS_BASE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "DJANGO_DEFAULT_FROM_EMAIL",
]


def production_environment() -> dict[str, str]:
    """What an operator sets (docs/operations.md), and nothing else from this machine."""
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "cbrms.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "cbrms.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://cbrms.example.com",
        "CBRMS_BASE_URL": "https://cbrms.example.com",
        "DATABASE_URL": "postgres://cbrms:secret@postgres:5432/cbrms",
        "REDIS_URL": "redis://redis:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
        "DJANGO_DEFAULT_FROM_EMAIL": "CBRMS <cbrms@example.com>",
    }


@pytest.fixture(scope="module")
def settings_only(tmp_path_factory) -> Path:
    """The settings package alone, away from the checkout's .devdata/services.env."""
    root = tmp_path_factory.mktemp("settings-only")
    (root / "cbrms").mkdir()
    (root / "cbrms" / "__init__.py").touch()
    shutil.copytree(REPO_DIR / "cbrms" / "settings", root / "cbrms" / "settings")
    return root


def import_production_settings(
    root: Path, environment: dict[str, str], code: str = "import cbrms.settings.production"
):
    return subprocess.run(  # noqa: S603 - the code is each test's own
        [sys.executable, "-c", code],
        cwd=root,
        env={**environment, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_load_with_a_complete_environment(settings_only):
    result = import_production_settings(settings_only, production_environment())
    assert result.returncode == 0, result.stderr


def test_files_go_to_an_s3_compatible_store_by_settings_alone(settings_only):
    """Naming a bucket is all it takes: the default storage becomes django-storages' S3 one,
    private, with the endpoint of any S3-compatible store (MinIO, Ceph, R2...)."""
    environment = {
        **production_environment(),
        "CBRMS_S3_BUCKET": "cbrms-files",
        "CBRMS_S3_ENDPOINT_URL": "https://minio.example.com:9000",
        "CBRMS_S3_REGION": "eu-west-1",
        "CBRMS_S3_ACCESS_KEY_ID": "cbrms",
        "CBRMS_S3_SECRET_ACCESS_KEY": "secret",
        "CBRMS_S3_PREFIX": "production",
    }
    result = import_production_settings(
        settings_only,
        environment,
        "import json, cbrms.settings.production as s; print(json.dumps(s.STORAGES['default']))",
    )
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout)
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "cbrms-files"
    assert options["endpoint_url"] == "https://minio.example.com:9000"
    assert options["location"] == "production"
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    # The options are ones the backend takes (it connects to nothing until a file is touched).
    storage = S3Storage(**options)
    assert (storage.bucket_name, storage.location) == ("cbrms-files", "production")
    # Without a bucket, files stay on the local disk.
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


@pytest.mark.parametrize("variable", REQUIRED)
def test_production_settings_refuse_to_load_without(settings_only, variable):
    environment = production_environment()
    del environment[variable]

    result = import_production_settings(settings_only, environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_production_settings_refuse_the_development_secret_key(settings_only):
    environment = {
        **production_environment(),
        "DJANGO_SECRET_KEY": "dev-insecure-key-not-for-production",
    }

    result = import_production_settings(settings_only, environment)

    assert result.returncode != 0
    assert "development key" in result.stderr


def test_debug_is_off_unless_asked_for(settings_only):
    """make run shows the product's own error pages; Django's technical ones only on request."""

    def debug(environment: dict[str, str]) -> str:
        result = subprocess.run(
            [sys.executable, "-c", "import cbrms.settings.base as s; print(s.DEBUG)"],
            cwd=settings_only,
            env={**environment, "PYTHONPATH": str(settings_only)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    urls = {"DATABASE_URL": "postgres://x@localhost/x", "REDIS_URL": "redis://localhost:6379/0"}
    assert debug(urls) == "False"
    assert debug({**urls, "DJANGO_DEBUG": "true"}) == "True"


def test_production_settings_pass_the_deployment_checklist():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_tests_send_celery_messages_apart_from_the_development_worker():
    broker, cache = urlsplit(settings.CELERY_BROKER_URL), urlsplit(settings.REDIS_URL)
    assert (broker.hostname, broker.port) == (cache.hostname, cache.port)
    assert broker.path != cache.path
