"""An ecosystem of five members with a quorum (ISO/TS 44007).

One orchestrator and five members, each with its SER. Stages 1-4 are the orchestrator's own
work: its SER alone decides. From stage 5 a gate needs the orchestrator's SER plus
``member_quorum`` of the members' SERs; only the orchestrator requests gates and sets the quorum.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lifecycle.models import RecordKind, RelationshipFramework
from relationships.models import Party, PartyRole, Relationship, RelationshipType
from relationships.services.relationships import party_set_ser
from tests.factories import OrganizationFactory, make_relationship
from tests.lifecycle.helpers import Side, approve, request_gate, side_of
from tests.lifecycle.staging import fresh, ledger, put_at_stage, settle

pytestmark = pytest.mark.django_db


@dataclass
class Ecosystem:
    relationship: Relationship
    orchestrator: Side
    members: list[Side]


@pytest.fixture
def ecosystem(db) -> Ecosystem:
    orchestrator_org = OrganizationFactory(name="Harbour Authority", slug="harbour")
    member_orgs = [OrganizationFactory(slug=f"member-{n}") for n in range(5)]
    relationship = make_relationship(
        lead=orchestrator_org,
        partners=tuple(member_orgs),
        type=RelationshipType.ECOSYSTEM,
        name="Port logistics ecosystem",
    )
    return Ecosystem(
        relationship,
        side_of(orchestrator_org, relationship),
        [side_of(org, relationship) for org in member_orgs],
    )


def set_quorum(side: Side, relationship: Relationship, quorum: int):
    return side.manager_api.patch(
        side.url(relationship, "framework/"), {"member_quorum": quorum}, format="json"
    )


def reject(side: Side, relationship: Relationship, gate_id: int, comment: str = "Not yet."):
    return side.ser_api.post(
        side.url(relationship, f"gates/{gate_id}/reject/"), {"comment": comment}, format="json"
    )


def joint_gate(eco: Ecosystem, stage: int, quorum: int) -> dict:
    """Set the quorum through the API, put the ecosystem at ``stage`` and request its gate."""
    assert set_quorum(eco.orchestrator, eco.relationship, quorum).status_code == 200
    relationship = put_at_stage(eco.relationship, stage)
    settle(relationship, stage)
    response = request_gate(eco.orchestrator, relationship)
    assert response.status_code == 201, response.content
    return response.json()


def test_the_ecosystem_is_one_orchestrator_and_five_members_each_with_a_ser(ecosystem):
    relationship = ecosystem.relationship
    assert relationship.framework_profile == "iso44007-ecosystem"
    parties = Party.objects.unscoped().filter(relationship=relationship)
    roles = sorted(parties.values_list("role", flat=True))
    assert roles == [PartyRole.MEMBER] * 5 + [PartyRole.ORCHESTRATOR]
    assert not parties.filter(ser__isnull=True).exists()


def test_only_the_orchestrator_sets_the_member_quorum(ecosystem):
    relationship, orchestrator = ecosystem.relationship, ecosystem.orchestrator
    response = set_quorum(orchestrator, relationship, 3)
    assert response.status_code == 200, response.content
    assert response.json()["member_quorum"] == 3

    member = ecosystem.members[0]
    refused = set_quorum(member, relationship, 1)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_lead")
    shown = member.manager_api.get(member.url(relationship, "framework/")).json()
    assert shown["member_quorum"] == 3


def test_a_relationship_that_is_not_an_ecosystem_refuses_a_quorum(world):
    lead = side_of(world.own, world.relationship)
    refused = set_quorum(lead, world.relationship, 2)
    assert refused.status_code == 400
    assert "member_quorum" in refused.json()["fields"]
    framework = RelationshipFramework.objects.unscoped().get(relationship=world.relationship)
    assert framework.member_quorum == 0
    assert set_quorum(lead, world.relationship, 0).status_code == 200


def test_gates_of_stages_1_to_4_need_only_the_orchestrators_ser(ecosystem):
    relationship, orchestrator = ecosystem.relationship, ecosystem.orchestrator
    assert set_quorum(orchestrator, relationship, 3).status_code == 200
    settle(relationship, 1, 2, 3, 4)
    for stage in (1, 2, 3, 4):
        gate = request_gate(orchestrator, relationship)
        assert gate.status_code == 201, gate.content
        gate = gate.json()
        assert [(a["organization"], a["pool"]) for a in gate["approvers"]] == [
            ("harbour", "required")
        ]
        assert (gate["quorum"], gate["visibility"]) == (0, "internal")
        # The orchestrator's internal gate is not even visible to a member.
        assert approve(ecosystem.members[0], relationship, gate["id"]).status_code == 404
        decided = approve(orchestrator, relationship, gate["id"])
        assert decided.json()["status"] == "passed"
        assert fresh(relationship).current_stage == stage + 1


def test_a_stage_5_gate_passes_with_the_orchestrator_and_a_quorum_of_three_members(ecosystem):
    relationship, orchestrator, members = (
        ecosystem.relationship,
        ecosystem.orchestrator,
        ecosystem.members,
    )
    gate = joint_gate(ecosystem, 5, quorum=3)
    assert gate["quorum"] == 3
    pools = {a["organization"]: a["pool"] for a in gate["approvers"]}
    assert pools == {"harbour": "required", **{f"member-{n}": "quorum" for n in range(5)}}

    assert approve(orchestrator, relationship, gate["id"]).json()["status"] == "pending"
    for member in members[:2]:
        assert approve(member, relationship, gate["id"]).json()["status"] == "pending"
    assert fresh(relationship).current_stage == 5  # orchestrator + 2 members: not yet

    third = approve(members[2], relationship, gate["id"])
    assert third.status_code == 200, third.content
    assert third.json()["status"] == "passed"
    assert fresh(relationship).current_stage == 6
    passed = ledger(relationship).filter(kind=RecordKind.GATE_PASSED, gate_id=gate["id"])
    assert passed.count() == 1

    late = approve(members[3], relationship, gate["id"])
    assert (late.status_code, late.json()["code"]) == (409, "gate_closed")


def test_the_members_quorum_does_not_replace_the_orchestrators_ser(ecosystem):
    relationship = ecosystem.relationship
    gate = joint_gate(ecosystem, 5, quorum=3)
    for member in ecosystem.members:
        assert approve(member, relationship, gate["id"]).json()["status"] == "pending"
    assert fresh(relationship).current_stage == 5
    assert approve(ecosystem.orchestrator, relationship, gate["id"]).json()["status"] == "passed"


def test_members_cannot_request_ecosystem_gates(ecosystem):
    relationship, member = ecosystem.relationship, ecosystem.members[0]
    settle(relationship, 2, 5)
    for stage in (2, 5):
        relationship = put_at_stage(relationship, stage)
        before = ledger(relationship).count()
        refused = request_gate(member, relationship)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_lead")
        back_refused = request_gate(member, relationship, kind="send_back", reason="We object.")
        assert (back_refused.status_code, back_refused.json()["code"]) == (403, "not_lead")
        assert ledger(relationship).count() == before


def test_a_quorum_larger_than_the_members_with_a_ser_is_unreachable(ecosystem):
    relationship, orchestrator = ecosystem.relationship, ecosystem.orchestrator
    relationship = put_at_stage(relationship, 5)
    settle(relationship, 5)
    assert set_quorum(orchestrator, relationship, 3).status_code == 200
    # Three members have no SER any more: two SERs cannot make a quorum of three.
    for member in ecosystem.members[:3]:
        party = Party.objects.unscoped().get(
            relationship=relationship, organization=member.organization
        )
        party_set_ser(party=party, organization=member.organization, ser=None)
    refused = request_gate(orchestrator, relationship)
    assert (refused.status_code, refused.json()["code"]) == (400, "quorum_unreachable")
    assert not ledger(relationship).exists()

    # With the two remaining SERs the quorum can be two, and the gate is requested.
    assert set_quorum(orchestrator, relationship, 2).status_code == 200
    gate = request_gate(orchestrator, relationship)
    assert gate.status_code == 201, gate.content
    assert sum(a["pool"] == "quorum" for a in gate.json()["approvers"]) == 2


def test_a_members_rejection_reopens_the_stage_only_once_the_quorum_is_out_of_reach(ecosystem):
    relationship, orchestrator, members = (
        ecosystem.relationship,
        ecosystem.orchestrator,
        ecosystem.members,
    )
    # One member objects; the orchestrator and three others still make the gate pass.
    gate = joint_gate(ecosystem, 5, quorum=3)
    objection = reject(members[0], relationship, gate["id"])
    assert objection.status_code == 200, objection.content
    assert objection.json()["status"] == "pending"
    for side in (orchestrator, members[1], members[2]):
        assert approve(side, relationship, gate["id"]).json()["status"] == "pending"
    assert approve(members[3], relationship, gate["id"]).json()["status"] == "passed"
    assert fresh(relationship).current_stage == 6

    # Three of five members object: two cannot make a quorum of three, so the stage reopens.
    gate = joint_gate(ecosystem, 6, quorum=3)
    for member in members[:2]:
        assert reject(member, relationship, gate["id"]).json()["status"] == "pending"
    assert reject(members[2], relationship, gate["id"]).json()["status"] == "rejected"
    assert fresh(relationship).current_stage == 6

    # The orchestrator's SER is required: its rejection reopens the stage at once.
    gate = joint_gate(ecosystem, 6, quorum=3)
    assert reject(orchestrator, relationship, gate["id"]).json()["status"] == "rejected"
    assert ledger(relationship).filter(kind=RecordKind.GATE_REOPENED).count() == 2
