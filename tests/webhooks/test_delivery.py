"""Sending the outbox: Standard Webhooks signatures, retries, the log, disabling, replays."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from relationships.models import MessageState, Role, WebhookEndpoint, WebhookMessage
from relationships.notifications import webhook_disabled_notify
from relationships.services.webhooks import (
    endpoint_create,
    endpoint_rotate_secret,
    message_deliver,
    message_replay,
    messages_send_due,
    retry_delay,
    webhook_emit,
)
from tests.webhooks.receiver import Answer

pytestmark = pytest.mark.django_db

EVENT = "gate.decided"


@pytest.fixture
def admin(world):
    return world.member("own", Role.ADMIN)


@pytest.fixture
def endpoint(admin, receiver, local_targets, acting, world):
    with acting(world.own):
        created = endpoint_create(membership=admin, url=receiver.url, events=[EVENT])
    created.endpoint.test_secret = created.secret
    return created.endpoint


def emit(world, data=None) -> WebhookMessage:
    with transaction.atomic():
        (message,) = webhook_emit(
            organization_ids={world.own.pk}, event_type=EVENT, data=data or {"gate": 1}
        )
    return message


def deliver(world, acting, message, **kwargs) -> str:
    with acting(world.own):
        return message_deliver(message_id=str(message.pk), **kwargs)


def make_due(message) -> None:
    WebhookMessage.objects.unscoped().filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def row(message) -> WebhookMessage:
    return WebhookMessage.objects.unscoped().get(pk=message.pk)


def test_a_message_arrives_signed_per_standard_webhooks(world, acting, endpoint, receiver):
    message = emit(world, {"gate": 7, "relationship": {"id": 1, "name": "R"}})
    assert deliver(world, acting, message) == MessageState.DELIVERED

    (request,) = receiver.requests
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == f"msg_{message.pk.hex}"
    payload = Webhook(endpoint.test_secret).verify(request.body, request.headers)
    assert payload["type"] == EVENT
    assert payload["data"] == {"gate": 7, "relationship": {"id": 1, "name": "R"}}
    # Someone without the secret cannot sign a forged body.
    forged = request.body.replace(b'"gate":7', b'"gate":8')
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint.test_secret).verify(forged, request.headers)
    assert row(message).delivered_at is not None


def test_a_failed_try_is_retried_later_with_the_same_id(world, acting, endpoint, receiver):
    receiver.answers.extend([Answer(status=503), Answer(status=200)])
    message = emit(world)

    assert deliver(world, acting, message) == MessageState.PENDING
    pending = row(message)
    assert pending.next_attempt_at > timezone.now()
    assert deliver(world, acting, message) == "not due"  # not before its time

    make_due(message)
    assert deliver(world, acting, message) == MessageState.DELIVERED
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    with acting(world.own):
        log = list(row(message).attempt_log.order_by("number"))
    assert [(a.number, a.status_code) for a in log] == [(1, 503), (2, 200)]


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (400, MessageState.FAILED),
        (404, MessageState.FAILED),
        (410, MessageState.FAILED),
        (429, MessageState.PENDING),
        (500, MessageState.PENDING),
        (302, MessageState.PENDING),
    ],
)
def test_no_retry_on_4xx_but_429(world, acting, endpoint, receiver, status, state):
    receiver.answers.append(Answer(status=status, body=b"nope"))
    message = emit(world)
    assert deliver(world, acting, message) == state
    with acting(world.own):
        (attempt,) = row(message).attempt_log.all()
    assert attempt.status_code == status
    assert attempt.response_excerpt == "nope"


def test_retries_stop_after_the_last_attempt(world, acting, endpoint, receiver, settings):
    settings.CBRMS_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.default = Answer(status=500)
    message = emit(world)
    states = []
    for _ in range(3):
        make_due(message)
        states.append(deliver(world, acting, message))
    assert states == [MessageState.PENDING, MessageState.PENDING, MessageState.FAILED]
    assert len(receiver.requests) == 3


def test_the_backoff_doubles_and_is_capped(settings):
    settings.CBRMS_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.CBRMS_WEBHOOK_RETRY_MAX_SECONDS = 4 * 3600
    for attempt, seconds in [(1, 30), (2, 60), (3, 120), (6, 960), (20, 4 * 3600)]:
        delay = retry_delay(attempt).total_seconds()
        assert seconds * 0.9 <= delay <= seconds * 1.1


def test_a_hanging_endpoint_is_a_timeout_and_is_retried(world, acting, endpoint, receiver):
    receiver.answers.append(Answer(delay=3))
    message = emit(world)
    assert deliver(world, acting, message) == MessageState.PENDING
    with acting(world.own):
        (attempt,) = row(message).attempt_log.all()
    assert attempt.error_code == "timeout"
    assert attempt.status_code is None


def test_an_address_refused_at_send_time_is_not_sent(world, acting, endpoint, receiver, settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False  # the install stops allowing its network
    message = emit(world)
    assert deliver(world, acting, message) == MessageState.FAILED
    assert receiver.requests == []
    assert row(message).last_error_code == "address_refused"


def test_the_outbox_is_written_with_the_change_or_not_at_all(world, endpoint):
    def change_that_fails():
        with transaction.atomic():
            webhook_emit(organization_ids={world.own.pk}, event_type=EVENT, data={})
            raise RuntimeError("the change fails after its event was written")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not WebhookMessage.objects.unscoped().exists()


def test_only_subscribed_enabled_endpoints_of_the_audience_hear(world, acting, endpoint):
    partner_admin = world.member("partner", Role.ADMIN)
    with acting(world.partner):
        other = endpoint_create(
            membership=partner_admin, url=endpoint.url, events=["issue.escalated"]
        ).endpoint
    webhook_emit(organization_ids={world.own.pk, world.partner.pk}, event_type=EVENT, data={})
    assert list(WebhookMessage.objects.unscoped().values_list("endpoint", flat=True)) == [
        endpoint.pk
    ]
    WebhookEndpoint.objects.unscoped().filter(pk=endpoint.pk).update(disabled_at=timezone.now())
    assert webhook_emit(organization_ids={world.own.pk}, event_type=EVENT, data={}) == []
    assert other.pk  # the partner's endpoint exists, and heard nothing of gate.decided


def test_an_endpoint_failing_in_a_row_is_disabled_and_its_owners_told(
    world, acting, endpoint, receiver, settings
):
    settings.CBRMS_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.default = Answer(status=400)
    for _ in range(3):
        deliver(world, acting, emit(world))
    disabled = WebhookEndpoint.objects.unscoped().get(pk=endpoint.pk)
    assert disabled.disabled_at is not None
    assert disabled.consecutive_failures == 3

    # No new message is written for it; one already queued fails without being sent.
    assert webhook_emit(organization_ids={world.own.pk}, event_type=EVENT, data={}) == []

    second_admin = world.member("own", Role.EXECUTIVE)  # not an owner: not told
    with acting(world.own):
        sent = webhook_disabled_notify(
            endpoint_id=endpoint.pk, disabled_at=disabled.disabled_at.isoformat()
        )
    recipients = {address for message in mail.outbox for address in message.to}
    assert sent == 1
    assert recipients == {world.member("own", Role.ADMIN).user.email}
    assert second_admin.user.email not in recipients
    assert endpoint.url in mail.outbox[0].body


def test_a_success_resets_the_run_of_failures(world, acting, endpoint, receiver, settings):
    settings.CBRMS_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.answers.extend([Answer(status=400), Answer(status=400), Answer(status=204)])
    for _ in range(3):
        deliver(world, acting, emit(world))
    assert WebhookEndpoint.objects.unscoped().get(pk=endpoint.pk).consecutive_failures == 0


def test_after_a_rotation_both_secrets_sign_for_a_while(world, acting, endpoint, receiver):
    old = endpoint.test_secret
    with acting(world.own):
        new = endpoint_rotate_secret(endpoint=endpoint).secret
    deliver(world, acting, emit(world))
    (request,) = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(request.body, request.headers)

    WebhookEndpoint.objects.unscoped().filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    deliver(world, acting, emit(world))
    latest = receiver.requests[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(latest.body, latest.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(old).verify(latest.body, latest.headers)


def test_a_replay_sends_the_same_message_once_more(world, acting, endpoint, receiver):
    receiver.answers.append(Answer(status=400))
    message = emit(world)
    assert deliver(world, acting, message) == MessageState.FAILED
    with acting(world.own):
        message_replay(message=row(message))  # queues; the worker would run:
    assert deliver(world, acting, message, manual=True) == MessageState.DELIVERED
    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert json.loads(first.body) == json.loads(again.body)
    with acting(world.own):
        log = list(row(message).attempt_log.order_by("number"))
    assert [(a.number, a.manual) for a in log] == [(1, False), (2, True)]


def test_a_message_is_sent_by_one_worker_only(world, acting, endpoint, receiver):
    message = emit(world)
    WebhookMessage.objects.unscoped().filter(pk=message.pk).update(
        state=MessageState.SENDING, lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert deliver(world, acting, message) == "not due"
    assert receiver.requests == []
    # Its worker died: once the lease ends, another sends it.
    WebhookMessage.objects.unscoped().filter(pk=message.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert deliver(world, acting, message) == MessageState.DELIVERED


def test_the_sweep_queues_what_is_due_and_nobody_sends(world, endpoint):
    message = emit(world)
    assert messages_send_due() == 0  # just queued: its lease runs
    later = timezone.now() + timedelta(minutes=6)
    assert messages_send_due(now=later) == 1
    assert messages_send_due(now=later) == 0  # queued again only once per lease
    assert row(message).state == MessageState.PENDING


@pytest.mark.django_db(transaction=True)
def test_an_endpoint_removed_while_its_message_is_out(world, acting, endpoint, receiver):
    def remove_the_endpoint():  # someone deletes it while the request is out
        try:
            WebhookEndpoint.objects.unscoped().filter(pk=endpoint.pk).delete()
        finally:
            connection.close()  # this thread's own connection

    receiver.answers.append(Answer(status=204, before=remove_the_endpoint))
    message = emit(world)
    assert deliver(world, acting, message) == "gone"
    assert not WebhookMessage.objects.unscoped().exists()
