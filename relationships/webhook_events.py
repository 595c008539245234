"""The events an endpoint can subscribe to: a small typed registry the apps fill.

The apps above register the events of their own changes when they load (the lifecycle: gates
and documents; governance: issues, risks, maturity reviews), with a description and an example
of the ``data`` they send, which the API documentation and the browser show. Who emits what is
found with grep on the event's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class WebhookEventType:
    name: str  # "gate.decided": dotted, lower case, stable (receivers switch on it)
    label: str  # "A stage gate was decided", for people
    description: str
    example: dict = field(default_factory=dict)  # an example of the payload's ``data``
    subscribable: bool = True  # webhook.test goes to one endpoint, on request only


_TYPES: dict[str, WebhookEventType] = {}


def register_webhook_event(event_type: WebhookEventType) -> WebhookEventType:
    existing = _TYPES.get(event_type.name)
    if existing is not None and existing != event_type:
        raise ImproperlyConfigured(f"Webhook event {event_type.name} is registered already.")
    _TYPES[event_type.name] = event_type
    return event_type


def webhook_event_types(*, subscribable: bool = True) -> list[WebhookEventType]:
    """The registered event types, by name; those an endpoint can subscribe to by default."""
    return sorted(
        (t for t in _TYPES.values() if t.subscribable or not subscribable), key=lambda t: t.name
    )


def webhook_event_type(name: str) -> WebhookEventType:
    try:
        return _TYPES[name]
    except KeyError:
        raise ImproperlyConfigured(f"No webhook event {name} is registered.") from None


TEST_EVENT = register_webhook_event(
    WebhookEventType(
        name="webhook.test",
        label="A test message",
        description="Sent when someone asks for a test of the endpoint; nothing happened.",
        example={"endpoint": 7, "note": "A test message from CBRMS."},
        subscribable=False,
    )
)
