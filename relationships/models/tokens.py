"""API tokens for integrations and scripts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships.models.organizations import Membership, Organization


class ApiToken(models.Model):
    """A bearer token issued to one membership: it acts only as that organization, with that role.

    The secret is shown once at creation; only its SHA-256 digest is stored (a token is 256 bits
    of randomness, so a fast digest is enough and lets us look it up by index). ``prefix`` is the
    first characters of the token, kept so that people can tell their tokens apart.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="token_expires_after_creation",
            ),
        ]
        indexes = [models.Index(fields=["membership", "-created_at"], name="token_member_idx")]
        # The digest is a secret; last use is bookkeeping that would flood the trail.
        triggers = [
            audit_trigger(
                organization_column="organization_id", redact=("key_hash", "last_used_at")
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
