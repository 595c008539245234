"""Inviting people into an organization: nobody becomes a member without saying yes.

An admin invites an email address with a role (``member_invite``). The person gets a signed
link; following it they accept after logging in (an account that exists) or by creating their
account there (``member_signup``), or decline. The answer to the admin is the same whether the
address has an account or not, and nothing about the person (their name, their other
organizations) reaches the inviting organization before they accept.

The link (``invitation_links``) is signed; the invitation's state decides whether it still
works (answered, revoked or expired: no).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cbrms.errors import Conflict, PermissionRefused
from relationships import tasks
from relationships.models import (
    InvitationStatus,
    MemberInvitation,
    Membership,
    Organization,
    Party,
    Role,
    User,
)
from relationships.models.invitations import EmailInvitation


def invitation_lifetime() -> timedelta:
    return timedelta(days=settings.CBRMS_MEMBER_INVITATION_DAYS)


def normalized(email: str) -> str:
    return email.strip().lower()


# --- what every emailed invitation's link goes through (members' and partners') -------------


def fresh_link() -> dict:
    """The fields of a new link: its secret, when it is sent and until when it works."""
    now = timezone.now()
    return {
        "nonce": secrets.token_urlsafe(32),
        "sent_at": now,
        "expires_at": now + invitation_lifetime(),
    }


def link_renew(invitation: EmailInvitation) -> None:
    """Resend: a new link (the old one stops working) and a new expiry, also once expired."""
    if not invitation.is_open:
        raise Conflict(
            f"This invitation is {invitation.status_label.lower()}: invite again.",
            code="invitation_closed",
        )
    for field, value in fresh_link().items():
        setattr(invitation, field, value)
    invitation.save(update_fields=["nonce", "sent_at", "expires_at", "updated_at"])


def link_revoke(invitation: EmailInvitation) -> None:
    """Withdraw an open invitation: its link stops working at once."""
    if not invitation.is_open:
        raise Conflict(
            f"This invitation is {invitation.status_label.lower()} already.",
            code="invitation_closed",
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])


def ensure_pending(invitation: EmailInvitation) -> None:
    """Answerable: not answered, revoked or expired."""
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(
            f"This invitation is {invitation.status_label.lower()}.",
            code="invitation_closed",
        )


def link_decline(invitation: EmailInvitation) -> None:
    """Whoever followed the link says no; the inviter sees the invitation declined."""
    ensure_pending(invitation)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at", "updated_at"])


def _notify(invitation: MemberInvitation) -> None:
    sent_at = invitation.sent_at.isoformat()
    transaction.on_commit(
        lambda: tasks.notify_member_invited.delay(
            organization_id=invitation.organization_id,
            invitation_id=invitation.pk,
            sent_at=sent_at,
        )
    )


@transaction.atomic
def member_invite(
    *, organization: Organization, invited_by: Membership | None, email: str, role: str
) -> MemberInvitation:
    """Invite ``email`` to join ``organization`` as ``role``; the email goes out on commit.

    ``already_member`` (409) when the address belongs to a member already; ``already_invited``
    (409) when an invitation to it is open (resend that one instead).
    """
    email = normalized(email)
    # unscoped(by-id): members of the inviting organization
    if Membership.objects.unscoped().filter(organization=organization, user__email=email).exists():
        raise Conflict(f"{email} is a member already.", code="already_member")
    try:
        with transaction.atomic():
            # unscoped(create): the inviting organization's invitation
            invitation = MemberInvitation.objects.unscoped().create(
                organization=organization,
                email=email,
                role=role,
                invited_by=invited_by,
                **fresh_link(),
            )
    except IntegrityError:
        raise Conflict(
            f"An invitation to {email} is open already: resend it, or revoke it first.",
            code="already_invited",
        ) from None
    _notify(invitation)
    return invitation


def _locked(invitation: MemberInvitation) -> MemberInvitation:
    # unscoped(lock): re-read under the lock
    return MemberInvitation.objects.unscoped().select_for_update().get(pk=invitation.pk)


@transaction.atomic
def member_invitation_resend(*, invitation: MemberInvitation) -> MemberInvitation:
    """Send the invitation again with a new link (the old one stops working) and a new expiry."""
    invitation = _locked(invitation)
    link_renew(invitation)
    _notify(invitation)
    return invitation


@transaction.atomic
def member_invitation_revoke(*, invitation: MemberInvitation) -> MemberInvitation:
    """Withdraw an open invitation: its link stops working at once."""
    invitation = _locked(invitation)
    link_revoke(invitation)
    return invitation


# --- the answer ----------------------------------------------------------------------------


def _ensure_addressed_to(invitation: MemberInvitation, user: User) -> None:
    if normalized(user.email) != invitation.email:
        raise PermissionRefused(
            "This invitation was sent to another email address than the one you are logged in "
            "with. Log out, then open the link again and log in with the address it was sent to.",
            code="invitation_for_another_address",
        )


@transaction.atomic
def member_invitation_accept(*, invitation: MemberInvitation, user: User) -> Membership:
    """``user`` (the invited address, logged in) becomes a member with the invitation's role."""
    invitation = _locked(invitation)
    ensure_pending(invitation)
    _ensure_addressed_to(invitation, user)
    # unscoped(create): the invitee joins the inviting organization
    membership, _ = Membership.objects.unscoped().get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    if membership.role == Role.EXECUTIVE:
        # Named SER by email when the organization joined a relationship: SER from now on.
        # unscoped(by-id): the parties of the organization waiting for this person
        Party.objects.unscoped().filter(ser_invitation=invitation, ser__isnull=True).update(
            ser=membership, ser_invitation=None, updated_at=timezone.now()
        )
    return membership


@transaction.atomic
def member_invitation_decline(*, invitation: MemberInvitation) -> MemberInvitation:
    """The person says no; the admin sees the invitation declined."""
    invitation = _locked(invitation)
    link_decline(invitation)
    return invitation


def invited_account(invitation: MemberInvitation) -> User | None:
    """The account of the invited address that can log in, if there is one."""
    user = get_user_model().objects.filter(email=invitation.email, is_active=True).first()
    return user if user is not None and user.has_usable_password() else None


@transaction.atomic
def member_signup(*, invitation: MemberInvitation, full_name: str, password: str) -> Membership:
    """Create the invited person's account from the link, and accept.

    Following the link proves they read the invited address. An address with an account that
    logs in must log in instead (``account_exists``); one that never set a password (added
    before invitations existed) sets it here.
    """
    invitation = _locked(invitation)
    ensure_pending(invitation)
    if invited_account(invitation) is not None:
        raise Conflict(
            "There is an account for this address: log in to accept.", code="account_exists"
        )
    users = get_user_model().objects
    user = users.filter(email=invitation.email).first()
    if user is None:
        user = users.create_user(email=invitation.email, password=password, full_name=full_name)
    else:
        user.full_name = full_name
        user.is_active = True
        user.set_password(password)
        user.save(update_fields=["full_name", "is_active", "password"])
    return member_invitation_accept(invitation=invitation, user=user)
