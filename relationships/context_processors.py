"""Template context shared by every page: who acts, and where else they could act."""

from relationships.models import Membership
from relationships.permissions import can
from relationships.roles import Capability


def acting_organization(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = (
        # unscoped(auth): the user's own memberships, for the switcher
        Membership.objects.unscoped()
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
    return {
        "acting_organization": getattr(request, "organization", None),
        "acting_membership": getattr(request, "membership", None),
        "my_memberships": memberships,
        "may_manage_webhooks": can(request, Capability.WEBHOOKS_MANAGE),
    }
