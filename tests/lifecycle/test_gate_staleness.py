"""Stale approvals: a gate rests on the evidence it snapshotted when it was requested.

Changing or removing evidence of a requirement the gate rests on makes the gate stale: further
approvals are refused until someone requests the gate again, which supersedes the stale one and
asks every SER afresh. Evidence on another stage's requirements does not touch the gate.
"""

from __future__ import annotations

import pytest

from lifecycle.models import RecordKind
from relationships.models import Relationship
from tests.lifecycle.helpers import Side, approve, request_gate, settle_stage, side_of
from tests.lifecycle.staging import fresh, ledger, put_at_stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint(world) -> tuple[Relationship, Side, Side]:
    """The world's relationship at stage 5, every stage-5 requirement met with a note."""
    lead = side_of(world.own, world.relationship)
    partner = side_of(world.partner, world.relationship)
    relationship = put_at_stage(world.relationship, 5)
    assert settle_stage(lead, relationship, 5) > 0
    return relationship, lead, partner


def gate_of(side: Side, relationship: Relationship, gate_id: int) -> dict:
    response = side.manager_api.get(side.url(relationship, f"gates/{gate_id}/"))
    assert response.status_code == 200, response.content
    return response.json()


def evidence_of_stage(side: Side, relationship: Relationship, stage: int) -> list[dict]:
    response = side.manager_api.get(side.url(relationship, f"evidence/?stage={stage}"))
    assert response.status_code == 200, response.content
    return response.json()["results"]


def requirement_of_stage(side: Side, relationship: Relationship, stage: int) -> dict:
    response = side.manager_api.get(side.url(relationship, f"requirements/?stage={stage}"))
    return response.json()["results"][0]


def test_changed_evidence_makes_the_gate_stale_until_it_is_requested_again(joint):
    relationship, lead, partner = joint
    gate = request_gate(lead, relationship).json()
    assert (gate["status"], gate["stale"]) == ("pending", False)
    evidence = evidence_of_stage(lead, relationship, 5)
    assert set(gate["evidence"]) == {str(e["id"]) for e in evidence}
    assert approve(lead, relationship, gate["id"]).json()["status"] == "pending"

    # The lead rewrites a note the gate rests on: new version, new content hash.
    changed = evidence[0]
    patched = lead.manager_api.patch(
        lead.url(relationship, f"evidence/{changed['id']}/"),
        {"note": "The governance charter was rewritten after the request."},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["version"] == changed["version"] + 1
    assert patched.json()["content_hash"] != changed["content_hash"]
    assert gate["evidence"][str(changed["id"])] == changed["content_hash"]

    entries = ledger(relationship).count()
    refused = approve(partner, relationship, gate["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "gate_stale")
    assert ledger(relationship).count() == entries
    assert fresh(relationship).current_stage == 5
    shown = gate_of(partner, relationship, gate["id"])
    assert (shown["status"], shown["stale"]) == ("pending", True)
    inbox = partner.ser_api.get(f"/api/v1/orgs/{partner.organization.slug}/approvals/").json()
    assert [(row["gate"], row["stale"]) for row in inbox] == [(gate["id"], True)]

    # Requesting again supersedes the stale gate; the earlier approval does not carry over.
    again = request_gate(partner, relationship)
    assert again.status_code == 201, again.content
    again = again.json()
    assert again["decisions"] == []
    assert again["evidence"][str(changed["id"])] == patched.json()["content_hash"]
    superseded = ledger(relationship).filter(kind=RecordKind.GATE_SUPERSEDED)
    assert list(superseded.values_list("gate_id", flat=True)) == [gate["id"]]
    assert gate_of(lead, relationship, gate["id"])["status"] == "superseded"

    assert approve(partner, relationship, again["id"]).json()["status"] == "pending"
    assert fresh(relationship).current_stage == 5
    assert approve(lead, relationship, again["id"]).json()["status"] == "passed"
    assert fresh(relationship).current_stage == 6


def test_a_gate_that_is_not_stale_cannot_be_superseded(joint):
    relationship, lead, partner = joint
    gate = request_gate(lead, relationship).json()
    refused = request_gate(partner, relationship)
    assert (refused.status_code, refused.json()["code"]) == (409, "gate_pending")
    assert not ledger(relationship).filter(kind=RecordKind.GATE_SUPERSEDED).exists()
    assert gate_of(lead, relationship, gate["id"])["status"] == "pending"


def test_evidence_of_another_stage_leaves_the_gate_alone_but_removing_its_own_does_not(joint):
    relationship, lead, partner = joint
    # A second piece on one requirement: removing the first leaves it met, on the second.
    gating = evidence_of_stage(lead, relationship, 5)[-1]
    second = lead.manager_api.post(
        lead.url(relationship, "evidence/"),
        {"requirement": gating["requirement"], "kind": "note", "title": "More", "note": "Also."},
        format="json",
    )
    assert second.status_code == 201, second.content
    gate = request_gate(lead, relationship).json()
    assert approve(lead, relationship, gate["id"]).status_code == 200

    later = requirement_of_stage(lead, relationship, 6)
    added = partner.manager_api.post(
        partner.url(relationship, "evidence/"),
        {"requirement": later["id"], "kind": "note", "title": "Early", "note": "Ideas for 6."},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert gate_of(partner, relationship, gate["id"])["stale"] is False

    removed = lead.manager_api.delete(lead.url(relationship, f"evidence/{gating['id']}/"))
    assert removed.status_code == 204, removed.content
    assert gate_of(partner, relationship, gate["id"])["stale"] is True
    refused = approve(partner, relationship, gate["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "gate_stale")
    assert fresh(relationship).current_stage == 5

    # The new request rests on what is left, and both SERs decide again.
    again = request_gate(lead, relationship).json()
    assert str(gating["id"]) not in again["evidence"]
    assert approve(lead, relationship, again["id"]).json()["status"] == "pending"
    assert approve(partner, relationship, again["id"]).json()["status"] == "passed"
