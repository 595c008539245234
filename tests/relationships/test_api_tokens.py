"""``/api/v1/orgs/{org}/tokens/``: list, issue, read and revoke API tokens."""

from __future__ import annotations

import pytest

from relationships.models import ApiToken, Role
from relationships.services.tokens import token_create
from tests.api_cases import ALL_ROLES, ResourceCases
from tests.conftest import api_client_for, session_client_for

pytestmark = pytest.mark.django_db


class TestApiTokenResource(ResourceCases):
    path = "tokens/"
    operations = frozenset({"list", "retrieve", "create", "delete"})
    # Every member may list tokens, but only administrators see other members' tokens.
    read_roles = frozenset({Role.ADMIN})
    write_roles = ALL_ROLES

    def make_object(self, world):
        return token_create(membership=world.member("own", Role.ADMIN), name="CI export").token

    def create_payload(self, world):
        return {"name": "Nightly export"}

    def client_for(self, world, position, role):
        # Tokens are issued to signed-in people; a token cannot mint tokens (tested below).
        return session_client_for(world.member(position, role))

    def check_deleted(self, world, obj):
        """Revoked, and still listed with the time of revocation."""
        obj.refresh_from_db()
        assert obj.revoked_at is not None


def tokens_url(slug="own-org", suffix=""):
    return f"/api/v1/orgs/{slug}/tokens/{suffix}"


def test_members_see_their_own_tokens_and_admins_see_all(world):
    viewer, admin = world.member("own", Role.VIEWER), world.member("own", Role.ADMIN)
    mine = token_create(membership=viewer, name="mine").token
    theirs = token_create(membership=admin, name="theirs").token
    viewer_client, admin_client = api_client_for(viewer), api_client_for(admin)

    viewer_ids = {row["id"] for row in viewer_client.get(tokens_url()).json()["results"]}
    assert mine.pk in viewer_ids
    assert theirs.pk not in viewer_ids
    assert viewer_client.get(tokens_url(suffix=f"{theirs.pk}/")).status_code == 404
    assert viewer_client.delete(tokens_url(suffix=f"{theirs.pk}/")).status_code == 404

    admin_ids = {row["id"] for row in admin_client.get(tokens_url()).json()["results"]}
    assert {mine.pk, theirs.pk} <= admin_ids


def test_an_admin_revokes_a_members_token(world, own_admin):
    token = token_create(membership=world.member("own", Role.VIEWER), name="old").token
    assert own_admin.client.delete(tokens_url(suffix=f"{token.pk}/")).status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_creating_returns_the_secret_once_and_it_works(world):
    client = session_client_for(world.member("own", Role.CONTRIBUTOR))
    response = client.post(tokens_url(), {"name": "Script"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith(body["prefix"])
    assert body["owner"]["id"] == world.member("own", Role.CONTRIBUTOR).pk
    assert body["organization"] == "own-org"
    detail = client.get(tokens_url(suffix=f"{body['id']}/")).json()
    assert "token" not in detail
    assert "key_hash" not in detail
    listed = client.get(tokens_url()).json()["results"]
    assert all("token" not in row and "key_hash" not in row for row in listed)

    fresh = api_client_for(world.member("own", Role.CONTRIBUTOR))
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert fresh.get("/api/v1/orgs/own-org/").status_code == 200


def test_the_expiry_must_be_in_the_future_and_within_a_year(own_admin):
    client = session_client_for(own_admin.membership)
    response = client.post(
        tokens_url(), {"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert "expires_at" in response.json()["fields"]
    response = client.post(
        tokens_url(), {"name": "x", "expires_at": "2999-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert "expires_at" in response.json()["fields"]


def test_tokens_filter_by_revoked(world, own_admin):
    token = token_create(membership=own_admin.membership, name="gone").token
    own_admin.client.delete(tokens_url(suffix=f"{token.pk}/"))
    revoked = own_admin.client.get(tokens_url(suffix="?revoked=true")).json()["results"]
    assert [row["id"] for row in revoked] == [token.pk]
    live = own_admin.client.get(tokens_url(suffix="?revoked=false")).json()["results"]
    assert token.pk not in {row["id"] for row in live}
    assert ApiToken.objects.unscoped().filter(pk=token.pk).exists()
