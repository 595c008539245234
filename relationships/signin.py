"""Failed sign-ins lock the account and the address they came from (django-axes).

Every way in counts: the login page and ``POST /api/v1/auth/token/`` (through Django's
``authenticate``, which axes watches), a wrong current password on the password-change form,
and an invalid password-reset link (both reported here with Django's ``user_login_failed``
signal). ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME`` lock the account,
whichever address they came from, and lock the address, whichever accounts it tried
(``AXES_LOCKOUT_PARAMETERS``); the address is ``cbrms.clientip.client_ip``'s.

A lock ends on its own after the cool-off. Sooner, a person recovers their account by email (a
completed password reset lifts the account's lock), or an admin of their organization lifts it
(``account_unlock``). Password reset stays open to a locked account, for that reason; only a
locked address is refused there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from cbrms.api.exceptions import error_body
from cbrms.clientip import client_ip
from cbrms.errors import ApplicationError

logger = logging.getLogger(__name__)

LOCKED_OUT_CODE = "locked_out"


def normalized_email(value: object) -> str | None:
    """How an attempted email is counted: trimmed and lower-cased, as accounts store it."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def attempted_email(request: HttpRequest, credentials: dict | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the email an attempt used (login form, token body, ...)."""
    for source in (credentials or {}, _posted(request)):
        for key in ("username", "email"):
            email = normalized_email(source.get(key))
            if email is not None:
                return email
    return None


def _posted(request: HttpRequest) -> dict:
    data = getattr(request, "data", None)  # a DRF request: its parsed body
    if data is None:
        data = getattr(request, "POST", {})
    return data if hasattr(data, "get") else {}


# --- the state of a lock ------------------------------------------------------------------


def _cool_off() -> timedelta:
    return get_cool_off()


def _window_start() -> datetime:
    return timezone.now() - _cool_off()


@dataclass(frozen=True)
class Lockout:
    """A lock in force: until when, so people can be told when to try again."""

    until: datetime

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds()) + 1)


def _lockout_of(attempts) -> Lockout | None:
    state = attempts.filter(attempt_time__gte=_window_start()).aggregate(
        failures=Coalesce(Sum("failures_since_start"), 0), last=Max("attempt_time")
    )
    if state["failures"] < settings.AXES_FAILURE_LIMIT:
        return None
    return Lockout(until=state["last"] + _cool_off())


def account_lockout(email: str) -> Lockout | None:
    """Whether the account of ``email`` is locked, whichever addresses its failures came from."""
    return _lockout_of(AccessAttempt.objects.filter(username=normalized_email(email)))


def address_lockout(request: HttpRequest) -> Lockout | None:
    """Whether the address of ``request`` is locked, whichever accounts it tried."""
    address = client_ip(request)
    if address is None:
        return None
    return _lockout_of(AccessAttempt.objects.filter(ip_address=address))


def signin_lockout(request: HttpRequest, *, email: str | None = None) -> Lockout | None:
    """The lock that refuses this attempt, if any: the address's, then the account's."""
    locks = [address_lockout(request)]
    if email:
        locks.append(account_lockout(email))
    locks = [lock for lock in locks if lock is not None]
    return max(locks, key=lambda lock: lock.until) if locks else None


def lockouts_by_email(emails: list[str]) -> dict[str, Lockout]:
    """The accounts among ``emails`` that are locked now, in one query."""
    wanted = {normalized_email(email) for email in emails} - {None}
    if not wanted:
        return {}
    rows = (
        AccessAttempt.objects.filter(username__in=wanted, attempt_time__gte=_window_start())
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"]: Lockout(until=row["last"] + _cool_off()) for row in rows}


def locked_until_subquery(email_field: str = "user__email") -> Subquery:
    """For a queryset of memberships (or anything reaching an email): when its account's lock
    ends, or null; one subquery, so a list of members costs no query per row."""
    recent = (
        AccessAttempt.objects.filter(username=OuterRef(email_field))
        .filter(attempt_time__gte=_window_start())
        .order_by()
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values("last")
    )
    return Subquery(recent[:1])


def lock_end(last_failure: datetime | None) -> datetime | None:
    """When a lock whose last counted failure was at ``last_failure`` ends."""
    return None if last_failure is None else last_failure + _cool_off()


# --- reporting failures and lifting locks -------------------------------------------------


def signin_failed(request: HttpRequest, *, email: str | None, sender: str = __name__) -> None:
    """Count a failed way in that does not pass through ``authenticate`` (a wrong current
    password on the change form, an invalid reset link), exactly as axes counts a wrong
    password on the login page."""
    user_login_failed.send(sender=sender, credentials={"username": email}, request=request)


def account_unlock(*, email: str, by: str = "") -> int:
    """Lift the lock of the account of ``email`` (and forget its failures, from any address).

    The failures the account's attempts added to their addresses are forgotten with them, so an
    address locked only by this account's own mistakes is free again too.
    """
    removed = AxesProxyHandler.reset_attempts(username=normalized_email(email))
    logger.info("Sign-in lock lifted for %s by %s (%d records)", email, by or "recovery", removed)
    return removed


# --- what a locked-out person is told -----------------------------------------------------


def lockout_message(lock: Lockout | None) -> str:
    when = ""
    if lock is not None:
        minutes = max(1, round(lock.seconds_left / 60))
        when = f" for about {minutes} minute{'s' if minutes != 1 else ''}"
    return (
        "Too many failed sign-in attempts for this account or from this network: signing in "
        f"is paused{when}. To get back in sooner, reset your password by email (a new password "
        "lifts the lock on your account), or ask an administrator of your organization to "
        "lift it."
    )


class SignInLocked(ApplicationError):
    """A way in refused because the account or the address is locked (429)."""

    status_code = 429
    code = LOCKED_OUT_CODE

    def __init__(self, lock: Lockout | None):
        extra = {"retry_after_seconds": lock.seconds_left} if lock is not None else {}
        super().__init__(lockout_message(lock), extra=extra)


def lockout_error_body(lock: Lockout | None) -> dict:
    extra = {"retry_after_seconds": lock.seconds_left} if lock is not None else {}
    return error_body(LOCKED_OUT_CODE, lockout_message(lock), **extra)


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429, as JSON under /api/ and as a page in the browser."""
    lock = signin_lockout(request, email=attempted_email(request, credentials))
    if request.path.startswith("/api/"):
        response = JsonResponse(lockout_error_body(lock), status=429)
    else:
        context = {"lockout": lock, "message": lockout_message(lock)}
        response = render(request, "registration/locked_out.html", context, status=429)
    if lock is not None:
        response["Retry-After"] = str(lock.seconds_left)
    return response
