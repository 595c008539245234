"""Reads of organizations."""

from __future__ import annotations

from relationships.models import Organization


def organization_for_invitation(*, slug: str) -> Organization | None:
    """The organization a lead invites, found by slug whoever acts.

    An invitee is by definition not yet visible to the inviting organization, so this is one of
    the deliberate ``unscoped()`` reads: it answers only "is there an organization with this
    exact slug", and the invitation itself goes through ``party_invite``.
    """
    # unscoped(lookup): exact slug of an invitee, not yet visible
    return Organization.objects.unscoped().filter(slug=slug).first()
