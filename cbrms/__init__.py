"""CBRMS: collaborative business relationship management."""

from cbrms.celery import app as celery_app

__all__ = ["celery_app"]
