"""``/api/v1/orgs/{org}/webhook-endpoints/`` and ``.../webhook-messages/``: where an
organization's events go, and the log of what was sent (docs/webhooks.md)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from cbrms.api.pagination import CursorPagination
from cbrms.api.schema import CONFLICT, error
from cbrms.api.serializers import InputSerializer
from cbrms.api.viewsets import CreateMixin, DestroyMixin, OrgViewSet, UpdateMixin
from cbrms.jobs.api import QUEUE_DOWN
from cbrms.tenancy.api import write_action, writes
from relationships.models import MessageState, WebhookAttempt, WebhookEndpoint, WebhookMessage
from relationships.models.webhooks import RISK_SCORE_MAX
from relationships.roles import Capability
from relationships.services.webhooks import (
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_send_test,
    endpoint_update,
    message_replay,
)
from relationships.webhook_events import webhook_event_types


class EventsField(serializers.ListField):
    """A list of event types, checked against the registry when the request comes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The event types it hears (docs/webhooks.md).")
        super().__init__(
            child=serializers.ChoiceField(
                choices=[(t.name, t.label) for t in webhook_event_types()]
            ),
            allow_empty=False,
            **kwargs,
        )


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField(source="is_enabled")
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "risk_score_threshold",
            "enabled",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "previous_secret_expires_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "previous_secret_expires_at": {
                "help_text": "After a rotation, the old secret signs too until then."
            }
        }


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="`whsec_` + base64: verify signatures with it. Shown here only: keep it."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(InputSerializer):
    url = serializers.CharField(
        max_length=2000,
        help_text=(
            "Where messages are POSTed: https, an address on the public internet (no private, "
            "loopback or link-local networks), no credentials in it."
        ),
    )
    events = EventsField()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    risk_score_threshold = serializers.IntegerField(
        min_value=1,
        max_value=RISK_SCORE_MAX,
        required=False,
        help_text="`risk.threshold_crossed` fires when a risk's score reaches this (default 15).",
    )


class DisableSerializer(InputSerializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "manual",
            "started_at",
            "duration_ms",
            "status_code",
            "error_code",
            "error_message",
            "response_excerpt",
        ]
        read_only_fields = fields


class WebhookMessageSerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(
        help_text="The `webhook-id` header: the same on every try and replay."
    )

    class Meta:
        model = WebhookMessage
        fields = [
            "id",
            "webhook_id",
            "endpoint",
            "event_type",
            "payload",
            "state",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_error_code",
            "created_at",
        ]
        read_only_fields = fields


class WebhookMessageDetailSerializer(WebhookMessageSerializer):
    attempt_log = WebhookAttemptSerializer(many=True, help_text="Every try, newest first.")

    class Meta(WebhookMessageSerializer.Meta):
        fields = [*WebhookMessageSerializer.Meta.fields, "attempt_log"]
        read_only_fields = fields


_ENDPOINT_EXAMPLE = {
    "id": 3,
    "url": "https://hooks.northwind.example/cbrms",
    "description": "Our incident tool",
    "events": ["gate.decided", "issue.escalated", "risk.threshold_crossed"],
    "risk_score_threshold": 15,
    "enabled": True,
    "disabled_at": None,
    "disabled_reason": "",
    "consecutive_failures": 0,
    "previous_secret_expires_at": None,
    "created_by": "admin@northwind.example",
    "created_at": "2026-11-27T09:30:00Z",
    "updated_at": "2026-11-27T09:30:00Z",
}
_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 (a documentation example)
_MESSAGE_EXAMPLE = {
    "id": "0b5f0e5c-8c55-4a8e-9d7e-1f1b2c3d4e5f",
    "webhook_id": "msg_0b5f0e5c8c554a8e9d7e1f1b2c3d4e5f",
    "endpoint": 3,
    "event_type": "gate.decided",
    "payload": {
        "type": "gate.decided",
        "timestamp": "2026-11-27T10:02:11+00:00",
        "data": {
            "gate": 345,
            "relationship": {"id": 12, "name": "Northwind and Contoso joint delivery"},
            "kind": "advance",
            "from_stage": 4,
            "from_stage_name": "Partner selection",
            "to_stage": 5,
            "to_stage_name": "Working together",
            "visibility": "joint",
            "requested_at": "2026-11-26T09:30:00+00:00",
            "outcome": "passed",
            "decided_at": "2026-11-27T10:02:11+00:00",
        },
    },
    "state": "delivered",
    "attempts": 2,
    "next_attempt_at": "2026-11-27T10:02:41Z",
    "delivered_at": "2026-11-27T10:02:42Z",
    "last_status_code": 204,
    "last_error_code": "",
    "created_at": "2026-11-27T10:02:11Z",
}
_ATTEMPTS_EXAMPLE = [
    {
        "number": 2,
        "manual": False,
        "started_at": "2026-11-27T10:02:41Z",
        "duration_ms": 84,
        "status_code": 204,
        "error_code": "",
        "error_message": "",
        "response_excerpt": "",
    },
    {
        "number": 1,
        "manual": False,
        "started_at": "2026-11-27T10:02:11Z",
        "duration_ms": 10002,
        "status_code": None,
        "error_code": "timeout",
        "error_message": "No answer within 10 seconds.",
        "response_excerpt": "",
    },
]


@extend_schema_view(
    list=extend_schema(
        summary="The organization's webhook endpoints",
        examples=[OpenApiExample("An endpoint", value=_ENDPOINT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(summary="A webhook endpoint"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description=(
            "The response is the only time the signing `secret` is shown. Messages follow "
            "Standard Webhooks: verify `webhook-signature` with the secret (docs/webhooks.md). "
            "A URL whose host resolves to a private, loopback or link-local address is refused "
            "(`url_refused`), and checked again before every send."
        ),
        examples=[
            OpenApiExample(
                "Gates and escalations to our incident tool",
                value={
                    "url": "https://hooks.northwind.example/cbrms",
                    "description": "Our incident tool",
                    "events": ["gate.decided", "issue.escalated", "risk.threshold_crossed"],
                    "risk_score_threshold": 15,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Registered",
                value={**_ENDPOINT_EXAMPLE, "secret": _SECRET},
                response_only=True,
                status_codes=["201"],
            ),
        ],
        responses={201: WebhookEndpointWithSecretSerializer, 409: CONFLICT},
    ),
    update=extend_schema(summary="Replace an endpoint's URL, events, description and threshold"),
    partial_update=extend_schema(
        summary="Change an endpoint's URL, events, description or risk threshold",
        examples=[
            OpenApiExample(
                "Hear document issues too",
                value={"events": ["gate.decided", "document.issued"]},
                request_only=True,
            )
        ],
    ),
    destroy=extend_schema(summary="Remove an endpoint, with its messages and their log"),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """Webhook endpoints of the acting organization: its administrators manage them."""

    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    input_serializers = {
        "create": WebhookEndpointInputSerializer,
        "update": WebhookEndpointInputSerializer,
        "partial_update": WebhookEndpointInputSerializer,
        "disable": DisableSerializer,
    }
    capabilities = dict.fromkeys(
        [
            "list",
            "retrieve",
            "create",
            "update",
            "partial_update",
            "destroy",
            "rotate_secret",
            "test",
            "enable",
            "disable",
        ],
        Capability.WEBHOOKS_MANAGE,
    )

    def narrow_queryset(self, queryset):
        return queryset.select_related("created_by")

    @writes
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = self.write(
            endpoint_create,
            visible=lambda created: created.endpoint,
            membership=self.membership,
            **serializer.validated_data,
        )
        return self._with_secret(created, status.HTTP_201_CREATED)

    def update_object(self, serializer):
        return endpoint_update(endpoint=serializer.instance, **serializer.validated_data)

    def destroy_object(self, instance):
        endpoint_delete(endpoint=instance)

    def _with_secret(self, created, code=status.HTTP_200_OK) -> Response:
        endpoint = self.get_queryset().get(pk=created.endpoint.pk)
        body = WebhookEndpointWithSecretSerializer(
            endpoint, context=self.get_serializer_context()
        ).data
        return Response({**body, "secret": created.secret}, status=code)

    @extend_schema(
        summary="Rotate the signing secret",
        description=(
            "A new secret, shown in this response only. For 24 hours the old one signs too "
            "(two `v1,` signatures in `webhook-signature`), so the receiver can switch."
        ),
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer},
    )
    @write_action(detail=True, url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        rotated = self.write(
            endpoint_rotate_secret,
            visible=lambda rotated: rotated.endpoint,
            endpoint=self.get_object(),
        )
        return self._with_secret(rotated)

    @extend_schema(
        summary="Send a test message",
        description="Queues `webhook.test` for this endpoint; follow it in the message log.",
        request=None,
        responses={
            202: WebhookMessageSerializer,
            409: error("The endpoint is disabled (`endpoint_disabled`)."),
            503: QUEUE_DOWN,
        },
    )
    @write_action(detail=True)
    def test(self, request, *args, **kwargs):
        message = self.write(endpoint_send_test, endpoint=self.get_object())
        body = WebhookMessageSerializer(message, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Enable an endpoint again",
        description="After it was disabled (by hand, or after failing many times in a row).",
        request=None,
    )
    @write_action(detail=True)
    def enable(self, request, *args, **kwargs):
        endpoint = self.write(endpoint_enable, endpoint=self.get_object())
        return Response(self.output(endpoint))

    @extend_schema(
        summary="Disable an endpoint",
        description="Nothing is sent to it until it is enabled; events meanwhile are not kept.",
    )
    @write_action(detail=True)
    def disable(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data.get("reason") or "Disabled by hand."
        endpoint = self.write(endpoint_disable, endpoint=self.get_object(), reason=reason)
        return Response(self.output(endpoint))


class NewestFirstPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class WebhookMessageFilterSet(filters.FilterSet):
    endpoint = filters.NumberFilter(field_name="endpoint_id")
    state = filters.ChoiceFilter(choices=MessageState.choices)
    event_type = filters.CharFilter()

    class Meta:
        model = WebhookMessage
        fields = ["endpoint", "state", "event_type"]


@extend_schema_view(
    list=extend_schema(
        summary="The delivery log: messages sent to the organization's endpoints",
        description="Newest first; filter by `endpoint`, `state` or `event_type`.",
        examples=[OpenApiExample("A message", value=_MESSAGE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="A message, with every try and what the endpoint answered",
        examples=[
            OpenApiExample(
                "Delivered on the second try",
                value={**_MESSAGE_EXAMPLE, "attempt_log": _ATTEMPTS_EXAMPLE},
                response_only=True,
            )
        ],
    ),
)
class WebhookMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Messages of the acting organization's endpoints, and their tries."""

    model = WebhookMessage
    serializer_class = WebhookMessageSerializer
    filterset_class = WebhookMessageFilterSet
    pagination_class = NewestFirstPagination
    lookup_value_converter = "uuid"
    capabilities = dict.fromkeys(["list", "retrieve", "replay"], Capability.WEBHOOKS_MANAGE)

    def get_serializer_class(self):
        if self.action in ("retrieve", "replay"):
            return WebhookMessageDetailSerializer
        return super().get_serializer_class()

    def narrow_queryset(self, queryset):
        if self.action in ("retrieve", "replay"):
            return queryset.select_related("endpoint").prefetch_related("attempt_log")
        return queryset

    @extend_schema(
        summary="Send a delivered or failed message again",
        description=(
            "One more try, by hand, with the same `webhook-id` and body (a receiver that "
            "drops ids it has seen drops it too). Follow it in the message."
        ),
        request=None,
        responses={
            202: WebhookMessageDetailSerializer,
            409: error("Still being sent (`message_in_flight`), or the endpoint is disabled."),
            503: QUEUE_DOWN,
        },
    )
    @write_action(detail=True)
    def replay(self, request, *args, **kwargs):
        message = self.get_object()
        self.write(message_replay, message=message)
        message = self.get_queryset().get(pk=message.pk)
        body = WebhookMessageDetailSerializer(message, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
