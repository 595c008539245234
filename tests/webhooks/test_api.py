"""The webhook API: administrators only, their own organization's endpoints and messages only,
the secret shown once, clear errors, and the actions (rotate, test, enable, disable, replay)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cbrms.tenancy.context import acting_as
from relationships.models import MessageState, Role, WebhookEndpoint, WebhookMessage
from relationships.services.webhooks import endpoint_create, webhook_emit
from tests.api_cases import ALL_ROLES, ResourceCases
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"


def make_endpoint(world, position="own", **kwargs) -> WebhookEndpoint:
    admin = world.member(position, Role.ADMIN)
    kwargs = {"url": URL, "events": ["gate.decided"], **kwargs}
    with acting_as(admin.organization):
        return endpoint_create(membership=admin, **kwargs).endpoint


def base(world, position="own") -> str:
    return f"/api/v1/orgs/{world.org(position).slug}/"


@pytest.fixture(autouse=True)
def _local(local_targets):
    """Endpoints point at this machine in these tests."""


class TestWebhookEndpointResource(ResourceCases):
    path = "webhook-endpoints/"
    read_roles = frozenset({Role.ADMIN})
    write_roles = frozenset({Role.ADMIN})

    def make_object(self, world):
        return make_endpoint(world)

    def create_payload(self, world):
        return {"url": URL, "events": ["gate.decided", "issue.escalated"]}

    def update_payload(self, world, obj):
        return {"events": ["document.issued"], "risk_score_threshold": 20}

    def path_params(self, world):
        return {}


@pytest.mark.parametrize("role", sorted(ALL_ROLES - {Role.ADMIN}))
def test_only_administrators_read_webhooks(world, role):
    endpoint = make_endpoint(world)
    client = api_client_for(world.member("own", role))
    for path in (
        "webhook-endpoints/",
        f"webhook-endpoints/{endpoint.pk}/",
        "webhook-messages/",
    ):
        response = client.get(base(world) + path)
        assert response.status_code == 403, (path, response.content)


def test_a_partner_s_administrator_sees_none_of_ours(world):
    endpoint = make_endpoint(world)
    webhook_emit(organization_ids={world.own.pk}, event_type="gate.decided", data={})
    message = WebhookMessage.objects.unscoped().get()
    partner = api_client_for(world.member("partner", Role.ADMIN))
    p = base(world, "partner")
    assert partner.get(p + "webhook-endpoints/").json()["results"] == []
    assert partner.get(p + "webhook-messages/").json()["results"] == []
    for path in (
        f"webhook-endpoints/{endpoint.pk}/",
        f"webhook-messages/{message.pk}/",
    ):
        assert partner.get(p + path).status_code == 404
    for path in (
        f"webhook-endpoints/{endpoint.pk}/rotate-secret/",
        f"webhook-endpoints/{endpoint.pk}/test/",
        f"webhook-endpoints/{endpoint.pk}/disable/",
        f"webhook-messages/{message.pk}/replay/",
    ):
        assert partner.post(p + path).status_code == 404
    assert partner.delete(p + f"webhook-endpoints/{endpoint.pk}/").status_code == 404
    assert WebhookEndpoint.objects.unscoped().filter(pk=endpoint.pk, disabled_at=None).exists()


def test_the_secret_is_shown_at_creation_and_rotation_only(world):
    admin = api_client_for(world.member("own", Role.ADMIN))
    created = admin.post(
        base(world) + "webhook-endpoints/",
        {"url": URL, "events": ["gate.decided"], "description": "Incident tool"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["enabled"] is True
    detail = admin.get(base(world) + f"webhook-endpoints/{body['id']}/").json()
    assert "secret" not in detail
    assert body["secret"] not in str(admin.get(base(world) + "webhook-endpoints/").content)

    rotated = admin.post(base(world) + f"webhook-endpoints/{body['id']}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] not in (body["secret"], "")
    assert rotated.json()["previous_secret_expires_at"] is not None


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"url": "http://10.1.2.3/hook", "events": ["gate.decided"]}, "url", "url_refused"),
        ({"url": "https://localhost/hook", "events": ["gate.decided"]}, "url", "url_refused"),
        ({"url": "https://93.184.216.34/x", "events": ["no.such"]}, "events.0", None),
        ({"url": "https://93.184.216.34/x", "events": []}, "events", None),
        ({"url": "https://93.184.216.34/x", "events": ["webhook.test"]}, "events.0", None),
        (
            {
                "url": "https://93.184.216.34/x",
                "events": ["gate.decided"],
                "risk_score_threshold": 26,
            },
            "risk_score_threshold",
            None,
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_named(world, settings, payload, field, code):
    settings.CBRMS_OUTBOUND_ALLOW_PRIVATE = False
    admin = api_client_for(world.member("own", Role.ADMIN))
    response = admin.post(base(world) + "webhook-endpoints/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    if code:
        assert response.json()["code"] == code
    assert not WebhookEndpoint.objects.unscoped().exists()


def test_an_organization_has_a_limited_number_of_endpoints(world, settings):
    settings.CBRMS_WEBHOOK_MAX_ENDPOINTS = 2
    make_endpoint(world)
    make_endpoint(world)
    admin = api_client_for(world.member("own", Role.ADMIN))
    response = admin.post(
        base(world) + "webhook-endpoints/", {"url": URL, "events": ["gate.decided"]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "too_many_endpoints")


def test_disable_enable_and_test(world, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(world)
    admin = api_client_for(world.member("own", Role.ADMIN))
    url = base(world) + f"webhook-endpoints/{endpoint.pk}/"

    disabled = admin.post(url + "disable/", {"reason": "Maintenance"}, format="json")
    assert (disabled.status_code, disabled.json()["enabled"]) == (200, False)
    assert disabled.json()["disabled_reason"] == "Maintenance"
    refused = admin.post(url + "test/")
    assert (refused.status_code, refused.json()["code"]) == (409, "endpoint_disabled")

    enabled = admin.post(url + "enable/")
    assert (enabled.status_code, enabled.json()["enabled"]) == (200, True)
    with django_capture_on_commit_callbacks(execute=True):
        tested = admin.post(url + "test/")
    assert tested.status_code == 202, tested.content
    assert tested.json()["event_type"] == "webhook.test"
    assert tested.json()["state"] == "pending"


def test_the_message_log_and_replay(world, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(world)
    webhook_emit(organization_ids={world.own.pk}, event_type="gate.decided", data={"gate": 3})
    message = WebhookMessage.objects.unscoped().get()
    admin = api_client_for(world.member("own", Role.ADMIN))
    listed = admin.get(base(world) + f"webhook-messages/?endpoint={endpoint.pk}&state=pending")
    assert [row["id"] for row in listed.json()["results"]] == [str(message.pk)]
    assert listed.json()["results"][0]["webhook_id"] == message.webhook_id

    in_flight = admin.post(base(world) + f"webhook-messages/{message.pk}/replay/")
    assert (in_flight.status_code, in_flight.json()["code"]) == (409, "message_in_flight")

    WebhookMessage.objects.unscoped().filter(pk=message.pk).update(
        state=MessageState.FAILED, delivered_at=None, next_attempt_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        replayed = admin.post(base(world) + f"webhook-messages/{message.pk}/replay/")
    assert replayed.status_code == 202, replayed.content
    assert replayed.json()["attempt_log"] == []
    bad = admin.get(base(world) + "webhook-messages/?state=lost")
    assert bad.status_code == 400
