"""Bringing organizations into a relationship from outside it: by email, when the lead does
not know them in CBRMS (``partner_invite``), and in ecosystems, by their own request
(``join_request``), which the orchestrator approves or refuses.

An emailed invitation is answered through its signed link: whoever follows it creates the
organization and its first account (``partner_join``), or answers for an organization they
already belong to (``partner_invitation_accept``), or declines. Either way the organization
takes part through the same two steps as any party (``party_invite`` then ``party_accept``),
so the rules of parties live in one place.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cbrms.errors import Conflict, NotVisible, PermissionRefused, ValidationFailed
from relationships import hooks, tasks
from relationships.models import (
    Membership,
    Organization,
    PartnerInvitation,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    Role,
    User,
)
from relationships.roles import Capability, role_can
from relationships.services.members import (
    ensure_pending,
    fresh_link,
    invited_account,
    link_decline,
    link_renew,
    link_revoke,
    member_invite,
    normalized,
)
from relationships.services.organizations import organization_create
from relationships.services.relationships import (
    notify_party_invited,
    party_accept,
    party_invite,
    relationship_ensure_open,
    require_lead,
)

# --- the lead's side -----------------------------------------------------------------------


def _notify(invitation: PartnerInvitation) -> None:
    sent_at = invitation.sent_at.isoformat()
    transaction.on_commit(
        lambda: tasks.notify_partner_invited.delay(
            organization_id=invitation.organization_id,
            invitation_id=invitation.pk,
            sent_at=sent_at,
        )
    )


@transaction.atomic
def partner_invite(
    *,
    relationship: Relationship,
    organization: Organization,
    invited_by: Membership | None,
    email: str,
    organization_name: str,
    message: str = "",
) -> PartnerInvitation:
    """The lead invites an organization by the address of a person there; the link goes out on
    commit. ``already_invited`` (409) when an invitation to the address is open here."""
    require_lead(relationship=relationship, organization=organization, action="invite partners")
    relationship_ensure_open(relationship)
    try:
        with transaction.atomic():
            # unscoped(create): the lead's own invitation
            invitation = PartnerInvitation.objects.unscoped().create(
                organization=organization,
                relationship=relationship,
                email=normalized(email),
                organization_name=organization_name.strip(),
                message=message.strip(),
                invited_by=invited_by,
                **fresh_link(),
            )
    except IntegrityError:
        raise Conflict(
            f"An invitation to {normalized(email)} is open already: resend it, or revoke it first.",
            code="already_invited",
        ) from None
    _notify(invitation)
    return invitation


def _locked(invitation: PartnerInvitation) -> PartnerInvitation:
    return (
        PartnerInvitation.objects.unscoped()  # unscoped(lock): re-read under the lock
        .select_for_update(of=("self",))
        .select_related("relationship", "organization")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def partner_invitation_resend(
    *, invitation: PartnerInvitation, organization: Organization
) -> PartnerInvitation:
    """Send the invitation again: a new link (the old one stops working), a new expiry."""
    invitation = _locked(invitation)
    require_lead(relationship=invitation.relationship, organization=organization)
    relationship_ensure_open(invitation.relationship)
    link_renew(invitation)
    _notify(invitation)
    return invitation


@transaction.atomic
def partner_invitation_revoke(
    *, invitation: PartnerInvitation, organization: Organization
) -> PartnerInvitation:
    """Withdraw an open invitation: its link stops working at once."""
    invitation = _locked(invitation)
    require_lead(
        relationship=invitation.relationship, organization=organization, action="revoke invitations"
    )
    link_revoke(invitation)
    return invitation


@transaction.atomic
def party_invitation_resend(*, party: Party, organization: Organization) -> Party:
    """Email the invited organization's people who may answer again, about an invitation it
    has not answered yet."""
    require_lead(
        relationship=party.relationship, organization=organization, action="resend invitations"
    )
    # unscoped(lock): re-read under the lock
    party = Party.objects.unscoped().select_for_update().get(pk=party.pk)
    if party.status != PartyStatus.INVITED:
        raise Conflict("This invitation is no longer open.", code="invitation_closed")
    party.notified_at = timezone.now()
    party.save(update_fields=["notified_at", "updated_at"])
    notify_party_invited(party)
    return party


# --- the answer, from the link -------------------------------------------------------------


def _ensure_answerable(invitation: PartnerInvitation) -> None:
    ensure_pending(invitation)
    relationship_ensure_open(invitation.relationship)


def _ensure_addressed_to(invitation: PartnerInvitation, user: User) -> None:
    if normalized(user.email) != invitation.email:
        raise PermissionRefused(
            "This invitation was sent to another email address than the one you are logged in "
            "with. Log out, then open the link again and log in with the address it was sent to.",
            code="invitation_for_another_address",
        )


def _take_part(invitation: PartnerInvitation, invitee: Organization, *, user: User, ser=None):
    """The invited organization becomes an active party, by the rules every party follows."""
    party = party_invite(
        relationship=invitation.relationship,
        organization=invitation.organization,
        invitee=invitee,
    )
    party = party_accept(party=party, organization=invitee, ser=ser)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.party = party
    invitation.save(update_fields=["accepted_at", "accepted_by", "party", "updated_at"])
    return party


def organizations_answering_for(user: User) -> list[Membership]:
    """The memberships through which ``user`` may answer an invitation for their organization."""
    return [
        membership
        for membership in (
            # unscoped(auth): the person's own memberships, whichever organization
            Membership.objects.unscoped()
            .filter(user=user)
            .select_related("organization")
            .order_by("organization__name")
        )
        if role_can(membership.role, Capability.INVITATIONS_ANSWER)
    ]


@transaction.atomic
def partner_invitation_accept(
    *,
    invitation: PartnerInvitation,
    user: User,
    organization: Organization,
    ser: Membership | None = None,
) -> Party:
    """``user`` (the invited address) answers yes for an organization they belong to, in a role
    that may answer invitations, optionally naming its SER."""
    invitation = _locked(invitation)
    _ensure_answerable(invitation)
    _ensure_addressed_to(invitation, user)
    if not any(m.organization_id == organization.pk for m in organizations_answering_for(user)):
        raise PermissionRefused(
            "You may answer invitations only for an organization where you are an "
            "administrator, executive or relationship manager.",
            code="cannot_answer_for_organization",
        )
    return _take_part(invitation, organization, user=user, ser=ser)


@transaction.atomic
def partner_join(
    *,
    invitation: PartnerInvitation,
    user: User | None,
    organization_name: str,
    slug: str,
    size_class: str,
    country: str,
    sector: str = "",
    ser_email: str,
    full_name: str = "",
    password: str = "",
) -> Party:
    """Create the invited organization from the link, with its first account, and take part.

    ``user`` is the person logged in with the invited address; without one, an account is made
    for the address (``full_name``, ``password``), which following the link proved they read.
    They become the organization's administrator. Its SER, an executive, is invited by
    ``ser_email`` and named SER of the party the moment they join.
    """
    invitation = _locked(invitation)
    _ensure_answerable(invitation)
    ser_email = normalized(ser_email)
    if ser_email == invitation.email:
        raise ValidationFailed(
            "You join as the organization's administrator, and its SER is an executive: each "
            "person holds one role, so name a colleague as SER.",
            fields={"ser_email": ["Name someone other than yourself."]},
        )
    if user is None:
        if invited_account(invitation) is not None:
            raise Conflict(
                "There is an account for this address: log in to answer.", code="account_exists"
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
    else:
        _ensure_addressed_to(invitation, user)
    organization = organization_create(
        name=organization_name, slug=slug, size_class=size_class, country=country, sector=sector
    )
    # unscoped(create): the new organization's first admin
    admin = Membership.objects.unscoped().create(
        user=user, organization=organization, role=Role.ADMIN
    )
    party = _take_part(invitation, organization, user=user)
    ser_invitation = member_invite(
        organization=organization, invited_by=admin, email=ser_email, role=Role.EXECUTIVE
    )
    party.ser_invitation = ser_invitation
    party.save(update_fields=["ser_invitation", "updated_at"])
    return party


@transaction.atomic
def partner_invitation_decline(*, invitation: PartnerInvitation) -> PartnerInvitation:
    """Whoever followed the link says no; the lead sees the invitation declined."""
    invitation = _locked(invitation)
    link_decline(invitation)
    return invitation


# --- ecosystems: asking to join ------------------------------------------------------------


@transaction.atomic
def join_request(*, relationship: Relationship, organization: Organization, message: str) -> Party:
    """``organization`` asks to join an ecosystem open to requests; the orchestrator decides."""
    if not relationship.open_to_join_requests:
        raise NotVisible("No ecosystem open to requests has this id.")
    relationship_ensure_open(relationship)
    existing = (
        # unscoped(by-id): the asking organization's seat in this ecosystem
        Party.objects.unscoped()
        .select_for_update()
        .filter(relationship=relationship, organization=organization)
        .first()
    )
    message = message.strip()
    if existing is not None:
        if existing.status in (PartyStatus.ACTIVE, PartyStatus.INVITED, PartyStatus.REQUESTED):
            raise Conflict(
                f"Your organization is {existing.get_status_display().lower()} here already.",
                code="already_party",
            )
        existing.status = PartyStatus.REQUESTED
        existing.role = PartyRole.MEMBER
        existing.request_message = message
        existing.left_at = None
        existing.joined_at = None
        existing.invited_at = timezone.now()
        existing.save()
        return existing
    try:
        with transaction.atomic():
            # unscoped(create): the asking organization's seat, waiting for the orchestrator
            return Party.objects.unscoped().create(
                relationship=relationship,
                organization=organization,
                role=PartyRole.MEMBER,
                status=PartyStatus.REQUESTED,
                request_message=message,
            )
    except IntegrityError:
        raise Conflict(
            "Your organization asked at the same moment.", code="already_party"
        ) from None


def _requested(party: Party, organization: Organization, action: str) -> Party:
    require_lead(relationship=party.relationship, organization=organization, action=action)
    # unscoped(lock): re-read under the lock
    party = Party.objects.unscoped().select_for_update().get(pk=party.pk)
    if party.status != PartyStatus.REQUESTED:
        raise Conflict("This request is no longer open.", code="request_closed")
    return party


@transaction.atomic
def join_request_approve(*, party: Party, organization: Organization) -> Party:
    """The orchestrator lets the organization in: it is an active member from now on."""
    relationship_ensure_open(party.relationship)
    party = _requested(party, organization, "approve requests to join")
    party.status = PartyStatus.ACTIVE
    party.joined_at = timezone.now()
    party.save()
    hooks.party_joined(party)
    return party


@transaction.atomic
def join_request_refuse(*, party: Party, organization: Organization) -> Party:
    """The orchestrator says no; the organization may ask again later."""
    party = _requested(party, organization, "refuse requests to join")
    party.status = PartyStatus.REFUSED
    party.save()
    return party
