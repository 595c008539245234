# One image for web (gunicorn), worker and beat (celery): see docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=cbrms.settings.production

# Pango and HarfBuzz for WeasyPrint (PDF); fonts so that PDFs have glyphs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system cbrms \
    && useradd --system --gid cbrms --home-dir /app --shell /usr/sbin/nologin cbrms

WORKDIR /app

# Runtime requirements only (the pinned closure); a layer that changes only with the pins.
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .

# collectstatic needs settings to load, not real services: a dummy environment for this step only.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-not-a-secret-0123456789abcdefghijklmnop \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DJANGO_CSRF_TRUSTED_ORIGINS=https://build.invalid \
    CBRMS_BASE_URL=https://build.invalid \
    DATABASE_URL=postgres://build@build.invalid:5432/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    EMAIL_URL=dummymail:// \
    DJANGO_DEFAULT_FROM_EMAIL=build@build.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R cbrms:cbrms var/media

USER cbrms
EXPOSE 8000

# Workers: WEB_CONCURRENCY (gunicorn reads it); more flags: GUNICORN_CMD_ARGS.
CMD ["gunicorn", "cbrms.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--no-control-socket"]
