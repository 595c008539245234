"""Invitations of people to become members of an organization."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships.models.choices import Role
from relationships.models.organizations import Membership, Organization


class MemberInvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class MemberInvitation(models.Model):
    """An admin's invitation of a person, by email, to join the organization with a role.

    Nobody becomes a member without saying yes: the person follows the emailed link and
    accepts (after logging in, or by creating their account). The link is signed and carries
    ``nonce``; resending replaces the nonce (older links stop working), and answering,
    revoking or expiry end the invitation. Only the organization that invites sees it.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="member_invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=30, choices=Role.choices)
    invited_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="member_invite_role"),
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="member_invite_email_lower"
            ),
            # At most one answer, or a revocation: an invitation ends once.
            models.CheckConstraint(
                condition=~Q(accepted_at__isnull=False, declined_at__isnull=False)
                & ~Q(accepted_at__isnull=False, revoked_at__isnull=False)
                & ~Q(declined_at__isnull=False, revoked_at__isnull=False),
                name="member_invite_ends_once",
            ),
            # One open invitation per person and organization: resending reuses it.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, declined_at__isnull=True)
                & Q(revoked_at__isnull=True),
                name="member_invite_one_open",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="member_invite_org")]
        # The nonce is half of a link that lets someone join: a secret, not history.
        triggers = [audit_trigger(organization_column="organization_id", redact=("nonce",))]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization} ({self.role})"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return MemberInvitationStatus.ACCEPTED
        if self.declined_at is not None:
            return MemberInvitationStatus.DECLINED
        if self.revoked_at is not None:
            return MemberInvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return MemberInvitationStatus.EXPIRED
        return MemberInvitationStatus.PENDING

    @property
    def status_label(self) -> str:
        return MemberInvitationStatus(self.status).label

    @property
    def is_open(self) -> bool:
        """Not answered or revoked (it may have expired: a resend opens it again)."""
        return self.accepted_at is None and self.declined_at is None and self.revoked_at is None
