"""Parties of a relationship and the organization's own invitations."""

from __future__ import annotations

import pytest

from cbrms.tenancy.context import acting_as
from relationships.models import Party, PartyStatus, Relationship, Role
from relationships.services.relationships import party_accept, party_invite
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    active_party,
    make_relationship,
)

pytestmark = pytest.mark.django_db


def add_active_partner(world) -> Party:
    newcomer = OrganizationFactory()
    party = party_invite(relationship=world.relationship, organization=world.own, invitee=newcomer)
    return party_accept(party=party, organization=newcomer)


class TestPartyResource(ResourceCases):
    path = "relationships/{relationship}/parties/"

    def make_object(self, world):
        """A further active partner of the shared relationship (which ``own`` leads)."""
        return add_active_partner(world)

    def create_payload(self, world):
        return {"organization": OrganizationFactory().slug}

    def update_payload(self, world, obj):
        return {"ser": world.member("own", Role.EXECUTIVE).pk}

    def test_update(self, world):
        """Only a party's own organization names its SER: update ``own``'s lead party."""
        party = active_party(world.relationship, world.own)
        executive = world.member("own", Role.EXECUTIVE)
        response = self.client_for(world, "own", Role.RELATIONSHIP_MANAGER).patch(
            self.detail_url(world, party), {"ser": executive.pk}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["ser"] == {
            "id": executive.pk,
            "email": executive.user.email,
            "full_name": executive.user.full_name,
        }
        party.refresh_from_db()
        assert party.ser == executive

    def check_deleted(self, world, obj):
        """The lead removed the party: it stays on record, as ``left``."""
        obj.refresh_from_db()
        assert obj.status == PartyStatus.LEFT
        assert obj.left_at is not None


def parties_url(world, slug="own-org", suffix=""):
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/parties/{suffix}"


def test_invite_by_slug_creates_an_invited_party(world, own_admin):
    invitee = OrganizationFactory(name="Globex", slug="globex")
    response = own_admin.client.post(parties_url(world), {"organization": "globex"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"] == {"slug": "globex", "name": "Globex"}
    assert (body["role"], body["status"], body["is_lead"]) == ("partner", "invited", False)
    assert Party.objects.unscoped().get(pk=body["id"]).organization == invitee


def test_deleting_an_invited_party_revokes_its_invitation(world, own_admin):
    OrganizationFactory(name="Globex", slug="globex")
    party = own_admin.client.post(parties_url(world), {"organization": "globex"}, format="json")
    url = parties_url(world, suffix=f"{party.json()['id']}/")
    assert own_admin.client.delete(url).status_code == 204
    assert Party.objects.unscoped().get(pk=party.json()["id"]).status == PartyStatus.REVOKED
    again = own_admin.client.delete(url)
    assert again.status_code == 409
    assert again.json()["code"] == "not_active"
    # The organization can be invited again.
    reinvited = own_admin.client.post(parties_url(world), {"organization": "globex"}, format="json")
    assert reinvited.status_code == 201
    assert reinvited.json()["status"] == "invited"


def test_invite_of_an_unknown_slug_is_a_field_error(world, own_admin):
    response = own_admin.client.post(parties_url(world), {"organization": "no-such"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["fields"] == {"organization": ["There is no organization with this slug."]}


def test_inviting_a_party_twice_is_a_conflict(world, own_admin):
    response = own_admin.client.post(
        parties_url(world), {"organization": "partner-org"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_party"


def test_the_role_of_an_invitee_must_fit_the_relationship(world, own_admin):
    OrganizationFactory(slug="globex")
    response = own_admin.client.post(
        parties_url(world), {"organization": "globex", "role": "member"}, format="json"
    )
    assert response.status_code == 400
    assert "role" in response.json()["fields"]


def test_the_partner_cannot_invite(world):
    OrganizationFactory(slug="globex")
    client = api_client_for(world.member("partner", Role.ADMIN))
    response = client.post(
        parties_url(world, "partner-org"), {"organization": "globex"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_lead"


def test_a_party_names_its_own_ser_but_not_another_partys(world):
    client = api_client_for(world.member("partner", Role.RELATIONSHIP_MANAGER))
    executive = world.member("partner", Role.EXECUTIVE)
    own_party = active_party(world.relationship, world.partner)
    lead_party = active_party(world.relationship, world.own)
    response = client.patch(
        parties_url(world, "partner-org", f"{own_party.pk}/"), {"ser": executive.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    response = client.patch(
        parties_url(world, "partner-org", f"{lead_party.pk}/"), {"ser": executive.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_own_party"


def test_a_ser_must_be_a_member_of_the_acting_organization(world, own_admin):
    lead_party = active_party(world.relationship, world.own)
    foreign = world.member("partner", Role.EXECUTIVE)
    response = own_admin.client.patch(
        parties_url(world, suffix=f"{lead_party.pk}/"), {"ser": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert "ser" in response.json()["fields"]


def test_the_partner_leaves_and_then_no_longer_sees_the_relationship(world):
    client = api_client_for(world.member("partner", Role.ADMIN))
    party = active_party(world.relationship, world.partner)
    response = client.delete(parties_url(world, "partner-org", f"{party.pk}/"))
    assert response.status_code == 204
    party.refresh_from_db()
    assert party.status == PartyStatus.LEFT
    assert client.get(parties_url(world, "partner-org")).status_code == 404
    detail = client.get(f"/api/v1/orgs/partner-org/relationships/{world.relationship.pk}/")
    assert detail.status_code == 404


def test_the_lead_cannot_leave(world, own_admin):
    lead_party = active_party(world.relationship, world.own)
    response = own_admin.client.delete(parties_url(world, suffix=f"{lead_party.pk}/"))
    assert response.status_code == 409
    assert response.json()["code"] == "lead_cannot_leave"


def test_the_partner_cannot_remove_another_party(world):
    party = add_active_partner(world)
    client = api_client_for(world.member("partner", Role.ADMIN))
    response = client.delete(parties_url(world, "partner-org", f"{party.pk}/"))
    assert response.status_code == 403
    assert response.json()["code"] == "not_lead"


def test_ecosystem_members_see_their_own_party_and_the_hub_when_the_directory_is_closed(db):
    hub, first, second = (OrganizationFactory() for _ in range(3))
    ecosystem = make_relationship(lead=hub, partners=(first, second), type="ecosystem")
    client = api_client_for(MembershipFactory(organization=first, role=Role.VIEWER))
    url = f"/api/v1/orgs/{first.slug}/relationships/{ecosystem.pk}/parties/"
    rows = client.get(url).json()["results"]
    assert {row["organization"]["slug"] for row in rows} == {hub.slug, first.slug}
    second_party = active_party(ecosystem, second)
    assert client.get(f"{url}{second_party.pk}/").status_code == 404
    Relationship.objects.unscoped().filter(pk=ecosystem.pk).update(member_directory_visible=True)
    rows = client.get(url).json()["results"]
    assert {row["organization"]["slug"] for row in rows} == {hub.slug, first.slug, second.slug}


def test_parties_filter_by_status(world, own_admin):
    third = OrganizationFactory()
    party_invite(relationship=world.relationship, organization=world.own, invitee=third)
    rows = own_admin.client.get(parties_url(world, suffix="?status=invited")).json()["results"]
    assert [row["organization"]["slug"] for row in rows] == [third.slug]


# --- invitations ---------------------------------------------------------------------------


@pytest.fixture
def invitation(world):
    """``own`` is invited to a relationship that ``stranger`` leads."""
    relationship = make_relationship(lead=world.stranger, name="Invitation to own")
    return party_invite(relationship=relationship, organization=world.stranger, invitee=world.own)


class TestInvitationResource(ResourceCases):
    path = "invitations/"
    operations = frozenset({"list", "retrieve"})

    def make_object(self, world):
        relationship = make_relationship(lead=world.stranger, name="Invitation to own")
        return party_invite(
            relationship=relationship, organization=world.stranger, invitee=world.own
        )


def invitations_url(suffix=""):
    return f"/api/v1/orgs/own-org/invitations/{suffix}"


def test_an_invitation_shows_the_relationship_it_is_about(world, invitation):
    client = api_client_for(world.member("own", Role.VIEWER))
    rows = client.get(invitations_url()).json()["results"]
    assert rows == [
        {
            "id": invitation.pk,
            "relationship": {
                "id": invitation.relationship_id,
                "name": "Invitation to own",
                "type": "partnership",
                "lead_organization": {"slug": "stranger-org", "name": "Fabrikam Test"},
            },
            "role": "partner",
            "status": "invited",
            "invited_at": rows[0]["invited_at"],
            "joined_at": None,
        }
    ]


def test_accepting_with_a_ser_makes_the_organization_an_active_party(world, invitation):
    executive = world.member("own", Role.EXECUTIVE)
    client = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    response = client.post(invitations_url(f"{invitation.pk}/accept/"), {"ser": executive.pk})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"
    invitation.refresh_from_db()
    assert (invitation.status, invitation.ser) == (PartyStatus.ACTIVE, executive)
    assert client.get(invitations_url()).json()["results"] == []
    relationship = client.get(f"/api/v1/orgs/own-org/relationships/{invitation.relationship_id}/")
    assert relationship.status_code == 200


def test_declining_closes_the_invitation(world, invitation):
    client = api_client_for(world.member("own", Role.ADMIN))
    response = client.post(invitations_url(f"{invitation.pk}/decline/"))
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert client.post(invitations_url(f"{invitation.pk}/accept/")).status_code == 404
    with acting_as(world.own):
        assert not Relationship.objects.filter(pk=invitation.relationship_id).exists()


def test_an_executive_answers_an_invitation_too(world, invitation):
    executive = world.member("own", Role.EXECUTIVE)
    response = api_client_for(executive).post(
        invitations_url(f"{invitation.pk}/accept/"), {"ser": executive.pk}
    )
    assert response.status_code == 200, response.content
    invitation.refresh_from_db()
    assert (invitation.status, invitation.ser) == (PartyStatus.ACTIVE, executive)


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_weaker_roles_can_read_but_not_answer_invitations(world, invitation, role):
    client = api_client_for(world.member("own", role))
    assert client.get(invitations_url(f"{invitation.pk}/")).status_code == 200
    for answer in ("accept", "decline"):
        response = client.post(invitations_url(f"{invitation.pk}/{answer}/"))
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_the_inviting_organization_cannot_answer_for_the_invitee(world, invitation):
    client = api_client_for(world.member("stranger", Role.ADMIN))
    response = client.post(f"/api/v1/orgs/stranger-org/invitations/{invitation.pk}/accept/")
    assert response.status_code == 404


def test_accepting_with_another_organizations_ser_is_refused(world, invitation):
    client = api_client_for(world.member("own", Role.ADMIN))
    foreign = world.member("stranger", Role.EXECUTIVE)
    response = client.post(invitations_url(f"{invitation.pk}/accept/"), {"ser": foreign.pk})
    assert response.status_code == 400
    assert "ser" in response.json()["fields"]
    invitation.refresh_from_db()
    assert invitation.status == PartyStatus.INVITED
