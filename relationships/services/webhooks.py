"""Webhook endpoints, the outbox, and sending its messages.

``webhook_emit`` writes the outbox: one message per subscribed endpoint, in the transaction of
the change that caused it, so an event is sent if and only if its change committed. After the
commit each message is queued for ``message_deliver``; a message whose queueing failed (Redis
down) or whose worker died is picked up by ``messages_send_due`` (Celery beat), so nothing in
the outbox is lost.

Sending follows Standard Webhooks (standardwebhooks.com): headers ``webhook-id`` (the
message's id, the same on every try), ``webhook-timestamp`` and ``webhook-signature``
(``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``), the body ``{"type", "timestamp",
"data"}``. A failed try is retried with exponential backoff, except on a 4xx answer other than
429 (the receiver refuses the message itself) and on an address refused at send time.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError
from standardwebhooks.webhooks import Webhook

from cbrms import outbound
from cbrms.celery import app as celery_app
from cbrms.errors import Conflict, ValidationFailed
from cbrms.jobs.services import JobsUnavailable
from relationships.models import (
    Membership,
    MessageState,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from relationships.models.webhooks import RISK_SCORE_MAX
from relationships.webhook_events import TEST_EVENT, webhook_event_types

logger = logging.getLogger(__name__)

#: How long an old secret keeps signing beside the new one after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
#: Bytes of randomness in a secret (Standard Webhooks asks for 24 to 64).
SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"  # noqa: S105 (the convention's marker, not a secret)
#: How long a message queued for sending may wait before the sweep queues it again.
QUEUED_LEASE = timedelta(minutes=5)
#: Retries sooner than this are queued with a countdown; later ones wait for the sweep (a
#: countdown longer than the broker's visibility timeout would be delivered twice).
COUNTDOWN_LIMIT = timedelta(minutes=10)
#: The tasks, sent by name: they call this module.
DELIVER_TASK = "relationships.webhook_tasks.deliver_webhook"
NOTIFY_DISABLED_TASK = "relationships.tasks.notify_webhook_disabled"
#: A message body is the event, small by design: ids and names, never documents.
EXCERPT_CHARS = 1000


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown to the person once, at creation and rotation


# --- endpoints -------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def endpoint_url_check(url: str) -> str:
    """The URL as it will be kept, or ``ValidationFailed`` saying why it may not be used."""
    url = url.strip()
    try:
        outbound.outbound_url_check(url)
    except outbound.OutboundRefused as refused:
        raise ValidationFailed(
            refused.message, code="url_refused", fields={"url": [refused.message]}
        ) from None
    return url


def _events_check(events: list[str]) -> list[str]:
    known = {t.name for t in webhook_event_types()}
    unknown = sorted(set(events) - known)
    if unknown:
        message = f"Unknown event type(s): {', '.join(unknown)}."
        raise ValidationFailed(message, fields={"events": [message]})
    if not events:
        message = "Choose at least one event."
        raise ValidationFailed(message, fields={"events": [message]})
    return sorted(set(events))


def _threshold_check(threshold: int) -> int:
    if not 1 <= threshold <= RISK_SCORE_MAX:
        message = f"A risk's score runs from 1 to {RISK_SCORE_MAX}."
        raise ValidationFailed(message, fields={"risk_score_threshold": [message]})
    return threshold


@transaction.atomic
def endpoint_create(
    *,
    membership: Membership,
    url: str,
    events: list[str],
    description: str = "",
    risk_score_threshold: int = 15,
) -> EndpointWithSecret:
    """Register ``url`` for ``events``; the signing secret is returned once."""
    organization_id = membership.organization_id
    count = WebhookEndpoint.objects.filter(organization_id=organization_id).count()
    if count >= settings.CBRMS_WEBHOOK_MAX_ENDPOINTS:
        raise Conflict(
            f"An organization has at most {settings.CBRMS_WEBHOOK_MAX_ENDPOINTS} endpoints: "
            "remove one first.",
            code="too_many_endpoints",
        )
    secret = new_secret()
    # unscoped(create): an endpoint of the caller's own organization
    endpoint = WebhookEndpoint.objects.unscoped().create(
        organization_id=organization_id,
        url=endpoint_url_check(url),
        events=_events_check(events),
        description=description.strip(),
        risk_score_threshold=_threshold_check(risk_score_threshold),
        secret=secret,
        created_by=membership.user,
    )
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change an endpoint's URL, events, description or risk threshold."""
    checks = {
        "url": endpoint_url_check,
        "events": _events_check,
        "description": str.strip,
        "risk_score_threshold": _threshold_check,
    }
    unknown = set(changes) - set(checks)
    if unknown:
        raise ValidationFailed(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(endpoint, name, checks[name](value))
    endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> EndpointWithSecret:
    """A new secret; the old one keeps signing beside it for ``ROTATION_OVERLAP``."""
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = secret
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


@transaction.atomic
def endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Turn a disabled endpoint back on; its failure count starts again from 0."""
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.save(
        update_fields=["disabled_at", "disabled_reason", "consecutive_failures", "updated_at"]
    )
    return endpoint


@transaction.atomic
def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> WebhookEndpoint:
    """Stop sending to an endpoint (by hand, or ``message_deliver`` after many failures)."""
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["disabled_at", "disabled_reason", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its messages and their log."""
    endpoint.delete()


# --- the outbox ------------------------------------------------------------------------------


def _payload(event_type: str, data: dict, at: datetime) -> dict:
    return {"type": event_type, "timestamp": at.isoformat(), "data": data}


def webhook_emit(
    *,
    organization_ids,
    event_type: str,
    data: dict,
    applies=None,
) -> list[WebhookMessage]:
    """Write ``event_type`` to the outbox of every enabled endpoint of ``organization_ids``
    that subscribed to it (and, when given, for which ``applies(endpoint)`` holds).

    Call it inside the transaction of the change: the messages exist if and only if the change
    committed, and are queued once it did. ``data`` is the same for every organization, so it
    holds only what each of them may see (the caller asks ``audience_of``).
    """
    if not organization_ids:
        return []
    endpoints = (
        WebhookEndpoint.objects.unscoped()  # unscoped(system): the event's audience, by id
        .filter(
            organization_id__in=organization_ids,
            disabled_at__isnull=True,
            events__contains=[event_type],
        )
        .order_by("id")
    )
    now = timezone.now()
    messages = [
        WebhookMessage(
            organization_id=endpoint.organization_id,
            endpoint=endpoint,
            event_type=event_type,
            payload=_payload(event_type, data, now),
            next_attempt_at=now,
            lease_until=now + QUEUED_LEASE,
        )
        for endpoint in endpoints
        if applies is None or applies(endpoint)
    ]
    if messages:
        # unscoped(create): outbox rows of the organizations that see the change
        WebhookMessage.objects.unscoped().bulk_create(messages)
        transaction.on_commit(lambda: _enqueue_quietly(messages))
    return messages


def _send(message: WebhookMessage, *, manual: bool = False, countdown: float = 0) -> None:
    with celery_app.connection_for_write() as connection:
        celery_app.send_task(
            DELIVER_TASK,
            kwargs={
                "organization_id": message.organization_id,
                "message_id": str(message.pk),
                "manual": manual,
            },
            connection=connection,
            countdown=countdown or None,
            retry=True,
        )


def _enqueue_quietly(messages: list[WebhookMessage]) -> None:
    """Queue the messages; a broker that does not answer only delays them until the sweep."""
    try:
        for message in messages:
            _send(message)
    except OperationalError:
        logger.warning("Webhook messages not queued; the sweep will send them.", exc_info=True)


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookMessage:
    """Send ``webhook.test`` to one endpoint, whatever it subscribed to."""
    if not endpoint.is_enabled:
        raise Conflict("The endpoint is disabled: enable it first.", code="endpoint_disabled")
    now = timezone.now()
    data = {"endpoint": endpoint.pk, "note": "A test message from CBRMS."}
    # unscoped(create): an outbox row of the caller's own endpoint
    message = WebhookMessage.objects.unscoped().create(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        event_type=TEST_EVENT.name,
        payload=_payload(TEST_EVENT.name, data, now),
        next_attempt_at=now,
        lease_until=now + QUEUED_LEASE,
    )
    transaction.on_commit(lambda: _send_or_refuse(message))
    return message


def message_replay(*, message: WebhookMessage) -> WebhookMessage:
    """Send a delivered or failed message once more, by hand (same id, same body)."""
    if message.state in (MessageState.PENDING, MessageState.SENDING):
        raise Conflict(
            "This message is still being sent; replay it once it is delivered or failed.",
            code="message_in_flight",
        )
    if not message.endpoint.is_enabled:
        raise Conflict("The endpoint is disabled: enable it first.", code="endpoint_disabled")
    _send_or_refuse(message, manual=True)
    return message


def _send_or_refuse(message: WebhookMessage, *, manual: bool = False) -> None:
    try:
        _send(message, manual=manual)
    except OperationalError:
        logger.warning("Webhook message %s not queued.", message.pk, exc_info=True)
        if not manual:
            # A test message nobody will send: remove it rather than leave it to the sweep.
            # unscoped(by-id): the row this request has just written
            WebhookMessage.objects.unscoped().filter(pk=message.pk).delete()
        raise JobsUnavailable() from None


# --- sending ---------------------------------------------------------------------------------


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed try number ``attempt``: doubling, capped, with jitter."""
    base = settings.CBRMS_WEBHOOK_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** (attempt - 1), settings.CBRMS_WEBHOOK_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311 (jitter)


def signature_header(endpoint: WebhookEndpoint, *, msg_id: str, at: datetime, body: str) -> str:
    """``webhook-signature``: one ``v1,`` signature per live secret, space separated."""
    secrets_ = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > at
    ):
        secrets_.append(endpoint.previous_secret)
    return " ".join(Webhook(s).sign(msg_id=msg_id, timestamp=at, data=body) for s in secrets_)


def _claim(message_id: str, *, manual: bool, now: datetime) -> WebhookMessage | None:
    lease = now + timedelta(seconds=settings.CBRMS_WEBHOOK_TIMEOUT_SECONDS * 2 + 30)
    due = (
        ~Q(state=MessageState.SENDING) | Q(lease_until__lt=now)
        if manual
        else Q(state=MessageState.PENDING, next_attempt_at__lte=now)
        | Q(state=MessageState.SENDING, lease_until__lt=now)
    )
    claimed = (
        WebhookMessage.objects.filter(pk=message_id)
        .filter(due)
        .update(state=MessageState.SENDING, lease_until=lease, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return WebhookMessage.objects.select_related("endpoint").get(pk=message_id)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error_code: str
    error_message: str
    excerpt: str
    retry: bool

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _try(endpoint: WebhookEndpoint, message: WebhookMessage, at: datetime) -> Outcome:
    body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True)
    headers = {
        "webhook-id": message.webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature_header(
            endpoint, msg_id=message.webhook_id, at=at, body=body
        ),
    }
    try:
        response = outbound.post(
            endpoint.url,
            body=body.encode(),
            headers=headers,
            timeout=settings.CBRMS_WEBHOOK_TIMEOUT_SECONDS,
        )
    except outbound.OutboundRefused as refused:
        return Outcome(None, refused.code, refused.message, "", retry=False)
    except outbound.OutboundFailed as failed:
        return Outcome(None, failed.code, failed.message, "", retry=True)
    status = response.status
    excerpt = response.body.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    if 200 <= status < 300:
        return Outcome(status, "", "", excerpt, retry=False)
    if 300 <= status < 400:
        where = f" to {response.location}" if response.location else ""
        return Outcome(status, "redirect", f"Redirected{where}; not followed.", excerpt, True)
    # A 4xx says the receiver refuses this message: another try would be refused the same.
    retry = status == 429 or status >= 500
    return Outcome(status, "http_error", f"The endpoint answered {status}.", excerpt, retry)


def message_deliver(*, message_id: str, manual: bool = False) -> str:
    """Try to send one message; record the try and what comes next. Returns the new state.

    A worker claims the message first (a conditional UPDATE): the same message queued twice,
    or by the sweep meanwhile, is sent by one of them. No transaction is open while the
    request is out, so a slow endpoint holds no database lock.
    """
    now = timezone.now()
    message = _claim(message_id, manual=manual, now=now)
    if message is None:
        return "not due"
    endpoint = message.endpoint
    if not endpoint.is_enabled:
        WebhookMessage.objects.filter(pk=message.pk).update(
            state=MessageState.FAILED, lease_until=None, last_error_code="endpoint_disabled"
        )
        return MessageState.FAILED
    started = time.monotonic()
    outcome = _try(endpoint, message, now)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(
        message, endpoint, outcome, started_at=now, duration_ms=duration_ms, manual=manual
    )


@transaction.atomic
def _record(message, endpoint, outcome: Outcome, *, started_at, duration_ms, manual) -> str:
    if not WebhookMessage.objects.select_for_update().filter(pk=message.pk).exists():
        return "gone"  # its endpoint was removed while the request was out
    WebhookAttempt.objects.create(
        organization_id=message.organization_id,
        message=message,
        number=message.attempts,
        manual=manual,
        started_at=started_at,
        duration_ms=duration_ms,
        status_code=outcome.status_code,
        error_code=outcome.error_code,
        error_message=outcome.error_message[:500],
        response_excerpt=outcome.excerpt,
    )
    fields = {
        "lease_until": None,
        "last_status_code": outcome.status_code,
        "last_error_code": outcome.error_code,
    }
    retry_at = countdown = None
    if outcome.delivered:
        state = MessageState.DELIVERED
        fields["delivered_at"] = timezone.now()
    elif outcome.retry and not manual and message.attempts < settings.CBRMS_WEBHOOK_MAX_ATTEMPTS:
        state = MessageState.PENDING
        retry_at = timezone.now() + retry_delay(message.attempts)
        fields["next_attempt_at"] = retry_at
        if retry_at - timezone.now() <= COUNTDOWN_LIMIT:
            # Queued now with a countdown: the sweep leaves it alone until that is overdue.
            countdown = max((retry_at - timezone.now()).total_seconds(), 0)
            fields["lease_until"] = retry_at + QUEUED_LEASE
        else:
            fields["lease_until"] = retry_at  # the sweep queues it when it is due
    else:
        state = MessageState.FAILED
    WebhookMessage.objects.filter(pk=message.pk).update(state=state, **fields)
    _count(endpoint, delivered=outcome.delivered)
    if countdown is not None:
        transaction.on_commit(lambda: _enqueue_later(message, countdown))
    return state


def _enqueue_later(message: WebhookMessage, countdown: float) -> None:
    try:
        _send(message, countdown=countdown)
    except OperationalError:
        logger.warning("Retry of %s not queued; the sweep will send it.", message.pk)


def _count(endpoint: WebhookEndpoint, *, delivered: bool) -> None:
    """Keep the endpoint's run of failures; disable it and tell its owners when it is long."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if delivered:
        endpoints.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
        return
    limit = settings.CBRMS_WEBHOOK_DISABLE_AFTER_FAILURES
    endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
    now = timezone.now()
    reason = f"Disabled after {limit} failed tries in a row."
    # One UPDATE decides: of two workers failing at once, one disables and tells the owners.
    disabled = endpoints.filter(disabled_at__isnull=True, consecutive_failures__gte=limit).update(
        disabled_at=now, disabled_reason=reason, updated_at=now
    )
    if disabled:
        kwargs = {
            "organization_id": endpoint.organization_id,
            "endpoint_id": endpoint.pk,
            "disabled_at": now.isoformat(),
        }
        transaction.on_commit(lambda: celery_app.send_task(NOTIFY_DISABLED_TASK, kwargs=kwargs))


def messages_send_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Queue the messages that are due and nobody is sending: a retry whose time came, one
    whose queueing failed, one whose worker died. Returns how many were queued."""
    now = now or timezone.now()
    due = list(
        WebhookMessage.objects.unscoped()  # unscoped(system): the sweep reads every outbox
        .filter(
            Q(state=MessageState.PENDING, next_attempt_at__lte=now) | Q(state=MessageState.SENDING),
            lease_until__lt=now,
        )
        .order_by("next_attempt_at")[:limit]
    )
    if not due:
        return 0
    # Queued again only once per lease: a backlog does not grow by one copy per sweep.
    WebhookMessage.objects.unscoped().filter(  # unscoped(system): the rows just read
        pk__in=[m.pk for m in due], state=MessageState.PENDING
    ).update(lease_until=now + QUEUED_LEASE)
    _enqueue_quietly(due)
    return len(due)
