"""Bringing a partner in through the browser: the lead invites an organization by its
identifier and may revoke the invitation; the invited organization answers on its Invitations
page, naming its SER."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from relationships.models import Party, PartyStatus, Role
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def invite_url(org, relationship) -> str:
    return reverse("relationship-party-invite", args=[org.slug, relationship.pk])


@pytest.fixture
def newcomer():
    return OrganizationFactory(name="Fabrikam Test", slug="fabrikam-test")


def test_the_lead_invites_an_organization_which_accepts_naming_its_ser(world, newcomer):
    lead = client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    page = lead.get(reverse("relationship-detail", args=[world.own.slug, world.relationship.pk]))
    assert "Invite a partner" in page.text

    invited = lead.post(
        invite_url(world.own, world.relationship),
        {"invite-organization": "fabrikam-test"},
        follow=True,
    )
    assert "Fabrikam Test is invited." in invited.text
    party = Party.objects.unscoped().get(relationship=world.relationship, organization=newcomer)
    assert party.status == PartyStatus.INVITED
    assert "Revoke invitation" in invited.text

    # Fabrikam's executive sees it from the relationship list and answers.
    executive = MembershipFactory(organization=newcomer, role=Role.EXECUTIVE)
    answering = client_for(executive)
    listing = answering.get(reverse("relationship-list", args=[newcomer.slug])).text
    assert "Fabrikam Test is invited to 1 relationship" in listing
    invitations = answering.get(reverse("invitation-list", args=[newcomer.slug])).text
    assert world.relationship.name in invitations
    assert f'<option value="{executive.pk}">{executive.user}</option>' in invitations

    joined = answering.post(
        reverse("invitation-accept", args=[newcomer.slug, party.pk]),
        {f"accept-{party.pk}-ser": str(executive.pk)},
        follow=True,
    )
    assert escape(f"You joined “{world.relationship.name}”.") in joined.text
    party.refresh_from_db()
    assert (party.status, party.ser) == (PartyStatus.ACTIVE, executive)
    assert joined.redirect_chain[-1][0] == reverse(
        "relationship-detail", args=[newcomer.slug, world.relationship.pk]
    )


def test_a_wrong_identifier_or_a_second_invitation_is_explained_beside_the_field(world, newcomer):
    lead = client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    unknown = lead.post(
        invite_url(world.own, world.relationship), {"invite-organization": "nobody"}
    )
    assert unknown.status_code == 200
    assert "No organization has this identifier." in unknown.text
    assert 'value="nobody"' in unknown.text
    already = lead.post(
        invite_url(world.own, world.relationship), {"invite-organization": world.partner.slug}
    )
    assert "is already active here" in already.text


def test_the_lead_revokes_an_open_invitation_and_may_invite_again(world, newcomer):
    lead = client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    lead.post(invite_url(world.own, world.relationship), {"invite-organization": newcomer.slug})
    party = Party.objects.unscoped().get(relationship=world.relationship, organization=newcomer)
    revoked = lead.post(
        reverse(
            "relationship-party-revoke", args=[world.own.slug, world.relationship.pk, party.pk]
        ),
        follow=True,
    )
    assert "The invitation of Fabrikam Test is revoked." in revoked.text
    party.refresh_from_db()
    assert party.status == PartyStatus.REVOKED
    # Gone from the invitee's page; accepting it now is a 404.
    admin = client_for(MembershipFactory(organization=newcomer, role=Role.ADMIN))
    assert (
        world.relationship.name
        not in admin.get(reverse("invitation-list", args=[newcomer.slug])).text
    )
    assert (
        admin.post(reverse("invitation-accept", args=[newcomer.slug, party.pk])).status_code == 404
    )
    again = lead.post(
        invite_url(world.own, world.relationship),
        {"invite-organization": newcomer.slug},
        follow=True,
    )
    assert "Fabrikam Test is invited." in again.text


def test_who_may_invite_revoke_and_answer(world, newcomer):
    # A partner is no lead: no form, and a refused post.
    partner = client_for(world.member("partner", Role.RELATIONSHIP_MANAGER))
    page = partner.get(
        reverse("relationship-detail", args=[world.partner.slug, world.relationship.pk])
    )
    assert "Invite a partner" not in page.text
    refused = partner.post(
        invite_url(world.partner, world.relationship), {"invite-organization": newcomer.slug}
    )
    assert "Only the lead organization" in refused.text
    viewer = client_for(world.member("own", Role.VIEWER))
    assert (
        viewer.post(
            invite_url(world.own, world.relationship), {"invite-organization": newcomer.slug}
        ).status_code
        == 403
    )
    assert not Party.objects.unscoped().filter(organization=newcomer).exists()

    client_for(world.member("own", Role.ADMIN)).post(
        invite_url(world.own, world.relationship), {"invite-organization": newcomer.slug}
    )
    party = Party.objects.unscoped().get(organization=newcomer)
    contributor = client_for(MembershipFactory(organization=newcomer, role=Role.CONTRIBUTOR))
    page = contributor.get(reverse("invitation-list", args=[newcomer.slug])).text
    assert "Accept and join" not in page
    assert (
        contributor.post(reverse("invitation-decline", args=[newcomer.slug, party.pk])).status_code
        == 403
    )
    # Another organization cannot answer it.
    stranger = client_for(world.member("stranger", Role.ADMIN))
    assert (
        stranger.post(
            reverse("invitation-accept", args=[world.stranger.slug, party.pk])
        ).status_code
        == 404
    )
    declined = client_for(MembershipFactory(organization=newcomer, role=Role.EXECUTIVE)).post(
        reverse("invitation-decline", args=[newcomer.slug, party.pk]), follow=True
    )
    assert escape(f"You declined to join “{world.relationship.name}”.") in declined.text
    party.refresh_from_db()
    assert party.status == PartyStatus.DECLINED
