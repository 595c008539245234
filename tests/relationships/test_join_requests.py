"""Ecosystems open to requests: any organization finds them and asks to join; only the
orchestrator lets it in or refuses. A party leaves from the browser, and loses access at once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from relationships.models import Party, PartyStatus, RelationshipType, Role
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, OrganizationFactory, make_relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def ecosystem(world):
    """An ecosystem led by ``own`` with ``partner`` a member, open to requests to join."""
    ecosystem = make_relationship(
        lead=world.own,
        partners=(world.partner,),
        name="Regional supply ecosystem",
        type=RelationshipType.ECOSYSTEM,
        description="Cold-chain suppliers of the region.",
    )
    ecosystem.open_to_join_requests = True
    ecosystem.save(update_fields=["open_to_join_requests"])
    return ecosystem


def browser(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_an_organization_finds_an_open_ecosystem_asks_and_is_let_in(world, ecosystem):
    asking = browser(world.member("stranger", Role.RELATIONSHIP_MANAGER))
    listing = asking.get(reverse("ecosystem-list", args=[world.stranger.slug]))
    assert ecosystem.name in listing.text
    assert "Cold-chain suppliers of the region." in listing.text
    # Not a party yet: the ecosystem itself stays out of reach.
    detail = reverse("relationship-detail", args=[world.stranger.slug, ecosystem.pk])
    assert asking.get(detail).status_code == 404

    asked = asking.post(
        reverse("ecosystem-join", args=[world.stranger.slug, ecosystem.pk]),
        {"message": "We run refrigerated depots."},
        follow=True,
    )
    assert "You asked to join" in asked.text
    assert "has not decided yet" in asked.text
    party = Party.objects.unscoped().get(relationship=ecosystem, organization=world.stranger)
    assert (party.status, party.role) == (PartyStatus.REQUESTED, "member")
    assert asking.get(detail).status_code == 404  # asking is not taking part

    # The orchestrator sees the request with its message, and lets the organization in.
    orchestrator = browser(world.member("own", Role.RELATIONSHIP_MANAGER))
    page = orchestrator.get(reverse("relationship-detail", args=[world.own.slug, ecosystem.pk]))
    assert "Asked to join" in page.text
    assert "We run refrigerated depots." in page.text
    let_in = orchestrator.post(
        reverse("relationship-join-request-approve", args=[world.own.slug, ecosystem.pk, party.pk]),
        follow=True,
    )
    assert f"{world.stranger.name} is a member now." in let_in.text
    party.refresh_from_db()
    assert party.status == PartyStatus.ACTIVE
    assert asking.get(detail).status_code == 200


def test_only_the_orchestrator_decides_a_request(world, ecosystem):
    stranger = api_client_for(world.member("stranger", Role.ADMIN))
    asked = stranger.post(
        f"/api/v1/orgs/{world.stranger.slug}/ecosystems/{ecosystem.pk}/join/",
        {"message": "Hello"},
        format="json",
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["status"] == "requested"
    party_id = asked.json()["id"]
    again = stranger.post(f"/api/v1/orgs/{world.stranger.slug}/ecosystems/{ecosystem.pk}/join/")
    assert (again.status_code, again.json()["code"]) == (409, "already_party")

    # A member cannot decide for the orchestrator, and cannot approve itself in.
    member = api_client_for(world.member("partner", Role.ADMIN))
    url = f"/api/v1/orgs/{world.partner.slug}/relationships/{ecosystem.pk}/parties/{party_id}/"
    assert member.post(f"{url}approve/").status_code in (403, 404)
    own_url = f"/api/v1/orgs/{world.stranger.slug}/relationships/{ecosystem.pk}/parties/"
    assert stranger.post(f"{own_url}{party_id}/approve/").status_code == 404

    orchestrator = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    lead_url = f"/api/v1/orgs/{world.own.slug}/relationships/{ecosystem.pk}/parties/{party_id}/"
    refused = orchestrator.post(f"{lead_url}refuse/")
    assert (refused.status_code, refused.json()["status"]) == (200, "refused")
    closed = orchestrator.post(f"{lead_url}approve/")
    assert (closed.status_code, closed.json()["code"]) == (409, "request_closed")
    # Refused, it may ask again.
    assert (
        stranger.post(
            f"/api/v1/orgs/{world.stranger.slug}/ecosystems/{ecosystem.pk}/join/"
        ).status_code
        == 201
    )


def test_an_ecosystem_not_open_to_requests_is_not_listed_and_answers_404(world, ecosystem):
    ecosystem.open_to_join_requests = False
    ecosystem.save(update_fields=["open_to_join_requests"])
    stranger = api_client_for(world.member("stranger", Role.ADMIN))
    assert stranger.get(f"/api/v1/orgs/{world.stranger.slug}/ecosystems/").json()["results"] == []
    response = stranger.post(f"/api/v1/orgs/{world.stranger.slug}/ecosystems/{ecosystem.pk}/join/")
    assert response.status_code == 404
    assert not Party.objects.unscoped().filter(organization=world.stranger, relationship=ecosystem)
    # A partnership can never be opened to requests.
    lead = api_client_for(world.member("own", Role.ADMIN))
    opened = lead.patch(
        f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/",
        {"open_to_join_requests": True},
        format="json",
    )
    assert opened.status_code == 400
    assert "open_to_join_requests" in opened.json()["fields"]


def test_the_orchestrator_opens_and_closes_requests_in_the_browser(world, ecosystem):
    orchestrator = browser(world.member("own", Role.ADMIN))
    url = reverse("relationship-join-requests", args=[world.own.slug, ecosystem.pk])
    closed = orchestrator.post(url, {"open": "no"}, follow=True)
    assert "takes no more requests to join" in closed.text
    ecosystem.refresh_from_db()
    assert not ecosystem.open_to_join_requests
    # A member may not change it.
    member = browser(world.member("partner", Role.ADMIN))
    member.post(
        reverse("relationship-join-requests", args=[world.partner.slug, ecosystem.pk]),
        {"open": "yes"},
    )
    ecosystem.refresh_from_db()
    assert not ecosystem.open_to_join_requests


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_a_weaker_role_sees_the_ecosystems_but_cannot_ask(world, ecosystem, role):
    client = api_client_for(world.member("stranger", role))
    listed = client.get(f"/api/v1/orgs/{world.stranger.slug}/ecosystems/")
    assert [row["id"] for row in listed.json()["results"]] == [ecosystem.pk]
    asked = client.post(f"/api/v1/orgs/{world.stranger.slug}/ecosystems/{ecosystem.pk}/join/")
    assert asked.status_code == 403


def test_a_member_leaves_in_the_browser_and_loses_access_at_once(world, ecosystem):
    member = world.member("partner", Role.RELATIONSHIP_MANAGER)
    client = browser(member)
    detail = reverse("relationship-detail", args=[world.partner.slug, ecosystem.pk])
    page = client.get(detail)
    assert "Leave…" in page.text
    party = Party.objects.unscoped().get(relationship=ecosystem, organization=world.partner)
    left = client.post(
        reverse("relationship-party-leave", args=[world.partner.slug, ecosystem.pk, party.pk]),
        follow=True,
    )
    assert "stays there, in your name" in left.text
    party.refresh_from_db()
    assert party.status == PartyStatus.LEFT
    assert client.get(detail).status_code == 404
    # A contributor of the same organization was shut out as well, at once.
    colleague = browser(MembershipFactory(organization=world.partner, role=Role.CONTRIBUTOR))
    assert colleague.get(detail).status_code == 404


def test_the_lead_has_no_leave_button_and_cannot_leave(world, ecosystem):
    client = browser(world.member("own", Role.ADMIN))
    page = client.get(reverse("relationship-detail", args=[world.own.slug, ecosystem.pk]))
    assert "Leave…" not in page.text
    party = Party.objects.unscoped().get(relationship=ecosystem, organization=world.own)
    response = client.post(
        reverse("relationship-party-leave", args=[world.own.slug, ecosystem.pk, party.pk]),
        follow=True,
    )
    assert "The lead party cannot leave" in response.text
    party.refresh_from_db()
    assert party.status == PartyStatus.ACTIVE


def test_nobody_leaves_for_another_organization_through_the_browser(world, ecosystem):
    party = Party.objects.unscoped().get(relationship=ecosystem, organization=world.partner)
    lead = browser(world.member("own", Role.ADMIN))
    url = reverse("relationship-party-leave", args=[world.own.slug, ecosystem.pk, party.pk])
    assert lead.post(url).status_code == 404
    party.refresh_from_db()
    assert party.status == PartyStatus.ACTIVE


def test_a_party_names_its_ser_in_the_browser(world):
    executive = MembershipFactory(organization=world.partner, role=Role.EXECUTIVE)
    client = browser(world.member("partner", Role.RELATIONSHIP_MANAGER))
    party = Party.objects.unscoped().get(
        relationship=world.relationship, organization=world.partner
    )
    url = reverse(
        "relationship-party-ser", args=[world.partner.slug, world.relationship.pk, party.pk]
    )
    named = client.post(url, {"ser-ser": str(executive.pk)}, follow=True)
    assert f"{executive.user} is your SER here now." in named.text
    party.refresh_from_db()
    assert party.ser == executive
    # Someone of another organization is not offered, and not accepted.
    outsider = MembershipFactory(organization=OrganizationFactory(), role=Role.EXECUTIVE)
    refused = client.post(url, {"ser-ser": str(outsider.pk)}, follow=True)
    assert "Choose one of your executives as SER." in refused.text
    party.refresh_from_db()
    assert party.ser == executive
