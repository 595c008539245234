"""The signed link of a member invitation.

``signing.dumps`` of the invitation's id and ``nonce`` (Django's signer, keyed by
``SECRET_KEY``): the database alone cannot forge a link, and a resend replaces the nonce, so
only the latest link names the invitation.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from relationships.models import MemberInvitation

LINK_SALT = "cbrms.member-invitation"


def member_invitation_link(invitation: MemberInvitation) -> str:
    """The path of the invitation's current link."""
    token = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=LINK_SALT)
    return reverse("member-invitation-page", kwargs={"token": token})


def member_invitation_from_link(token: str) -> MemberInvitation | None:
    """The invitation a link names, if the link is genuine and its latest; whatever its state.

    Read unscoped: the person following the link is not a member of anything yet, and the
    signature is what proves the link came from us.
    """
    try:
        data = signing.loads(token, salt=LINK_SALT)
        invitation_id, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    invitation = (
        # unscoped(auth): a signed invitation link names its row
        MemberInvitation.objects.unscoped()
        .select_related("organization", "invited_by__user")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        return None
    return invitation
