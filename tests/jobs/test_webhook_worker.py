"""Webhooks sent by a real Celery worker: a change made through the API reaches a local
receiver signed, is retried after a failure with the same id, and an endpoint that hangs holds
the worker no longer than its timeout."""

from __future__ import annotations

from standardwebhooks.webhooks import Webhook

from relationships.models import MessageState, Role, WebhookAttempt, WebhookMessage
from tests.conftest import api_client_for
from tests.jobs.conftest import wait_for
from tests.lifecycle.staging import put_at_stage
from tests.webhooks.receiver import Answer, Receiver

ALLOW_LOCAL = {
    "CBRMS_OUTBOUND_ALLOW_PRIVATE": "true",
    "CBRMS_OUTBOUND_HTTPS_ONLY": "false",
    "CBRMS_WEBHOOK_TIMEOUT_SECONDS": "1",
    "CBRMS_WEBHOOK_RETRY_BASE_SECONDS": "0.5",
}


def register(world, position: str, url: str) -> dict:
    admin = api_client_for(world.member(position, Role.ADMIN))
    response = admin.post(
        f"/api/v1/orgs/{world.org(position).slug}/webhook-endpoints/",
        {"url": url, "events": ["risk.threshold_crossed"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_change_reaches_the_receiver_signed_and_retried(world, worker_processes, settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = True
    settings.CBRMS_OUTBOUND_HTTPS_ONLY = False
    relationship = put_at_stage(world.relationship, 5)
    with Receiver() as ours, Receiver() as hanging:
        ours.answers.append(Answer(status=503))
        hanging.default = Answer(delay=20)
        endpoint = register(world, "own", ours.url)
        register(world, "partner", hanging.url)
        worker_processes(**ALLOW_LOCAL)

        manager = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
        risk = manager.post(
            f"/api/v1/orgs/{world.own.slug}/relationships/{relationship.pk}/risks/",
            {
                "title": "Key supplier insolvency",
                "likelihood": 4,
                "impact": 5,
                "visibility": "joint",
            },
            format="json",
        )
        assert risk.status_code == 201, risk.content

        delivered = wait_for(
            lambda: (
                WebhookMessage.objects.unscoped()
                .filter(endpoint_id=endpoint["id"], state=MessageState.DELIVERED)
                .first()
            )
        )
        assert delivered is not None, list(WebhookAttempt.objects.unscoped().values())
        first, second = ours.requests
        assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivered.webhook_id
        for request in (first, second):
            payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
            assert payload["data"]["risk"] == risk.json()["id"]
        assert delivered.attempts == 2

        # The partner's endpoint hangs: each try ends at the timeout, and the worker goes on.
        timed_out = wait_for(
            lambda: (
                WebhookAttempt.objects.unscoped()
                .filter(organization=world.partner, error_code="timeout")
                .first()
            )
        )
        assert timed_out is not None
        assert timed_out.duration_ms < 5000
