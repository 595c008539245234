"""Sending email from jobs: each message once per job, links on one base URL."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mass_mail

#: How long a job's sent emails are remembered, so that the job delivered again sends none twice.
SENT_MEMORY_SECONDS = 14 * 24 * 3600


def absolute_url(path: str) -> str:
    """A link for an email: ``CBRMS_BASE_URL`` and a path, never the Host a visitor sent."""
    return f"{settings.CBRMS_BASE_URL}{path}"


def send_once(messages: dict[str, tuple], *, job_id: str | None) -> int:
    """Send ``messages`` ({recipient key: message}); within one job, each message once.

    Jobs are acknowledged late: a worker lost after sending but before acknowledging has the
    same job (same id) delivered again. ``cache.add`` claims each of the job's messages
    atomically, so only one delivery sends it; a failed send releases its claims for the retry.
    Called outside a job (``job_id`` None), it simply sends.
    """
    if job_id is None:
        return send_mass_mail(list(messages.values()), fail_silently=False)
    claims = {f"cbrms:sent:{job_id}:{key}": key for key in messages}
    due = [claim for claim in claims if cache.add(claim, 1, SENT_MEMORY_SECONDS)]
    try:
        return send_mass_mail([messages[claims[c]] for c in due], fail_silently=False)
    except Exception:
        cache.delete_many(due)
        raise
