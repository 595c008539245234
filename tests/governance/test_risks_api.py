"""The risk register through the API: the generic resource cases, the workspace's rules, the
heat map and the CSV export, and internal risks kept from the other side everywhere."""

from __future__ import annotations

import csv
import io

import pytest

from cbrms.tenancy.context import acting_as
from governance.models import Risk
from governance.services.risks import risk_create
from relationships.models import Party, Relationship, Role
from relationships.services.relationships import party_leave
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def at_stage_5(world) -> None:
    Relationship.objects.unscoped().filter(pk=world.relationship.pk).update(current_stage=5)
    world.relationship.refresh_from_db()


def risk(world, position="own", visibility="internal", **fields) -> Risk:
    member = world.member(position, Role.RELATIONSHIP_MANAGER)
    with acting_as(member.organization, user=member.user, membership=member):
        return risk_create(
            relationship=world.relationship,
            membership=member,
            title=fields.pop("title", f"{position} {visibility} risk"),
            likelihood=fields.pop("likelihood", 3),
            impact=fields.pop("impact", 4),
            visibility=visibility,
            **fields,
        )


def url(world, position="own", suffix="") -> str:
    slug = getattr(world, position).slug
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/risks/{suffix}"


class TestRiskResource(ResourceCases):
    path = "relationships/{relationship}/risks/"
    write_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR})
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        return risk(world)

    def create_payload(self, world):
        return {"title": "Key staff leave", "likelihood": 2, "impact": 5, "visibility": "internal"}

    def update_payload(self, world, obj):
        return {"likelihood": 5, "mitigation": "Cross-train two people."}


def test_the_score_is_likelihood_times_impact_and_closing_is_dated(world):
    client = api_client_for(world.member("own", Role.CONTRIBUTOR))
    created = client.post(
        url(world), {"title": "T", "likelihood": 4, "impact": 5, "visibility": "internal"}
    ).json()
    assert created["score"] == 20
    assert created["owner"]["full_name"] == world.member("own", Role.CONTRIBUTOR).user.full_name
    changed = client.patch(url(world, suffix=f"{created['id']}/"), {"impact": 2}, format="json")
    assert changed.json()["score"] == 8
    closed = client.patch(url(world, suffix=f"{created['id']}/"), {"status": "closed"})
    assert closed.json()["closed_at"] is not None
    reopened = client.patch(url(world, suffix=f"{created['id']}/"), {"status": "open"})
    assert reopened.json()["closed_at"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"likelihood": 6}, "likelihood"),
        ({"impact": 0}, "impact"),
        ({"visibility": "public"}, "visibility"),
        ({"title": ""}, "title"),
        ({"next_review": "soon"}, "next_review"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(world, payload, field):
    client = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    body = {"title": "T", "likelihood": 3, "impact": 3, "visibility": "internal", **payload}
    response = client.post(url(world), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Risk.objects.unscoped().exists()


def test_joint_risks_wait_for_stage_5_and_stay_joint(world):
    client = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    body = {"title": "Joint", "likelihood": 3, "impact": 3, "visibility": "joint"}
    early = client.post(url(world), body, format="json")
    assert (early.status_code, early.json()["code"]) == (409, "too_early")
    at_stage_5(world)
    internal = risk(world)
    shared = client.patch(url(world, suffix=f"{internal.pk}/"), {"visibility": "joint"})
    assert shared.json()["visibility"] == "joint"
    back = client.patch(url(world, suffix=f"{internal.pk}/"), {"visibility": "internal"})
    assert (back.status_code, back.json()["code"]) == (409, "already_joint")


def test_a_joint_risk_is_kept_by_both_parties_but_owned_by_one(world):
    at_stage_5(world)
    joint = risk(world, visibility="joint")
    partner = api_client_for(world.member("partner", Role.CONTRIBUTOR))
    updated = partner.patch(
        url(world, "partner", f"{joint.pk}/"), {"mitigation": "Shared buffer stock."}
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["organization"] == world.own.slug
    reassigned = partner.patch(
        url(world, "partner", f"{joint.pk}/"),
        {"owner": world.member("partner", Role.ADMIN).pk},
        format="json",
    )
    assert (reassigned.status_code, reassigned.json()["code"]) == (403, "not_own_row")
    foreign_owner = api_client_for(world.member("own", Role.ADMIN)).patch(
        url(world, suffix=f"{joint.pk}/"),
        {"owner": world.member("partner", Role.ADMIN).pk},
        format="json",
    )
    assert foreign_owner.status_code == 400  # not a member it may name
    assert Risk.objects.unscoped().get(pk=joint.pk).owner.organization_id == world.own.pk


def test_internal_risks_never_reach_the_other_side(world):
    at_stage_5(world)
    own_internal = risk(world, title="Northwind only: supplier margin squeeze")
    partner_internal = risk(world, "partner", title="Contoso only: depot lease ends")
    joint = risk(world, visibility="joint", title="Both: peak capacity")
    partner = api_client_for(world.member("partner", Role.ADMIN))
    listed = {row["id"] for row in partner.get(url(world, "partner")).json()["results"]}
    assert listed == {partner_internal.pk, joint.pk}
    assert partner.get(url(world, "partner", f"{own_internal.pk}/")).status_code == 404
    assert partner.patch(url(world, "partner", f"{own_internal.pk}/"), {}).status_code == 404
    exported = partner.get(url(world, "partner", "export/"))
    text = b"".join(exported.streaming_content).decode()
    assert "Northwind only" not in text
    assert "Contoso only" in text
    cells = partner.get(url(world, "partner", "heatmap/")).json()
    assert sum(cell["count"] for cell in cells) == 2
    stranger = api_client_for(world.member("stranger", Role.ADMIN))
    foreign = f"/api/v1/orgs/{world.stranger.slug}/relationships/{world.relationship.pk}/risks/"
    assert stranger.get(foreign).status_code == 404


def test_the_heat_map_and_the_export_follow_the_filters(world):
    at_stage_5(world)
    for likelihood, impact, status in ((5, 5, "open"), (5, 5, "open"), (1, 2, "closed")):
        risk(world, likelihood=likelihood, impact=impact, status=status)
    client = api_client_for(world.member("own", Role.VIEWER))
    cells = client.get(url(world, suffix="heatmap/")).json()
    assert cells == [
        {"likelihood": 1, "impact": 2, "count": 1},
        {"likelihood": 5, "impact": 5, "count": 2},
    ]
    open_cells = client.get(url(world, suffix="heatmap/?status=open")).json()
    assert open_cells == [{"likelihood": 5, "impact": 5, "count": 2}]
    response = client.get(url(world, suffix="export/?min_score=20"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["score"] for row in rows] == ["25", "25"]
    filtered = client.get(url(world, suffix="?likelihood=5&impact=5")).json()["results"]
    assert len(filtered) == 2


def test_an_exported_cell_never_runs_as_a_formula(world):
    risk(world, title='=HYPERLINK("http://evil.example")', cause="+1+1")
    client = api_client_for(world.member("own", Role.VIEWER))
    text = b"".join(client.get(url(world, suffix="export/")).streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["title"].startswith("'=")
    assert row["cause"] == "'+1+1"


def test_only_active_parties_write(world):
    at_stage_5(world)
    party = Party.objects.unscoped().get(
        relationship=world.relationship, organization=world.partner
    )
    with acting_as(world.partner):
        party_leave(party=party, organization=world.partner)
    partner = api_client_for(world.member("partner", Role.ADMIN))
    body = {"title": "T", "likelihood": 1, "impact": 1, "visibility": "internal"}
    assert partner.post(url(world, "partner"), body, format="json").status_code == 404
