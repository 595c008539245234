"""The signed links of emailed invitations: a person to an organization (``MemberInvitation``),
an organization to a relationship (``PartnerInvitation``).

``signing.dumps`` of the invitation's id and ``nonce`` (Django's signer, keyed by
``SECRET_KEY``, with a salt per kind so a link of one kind never opens the other): the database
alone cannot forge a link, and a resend replaces the nonce, so only the latest link names the
invitation. Whether the invitation still works (answered, revoked, expired) is its state's
business, not the link's.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from relationships.models import MemberInvitation, PartnerInvitation

_KINDS = {
    MemberInvitation: ("cbrms.member-invitation", "member-invitation-page"),
    PartnerInvitation: ("cbrms.partner-invitation", "partner-invitation-page"),
}


def invitation_link(invitation: MemberInvitation | PartnerInvitation) -> str:
    """The path of the invitation's current link."""
    salt, url_name = _KINDS[type(invitation)]
    token = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=salt)
    return reverse(url_name, kwargs={"token": token})


def invitation_from_link(model, token: str, *related: str):
    """The invitation of ``model`` a link names, if the link is genuine and its latest;
    whatever its state.

    Read unscoped: the person following the link is not a member of anything yet, and the
    signature is what proves the link came from us.
    """
    salt, _ = _KINDS[model]
    try:
        data = signing.loads(token, salt=salt)
        invitation_id, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    # unscoped(auth): a signed invitation link names its row
    invitation = model.objects.unscoped().select_related(*related).filter(pk=invitation_id).first()
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        return None
    return invitation
