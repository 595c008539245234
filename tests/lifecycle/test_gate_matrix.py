"""Every gate transition x every role x own/partner/stranger: 0 unauthorized transitions.

The rules are those of docs/permissions.md ("Rules of the lifecycle"), restated below as two
small predicates. ``own`` leads the world's relationship and ``partner`` is an active party of
it; each names its executive as SER. For every attempt the test records whether it succeeded
and whether the rules allow it; successes the rules do not allow must number 0, and every
allowed attempt must succeed (so the count cannot be 0 merely because everything fails). A
refused attempt must leave the stage, the status and the length of the ledger as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lifecycle.models import DecisionRecord, GateApprover, GateKind, RecordKind
from lifecycle.services.gates import gate_decide, gate_request, pending_gate
from relationships.models import Role
from relationships.roles import Capability, role_can
from relationships.services.relationships import party_set_ser
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, active_party
from tests.lifecycle.staging import fresh, put_at_stage, settle, snapshot

pytestmark = pytest.mark.django_db

REQUESTERS = {Role.ADMIN, Role.RELATIONSHIP_MANAGER}
REASON = "Recorded by the permission matrix."


def allowed_request(actor, kind: str, stage: int) -> bool:
    """Who requests a gate: a relationship manager or admin of the lead for stages 1-4, of any
    active party from stage 5 on; send back needs an earlier stage, the exit stage 5, 6 or 7."""
    if actor.role not in REQUESTERS or actor.position == "stranger":
        return False
    if kind == GateKind.SEND_BACK and stage == 1:
        return False
    if kind == GateKind.ACTIVATE_EXIT and stage not in (5, 6, 7):
        return False
    return actor.position == "own" or stage >= 5


def allowed_decision(actor, stage: int) -> bool:
    """Who decides: the lead's SER for stages 1-4, the SER of every active party from 5."""
    if actor.role != Role.EXECUTIVE:
        return False
    return actor.position == "own" or (actor.position == "partner" and stage >= 5)


def expected_refusal(actor, capability: Capability, stage: int, kind: str = "") -> tuple[int, str]:
    """The answer to a refused attempt: role first, then scope, then the relationship's rules."""
    if not role_can(actor.role, capability):
        return 403, "permission_denied"
    if actor.position == "stranger":
        return 404, "not_found"
    if capability == Capability.GATES_DECIDE:
        return 404, "not_found"  # the partner cannot see the lead's internal gate at all
    if kind == GateKind.SEND_BACK and stage == 1:
        return 409, "no_earlier_stage"
    if kind == GateKind.ACTIVATE_EXIT and stage not in (5, 6, 7):
        return 409, "exit_not_allowed"
    if actor.position == "partner" and stage <= 4:
        return 403, "not_lead"
    return 403, "cannot_request_gate"


@dataclass(frozen=True)
class Attempt:
    stage: int
    allowed: bool
    succeeded: bool


@pytest.fixture
def scene(world):
    """The world's relationship with both parties' executives named as their SERs."""
    for position in ("own", "partner"):
        organization = world.org(position)
        party_set_ser(
            party=active_party(world.relationship, organization),
            organization=organization,
            ser=world.member(position, Role.EXECUTIVE),
        )
    return world


def url(actor, relationship, suffix: str) -> str:
    return f"/api/v1/orgs/{actor.slug}/relationships/{relationship.pk}/{suffix}"


def outcome(response) -> tuple[int, str | None]:
    return response.status_code, response.json().get("code")


def close(world, gate: DecisionRecord) -> None:
    """Reject a still pending gate through a SER who has not decided, to clear the way."""
    if pending_gate(gate.relationship) is None:
        return
    decided = set(
        DecisionRecord.objects.unscoped()
        .filter(gate=gate, kind__in=(RecordKind.APPROVED, RecordKind.REJECTED))
        .values_list("actor_id", flat=True)
    )
    for position in ("own", "partner"):
        ser = world.member(position, Role.EXECUTIVE)
        waited_for = GateApprover.objects.unscoped().filter(gate=gate, membership=ser).exists()
        if waited_for and ser.pk not in decided:
            gate_decide(gate=gate, approver=ser, approve=False, comment="Cleared by the test.")
            return
    raise AssertionError("no SER left to close the gate")


def assert_no_unauthorized(attempts: list[Attempt]) -> None:
    unauthorized = [a for a in attempts if a.succeeded and not a.allowed]
    assert len(unauthorized) == 0, unauthorized
    refused_wrongly = [a for a in attempts if a.allowed and not a.succeeded]
    assert refused_wrongly == []


def request_matrix(actor, world, kind: str, stages) -> list[Attempt]:
    relationship = world.relationship
    if kind == GateKind.ADVANCE:
        settle(relationship, *stages)
    attempts = []
    for stage in stages:
        relationship = put_at_stage(relationship, stage)
        before = snapshot(relationship)
        response = actor.client.post(
            url(actor, relationship, "gates/"), {"kind": kind, "reason": REASON}, format="json"
        )
        allowed = allowed_request(actor, kind, stage)
        succeeded = response.status_code == 201
        attempts.append(Attempt(stage, allowed, succeeded))
        if succeeded:
            body = response.json()
            assert (body["kind"], body["from_stage"], body["status"]) == (kind, stage, "pending")
            expected = ["own-org"] if stage <= 4 else ["own-org", "partner-org"]
            assert sorted(a["organization"] for a in body["approvers"]) == expected
            assert fresh(relationship).current_stage == stage  # a request moves nothing
            close(world, DecisionRecord.objects.unscoped().get(pk=body["id"]))
        else:
            assert outcome(response) == expected_refusal(
                actor, Capability.GATES_REQUEST, stage, kind
            )
            assert snapshot(relationship) == before
    return attempts


def test_request_advance(actor, scene):
    """Internal gates (stages 1-4) first, then joint ones (5-8), on one relationship."""
    assert_no_unauthorized(request_matrix(actor, scene, GateKind.ADVANCE, range(1, 9)))


def test_request_send_back(actor, scene):
    assert_no_unauthorized(request_matrix(actor, scene, GateKind.SEND_BACK, range(1, 9)))


def test_request_activate_exit(actor, scene):
    assert_no_unauthorized(request_matrix(actor, scene, GateKind.ACTIVATE_EXIT, (4, 5, 6, 7, 8)))


def decide_matrix(actor, world, *, approve: bool) -> list[Attempt]:
    """A gate of stage 2 (internal) and one of stage 5 (joint), each requested by the lead's
    manager; ``actor`` approves or rejects it."""
    relationship = world.relationship
    settle(relationship, 2, 5)
    action = "approve" if approve else "reject"
    attempts = []
    for stage in (2, 5):
        relationship = put_at_stage(relationship, stage)
        gate = gate_request(
            relationship=relationship, requested_by=world.member("own", Role.RELATIONSHIP_MANAGER)
        )
        before = snapshot(relationship)
        response = actor.client.post(
            url(actor, relationship, f"gates/{gate.pk}/{action}/"),
            {"comment": "Decided by the permission matrix."},
            format="json",
        )
        allowed = allowed_decision(actor, stage)
        succeeded = response.status_code == 200
        attempts.append(Attempt(stage, allowed, succeeded))
        after = snapshot(relationship)
        if succeeded:
            status = response.json()["status"]
            if not approve:
                # The rejection and the reopening are recorded; the stage stays.
                assert (status, after) == ("rejected", (stage, before[1], before[2] + 2))
            elif stage == 2:
                # The lead's SER alone decides an internal gate: it passes.
                assert (status, after) == ("passed", (3, before[1], before[2] + 2))
            else:
                # One of two SERs approved a joint gate: it waits for the other one.
                assert (status, after) == ("pending", (5, before[1], before[2] + 1))
        else:
            assert outcome(response) == expected_refusal(actor, Capability.GATES_DECIDE, stage)
            assert after == before
        close(world, gate)
    return attempts


def test_approve(actor, scene):
    assert_no_unauthorized(decide_matrix(actor, scene, approve=True))


def test_reject(actor, scene):
    assert_no_unauthorized(decide_matrix(actor, scene, approve=False))


def test_an_executive_who_is_not_the_ser_cannot_decide(scene):
    relationship = put_at_stage(scene.relationship, 5)
    settle(relationship, 5)
    gate = gate_request(
        relationship=relationship, requested_by=scene.member("own", Role.RELATIONSHIP_MANAGER)
    )
    other_executive = MembershipFactory(organization=scene.own, role=Role.EXECUTIVE)
    before = snapshot(relationship)
    response = api_client_for(other_executive).post(
        f"/api/v1/orgs/own-org/relationships/{relationship.pk}/gates/{gate.pk}/approve/",
        {},
        format="json",
    )
    assert outcome(response) == (403, "not_an_approver")
    assert snapshot(relationship) == before
