"""Reads of organizations."""

from __future__ import annotations

from relationships.models import Membership, Organization, Role


def organization_for_invitation(*, slug: str) -> Organization | None:
    """The organization a lead invites, found by slug whoever acts.

    An invitee is by definition not yet visible to the inviting organization, so this is one of
    the deliberate ``unscoped()`` reads: it answers only "is there an organization with this
    exact slug", and the invitation itself goes through ``party_invite``.
    """
    # unscoped(lookup): exact slug of an invitee, not yet visible
    return Organization.objects.unscoped().filter(slug=slug).first()


def executives_of(organization: Organization) -> list[Membership]:
    """The organization's executives, who may be named SER, by name."""
    return list(
        Membership.objects.filter(organization=organization, role=Role.EXECUTIVE)
        .select_related("user", "organization")
        .order_by("user__full_name", "id")
    )
