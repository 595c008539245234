"""Writes to organizations and their memberships."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from cbrms.errors import Conflict, ValidationFailed
from relationships.models import Membership, Organization, Party, Role
from relationships.services.relationships import check_ser

ORGANIZATION_EDITABLE = ("name", "size_class", "sector", "country", "ser")


@transaction.atomic
def organization_create(
    *, name: str, slug: str, size_class: str, country: str, sector: str = "", admin=None
) -> Organization:
    """Register an organization; ``admin`` (a user), when given, becomes its first admin."""
    # unscoped(lookup): is the slug taken, by anyone
    if Organization.objects.unscoped().filter(slug=slug).exists():
        raise Conflict(
            f"The identifier '{slug}' is taken by another organization.",
            code="slug_taken",
            fields={"slug": ["Taken: choose another identifier."]},
        )
    # unscoped(create): a new organization, before it can act
    organization = Organization.objects.unscoped().create(
        name=name, slug=slug, size_class=size_class, country=country.upper(), sector=sector
    )
    if admin is not None:
        # unscoped(create): its first admin
        Membership.objects.unscoped().create(user=admin, organization=organization, role=Role.ADMIN)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, **changes) -> Organization:
    unknown = set(changes) - set(ORGANIZATION_EDITABLE)
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed.",
            fields={field: ["Not editable."] for field in sorted(unknown)},
        )
    if "country" in changes:
        changes["country"] = changes["country"].upper()
    if changes.get("ser") is not None:
        check_ser(organization_id=organization.pk, ser=changes["ser"])
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.save(update_fields=[*changes, "updated_at"])
    return organization


@transaction.atomic
def membership_add(
    *, organization: Organization, email: str, role: str, full_name: str = ""
) -> Membership:
    """Make the person with ``email`` a member at once, creating their user (no password).

    For the demo seed and for setting up an organization's first people by hand. People join
    an existing organization by accepting an invitation (``members.member_invite``), never by
    being added without their answer.
    """
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    try:
        with transaction.atomic():
            # unscoped(create): a member of the given organization
            return Membership.objects.unscoped().create(
                user=user, organization=organization, role=role
            )
    except IntegrityError:
        raise Conflict(f"{email} is already a member.", code="already_member") from None


def _ensure_admin_remains(membership: Membership) -> None:
    others = (
        Membership.objects.unscoped()  # unscoped(by-id): the membership's own organization
        .filter(organization_id=membership.organization_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
    )
    if membership.role == Role.ADMIN and not others.exists():
        raise Conflict("An organization keeps at least one admin.", code="last_admin")


def _ensure_not_serving_as_ser(membership: Membership) -> None:
    # unscoped(by-id): the membership's SER seats, any relationship
    if Party.objects.unscoped().filter(ser=membership, status="active").exists():
        raise Conflict(
            "This member is the SER of an active relationship; name another SER first.",
            code="member_is_ser",
        )
    # unscoped(by-id): the membership's own organization
    if Organization.objects.unscoped().filter(ser=membership).exists():
        raise Conflict(
            "This member is the SER of the organization's management system; name another "
            "SER first.",
            code="member_is_ser",
        )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    # unscoped(lock): re-read under the lock
    membership = Membership.objects.unscoped().select_for_update().get(pk=membership.pk)
    if role == membership.role:
        return membership
    _ensure_admin_remains(membership)
    if membership.role == Role.EXECUTIVE:
        _ensure_not_serving_as_ser(membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    # unscoped(lock): re-read under the lock
    membership = Membership.objects.unscoped().select_for_update().get(pk=membership.pk)
    _ensure_admin_remains(membership)
    _ensure_not_serving_as_ser(membership)
    membership.delete()
