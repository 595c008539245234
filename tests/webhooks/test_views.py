"""The Webhooks pages: register an endpoint (errors beside the fields), its secret shown once,
the delivery log with every try, and the actions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cbrms.tenancy.context import acting_as
from relationships.models import MessageState, Role, WebhookEndpoint, WebhookMessage
from relationships.services.webhooks import endpoint_create, message_deliver, webhook_emit
from tests.webhooks.receiver import Answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(world, local_targets):
    client = Client()
    client.force_login(world.member("own", Role.ADMIN).user)
    return client


def page(name, world, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": world.own.slug, **kwargs})


def test_register_see_the_secret_once_then_the_log(world, admin_browser, receiver):
    form = admin_browser.get(page("webhook-list", world))
    assert form.status_code == 200
    assert b"risk.threshold_crossed" in form.content

    response = admin_browser.post(
        page("webhook-list", world),
        {
            "url": receiver.url,
            "description": "Incident tool",
            "events": ["gate.decided", "issue.escalated"],
            "risk_score_threshold": 15,
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.unscoped().get()
    assert endpoint.secret.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    again = admin_browser.get(page("webhook-detail", world, pk=endpoint.pk))
    assert endpoint.secret.encode() not in again.content

    receiver.answers.append(Answer(status=500, body=b"down for maintenance"))
    webhook_emit(organization_ids={world.own.pk}, event_type="gate.decided", data={"gate": 9})
    message = WebhookMessage.objects.unscoped().get()
    with acting_as(world.own):
        assert message_deliver(message_id=str(message.pk)) == MessageState.PENDING
    log = admin_browser.get(page("webhook-detail", world, pk=endpoint.pk)).content.decode()
    assert message.webhook_id in log
    assert "HTTP 500" in log
    assert "Waiting to be sent" in log
    assert "&quot;gate&quot;: 9" in log  # the payload, escaped


def test_bad_input_is_shown_beside_its_field_and_nothing_is_kept(world, admin_browser, settings):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    response = admin_browser.post(
        page("webhook-list", world),
        {"url": "http://192.168.0.10/hook", "events": [], "risk_score_threshold": 40},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "private" in " ".join(form.errors["url"])
    assert form.errors["events"] == ["Choose at least one event."]
    assert "risk_score_threshold" in form.errors
    assert b'aria-invalid="true"' in response.content
    assert b"http://192.168.0.10/hook" in response.content  # what was typed stays
    assert not WebhookEndpoint.objects.unscoped().exists()


def test_actions_rotate_disable_enable_replay_delete(world, admin_browser, receiver):
    with acting_as(world.own):
        created = endpoint_create(
            membership=world.member("own", Role.ADMIN), url=receiver.url, events=["gate.decided"]
        )
    endpoint = created.endpoint
    rotated = admin_browser.post(page("webhook-rotate", world, pk=endpoint.pk), follow=True)
    endpoint.refresh_from_db()
    assert endpoint.secret != created.secret
    assert endpoint.secret.encode() in rotated.content

    admin_browser.post(page("webhook-disable", world, pk=endpoint.pk))
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    admin_browser.post(page("webhook-enable", world, pk=endpoint.pk))
    endpoint.refresh_from_db()
    assert endpoint.is_enabled

    receiver.answers.append(Answer(status=400))
    webhook_emit(organization_ids={world.own.pk}, event_type="gate.decided", data={})
    message = WebhookMessage.objects.unscoped().get()
    with acting_as(world.own):
        assert message_deliver(message_id=str(message.pk)) == MessageState.FAILED
    replayed = admin_browser.post(
        page("webhook-replay", world, pk=endpoint.pk, message_pk=message.pk), follow=True
    )
    assert b"queued again" in replayed.content

    admin_browser.post(page("webhook-delete", world, pk=endpoint.pk))
    assert not WebhookEndpoint.objects.unscoped().exists()
    assert not WebhookMessage.objects.unscoped().exists()


def test_another_organization_s_endpoint_is_not_found(world, local_targets):
    with acting_as(world.own):
        endpoint = endpoint_create(
            membership=world.member("own", Role.ADMIN),
            url="http://127.0.0.1:9/hook",
            events=["gate.decided"],
        ).endpoint
    partner = Client()
    partner.force_login(world.member("partner", Role.ADMIN).user)
    theirs = reverse("webhook-detail", kwargs={"org_slug": world.partner.slug, "pk": endpoint.pk})
    assert partner.get(theirs).status_code == 404
    assert partner.post(theirs.replace("/webhooks/", "/webhooks/") + "delete/").status_code == 404
    assert WebhookEndpoint.objects.unscoped().filter(pk=endpoint.pk).exists()


def test_the_menu_offers_webhooks_to_administrators_only(world):
    for role, shown in ((Role.ADMIN, True), (Role.RELATIONSHIP_MANAGER, False)):
        client = Client()
        client.force_login(world.member("own", role).user)
        html = client.get(reverse("relationship-list", kwargs={"org_slug": world.own.slug}))
        assert (page("webhook-list", world).encode() in html.content) is shown


def test_the_event_reference_lists_every_event_with_an_example(world, admin_browser):
    html = admin_browser.get(page("webhook-events", world)).content.decode()
    for name in (
        "gate.requested",
        "gate.decided",
        "document.issued",
        "issue.escalated",
        "risk.threshold_crossed",
        "maturity_review.completed",
        "webhook.test",
    ):
        assert f"<code>{name}</code>" in html
    assert "<code>passed</code>" in html  # backquoted words are shown as code
