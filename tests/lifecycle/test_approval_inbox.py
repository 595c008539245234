"""The SER's approval inbox: ``GET /api/v1/orgs/{org}/approvals/``."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import DecisionRecord, Evidence
from lifecycle.services.evidence import evidence_update
from lifecycle.services.gates import gate_is_stale
from lifecycle.services.requirements import requirement_update
from relationships.models import Relationship, Role
from relationships.services.relationships import relationship_create
from tests.conftest import api_client_for, session_client_for
from tests.factories import MembershipFactory, make_relationship
from tests.lifecycle.builders import (
    add_evidence,
    as_member,
    decide,
    name_ser,
    pass_gate,
    request,
    requirements_of,
    settle,
    world_side,
)
from tests.lifecycle.helpers import Side

pytestmark = pytest.mark.django_db


def inbox(side: Side, client=None) -> list[dict]:
    response = (client or side.ser_api).get(f"/api/v1/orgs/{side.organization.slug}/approvals/")
    assert response.status_code == 200, response.content
    return response.json()


def gate_ids(rows: list[dict]) -> list[int]:
    return [row["gate"] for row in rows]


def lead_only(world, lead: Side, name: str) -> Relationship:
    relationship = relationship_create(organization=world.own, name=name, type="partnership")
    name_ser(relationship, lead.ser)
    return relationship


def joint_in_stage_5(world, lead: Side, partner: Side, name: str) -> Relationship:
    relationship = make_relationship(lead=world.own, partners=(world.partner,), name=name)
    name_ser(relationship, lead.ser)
    name_ser(relationship, partner.ser)
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=5)
    settle(relationship, 5)
    return relationship


@pytest.fixture
def sides(world):
    return world_side(world, "own"), world_side(world, "partner")


def test_the_inbox_holds_the_gates_waiting_for_my_decision_oldest_first(world, sides):
    lead, partner = sides
    joint = joint_in_stage_5(world, lead, partner, "Joint, waiting for both")
    oldest = request(joint, lead.manager)
    first = lead_only(world, lead, "First gate")
    settle(first, 1)
    middle = request(first, lead.manager, reason="Stage 1 is done.")
    later = lead_only(world, lead, "Second stage")
    pass_gate(later, lead.manager, [lead.ser])
    settle(later, 2)
    newest = request(later, lead.manager)

    # Not in the inbox: a gate I already approved (it waits for the partner's SER) ...
    approved = joint_in_stage_5(world, lead, partner, "Joint, approved by me")
    approved_gate = request(approved, lead.manager)
    decide(approved_gate, lead.ser)
    # ... closed gates: passed, and rejected ...
    pass_gate(lead_only(world, lead, "Passed"), lead.manager, [lead.ser])
    rejected = lead_only(world, lead, "Rejected")
    settle(rejected, 1)
    decide(request(rejected, lead.manager), lead.ser, approve=False, comment="Not yet.")
    # ... a gate of another SER of my own organization, and another organization's gate.
    colleague = MembershipFactory(organization=world.own, role=Role.EXECUTIVE)
    theirs = relationship_create(organization=world.own, name="Colleague's", type="partnership")
    name_ser(theirs, colleague)
    settle(theirs, 1)
    colleague_gate = request(theirs, lead.manager)
    stranger = world_side(world, "stranger", world.stranger_relationship)
    settle(world.stranger_relationship, 1)
    request(world.stranger_relationship, stranger.manager)

    rows = inbox(lead)
    assert gate_ids(rows) == [oldest.pk, middle.pk, newest.pk]
    assert [row["relationship"]["name"] for row in rows] == [
        "Joint, waiting for both",
        "First gate",
        "Second stage",
    ]
    requested_at = [datetime.fromisoformat(row["requested_at"]) for row in rows]
    assert requested_at == sorted(requested_at)
    assert rows[1]["reason"] == "Stage 1 is done."
    assert rows[1]["requested_by"]["membership"] == lead.manager.pk
    assert (rows[1]["from_stage"], rows[1]["to_stage"], rows[1]["kind"]) == (1, 2, "advance")

    assert gate_ids(inbox(partner)) == [oldest.pk, approved_gate.pk]
    assert gate_ids(inbox(lead, api_client_for(colleague))) == [colleague_gate.pk]
    # Somebody who is no SER of anything has an empty inbox.
    assert inbox(lead, lead.manager_api) == []


def test_each_entry_says_what_changed_since_the_relationship_s_previous_gate(world, sides):
    lead, _ = sides
    relationship = lead_only(world, lead, "Changes")
    requirement_a, requirement_b, requirement_c, *_ = requirements_of(
        relationship, world.own, stage=2
    )
    # Stage 2 work done while stage 1 was still open ...
    unchanged = add_evidence(requirement_a, lead.manager, note="Business case v1.")
    edited = add_evidence(requirement_b, lead.manager, note="Knowledge plan v1.")
    settle(relationship, 2)
    first_gate = pass_gate(relationship, lead.manager, [lead.ser])
    # ... and after the stage-1 gate was decided: one note rewritten, one requirement changed.
    with as_member(lead.manager):
        evidence_update(evidence=edited, membership=lead.manager, note="Knowledge plan v2.")
        requirement_update(
            requirement=requirement_c, organization=world.own, justification="Scope agreed."
        )
    gate = request(relationship, lead.manager)

    [row] = inbox(lead)
    assert row["gate"] == gate.pk
    passed_at = DecisionRecord.objects.unscoped().get(gate=first_gate, kind="gate_passed")
    passed_at = passed_at.created_at
    assert datetime.fromisoformat(row["changes_since"]) == passed_at
    assert row["changed_evidence"] == [
        {"id": edited.pk, "title": edited.title, "version": 2},
    ]
    assert unchanged.pk in map(int, gate.payload["evidence"])
    assert [r["id"] for r in row["changed_requirements"]] == [requirement_c.pk]
    assert row["changed_requirements"][0]["item"] == requirement_c.item.key
    assert row["stale"] is False

    # A relationship's first gate: everything since the relationship started.
    first = lead_only(world, lead, "First")
    settle(first, 1)
    request(first, lead.manager)
    rows = {r["relationship"]["id"]: r for r in inbox(lead)}
    assert datetime.fromisoformat(rows[first.pk]["changes_since"]) == first.created_at
    assert len(rows[first.pk]["changed_requirements"]) > 0


def test_a_partner_s_ser_sees_joint_gates_only(world, sides):
    lead, partner = sides
    joint = joint_in_stage_5(world, lead, partner, "Joint")
    joint_gate = request(joint, lead.manager)
    internal = lead_only(world, lead, "Lead's own")
    settle(internal, 1)
    request(internal, lead.manager)
    assert gate_ids(inbox(partner)) == [joint_gate.pk]

    # One person, SER of both organizations: each organization's inbox holds its own seats.
    both = MembershipFactory(organization=world.own, role=Role.EXECUTIVE)
    elsewhere = MembershipFactory(organization=world.partner, role=Role.EXECUTIVE, user=both.user)
    own_side = Side(world.own, lead.manager, both, lead.manager_api, api_client_for(both))
    partner_side = Side(
        world.partner, partner.manager, elsewhere, partner.manager_api, api_client_for(elsewhere)
    )
    shared = joint_in_stage_5(world, own_side, partner_side, "Same SER on both sides")
    shared_gate = request(shared, lead.manager)
    mine = lead_only(world, own_side, "Only the lead's")
    settle(mine, 1)
    mine_gate = request(mine, lead.manager)

    assert gate_ids(inbox(partner_side)) == [shared_gate.pk]
    assert gate_ids(inbox(own_side)) == [shared_gate.pk, mine_gate.pk]
    session = session_client_for(both)  # signed in: the organization in the URL decides
    assert gate_ids(inbox(partner_side, session)) == [shared_gate.pk]
    assert gate_ids(inbox(own_side, session)) == [shared_gate.pk, mine_gate.pk]


def test_stale_entries_agree_with_the_gate_s_own_staleness(world, sides):
    lead, _ = sides
    fresh_rel = lead_only(world, lead, "Fresh")
    settle(fresh_rel, 1)
    fresh_gate = request(fresh_rel, lead.manager)
    stale_rel = lead_only(world, lead, "Stale")
    [requirement, *_] = requirements_of(stale_rel, world.own, stage=1)
    evidence = add_evidence(requirement, lead.manager, note="SER appointed.")
    settle(stale_rel, 1)
    stale_gate = request(stale_rel, lead.manager)
    with as_member(lead.manager):
        evidence_update(evidence=evidence, membership=lead.manager, note="SER re-appointed.")

    stale = {row["gate"]: row["stale"] for row in inbox(lead)}
    assert stale == {fresh_gate.pk: False, stale_gate.pk: True}
    for gate in (fresh_gate, stale_gate):
        assert stale[gate.pk] is gate_is_stale(gate)
    changed = {row["gate"]: row["changed_evidence"] for row in inbox(lead)}
    # The note edited after the request, among what changed since the relationship began (the
    # proofs the other requirements were settled on are new since then too).
    assert evidence.pk in [e["id"] for e in changed[stale_gate.pk]]
    assert [e["id"] for e in changed[fresh_gate.pk]] == sorted(
        Evidence.objects.unscoped().filter(relationship=fresh_rel).values_list("id", flat=True)
    )
    assert Evidence.objects.unscoped().get(pk=evidence.pk).version == 2


def test_the_query_count_does_not_grow_with_the_number_of_waiting_gates(world, sides):
    lead, partner = sides

    def add_waiting_gates(count: int) -> None:
        for number in range(count):
            if number % 2:
                relationship = joint_in_stage_5(world, lead, partner, f"Joint {number}")
                [requirement, *_] = requirements_of(
                    relationship, world.own, stage=5, visibility="joint"
                )
            else:
                relationship = lead_only(world, lead, f"Internal {number}")
                [requirement, *_] = requirements_of(relationship, world.own, stage=1)
                settle(relationship, 1)
            add_evidence(requirement, lead.manager, note="Evidence.")
            request(relationship, lead.manager)

    add_waiting_gates(2)
    assert len(inbox(lead)) == 2  # a token's first use records it (one more query)
    with CaptureQueriesContext(connection) as few:
        assert len(inbox(lead)) == 2
    add_waiting_gates(6)
    with CaptureQueriesContext(connection) as many:
        rows = inbox(lead)
    assert len(rows) == 8
    assert all(row["changed_evidence"] for row in rows)
    assert all(row["changed_requirements"] for row in rows)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
