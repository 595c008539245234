"""Invitations by email, answered through a signed link: a person asked to join an
organization (``MemberInvitation``), and an organization asked to take part in a relationship
(``PartnerInvitation``), which may not be in CBRMS yet."""

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


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class EmailInvitation(models.Model):
    """What every emailed invitation has: the address, the link's secret and its lifetime.

    The link is signed and carries ``nonce``; resending replaces the nonce (older links stop
    working), and answering, revoking or expiry end the invitation.
    """

    email = models.EmailField()
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

    class Meta:
        abstract = True

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.declined_at is not None:
            return InvitationStatus.DECLINED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status_label(self) -> str:
        return InvitationStatus(self.status).label

    @property
    def is_open(self) -> bool:
        """Not answered or revoked (it may have expired: a resend opens it again)."""
        return self.accepted_at is None and self.declined_at is None and self.revoked_at is None


def ends_once(name: str) -> models.CheckConstraint:
    """At most one answer, or a revocation: an invitation ends once."""
    return models.CheckConstraint(
        condition=~Q(accepted_at__isnull=False, declined_at__isnull=False)
        & ~Q(accepted_at__isnull=False, revoked_at__isnull=False)
        & ~Q(declined_at__isnull=False, revoked_at__isnull=False),
        name=name,
    )


OPEN = Q(accepted_at__isnull=True, declined_at__isnull=True) & Q(revoked_at__isnull=True)


class MemberInvitation(EmailInvitation):
    """An admin's invitation of a person, by email, to join the organization with a role.

    Nobody becomes a member without saying yes: the person follows the emailed link and
    accepts (after logging in, or by creating their account). Only the organization that
    invites sees it.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="member_invitations"
    )
    role = models.CharField(max_length=30, choices=Role.choices)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="member_invite_role"),
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="member_invite_email_lower"
            ),
            ends_once("member_invite_ends_once"),
            # One open invitation per person and organization: resending reuses it.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=OPEN,
                name="member_invite_one_open",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="member_invite_org")]
        # The nonce is half of a link that lets someone join: a secret, not history.
        triggers = [audit_trigger(organization_column="organization_id", redact=("nonce",))]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization} ({self.role})"


class PartnerInvitation(EmailInvitation):
    """The lead's invitation, by email, of an organization to take part in a relationship.

    For an organization that is not in CBRMS yet, or whose identifier the lead does not know:
    whoever follows the link creates the organization and its first account there (or, already
    in CBRMS, answers for an organization they belong to), names its SER and accepts; the
    organization then takes part as an active ``party``. Only the inviting organization sees
    the invitation; the address is all it knows until the answer.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="partner_invitations",
        help_text="The inviting organization: the relationship's lead.",
    )
    relationship = models.ForeignKey(
        "relationships.Relationship", on_delete=models.CASCADE, related_name="partner_invitations"
    )
    organization_name = models.CharField(
        max_length=200, help_text="The name the lead knows the organization by; a suggestion."
    )
    message = models.TextField(blank=True, max_length=2000)
    party = models.OneToOneField(
        "relationships.Party",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="partner_invitation",
        help_text="The party the accepted invitation made.",
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="partner_invite_email_lower"
            ),
            ends_once("partner_invite_ends_once"),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(party__isnull=False),
                name="partner_invite_accepted_has_party",
            ),
            # One open invitation per address and relationship: resending reuses it.
            models.UniqueConstraint(
                fields=["relationship", "email"], condition=OPEN, name="partner_invite_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["relationship", "-created_at"], name="partner_invite_rel"),
        ]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                redact=("nonce",),
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.organization_name}) to {self.relationship_id}"
