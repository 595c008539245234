"""Bearer-token authentication for the API: ``Authorization: Bearer <token>``."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from relationships.services.tokens import token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Looks the token up by its digest; revoked, expired or unknown tokens answer 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        key = key.strip()
        if not key or " " in key:
            raise exceptions.AuthenticationFailed("Malformed bearer token header.")
        token = token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token.membership.user, token

    def authenticate_header(self, request):
        return self.keyword
