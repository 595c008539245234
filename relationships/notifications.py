"""Emails about invitations (of people to organizations, of organizations to relationships)
and password links."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil

from cbrms.mail import absolute_url, send_once
from relationships.links import invitation_link
from relationships.models import (
    InvitationStatus,
    MemberInvitation,
    Membership,
    PartnerInvitation,
    Party,
    PartyStatus,
    WebhookEndpoint,
)
from relationships.roles import ROLE_CAPABILITIES, Capability


def password_link_lifetime() -> str:
    """How long a set-password link works, in words: "3 days" (``PASSWORD_RESET_TIMEOUT``)."""
    now = timezone.now()
    lifetime = timeuntil(now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT), now=now)
    return lifetime.replace("\xa0", " ")  # plain-text emails: no non-breaking spaces


def member_invited_notify(*, invitation_id: int, sent_at: str, job_id: str | None = None) -> int:
    """Email the invitation's link to the invited address. Returns the number of emails sent.

    ``sent_at`` is the sending the job was enqueued for: when the invitation was resent since
    (a newer link, whose own job sends it), answered or revoked, nothing goes out. The same job
    delivered again sends nothing twice (``send_once``).
    """
    invitation = (
        MemberInvitation.objects.select_related("organization", "invited_by__user")
        .filter(pk=invitation_id)
        .first()
    )
    if (
        invitation is None
        or invitation.sent_at.isoformat() != sent_at
        or invitation.status != InvitationStatus.PENDING
    ):
        return 0
    organization = invitation.organization
    inviter = invitation.invited_by.user if invitation.invited_by else None
    context = {
        "invitation": invitation,
        "organization": organization,
        "inviter": inviter,
        "role": invitation.get_role_display(),
        "link": absolute_url(invitation_link(invitation)),
        "expires": invitation.expires_at,
    }
    subject = f"Invitation to join {organization.name} on CBRMS"
    body = render_to_string("relationships/email/member_invited.txt", context)
    message = (subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return send_once({f"invitation:{invitation.pk}:{sent_at}": message}, job_id=job_id)


def partner_invited_notify(*, invitation_id: int, sent_at: str, job_id: str | None = None) -> int:
    """Email a partner invitation's link to the invited address (as ``member_invited_notify``:
    nothing for a superseded, answered or revoked invitation, nothing twice)."""
    invitation = (
        PartnerInvitation.objects.select_related("organization", "relationship", "invited_by__user")
        .filter(pk=invitation_id)
        .first()
    )
    if (
        invitation is None
        or invitation.sent_at.isoformat() != sent_at
        or invitation.status != InvitationStatus.PENDING
    ):
        return 0
    context = {
        "invitation": invitation,
        "lead": invitation.organization,
        "relationship": invitation.relationship,
        "inviter": invitation.invited_by.user if invitation.invited_by else None,
        "link": absolute_url(invitation_link(invitation)),
        "expires": invitation.expires_at,
    }
    subject = f"{invitation.organization.name} invites you to a relationship on CBRMS"
    body = render_to_string("relationships/email/partner_invited.txt", context)
    message = (subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return send_once({f"partner-invitation:{invitation.pk}:{sent_at}": message}, job_id=job_id)


def party_invited_notify(*, party_id: int, notified_at: str, job_id: str | None = None) -> int:
    """Email the people of an invited organization who may answer (one email each) that it is
    invited. Nothing when the invitation was answered, revoked or resent since."""
    party = (
        Party.objects.select_related("relationship__lead_organization", "organization")
        .filter(pk=party_id)
        .first()
    )
    if (
        party is None
        or party.status != PartyStatus.INVITED
        or party.notified_at is None
        or party.notified_at.isoformat() != notified_at
    ):
        return 0
    organization = party.organization
    answerers = (
        # unscoped(system): the invited organization's people who may answer, to tell them
        Membership.objects.unscoped()
        .filter(
            organization=organization,
            role__in=ROLE_CAPABILITIES[Capability.INVITATIONS_ANSWER],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("id")
    )
    link = absolute_url(reverse("invitation-list", kwargs={"org_slug": organization.slug}))
    subject = f"{party.relationship.lead_organization.name} invites {organization.name}"
    messages = {}
    for membership in answerers:
        context = {
            "person": membership.user,
            "organization": organization,
            "lead": party.relationship.lead_organization,
            "relationship": party.relationship,
            "link": link,
        }
        body = render_to_string("relationships/email/party_invited.txt", context)
        key = f"party-invitation:{party.pk}:{notified_at}:{membership.user_id}"
        messages[key] = (subject, body, settings.DEFAULT_FROM_EMAIL, [membership.user.email])
    return send_once(messages, job_id=job_id)


def webhook_disabled_notify(
    *, endpoint_id: int, disabled_at: str, job_id: str | None = None
) -> int:
    """Tell an endpoint's owners (whoever registered it, and the organization's people who
    manage webhooks) that it was disabled after failing; nothing if it was enabled since."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.disabled_at is None:
        return 0
    if endpoint.disabled_at.isoformat() != disabled_at:
        return 0
    owners = (
        # unscoped(system): the organization's people who manage webhooks, and the creator
        Membership.objects.unscoped()
        .filter(organization_id=endpoint.organization_id, user__is_active=True)
        .filter(
            Q(role__in=ROLE_CAPABILITIES[Capability.WEBHOOKS_MANAGE])
            | Q(user_id=endpoint.created_by_id)
        )
        .select_related("user", "organization")
        .order_by("id")
    )
    messages = {}
    for membership in owners:
        organization = membership.organization
        link = absolute_url(
            reverse("webhook-detail", kwargs={"org_slug": organization.slug, "pk": endpoint.pk})
        )
        context = {
            "person": membership.user,
            "organization": organization,
            "endpoint": endpoint,
            "link": link,
        }
        body = render_to_string("relationships/email/webhook_disabled.txt", context)
        subject = f"A webhook endpoint of {organization.name} was disabled"
        key = f"webhook-disabled:{endpoint.pk}:{disabled_at}:{membership.user_id}"
        messages[key] = (subject, body, settings.DEFAULT_FROM_EMAIL, [membership.user.email])
    return send_once(messages, job_id=job_id)
