"""API tokens as credentials: digests only, revocation, expiry, one organization, one role."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from cbrms.audit.models import AuditEvent
from relationships.models import ApiToken, Role
from tests.conftest import api_client_for
from tests.factories import PASSWORD, MembershipFactory, make_token

pytestmark = pytest.mark.django_db


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_only_the_sha256_digest_is_stored_and_audited(world, own_admin):
    from tests.conftest import session_client_for

    response = session_client_for(own_admin.membership).post(
        "/api/v1/orgs/own-org/tokens/", {"name": "Secret keeper"}, format="json"
    )
    secret = response.json()["token"]
    row = ApiToken.objects.unscoped().get(pk=response.json()["id"])
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps(list(ApiToken.objects.unscoped().filter(pk=row.pk).values()), default=str)
    assert secret not in stored
    trail = json.dumps(
        list(AuditEvent.objects.unscoped().filter(table="relationships_apitoken").values()),
        default=str,
    )
    assert "relationships_apitoken" in trail  # the creation was recorded ...
    assert secret not in trail  # ... without the secret
    assert row.key_hash not in trail  # ... nor its digest


def test_a_revoked_token_answers_401(world):
    membership = world.member("own", Role.ADMIN)
    key = make_token(membership)
    client = bearer(key)
    assert client.get("/api/v1/orgs/own-org/").status_code == 200
    token = ApiToken.objects.unscoped().get(membership=membership)
    assert client.delete(f"/api/v1/orgs/own-org/tokens/{token.pk}/").status_code == 204
    response = client.get("/api/v1/orgs/own-org/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_expired_token_answers_401(world):
    membership = world.member("own", Role.ADMIN)
    key = make_token(membership)
    past = timezone.now() - timedelta(days=2)
    ApiToken.objects.unscoped().filter(membership=membership).update(
        created_at=past, expires_at=past + timedelta(days=1)
    )
    response = bearer(key).get("/api/v1/orgs/own-org/relationships/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_unknown_or_malformed_token_answers_401(db):
    assert bearer("cbrms_not-a-token").get("/api/v1/orgs/own-org/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert client.get("/api/v1/orgs/own-org/").status_code == 401
    assert APIClient().get("/api/v1/orgs/own-org/").status_code == 401


def test_a_token_acts_only_as_its_own_organization(world):
    """Even a user who belongs to both organizations: the token is for one membership."""
    own_membership = world.member("own", Role.ADMIN)
    MembershipFactory(user=own_membership.user, organization=world.partner, role=Role.ADMIN)
    client = api_client_for(own_membership)
    for url in (
        "/api/v1/orgs/partner-org/",
        "/api/v1/orgs/partner-org/relationships/",
        f"/api/v1/orgs/partner-org/relationships/{world.relationship.pk}/",
        "/api/v1/orgs/partner-org/members/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/orgs/own-org/relationships/").status_code == 200


def test_a_viewers_token_cannot_write(world):
    client = api_client_for(world.member("own", Role.VIEWER))
    response = client.post(
        "/api/v1/orgs/own-org/relationships/", {"name": "x", "type": "alliance"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = client.patch(
        f"/api/v1/orgs/own-org/relationships/{world.relationship.pk}/", {"name": "x"}
    )
    assert response.status_code == 403


def test_last_used_at_is_recorded(world):
    membership = world.member("own", Role.VIEWER)
    key = make_token(membership)
    token = ApiToken.objects.unscoped().get(membership=membership)
    assert token.last_used_at is None
    before = timezone.now()
    assert bearer(key).get("/api/v1/orgs/own-org/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at >= before


# --- POST /api/v1/auth/token/ ----------------------------------------------------------------

OBTAIN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


def test_a_password_buys_a_token_for_one_membership(world):
    membership = world.member("own", Role.RELATIONSHIP_MANAGER)
    response = APIClient().post(
        OBTAIN,
        {"email": membership.user.email, "password": PASSWORD, "organization": "own-org"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"] == "own-org"
    assert body["owner"]["id"] == membership.pk
    token = ApiToken.objects.unscoped().get(pk=body["id"])
    assert token.membership == membership
    assert bearer(body["token"]).get("/api/v1/orgs/own-org/relationships/").status_code == 200
    event = AuditEvent.objects.unscoped().get(
        table="relationships_apitoken", object_id=token.pk, action="create"
    )
    assert (event.actor_user_id, event.acting_organization_id) == (
        membership.user_id,
        world.own.pk,
    )


@pytest.mark.parametrize(
    "case", ["wrong password", "unknown email", "not a member", "unknown organization"]
)
def test_every_failure_looks_the_same(world, case):
    membership = world.member("own", Role.ADMIN)
    payload = {"email": membership.user.email, "password": PASSWORD, "organization": "own-org"}
    if case == "wrong password":
        payload["password"] = "nope"
    elif case == "unknown email":
        payload["email"] = "nobody@example.test"
    elif case == "not a member":
        payload["organization"] = "partner-org"
    else:
        payload["organization"] = "no-such-org"
    response = APIClient().post(OBTAIN, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "The email, password or organization is not right.",
    }
    assert not ApiToken.objects.unscoped().filter(membership__user__email=payload["email"]).exists()


def test_a_malformed_body_is_a_validation_error(db):
    response = APIClient().post(OBTAIN, {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"email", "password", "organization"}


def test_an_inactive_user_gets_no_token(world):
    membership = world.member("own", Role.ADMIN)
    membership.user.is_active = False
    membership.user.save()
    response = APIClient().post(
        OBTAIN,
        {"email": membership.user.email, "password": PASSWORD, "organization": "own-org"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_the_endpoint_is_throttled_per_address(db):
    """Every request counts, not only failed passwords (which the sign-in lockout counts, see
    test_signin_lockout.py): here the bodies never reach a password check."""
    cache.clear()
    client = APIClient()
    payload = {"email": "not an email", "password": "guess", "organization": "own-org"}
    statuses = [client.post(OBTAIN, payload, format="json").status_code for _ in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    response = client.post(OBTAIN, payload, format="json")
    assert response.json()["code"] == "throttled"
    assert response.json()["retry_after_seconds"] > 0


def test_a_token_cannot_issue_another_token(world):
    from tests.conftest import api_client_for

    membership = world.member("own", "admin")
    response = api_client_for(membership).post(
        f"/api/v1/orgs/{world.own.slug}/tokens/", {"name": "copy"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "token_cannot_issue_tokens"
