"""The acting organization (``/orgs/{org}/``) and its members (``/orgs/{org}/members/``)."""

from __future__ import annotations

import pytest

from relationships.models import Organization, Role, User
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, active_party

pytestmark = pytest.mark.django_db


# --- the organization ------------------------------------------------------------------------


def test_every_member_reads_the_acting_organization(world):
    for role in Role.values:
        response = api_client_for(world.member("own", role)).get("/api/v1/orgs/own-org/")
        assert response.status_code == 200, role
        body = response.json()
        assert (body["slug"], body["name"], body["is_sme"]) == ("own-org", "Northwind Test", False)


def test_an_admin_changes_the_organization(world, own_admin):
    response = own_admin.client.patch(
        "/api/v1/orgs/own-org/", {"name": "Northwind Ltd", "country": "ie"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["country"]) == ("Northwind Ltd", "IE")
    world.own.refresh_from_db()
    assert world.own.name == "Northwind Ltd"


def test_the_slug_is_not_changed_through_the_api(world, own_admin):
    response = own_admin.client.patch("/api/v1/orgs/own-org/", {"slug": "renamed"}, format="json")
    assert response.status_code == 200
    assert Organization.objects.unscoped().filter(slug="own-org").exists()


@pytest.mark.parametrize(
    "role", [Role.EXECUTIVE, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR, Role.VIEWER]
)
def test_only_admins_change_the_organization(world, role):
    client = api_client_for(world.member("own", role))
    response = client.patch("/api/v1/orgs/own-org/", {"name": "Hijacked"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_partner_organization_is_not_reachable_as_an_organization(world):
    client = api_client_for(world.member("partner", Role.ADMIN))
    assert client.get("/api/v1/orgs/own-org/").status_code == 404
    assert client.patch("/api/v1/orgs/own-org/", {"name": "x"}, format="json").status_code == 404


def test_an_invalid_country_is_a_field_error(own_admin):
    response = own_admin.client.patch("/api/v1/orgs/own-org/", {"country": "GBR"}, format="json")
    assert response.status_code == 400
    assert "country" in response.json()["fields"]


# --- members -------------------------------------------------------------------------------


class TestMembershipResource(ResourceCases):
    path = "members/"
    write_roles = frozenset({Role.ADMIN})
    operations = frozenset({"list", "retrieve", "update", "delete"})  # join by invitation

    def make_object(self, world):
        return MembershipFactory(organization=world.own, role=Role.CONTRIBUTOR)

    def update_payload(self, world, obj):
        return {"role": Role.EXECUTIVE}


def members_url(suffix=""):
    return f"/api/v1/orgs/own-org/members/{suffix}"


def test_nobody_is_added_without_an_invitation(own_admin):
    response = own_admin.client.post(
        members_url(), {"email": "ada@example.com", "role": "viewer"}, format="json"
    )
    assert response.status_code == 405
    assert not User.objects.filter(email="ada@example.com").exists()


def test_the_last_admin_can_neither_be_demoted_nor_removed(world, own_admin):
    url = members_url(f"{own_admin.membership.pk}/")
    response = own_admin.client.patch(url, {"role": "viewer"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    response = own_admin.client.delete(url)
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"


def test_a_serving_ser_keeps_the_executive_role(world, own_admin):
    executive = world.member("own", Role.EXECUTIVE)
    party = active_party(world.relationship, world.own)
    party.ser = executive
    party.save()
    response = own_admin.client.patch(
        members_url(f"{executive.pk}/"), {"role": "viewer"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "member_is_ser"


def test_members_of_other_organizations_are_not_listed(world, own_admin):
    partner_member = world.member("partner", Role.ADMIN)
    rows = own_admin.client.get(members_url("?page_size=200")).json()["results"]
    assert partner_member.pk not in {row["id"] for row in rows}
    assert own_admin.client.get(members_url(f"{partner_member.pk}/")).status_code == 404


def test_members_filter_by_role_and_search_by_email(world, own_admin):
    viewer = world.member("own", Role.VIEWER)
    rows = own_admin.client.get(members_url("?role=viewer")).json()["results"]
    assert [row["id"] for row in rows] == [viewer.pk]
    rows = own_admin.client.get(members_url(f"?search={viewer.user.email}")).json()["results"]
    assert [row["id"] for row in rows] == [viewer.pk]


def test_an_unknown_role_is_a_field_error(world, own_admin):
    member = world.member("own", Role.VIEWER)
    response = own_admin.client.patch(
        members_url(f"{member.pk}/"), {"role": "owner"}, format="json"
    )
    assert response.status_code == 400
    assert "role" in response.json()["fields"]
