"""Writes to relationships and their parties."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cbrms.errors import Conflict, PermissionRefused, ValidationFailed
from relationships import hooks, tasks
from relationships.models import (
    FrameworkProfile,
    Membership,
    Organization,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    RelationshipType,
    Role,
    SizeClass,
)

#: The fewest answers of a party a trust survey shows results for (see ``survey_threshold``).
SURVEY_THRESHOLD_FLOOR = 3

EDITABLE_FIELDS = (
    "name",
    "description",
    "type",
    "framework_profile",
    "member_directory_visible",
    "open_to_join_requests",
    "survey_threshold",
)


def _lead_party_role(relationship_type: str) -> str:
    return (
        PartyRole.ORCHESTRATOR
        if relationship_type == RelationshipType.ECOSYSTEM
        else PartyRole.LEAD
    )


def _check_profile(*, organization: Organization, relationship_type: str, profile: str) -> None:
    if (relationship_type == RelationshipType.ECOSYSTEM) != (profile == FrameworkProfile.ECOSYSTEM):
        raise ValidationFailed(
            "An ecosystem runs on the ISO/TS 44007 ecosystem profile, and only an ecosystem does.",
            fields={"framework_profile": ["Does not match the relationship type."]},
        )
    if profile == FrameworkProfile.SME and organization.size_class == SizeClass.LARGE:
        raise ValidationFailed(
            "The ISO 44003 SME profile is for micro, small and medium organizations.",
            fields={"framework_profile": ["Not available to a large organization."]},
        )


def check_ser(*, organization_id: int, ser: Membership | None) -> None:
    """A SER is an executive of the organization it answers for."""
    if ser is None:
        return
    if ser.organization_id != organization_id:
        raise ValidationFailed(
            "The SER must be a member of the party's own organization.",
            fields={"ser": ["Not a member of this organization."]},
        )
    if ser.role != Role.EXECUTIVE:
        raise ValidationFailed(
            "The SER must hold the executive role in their organization.",
            fields={"ser": ["This member is not an executive."]},
        )


def relationship_ensure_open(relationship: Relationship) -> None:
    """Refuse work in a closed relationship (exited or archived): its record is kept as it is."""
    if relationship.is_closed:
        state = "archived" if relationship.is_archived else "exited"
        raise Conflict(
            f"The relationship is {state}: its record is kept as it is and takes no more work"
            + (" (the lead may restore it)." if relationship.is_archived else "."),
            code="relationship_closed",
        )


def require_lead(
    *, relationship: Relationship, organization: Organization, action: str = "do this"
) -> None:
    """Refuse (403 ``not_lead``) unless ``organization`` leads ``relationship``."""
    if relationship.lead_organization_id != organization.pk:
        raise PermissionRefused(
            f"Only the lead organization of the relationship may {action}.", code="not_lead"
        )


@transaction.atomic
def relationship_create(
    *,
    organization: Organization,
    name: str,
    type: str,
    framework_profile: str | None = None,
    description: str = "",
    ser: Membership | None = None,
    member_directory_visible: bool = False,
) -> Relationship:
    """Start a relationship led by ``organization``, at stage 1, with its lead party."""
    if framework_profile is None:
        framework_profile = (
            FrameworkProfile.ECOSYSTEM
            if type == RelationshipType.ECOSYSTEM
            else FrameworkProfile.ISO44001
        )
    _check_profile(organization=organization, relationship_type=type, profile=framework_profile)
    check_ser(organization_id=organization.pk, ser=ser)
    # unscoped(create): the new relationship, led by the caller
    relationship = Relationship.objects.unscoped().create(
        name=name,
        description=description,
        type=type,
        framework_profile=framework_profile,
        lead_organization=organization,
        member_directory_visible=member_directory_visible,
    )
    now = timezone.now()
    Party.objects.unscoped().create(  # unscoped(create): the lead's own party
        relationship=relationship,
        organization=organization,
        role=_lead_party_role(type),
        status=PartyStatus.ACTIVE,
        ser=ser,
        joined_at=now,
    )
    hooks.relationship_started(relationship)  # the lifecycle starts (lifecycle.hooks)
    return relationship


@transaction.atomic
def relationship_update(
    *, relationship: Relationship, organization: Organization, **changes
) -> Relationship:
    """Change what describes a relationship. Only the lead may; the stage never changes here."""
    require_lead(relationship=relationship, organization=organization)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed here.",
            fields={field: ["Not editable."] for field in sorted(unknown)},
        )
    new_type = changes.get("type", relationship.type)
    new_profile = changes.get("framework_profile", relationship.framework_profile)
    if "type" in changes and (new_type == RelationshipType.ECOSYSTEM) != relationship.is_ecosystem:
        raise ValidationFailed(
            "A relationship cannot become an ecosystem, or stop being one: their parties differ.",
            fields={"type": ["Cannot switch between ecosystem and other types."]},
        )
    _check_profile(organization=organization, relationship_type=new_type, profile=new_profile)
    if changes.get("open_to_join_requests") and not relationship.is_ecosystem:
        raise ValidationFailed(
            "Only an ecosystem takes requests to join; invite partners instead.",
            fields={"open_to_join_requests": ["Only for ecosystems."]},
        )
    if changes.get("survey_threshold", SURVEY_THRESHOLD_FLOOR) < SURVEY_THRESHOLD_FLOOR:
        raise ValidationFailed(
            f"At least {SURVEY_THRESHOLD_FLOOR} answers per party, or an answer could be "
            "singled out.",
            fields={"survey_threshold": [f"At least {SURVEY_THRESHOLD_FLOOR}."]},
        )
    for field, value in changes.items():
        setattr(relationship, field, value)
    relationship.save(update_fields=[*changes, "updated_at"])
    return relationship


@transaction.atomic
def relationship_archive(*, relationship: Relationship, organization: Organization) -> Relationship:
    """Hide a relationship from everyday lists; nothing is deleted, and it can be restored."""
    require_lead(relationship=relationship, organization=organization)
    if relationship.archived_at is None:
        relationship.archived_at = timezone.now()
        relationship.save(update_fields=["archived_at", "updated_at"])
    return relationship


@transaction.atomic
def relationship_restore(*, relationship: Relationship, organization: Organization) -> Relationship:
    require_lead(relationship=relationship, organization=organization)
    if relationship.archived_at is not None:
        relationship.archived_at = None
        relationship.save(update_fields=["archived_at", "updated_at"])
    return relationship


def notify_party_invited(party: Party) -> None:
    """Email, on commit, the invited organization's people who may answer. The job sends
    nothing when the invitation was answered, revoked or resent in the meantime."""
    notified_at = party.notified_at.isoformat()
    organization_id = party.relationship.lead_organization_id
    transaction.on_commit(
        lambda: tasks.notify_party_invited.delay(
            organization_id=organization_id, party_id=party.pk, notified_at=notified_at
        )
    )


@transaction.atomic
def party_invite(
    *,
    relationship: Relationship,
    organization: Organization,
    invitee: Organization,
    role: str | None = None,
) -> Party:
    """The lead invites another organization; it takes part once it accepts."""
    require_lead(relationship=relationship, organization=organization)
    relationship_ensure_open(relationship)
    expected_role = PartyRole.MEMBER if relationship.is_ecosystem else PartyRole.PARTNER
    role = role or expected_role
    if role != expected_role:
        raise ValidationFailed(
            f"Invited organizations join this relationship as '{expected_role}'.",
            fields={"role": [f"Must be '{expected_role}'."]},
        )
    existing = (
        # unscoped(by-id): the invitee's seat in this relationship
        Party.objects.unscoped().filter(relationship=relationship, organization=invitee).first()
    )
    if existing is not None:
        if existing.status in (PartyStatus.ACTIVE, PartyStatus.INVITED):
            raise Conflict(
                f"{invitee.name} is already {existing.get_status_display().lower()} here.",
                code="already_party",
            )
        # A party that left or declined can be invited again; its history stays in the trail.
        existing.status = PartyStatus.INVITED
        existing.role = role
        existing.left_at = None
        existing.joined_at = None
        existing.invited_at = existing.notified_at = timezone.now()
        existing.save()
        notify_party_invited(existing)
        return existing
    try:
        with transaction.atomic():
            # unscoped(create): the invitee's seat, not visible to it yet
            party = Party.objects.unscoped().create(
                relationship=relationship,
                organization=invitee,
                role=role,
                status=PartyStatus.INVITED,
                notified_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict(
            f"{invitee.name} was invited at the same moment.", code="already_party"
        ) from None
    notify_party_invited(party)
    return party


@transaction.atomic
def party_accept(
    *, party: Party, organization: Organization, ser: Membership | None = None
) -> Party:
    """The invited organization accepts, optionally naming its SER."""
    # unscoped(lock): re-read under the lock
    party = Party.objects.unscoped().select_for_update().get(pk=party.pk)
    if party.organization_id != organization.pk:
        raise PermissionRefused("Only the invited organization may accept its invitation.")
    if party.status != PartyStatus.INVITED:
        raise Conflict("This invitation is no longer open.", code="invitation_closed")
    check_ser(organization_id=organization.pk, ser=ser)
    party.status = PartyStatus.ACTIVE
    party.joined_at = timezone.now()
    if ser is not None:
        party.ser = ser
    party.save()
    hooks.party_joined(party)  # its own copy of the internal checklist (lifecycle.hooks)
    return party


@transaction.atomic
def party_decline(*, party: Party, organization: Organization) -> Party:
    # unscoped(lock): re-read under the lock
    party = Party.objects.unscoped().select_for_update().get(pk=party.pk)
    if party.organization_id != organization.pk:
        raise PermissionRefused("Only the invited organization may decline its invitation.")
    if party.status != PartyStatus.INVITED:
        raise Conflict("This invitation is no longer open.", code="invitation_closed")
    party.status = PartyStatus.DECLINED
    party.save()
    return party


@transaction.atomic
def party_revoke(*, party: Party, organization: Organization) -> Party:
    """The lead takes back an invitation not yet answered. The organization can be invited
    again later; the revoked row stays, for the record."""
    require_lead(
        relationship=party.relationship, organization=organization, action="revoke invitations"
    )
    # unscoped(lock): re-read under the lock
    party = Party.objects.unscoped().select_for_update().get(pk=party.pk)
    if party.status != PartyStatus.INVITED:
        raise Conflict("This invitation is no longer open.", code="invitation_closed")
    party.status = PartyStatus.REVOKED
    party.save()
    return party


@transaction.atomic
def party_set_ser(*, party: Party, organization: Organization, ser: Membership | None) -> Party:
    """Each party names its own SER: nobody else can."""
    if party.organization_id != organization.pk:
        raise PermissionRefused("Each organization names its own SER.", code="not_own_party")
    check_ser(organization_id=organization.pk, ser=ser)
    party.ser = ser
    party.save(update_fields=["ser", "updated_at"])
    return party


@transaction.atomic
def party_leave(*, party: Party, organization: Organization) -> Party:
    """A party leaves (or the lead removes it). The lead itself cannot leave its relationship."""
    if party.is_lead:
        raise Conflict(
            "The lead party cannot leave; exit the relationship through stage 8 instead.",
            code="lead_cannot_leave",
        )
    if party.organization_id != organization.pk:
        require_lead(relationship=party.relationship, organization=organization)
    if party.status == PartyStatus.LEFT:
        return party
    if party.status != PartyStatus.ACTIVE:
        raise Conflict("Only an active party can leave.", code="not_active")
    party.status = PartyStatus.LEFT
    party.left_at = timezone.now()
    party.save()
    return party
