"""Emails to people about their place in an organization: invitations, password links."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timesince import timeuntil

from cbrms.mail import absolute_url, send_once
from relationships.links import member_invitation_link
from relationships.models import MemberInvitation, MemberInvitationStatus


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
        or invitation.status != MemberInvitationStatus.PENDING
    ):
        return 0
    organization = invitation.organization
    inviter = invitation.invited_by.user if invitation.invited_by else None
    context = {
        "invitation": invitation,
        "organization": organization,
        "inviter": inviter,
        "role": invitation.get_role_display(),
        "link": absolute_url(member_invitation_link(invitation)),
        "expires": invitation.expires_at,
    }
    subject = f"Invitation to join {organization.name} on CBRMS"
    body = render_to_string("relationships/email/member_invited.txt", context)
    message = (subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return send_once({f"invitation:{invitation.pk}:{sent_at}": message}, job_id=job_id)
