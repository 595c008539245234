"""How a request gets its acting organization: from the URL, checked against who is asking.

The tenancy mechanism calls it through ``CBRMS_TENANCY["RESOLVE_MEMBERSHIP"]``.
"""

from __future__ import annotations

from django.http import Http404

from relationships.models import ApiToken, Membership


def resolve_membership(*, user, organization_slug: str, auth=None) -> Membership:
    """The membership a request acts through, or 404.

    A token acts only as its own organization: any other organization in the URL answers 404,
    exactly as an organization that does not exist would. A session user acts as any
    organization they belong to.
    """
    if user is None or not user.is_authenticated:
        raise Http404
    token = auth if isinstance(auth, ApiToken) else None
    if token is not None:
        membership = token.membership
        if membership.organization.slug != organization_slug:
            raise Http404
        return membership
    membership = (
        Membership.objects.unscoped()  # unscoped(auth): may the caller act as this organization
        .select_related("organization", "user")
        .filter(user=user, organization__slug=organization_slug)
        .first()
    )
    if membership is None:
        raise Http404
    return membership
