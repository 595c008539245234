"""Webhooks: endpoints an organization registers, and the outbox of messages sent to them.

An event (a gate decided, a document issued...) writes one ``WebhookMessage`` per subscribed
endpoint in the transaction of the change itself: the outbox. Messages are sent after the
commit, retried with backoff, and each try is a ``WebhookAttempt``: the delivery log.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships.models.organizations import Organization

#: A risk's score is likelihood times impact, each 1 to 5.
RISK_SCORE_MAX = 25


class WebhookEndpoint(models.Model):
    """A URL of an organization's that hears the events it subscribed to.

    ``secret`` signs every message (Standard Webhooks, ``whsec_`` + base64). After a rotation
    the previous secret signs too, beside the new one, until ``previous_secret_expires_at``, so
    a receiver can switch without losing messages. An endpoint that keeps failing is disabled
    (``disabled_at``) and its owners are told; ``consecutive_failures`` counts the failed tries
    since the last delivered one.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=60), help_text="The event types it hears.")
    risk_score_threshold = models.PositiveSmallIntegerField(
        default=15,
        help_text="risk.threshold_crossed fires when a risk's score reaches this (1-25).",
    )
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_score_threshold__gte=1)
                & Q(risk_score_threshold__lte=RISK_SCORE_MAX),
                name="webhook_risk_threshold_range",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="webhook_org_idx")]
        # Secrets stay out of the trail; the failure count is bookkeeping that would flood it.
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                redact=("secret", "previous_secret", "consecutive_failures"),
            )
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None


class MessageState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookMessage(models.Model):
    """One event for one endpoint: the outbox row, and where its delivery stands.

    Its id is the ``webhook-id`` header, the same on every try and on a replay, so a receiver
    can drop what it has seen. ``payload`` is the body, fixed when the event happened.
    A worker claims a message by moving it to ``sending`` with a lease (``lease_until``); a
    message whose worker died goes back to the queue when the lease ends.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(
        max_length=10, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error_code = models.CharField(max_length=40, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=MessageState.values), name="webhook_message_state"
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_msg_endpoint_idx"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=[MessageState.PENDING, MessageState.SENDING]),
                name="webhook_msg_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.pk.hex}"


class WebhookAttempt(models.Model):
    """One try at sending a message: what came back, or why nothing did."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    manual = models.BooleanField(default=False, help_text="A replay somebody asked for.")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="webhook_attempt_once"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.message_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
