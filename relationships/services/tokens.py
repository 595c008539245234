"""Issuing, using and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cbrms.errors import PermissionRefused, ValidationFailed
from relationships.models import ApiToken, Membership
from relationships.roles import Capability, role_can

TOKEN_PREFIX = "cbrms_"  # noqa: S105 (a public marker, not a secret)
MAX_LIFETIME = timedelta(days=366)
# Recording every use would turn each API read into a write; once a minute is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # the secret, shown to the user once and never stored


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, membership: Membership, name: str, expires_at: datetime | None = None
) -> IssuedToken:
    """Issue a token acting as ``membership``; the secret is returned once."""
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(days=settings.CBRMS_TOKEN_DEFAULT_DAYS)
    if expires_at <= now:
        raise ValidationFailed(
            "The expiry must be in the future.", fields={"expires_at": ["Must be in the future."]}
        )
    if expires_at - now > MAX_LIFETIME:
        raise ValidationFailed(
            "A token may live at most a year.",
            fields={"expires_at": ["Must be within 366 days from now."]},
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # unscoped(create): a token of the caller's own membership
    token = ApiToken.objects.unscoped().create(
        organization_id=membership.organization_id,
        membership=membership,
        name=name,
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=_digest(key),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, key=key)


def token_authenticate(*, key: str) -> ApiToken | None:
    """The live token for ``key``, or None. Records the use at most once a minute."""
    token = (
        ApiToken.objects.unscoped()  # unscoped(auth): a bearer token, before anyone acts
        .select_related("membership__user", "membership__organization")
        .filter(key_hash=_digest(key))
        .first()
    )
    if token is None or not token.is_active or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # unscoped(auth): the token just authenticated
        ApiToken.objects.unscoped().filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken, by: Membership) -> ApiToken:
    """Revoke a token. Its owner may, and so may an admin of the same organization."""
    if token.membership_id != by.pk and not role_can(by.role, Capability.TOKENS_MANAGE):
        raise PermissionRefused("Only the token's owner or an administrator may revoke it.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
