"""``/api/v1/orgs/{org}/relationships/``: the generic cases, then what is particular to it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relationships.models import Party, Relationship, Role
from relationships.services.relationships import (
    party_accept,
    party_invite,
    relationship_archive,
)
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, OrganizationFactory, make_relationship

pytestmark = pytest.mark.django_db


class TestRelationshipResource(ResourceCases):
    path = "relationships/"

    def make_object(self, world):
        return make_relationship(lead=world.own, partners=(world.partner,), name="Wind farm O&M")

    def create_payload(self, world):
        return {"name": "Offshore maintenance alliance", "type": "alliance"}

    def update_payload(self, world, obj):
        return {"name": "Renamed partnership", "description": "Now with a description."}


def url(slug, suffix=""):
    return f"/api/v1/orgs/{slug}/relationships/{suffix}"


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_create_makes_the_acting_organization_the_lead_with_its_ser(world, own_admin):
    executive = world.member("own", Role.EXECUTIVE)
    response = own_admin.client.post(
        url("own-org"),
        {"name": "Supply chain pilot", "type": "supplier", "ser": executive.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lead_organization"] == {"slug": "own-org", "name": "Northwind Test"}
    assert body["current_stage"] == 1
    assert body["framework_profile"] == "iso44001"
    party = Party.objects.unscoped().get(relationship_id=body["id"])
    assert body["party_count"] == 1
    assert body["my_party"] == {
        "id": party.pk,
        "role": "lead",
        "status": "active",
        "ser": {
            "id": executive.pk,
            "email": executive.user.email,
            "full_name": executive.user.full_name,
        },
    }
    assert "parties" not in body


def test_create_refuses_a_ser_of_another_organization_as_if_it_did_not_exist(world, own_admin):
    foreign_executive = world.member("partner", Role.EXECUTIVE)
    response = own_admin.client.post(
        url("own-org"),
        {"name": "X", "type": "alliance", "ser": foreign_executive.pk},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "does not exist" in body["fields"]["ser"][0]


def test_create_refuses_a_ser_who_is_not_an_executive(world, own_admin):
    viewer = world.member("own", Role.VIEWER)
    response = own_admin.client.post(
        url("own-org"), {"name": "X", "type": "alliance", "ser": viewer.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"ser": ["This member is not an executive."]}


def test_create_with_a_mismatched_profile_is_a_validation_error(own_admin):
    response = own_admin.client.post(
        url("own-org"),
        {"name": "X", "type": "ecosystem", "framework_profile": "iso44001"},
        format="json",
    )
    assert response.status_code == 400
    assert "framework_profile" in response.json()["fields"]


def test_archived_relationships_leave_the_list_but_stay_reachable(world, own_admin):
    client = own_admin.client
    relationship_archive(relationship=world.relationship, organization=world.own)
    assert "Shared relationship" not in names(client.get(url("own-org")))
    assert names(client.get(url("own-org", "?archived=true"))) == ["Shared relationship"]
    assert "Shared relationship" not in names(client.get(url("own-org", "?archived=false")))
    detail = client.get(url("own-org", f"{world.relationship.pk}/"))
    assert detail.status_code == 200
    assert detail.json()["is_archived"] is True


def test_delete_archives_and_restore_brings_it_back(world, own_admin):
    client = own_admin.client
    assert client.delete(url("own-org", f"{world.relationship.pk}/")).status_code == 204
    world.relationship.refresh_from_db()
    assert world.relationship.archived_at is not None
    response = client.post(url("own-org", f"{world.relationship.pk}/restore/"))
    assert response.status_code == 200, response.content
    assert response.json()["is_archived"] is False
    assert "Shared relationship" in names(client.get(url("own-org")))


def test_the_partner_can_neither_archive_nor_restore(world):
    client = api_client_for(world.member("partner", Role.ADMIN))
    response = client.delete(url("partner-org", f"{world.relationship.pk}/"))
    assert response.status_code == 403
    assert response.json()["code"] == "not_lead"
    response = client.post(url("partner-org", f"{world.relationship.pk}/restore/"))
    assert response.status_code == 403
    assert response.json()["code"] == "not_lead"


def test_put_replaces_the_description_fields(world, own_admin):
    response = own_admin.client.put(
        url("own-org", f"{world.relationship.pk}/"),
        {
            "name": "Replaced",
            "description": "",
            "type": "alliance",
            "framework_profile": "iso44001",
            "member_directory_visible": False,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    world.relationship.refresh_from_db()
    assert (world.relationship.name, world.relationship.type) == ("Replaced", "alliance")


def test_a_relationship_cannot_become_an_ecosystem(world, own_admin):
    response = own_admin.client.patch(
        url("own-org", f"{world.relationship.pk}/"),
        {"type": "ecosystem", "framework_profile": "iso44007-ecosystem"},
        format="json",
    )
    assert response.status_code == 400
    assert "type" in response.json()["fields"]


def test_the_stage_does_not_change_by_an_edit(world, own_admin):
    response = own_admin.client.patch(
        url("own-org", f"{world.relationship.pk}/"), {"current_stage": 7}, format="json"
    )
    assert response.status_code == 200
    world.relationship.refresh_from_db()
    assert world.relationship.current_stage == 1


@pytest.fixture
def catalog(world):
    """Relationships of ``own`` that differ in type, stage, status and partner."""
    acme = OrganizationFactory(name="Acme", slug="acme")
    alpha = make_relationship(lead=world.own, partners=(acme,), name="Alpha", type="alliance")
    beta = make_relationship(lead=world.own, name="Beta supply", type="supplier")
    gamma = make_relationship(lead=world.own, name="Gamma supply", type="supplier")
    Relationship.objects.unscoped().filter(pk=beta.pk).update(current_stage=5, status="exiting")
    return {"alpha": alpha, "beta": beta, "gamma": gamma}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=supplier", ["Beta supply", "Gamma supply"]),
        ("stage=5", ["Beta supply"]),
        ("status=exiting", ["Beta supply"]),
        ("partner=acme", ["Alpha"]),
        ("partner=partner-org", ["Shared relationship"]),
        ("partner=nobody", []),
        ("search=SUPPLY", ["Beta supply", "Gamma supply"]),
        ("ordering=-name", ["Shared relationship", "Gamma supply", "Beta supply", "Alpha"]),
        ("ordering=current_stage&type=supplier", ["Gamma supply", "Beta supply"]),
    ],
)
def test_filters_search_and_ordering(catalog, own_admin, query, expected):
    assert names(own_admin.client.get(url("own-org", f"?{query}"))) == expected


def test_an_invalid_filter_value_is_a_validation_error(own_admin):
    response = own_admin.client.get(url("own-org", "?stage=9"))
    assert response.status_code == 400
    assert "stage" in response.json()["fields"]


def test_the_partner_filter_does_not_reveal_members_of_a_closed_directory(db):
    hub, first, second = (OrganizationFactory() for _ in range(3))
    make_relationship(lead=hub, partners=(first, second), type="ecosystem", name="Eco")
    client = api_client_for(MembershipFactory(organization=first, role=Role.VIEWER))
    assert names(client.get(url(first.slug, f"?partner={hub.slug}"))) == ["Eco"]
    assert names(client.get(url(first.slug, f"?partner={second.slug}"))) == []
    rows = client.get(url(first.slug)).json()["results"]
    assert rows[0]["party_count"] == 2  # itself and the hub: not how many other members there are
    assert rows[0]["my_party"]["role"] == "member"
    assert rows[0]["lead_organization"]["slug"] == hub.slug


@pytest.fixture
def ecosystem():
    """An ecosystem of an orchestrator and four members: three active, one invited."""
    hub = OrganizationFactory(slug="hub")
    members = [OrganizationFactory(slug=f"member-{n}") for n in range(4)]
    relationship = make_relationship(
        lead=hub, partners=tuple(members[:3]), type="ecosystem", name="Eco"
    )
    party_invite(relationship=relationship, organization=hub, invitee=members[3])
    return relationship, hub, members


def row_of(organization, relationship) -> dict:
    client = api_client_for(MembershipFactory(organization=organization, role=Role.VIEWER))
    response = client.get(url(organization.slug, f"?type={relationship.type}"))
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    detail = client.get(url(organization.slug, f"{relationship.pk}/")).json()
    assert detail == row  # the list and the detail show a relationship alike
    return row


def test_party_count_counts_the_active_parties_the_caller_may_see(ecosystem):
    relationship, hub, members = ecosystem
    assert row_of(hub, relationship)["party_count"] == 4  # the invited member is not counted
    assert row_of(members[0], relationship)["party_count"] == 2  # closed: itself and the hub
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(member_directory_visible=True)
    assert row_of(members[0], relationship)["party_count"] == 4


def test_my_party_is_the_acting_organizations_own(world, ecosystem):
    relationship, hub, members = ecosystem
    hub_party = Party.objects.unscoped().get(relationship=relationship, organization=hub)
    member_party = Party.objects.unscoped().get(relationship=relationship, organization=members[1])
    assert row_of(hub, relationship)["my_party"] == {
        "id": hub_party.pk,
        "role": "orchestrator",
        "status": "active",
        "ser": None,
    }
    row = row_of(members[1], relationship)
    assert row["my_party"] == {
        "id": member_party.pk,
        "role": "member",
        "status": "active",
        "ser": None,
    }
    assert row["lead_organization"] == {"slug": "hub", "name": hub.name}
    assert row_of(world.partner, world.relationship)["my_party"]["role"] == "partner"


def test_a_large_ecosystem_costs_a_row_the_same_as_a_small_one(ecosystem):
    relationship, hub, _ = ecosystem
    client = api_client_for(MembershipFactory(organization=hub, role=Role.ADMIN))
    client.get(url("hub"))  # a token's first use records it

    def list_ecosystems():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("hub", "?type=ecosystem"))
        assert response.status_code == 200
        return len(captured), len(response.content), response.json()["results"][0]

    queries, size, row = list_ecosystems()
    for _ in range(20):
        invitee = OrganizationFactory()
        party = party_invite(relationship=relationship, organization=hub, invitee=invitee)
        party_accept(party=party, organization=invitee)
    more_queries, more_size, more_row = list_ecosystems()
    assert (more_queries, more_size) == (queries, size + 1)  # "4" became "24"
    assert (row["party_count"], more_row["party_count"]) == (4, 24)


def test_cursor_pages_walk_every_row_once_even_when_the_order_ties(world, own_admin):
    for _ in range(5):
        make_relationship(lead=world.own, name="Same name")
    seen, page_url = [], url("own-org", "?page_size=2&ordering=name")
    while page_url:
        response = own_admin.client.get(page_url)
        assert response.status_code == 200
        assert len(response.json()["results"]) <= 2
        seen += [row["id"] for row in response.json()["results"]]
        page_url = response.json()["next"]
    assert len(seen) == len(set(seen)) == 6
